"""Kaplan–Meier estimates and the log-rank test, reproducing R's `survival` package.

R is the field's reference, so every number here is computed the way survival 3.5 computes it:
the estimate and Greenwood variance as in `survfitKM` (C `survfitkm`), the confidence limits as
in `survfit_confint`, the median and its limits as `print.survfit` reports them (`survmean`'s
`minmin`), and the log-rank statistic as in `survdiff`. The R source a choice copies is named
next to it. Everything is vectorised: one sort plus grouped counts, no loop over patients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc, ndtri

from sts_queries.stats.missing import any_missing

__all__ = ["CONF_TYPES", "KMFit", "LogRank", "LogRankNotEstimable", "kaplan_meier", "logrank"]

CONF_TYPES = ("log-log", "log", "plain")

# R's `tolerance = sqrt(.Machine$double.eps)` for deciding that a curve sits exactly at 0.5.
_TOL = math.sqrt(np.finfo(float).eps)


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: arrays have no single truth value
class KMFit:
    """One Kaplan–Meier curve, field for field as R's `survfit` object."""

    n: int
    events: int
    conf_type: str
    conf_level: float
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    median: float | None
    median_low: float | None
    median_high: float | None

    def at(self, t: float) -> tuple[float, float, float]:
        """(surv, lower, upper) at time `t`, as R's `summary(fit, times=t, extend=TRUE)`.

        The curve is right-continuous; before the first time R reports (1, 1, 1), and limits R
        leaves undefined (log-log at S=1 or S=0) come back as NaN.
        """
        i = int(np.searchsorted(self.time, t, side="right")) - 1
        if i < 0:
            return (1.0, 1.0, 1.0)
        return (float(self.surv[i]), float(self.lower[i]), float(self.upper[i]))

    def n_at_risk(self, t: float) -> int:
        """Number still at risk at time `t` (time >= t), as `summary(fit, times=t)$n.risk`."""
        i = int(np.searchsorted(self.time, t, side="left"))
        return int(self.n_risk[i]) if i < self.time.size else 0


class LogRankNotEstimable(ValueError):
    """R's `survdiff` gives no usable answer: a singular variance (R stops) or no events."""


@dataclass(frozen=True, kw_only=True)
class LogRank:
    """Log-rank test of equal survival across groups, as R's `survdiff(..., rho = 0)`."""

    chi2: float
    df: int
    p: float


def kaplan_meier(
    time, event, *, weights=None, conf_type: str = "log-log", conf_level: float = 0.95
) -> KMFit:
    """Kaplan–Meier curve with Greenwood errors, R's confidence limits and R's median.

    `time` is follow-up (>= 0), `event` is 1 for the event and 0 for censoring. `weights`, when
    given, counts the patients each row stands for (a registry's rows aggregated by time and
    event): the fit is the one of the expanded rows, number for number, since every count is a
    sum of whole patients. The median and its limits are those `print(survfit(...))` shows;
    None means not reached.
    """
    if conf_type not in CONF_TYPES:
        # The command language only ever passes a known type: this is a caller's bug.
        raise ValueError(f"unknown conf_type {conf_type!r}; use one of {', '.join(CONF_TYPES)}")
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    t, e, w = _as_survival_data(time, event, weights)
    total = int(w.sum())
    if total == 0:
        raise ValueError("Kaplan–Meier needs at least one patient")

    times, at_time = np.unique(t, return_inverse=True)
    counts = np.bincount(at_time, weights=w, minlength=times.size).astype(np.int64)
    n_event = np.bincount(at_time, weights=e * w, minlength=times.size).astype(np.int64)
    if not np.all(counts):  # a time only rows of no patient have is no time point
        keep = counts > 0
        times, counts, n_event = times[keep], counts[keep], n_event[keep]
    n_censor = counts - n_event
    n_risk = total - np.concatenate(([0], np.cumsum(counts)[:-1]))

    # survfitkm: km *= (n - d) / n and v += d / (n (n - d)) at event times only; a factor of
    # exactly 1 and a term of exactly 0 elsewhere keep cumprod/cumsum bit-identical to R's loop.
    # When everyone left dies (n == d) the Greenwood term is d/0 = Inf, as in R.
    nr = n_risk.astype(float)
    has_event = n_event > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(has_event, (nr - n_event) / nr, 1.0))
        greenwood = np.where(has_event, n_event / (nr * (nr - n_event)), 0.0)
    std_err = np.sqrt(np.cumsum(greenwood))
    lower, upper = _confint(surv, std_err, conf_type, conf_level)

    for a in (times, n_risk, n_event, n_censor, surv, std_err, lower, upper):
        a.setflags(write=False)
    return KMFit(
        n=total,
        events=int(n_event.sum()),
        conf_type=conf_type,
        conf_level=float(conf_level),
        time=times,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        surv=surv,
        std_err=std_err,
        lower=lower,
        upper=upper,
        median=_first_below_half(surv, times),
        median_low=_first_below_half(lower, times),
        median_high=_first_below_half(upper, times),
    )


def logrank(time, event, group, *, weights=None, strata=None) -> LogRank:
    """Log-rank chi-square across the groups in `group`; equals R's `survdiff` chisq and p.

    `weights` counts the patients each row stands for, as in `kaplan_meier`; `strata` (a
    stratum per row) sums the observed, expected and variance over strata, as `survdiff(… +
    strata(s))`. Raises `LogRankNotEstimable` where survdiff stops on a singular variance.
    """
    t, e, w = _as_survival_data(time, event, weights)
    g = np.asarray(group)
    s = np.zeros(t.size, dtype=np.int64) if strata is None else np.asarray(strata)
    if g.shape != t.shape or s.shape != t.shape:
        raise ValueError("time, event, group and strata must have the same length")
    if any_missing(g) or any_missing(s):  # survdiff drops these rows; the caller decides
        raise ValueError("group or strata have missing values; drop those patients first")
    if not np.all(w):  # a group only rows of no patient stand for is no group
        t, e, w, g, s = t[w > 0], e[w > 0], w[w > 0], g[w > 0], s[w > 0]
    levels, g_idx = np.unique(g, return_inverse=True)
    if levels.size < 2:
        raise ValueError("the log-rank test needs at least two groups")
    k = levels.size
    observed, expected, var = np.zeros(k), np.zeros(k), np.zeros((k, k))
    _, s_idx = np.unique(s, return_inverse=True)
    for stratum in range(int(s_idx.max()) + 1):
        rows = s_idx == stratum
        o, x, v = _logrank_sums(t[rows], e[rows], w[rows], g_idx[rows], k)
        observed, expected, var = observed + o, expected + x, var + v

    # survdiff: groups with no expected events drop out, and so does one more (the first) to
    # make the variance invertible; df counts the groups that remain informative.
    informative = expected > 0
    df = int(informative.sum()) - 1
    if df < 0:  # no events at all: R's p is NA
        raise LogRankNotEstimable("The log-rank test is not estimable here: there are no events.")
    if df == 0:  # one group alone is at risk at the events: R reports chisq 0 on 0 df, p = 1
        return LogRank(chi2=0.0, df=0, p=1.0)
    diff = (observed - expected)[informative][1:]
    v = var[np.ix_(informative, informative)][1:, 1:]
    # R's solve() stops on a (computationally) singular variance, e.g. when every event
    # happens at one time to everyone at risk; say so rather than report a number.
    try:
        rcond = 1.0 / np.linalg.cond(v, 1)
    except np.linalg.LinAlgError:
        rcond = 0.0
    if not rcond >= np.finfo(float).eps:
        raise LogRankNotEstimable(
            "The log-rank test is not estimable here: the events carry no information on group "
            "differences (their variance is zero)."
        )
    stat = float(diff @ np.linalg.solve(v, diff))
    return LogRank(chi2=stat, df=df, p=float(chdtrc(df, stat)))


def _logrank_sums(t, e, w, g_idx, k: int):
    """Observed and expected events per group and their variance, over one stratum's times."""
    times, t_idx = np.unique(t, return_inverse=True)
    cell = t_idx * k + g_idx
    total = np.bincount(cell, weights=w, minlength=times.size * k).reshape(times.size, k)
    observed_at = np.bincount(cell, weights=e * w, minlength=times.size * k).reshape(times.size, k)
    # At risk at t = everyone whose time is >= t: a reversed cumulative sum over times.
    at_risk = np.cumsum(total[::-1], axis=0)[::-1].astype(float)
    deaths = observed_at.sum(axis=1)
    keep = deaths > 0
    at_risk, deaths = at_risk[keep], deaths[keep]
    n = at_risk.sum(axis=1)
    expected = (at_risk * (deaths / n)[:, None]).sum(axis=0)
    # survdiff2.c: hypergeometric variance; a time with a single subject at risk adds none.
    with np.errstate(divide="ignore", invalid="ignore"):
        kk = np.where(n > 1, deaths * (n - deaths) / (n * (n - 1)), 0.0)
    var = np.diag((at_risk * kk[:, None]).sum(axis=0))
    var -= (at_risk * (kk / n)[:, None]).T @ at_risk
    return observed_at.sum(axis=0), expected, var


def _as_survival_data(time, event, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, event, weights) checked; weights are whole patients, 1 per row when not given."""
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event).ravel()
    if t.shape != e.shape:
        raise ValueError("time and event must have the same length")
    if weights is None:
        w = np.ones(t.size, dtype=np.int64)
    else:
        w = np.asarray(weights).ravel()
        if w.shape != t.shape:
            raise ValueError("weights must have one count per row")
        if w.size and (np.any(w < 0) or np.any(w != np.round(w))):
            raise ValueError("weights count patients: whole numbers >= 0")
        w = w.astype(np.int64)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and non-negative")
    if e.dtype == bool:
        e = e.astype(np.int64)
    elif not np.all((e == 0) | (e == 1)):
        raise ValueError("events must be 0 (censored) or 1 (event)")
    return t, e.astype(np.int64), w


def _confint(
    surv: np.ndarray, std_err: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits exactly as R's `survfit_confint` (logse=TRUE, conf.lower="usual").

    The expressions keep R's form (e.g. exp(log(S) - z se), not S exp(-z se)) so that values
    land on the same doubles. Undefined limits are NaN where R has NA/NaN: S = 0 for all types,
    S = 1 for log-log.
    """
    # R also scales the lower half-width by selow/se; with conf.lower="usual" that is 1
    # everywhere except S = 0, where every type's limits are already NaN, so it is left out.
    z = ndtri(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = std_err * surv * z
            lower = np.maximum(surv - half, 0.0)
            upper = np.minimum(surv + half, 1.0)
        elif conf_type == "log":
            s = np.where(surv == 0, np.nan, surv)
            half = z * std_err
            lower = np.exp(np.log(s) - half)
            upper = np.minimum(np.exp(np.log(s) + half), 1.0)
        else:  # log-log
            s = np.where((surv == 0) | (surv == 1), np.nan, surv)
            half = z * std_err / np.log(s)
            lower = np.exp(-np.exp(np.log(-np.log(s)) - half))
            upper = np.exp(-np.exp(np.log(-np.log(s)) + half))
    return lower, upper


def _first_below_half(y: np.ndarray, time: np.ndarray) -> float | None:
    """The median of a curve as `survmean`'s `minmin` finds it; None where R prints NA.

    The first time the curve is at or below 0.5 (within R's tolerance), ignoring undefined
    points. If it sits at 0.5 there, the median is the midpoint between that time and the first
    time it drops below, R's rule for a flat stretch at exactly one half. A curve that ends at
    0.5 keeps the first time (print.survfit; quantile.survfit would use the last follow-up).
    """
    keep = np.flatnonzero(~np.isnan(y) & (y < 0.5 + _TOL))
    if keep.size == 0:
        return None
    first = keep[0]
    if abs(y[first] - 0.5) < _TOL:
        lower = keep[y[keep] < y[first]]
        if lower.size:
            return float((time[first] + time[lower[0]]) / 2)
    return float(time[first])
