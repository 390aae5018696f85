"""The one place the stages meet: text → Command → QuerySpec → Answer.

The CLI, the console, the Slack listener and the weekly summary all call `ask` (or `answer`),
so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

from .cohort import Cohort
from .endpoints import survival_answer
from .help import help_answer
from .parse import parse
from .rates import count_answer, rate_answer
from .result import Answer
from .spec import QuerySpec, build_spec
from .summary import summary_answer
from .swimmer import swimmer_answer
from .tables import baseline_answer, fields_answer, list_answer, patient_answer
from .toxicity import tox_answer

__all__ = ["answer", "ask", "register", "understand"]

_HANDLERS: dict[str, Callable[[QuerySpec, Cohort], Answer]] = {
    "orr": rate_answer,
    "dcr": rate_answer,
    "count": count_answer,
    "baseline": baseline_answer,
    "list": list_answer,
    "patient": patient_answer,
    "fields": fields_answer,
    "tox": tox_answer,
    "help": help_answer,
    "swimmer": swimmer_answer,
    "summary": summary_answer,
}


def register(metric: str, handler: Callable[[QuerySpec, Cohort], Answer]) -> None:
    """Add a metric answered outside this package (the swimmer plot, the weekly summary)."""
    _HANDLERS[metric] = handler


def understand(text: str, cohort: Cohort) -> QuerySpec:
    """Text → a validated spec, or a StsError saying what was wrong."""
    return build_spec(parse(text), cohort.catalog, cohort.endpoints)


def answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    handler = _HANDLERS.get(spec.metric)
    if handler is None:
        handler = survival_answer  # every other metric the spec accepts is an endpoint
    return handler(spec, cohort)


def ask(text: str, cohort: Cohort) -> Answer:
    """Answer one `/sts` command on a cohort."""
    return answer(understand(text, cohort), cohort)
