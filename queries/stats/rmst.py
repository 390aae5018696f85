"""Restricted mean survival time (RMST): the area under a Kaplan–Meier curve up to a time τ,
and the comparison of two groups' RMSTs.

The RMST and its standard error are R's (`print(survfit(...), rmean = τ)`, `survival:::survmean`),
which are also survRM2's `rmst1`: the variance sums, over the event times t ≤ τ, (the area under
the curve from t to τ)² · d / (n (n − d)), a term of 0 where everyone at risk has the event (the
curve is 0 after it, so no area follows). The CI is the estimate ± z·SE. The comparison is
survRM2's unadjusted `rmst2`: the difference with the two variances summed and a normal p; the
ratio by the delta method on log RMST (variance var / RMST²). τ follows survRM2's rule (see
`largest_tau`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from sts_queries.stats.survival import KMFit

__all__ = ["Contrast", "RestrictedMean", "largest_tau", "restricted_mean", "rmst_contrasts"]


@dataclass(frozen=True, kw_only=True)
class RestrictedMean:
    """The RMST of one curve to `tau`, in the curve's time unit, with its SE and CI."""

    tau: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, kw_only=True)
class Contrast:
    """A group's RMST against the reference's: a difference or a ratio, its CI and p.

    The CI and p are None where the variance is 0 (no event before τ in either group), as
    R's NaN."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    p: float | None


def _z(conf_level: float) -> float:
    return float(ndtri(1 - (1 - conf_level) / 2))


def restricted_mean(fit: KMFit, tau: float, conf_level: float = 0.95) -> RestrictedMean:
    """The area under `fit` from 0 to `tau` (> 0), with R's standard error."""
    if not (tau > 0 and math.isfinite(tau)):
        raise ValueError(f"tau must be a positive number, got {tau}")
    keep = fit.time <= tau
    times = np.append(fit.time[keep], tau)
    # Rectangles: [0, t1) at 1, then each [t_i, t_i+1) at S(t_i), the last ending at tau.
    areas = np.diff(np.concatenate(([0.0], times))) * np.concatenate(([1.0], fit.surv[keep]))
    n = fit.n_risk[keep].astype(float)
    d = fit.n_event[keep].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(n - d == 0, 0.0, d / (n * (n - d)))
    after = np.cumsum(areas[1:][::-1])[::-1]  # the area from each time t_i to tau
    estimate = float(np.sum(areas))
    se = math.sqrt(float(np.sum(after**2 * h)))
    z = _z(conf_level)
    return RestrictedMean(
        tau=float(tau),
        estimate=estimate,
        se=se,
        ci_low=estimate - z * se,
        ci_high=estimate + z * se,
    )


def rmst_contrasts(
    group: RestrictedMean, reference: RestrictedMean, conf_level: float = 0.95
) -> tuple[Contrast, Contrast]:
    """(difference, ratio) of `group`'s RMST against `reference`'s, as survRM2's rmst2 (arm 1
    the group, arm 0 the reference)."""
    z = _z(conf_level)
    diff = group.estimate - reference.estimate
    diff_se = math.sqrt(group.se**2 + reference.se**2)
    log_ratio = math.log(group.estimate) - math.log(reference.estimate)
    log_se = math.sqrt(group.se**2 / group.estimate**2 + reference.se**2 / reference.estimate**2)
    if diff_se == 0:
        return (
            Contrast(estimate=diff, ci_low=None, ci_high=None, p=None),
            Contrast(estimate=math.exp(log_ratio), ci_low=None, ci_high=None, p=None),
        )
    difference = Contrast(
        estimate=diff,
        ci_low=diff - z * diff_se,
        ci_high=diff + z * diff_se,
        p=float(2 * ndtr(-abs(diff) / diff_se)),
    )
    ratio = Contrast(
        estimate=math.exp(log_ratio),
        ci_low=math.exp(log_ratio - z * log_se),
        ci_high=math.exp(log_ratio + z * log_se),
        p=float(2 * ndtr(-abs(log_ratio) / log_se)),
    )
    return difference, ratio


def largest_tau(fits: Sequence[KMFit]) -> tuple[float, int | None]:
    """The largest τ the curves allow, which is survRM2's default τ, and the index of the
    curve whose follow-up sets it (None when it is the longest follow-up of all).

    survRM2's rule, written for any number of groups: τ may reach the longest follow-up of any
    group, except that a group whose last patients are censored (its curve is unknown after
    them) caps τ at its own last time. A group whose last patients all had the event ends at 0
    and is known beyond.
    """
    if not fits:
        raise ValueError("largest_tau needs at least one curve")
    last = [float(f.time[-1]) for f in fits]
    tau, which = max(last), None
    for i, fit in enumerate(fits):
        if fit.n_censor[-1] > 0 and last[i] < tau:
            tau, which = last[i], i
    return tau, which
