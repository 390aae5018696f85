"""Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

Censoring is the event: R's `survfit(Surv(time, 1 - status) ~ 1)`, whose median is the time by
which half the patients still alive and event-free would have been seen for the last time.
Unlike the median of all follow-up times it is not shortened by early events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sts_queries.stats.survival import kaplan_meier

__all__ = ["FollowUp", "median_followup"]


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    """Median follow-up with its confidence limits (None: not reached), as R's print(fit)."""

    median: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    censored: int  # the reverse curve's "events"
    conf_type: str
    method: str


def median_followup(
    time, event, *, weights=None, conf_type: str = "log-log", conf_level: float = 0.95
) -> FollowUp:
    """Reverse Kaplan–Meier median follow-up of `time` (event 1, censored 0); `weights` counts
    the patients each row stands for, as in `kaplan_meier`."""
    e = np.asarray(event).ravel()
    if e.dtype == bool:
        e = e.astype(np.int64)
    fit = kaplan_meier(time, 1 - e, weights=weights, conf_type=conf_type, conf_level=conf_level)
    return FollowUp(
        median=fit.median,
        ci_low=fit.median_low,
        ci_high=fit.median_high,
        n=fit.n,
        censored=fit.events,
        conf_type=conf_type,
        method=(
            f"reverse Kaplan–Meier (censoring as the event), {conf_type} {conf_level:.0%} CI, "
            "as R survfit(Surv(time, 1 - status) ~ 1)"
        ),
    )
