"""The metrics the command language knows, their aliases, and how a typed name is resolved."""

from __future__ import annotations

import difflib

from .errors import UnknownMetric
from .parse import USAGE

__all__ = ["METRICS", "METRIC_ALIASES", "PATIENT_METRICS", "metric_list", "resolve_metric"]

PATIENT_METRICS = ("patient", "list")
# Every metric the language knows, in the order help lists them. Survival endpoints come
# from the cohort (any X_time/X_event pair); pfs and os are the usual ones.
METRICS = (
    "orr",
    "dcr",
    "pfs",
    "os",
    "tox",
    "count",
    "baseline",
    "list",
    "patient",
    "swimmer",
    "summary",
    "fields",
    "help",
)
METRIC_ALIASES = {
    "response": "orr",
    "rr": "orr",
    "dc": "dcr",
    "ae": "tox",
    "aes": "tox",
    "toxicity": "tox",
    "safety": "tox",
    "n": "count",
    "table1": "baseline",
    "characteristics": "baseline",
    "patients": "list",
    "case": "patient",
    "pt": "patient",
    "swim": "swimmer",
    "weekly": "summary",
    "field": "fields",
    "?": "help",
}


def resolve_metric(name: str, endpoints: tuple[str, ...] = ()) -> str:
    key = name.lower()
    key = METRIC_ALIASES.get(key, key)
    if key in METRICS or key in endpoints:
        return key
    known = sorted(set(METRICS) | set(endpoints) | set(METRIC_ALIASES))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"Did you mean `{METRIC_ALIASES.get(close[0], close[0])}`? " if close else ""
    raise UnknownMetric(
        f"Unknown metric `{name}`.",
        hint=hint + f"Known: {', '.join(metric_list(endpoints))}. Usage: {USAGE}",
    )


def metric_list(endpoints: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys([*METRICS[:2], *endpoints, *METRICS[2:]]))
