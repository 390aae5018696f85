"""Every metric the command language knows, in the order help lists them, and name lookup.

A metric is declared once, beside its handler, as a `Metric`; this module only lists them.
Survival endpoints come from the cohort (any X_time/X_event pair); pfs and os are the usual
ones, and any other endpoint answers like them.
"""

from __future__ import annotations

import difflib

from .endpoints import OS, PFS, endpoint_metric
from .errors import UnknownMetric
from .help import HELP
from .metric import Metric
from .parse import USAGE
from .rates import COUNT, DCR, ORR
from .summary import SUMMARY
from .swimmer import SWIMMER
from .tables import BASELINE, FIELDS, LIST, PATIENT
from .toxicity import TOX

__all__ = ["METRICS", "metric_names", "resolve"]

METRICS: tuple[Metric, ...] = (
    ORR,
    DCR,
    PFS,
    OS,
    TOX,
    COUNT,
    BASELINE,
    LIST,
    PATIENT,
    SWIMMER,
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


def resolve(name: str, endpoints: tuple[str, ...] = ()) -> Metric:
    """The metric a typed name means (any case, aliases), or UnknownMetric with a hint."""
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key in endpoints:
        return endpoint_metric(key)
    if key in _BY_NAME:  # pfs or os asked of a cohort without them: the handler says so
        return _BY_NAME[key]
    known = sorted({m.name for m in METRICS} | set(endpoints) | set(_ALIASES))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"Did you mean `{_ALIASES.get(close[0], close[0])}`? " if close else ""
    raise UnknownMetric(
        f"Unknown metric `{name}`.",
        hint=hint + f"Known: {', '.join(metric_names(endpoints))}. Usage: {USAGE}",
    )
