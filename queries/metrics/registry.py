"""Every metric the command language knows, in the order help lists them, and name lookup.

A metric is declared once, beside its handler, as a `Metric`; this module only lists them.
Survival endpoints come from the cohort (any X_time/X_event pair); pfs and os are the usual
ones, and any other endpoint answers like them.
"""

from __future__ import annotations

import difflib

from sts_queries.errors import UnknownMetric
from sts_queries.language.effect_options import HAZARD_WORDS
from sts_queries.language.parse import USAGE
from sts_queries.metrics.baseline import BASELINE
from sts_queries.metrics.count import COUNT
from sts_queries.metrics.fields import FIELDS
from sts_queries.metrics.help import Help, help_answer
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.patients.patient_card import PATIENT
from sts_queries.metrics.patients.patient_list import LIST
from sts_queries.metrics.patients.spider import SPIDER
from sts_queries.metrics.patients.swimmer import SWIMMER
from sts_queries.metrics.patients.waterfall import WATERFALL
from sts_queries.metrics.rates import DCR, ORR
from sts_queries.metrics.response import DOR, TTR
from sts_queries.metrics.summary import SUMMARY
from sts_queries.metrics.survival.competing import CIF
from sts_queries.metrics.survival.endpoints import OS, PFS, endpoint_metric
from sts_queries.metrics.survival.forest import FOREST
from sts_queries.metrics.survival.rmst import RMST
from sts_queries.metrics.toxicity import TOX

__all__ = ["HELP", "METRICS", "hazard_endpoint", "metric_names", "resolve"]

HELP = Metric(
    name="help",
    title="Help",
    summary="Usage, or the details of one metric.",
    examples=("help", "help pfs"),
    aliases=("?",),
    handler=lambda spec, cohort: help_answer(spec, cohort, resolve=resolve, names=metric_names),
    body=Help,
    groupable=False,
    filterable=False,
    args="topic",
)

METRICS: tuple[Metric, ...] = (
    ORR,
    DCR,
    PFS,
    OS,
    DOR,
    TTR,
    CIF,
    RMST,
    FOREST,
    TOX,
    COUNT,
    BASELINE,
    LIST,
    PATIENT,
    SWIMMER,
    WATERFALL,
    SPIDER,
    SUMMARY,
    FIELDS,
    HELP,
)
_BY_NAME = {m.name: m for m in METRICS}
_ALIASES = {alias: m.name for m in METRICS for alias in m.aliases}


def metric_names(endpoints: tuple[str, ...] = ()) -> list[str]:
    """Metric names in help order, with the cohort's own endpoints after the rates."""
    names = [m.name for m in METRICS]
    return list(dict.fromkeys([*names[:2], *endpoints, *names[2:]]))


def hazard_endpoint(endpoints: tuple[str, ...]) -> str:
    """The endpoint `hr` and `cox` mean: pfs where the cohort has it, else os, else its first."""
    for name in ("pfs", "os", *endpoints):
        if name in endpoints:
            return name
    return "pfs"  # a cohort without endpoints: the survival handler says so


def resolve(name: str, endpoints: tuple[str, ...] = ()) -> Metric:
    """The metric a typed name means (any case, aliases), or UnknownMetric with a hint.

    `hr` and `cox` mean the grouped survival answer, which carries the hazard ratios."""
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key in HAZARD_WORDS:
        key = hazard_endpoint(endpoints)
    if key in endpoints:
        return endpoint_metric(key)
    if key in _BY_NAME:  # pfs or os asked of a cohort without them: the handler says so
        return _BY_NAME[key]
    known = sorted({m.name for m in METRICS} | set(endpoints) | set(_ALIASES) | set(HAZARD_WORDS))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    near = close[0] if close else ""
    near = hazard_endpoint(endpoints) + " by=<field>" if near in HAZARD_WORDS else near
    hint = f"Did you mean `{_ALIASES.get(near, near)}`? " if near else ""
    raise UnknownMetric(
        f"Unknown metric `{name}`.",
        hint=hint + f"Known: {', '.join(metric_names(endpoints))}. Usage: {USAGE}",
    )
