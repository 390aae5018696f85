"""The symmetric CI of a KM median that SPSS reports (median ± z·SE), as the seed paper did.

SE(t50) = SE(Ŝ(t50)) / f̂(t50) (Collett, Modelling Survival Data in Medical Research, §2.4),
with Greenwood's SE of Ŝ at the median and the density estimated across the median:
f̂ = (Ŝ(u) − Ŝ(l)) / (l − u), u the latest event time with Ŝ ≥ 0.55 (time 0 if none), l the
earliest with Ŝ ≤ 0.45. R has no such interval; the bot's default stays R's log-log.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sts_queries.stats.survival import KMFit

__all__ = ["symmetric_median_ci"]


def symmetric_median_ci(fit: KMFit) -> tuple[float | None, float | None]:
    """(low, high), or (None, None) where the median or the density is not estimable."""
    if fit.median is None:
        return None, None
    has_event = fit.n_event > 0
    times, surv, err = fit.time[has_event], fit.surv[has_event], fit.std_err[has_event]
    upper = times[surv >= 0.55]
    u, s_u = (float(upper[-1]), float(surv[surv >= 0.55][-1])) if upper.size else (0.0, 1.0)
    lower = times[surv <= 0.45]
    if lower.size == 0:
        return None, None
    l_time, s_l = float(lower[0]), float(surv[surv <= 0.45][0])
    density = (s_u - s_l) / (l_time - u)
    at = int(np.searchsorted(times, fit.median, side="right")) - 1
    se_surv = float(surv[at] * err[at])
    se = se_surv / density
    z = ndtri(0.5 + fit.conf_level / 2)
    return fit.median - z * se, fit.median + z * se
