"""What a metric is: one object that says everything the rest of the bot needs to know of it.

Each metric module declares its `Metric` beside its handler; `registry.py` lists them. The
parser, help, the access policy, rendering and the docs test all read the same object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sts_queries.metrics.shared.limits import few_enough_groups

if TYPE_CHECKING:
    from sts_queries.cohort.cohort import Cohort
    from sts_queries.query_spec import QuerySpec
    from sts_queries.result import Answer

__all__ = ["ARGS", "OPTIONS", "Metric"]

# Options a metric may accept besides filters and `by=` (and `share`, which every one takes).
OPTIONS = ("ci", "unit", "grade", "as_of", "ref", "adjust", "at", "over", "tau", "given", "strata")
# What a metric reads from the words after its name: nothing, a patient id, a help topic, the
# metric a forest plot shows.
ARGS = ("none", "patient", "topic", "metric")


@dataclass(frozen=True, kw_only=True)
class Metric:
    name: str
    title: str  # "ORR", "PFS", "Toxicity" …
    summary: str  # what it answers, for help
    examples: tuple[str, ...]  # commands that answer on the demo cohort (tested)
    handler: Callable[[QuerySpec, Cohort], Answer]
    body: type  # the typed part of its Answer (`Answer.body`)
    aliases: tuple[str, ...] = ()
    patient_level: bool = False  # answers show individual patients: only where allowed
    groupable: bool = True  # accepts by=
    filterable: bool = True  # accepts field filters
    options: frozenset[str] = frozenset()  # of OPTIONS
    args: str = "none"  # of ARGS
    endpoint: bool = False  # a survival endpoint (any X_time/X_event pair)

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(OPTIONS)
        if unknown or self.args not in ARGS:
            raise ValueError(f"metric {self.name}: unknown options {unknown} or args {self.args}")

    def answer(self, spec: QuerySpec, cohort: Cohort) -> Answer:
        few_enough_groups(spec, cohort)
        return self.handler(spec, cohort)
