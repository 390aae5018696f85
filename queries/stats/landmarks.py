"""Landmark survival: the curve, its confidence limits and the number at risk at given times,
as R's `summary(survfit(...), times = ...)` prints them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sts_queries.stats.survival import KMFit

__all__ = ["Landmark", "landmarks"]


@dataclass(frozen=True, kw_only=True)
class Landmark:
    """The curve at one time, in the fit's time unit.

    `survival` and the limits are None past the last follow-up (R's summary drops that time);
    a limit R leaves undefined (NA: log-log limits while the curve is still 1) is None too.
    """

    time: float
    survival: float | None
    ci_low: float | None
    ci_high: float | None
    at_risk: int


def landmarks(fit: KMFit, times: Iterable[float]) -> tuple[Landmark, ...]:
    """The Kaplan–Meier curve `fit` at each of `times` (in the fit's unit), with the limits of
    the fit's `conf_type` and the number still at risk (follow-up >= time)."""
    out = []
    last = float(fit.time[-1]) if fit.time.size else -math.inf
    for t in times:
        t = float(t)
        if not math.isfinite(t) or t < 0:
            raise ValueError(f"a landmark time must be finite and >= 0, got {t}")
        if t > last:
            out.append(Landmark(time=t, survival=None, ci_low=None, ci_high=None, at_risk=0))
            continue
        surv, low, high = fit.at(t)
        out.append(
            Landmark(
                time=t,
                survival=surv,
                ci_low=None if math.isnan(low) else low,
                ci_high=None if math.isnan(high) else high,
                at_risk=fit.n_at_risk(t),
            )
        )
    return tuple(out)
