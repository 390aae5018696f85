"""The Aalen–Johansen cumulative incidence of competing causes, as R's multi-state `survfit`.

`survfit(Surv(time, factor(cause)) ~ 1)` (survival 3.5): each cause's cumulative incidence
F_k(t) = sum over event times t_j <= t of S(t_j-) d_kj / n_j, with S the all-cause
Kaplan–Meier; its standard error R's infinitesimal jackknife (`survfitaj`), and the limits of
`survfit_confint(logse = FALSE)`, R's "log" transform by default.

The jackknife variance needs no loop over patients. Each patient's influence on F_k(t) is a sum
of increments at the event times; at time t_j every patient still at risk carries the same
increment unless they have an event there, and those increments sum to zero over the risk set,
so the cross-time terms vanish and the variance is a sum over event times of
(sum over causes m of d_mj (a_mj - c_j)^2 + (n_j - d_j) c_j^2) / n_j^2,
where a_mj is dF_k(t)/d lambda_mj and c_j = sum_m a_mj lambda_mj. Both are linear in F_k(t)
(a_mj = S(t_j-)[m = k] - (F_k(t) - F_k(t_j)) / (1 - lambda_j)), so the sum is a quadratic in
F_k(t) whose coefficients are cumulative sums: one pass for every time at once. (For one cause
it reduces to Greenwood's variance, which is what R reports for a Kaplan–Meier.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

__all__ = ["CIF_CONF_TYPES", "CumulativeIncidence", "IncidencePoint", "aalen_johansen"]

CIF_CONF_TYPES = ("log", "log-log", "plain")


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: arrays have no single truth value
class CumulativeIncidence:
    """The curves of every cause (columns, cause 1 first) at each distinct time, as R's
    `survfit` object: `incidence` is its `pstate` without the event-free state."""

    n: int
    causes: int  # number of causes (columns)
    conf_type: str
    conf_level: float
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray  # (times, causes)
    n_censor: np.ndarray
    incidence: np.ndarray  # (times, causes)
    std_err: np.ndarray  # (times, causes)
    lower: np.ndarray
    upper: np.ndarray

    @property
    def events(self) -> tuple[int, ...]:
        """Events of each cause."""
        return tuple(int(x) for x in self.n_event.sum(axis=0))

    def n_at_risk(self, t: float) -> int:
        """Number still at risk at time `t` (time >= t), as `summary(fit, times=t)$n.risk`."""
        i = int(np.searchsorted(self.time, t, side="left"))
        return int(self.n_risk[i]) if i < self.time.size else 0

    def at(self, t: float, cause: int = 1) -> tuple[float, float, float, float]:
        """(incidence, lower, upper, std_err) of `cause` (1-based) at `t`, right-continuous;
        before the first time (0, NaN, NaN, 0), as R reports a curve not yet risen."""
        i = int(np.searchsorted(self.time, t, side="right")) - 1
        if i < 0:
            return (0.0, math.nan, math.nan, 0.0)
        k = cause - 1
        return (
            float(self.incidence[i, k]),
            float(self.lower[i, k]),
            float(self.upper[i, k]),
            float(self.std_err[i, k]),
        )

    def points(self, times: Iterable[float], cause: int = 1) -> tuple[IncidencePoint, ...]:
        """`cause`'s incidence at each of `times`, as `summary(fit, times=…)`; past the last
        time the estimate is None (R's summary drops that time)."""
        last = float(self.time[-1]) if self.time.size else -math.inf
        out = []
        for t in times:
            t = float(t)
            if not math.isfinite(t) or t < 0:
                raise ValueError(f"a landmark time must be finite and >= 0, got {t}")
            if t > last:
                out.append(IncidencePoint(time=t, estimate=None, at_risk=0))
                continue
            p, low, high, se = self.at(t, cause)
            out.append(
                IncidencePoint(
                    time=t,
                    estimate=p,
                    std_err=se,
                    ci_low=None if math.isnan(low) else low,
                    ci_high=None if math.isnan(high) else high,
                    at_risk=self.n_at_risk(t),
                )
            )
        return tuple(out)


@dataclass(frozen=True, kw_only=True)
class IncidencePoint:
    """One cause's cumulative incidence at one time; limits None where R gives NA (F = 0)."""

    time: float
    estimate: float | None
    at_risk: int
    std_err: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


def aalen_johansen(
    time, cause, *, causes: int | None = None, weights=None, conf_type: str = "log",
    conf_level: float = 0.95,
) -> CumulativeIncidence:  # fmt: skip
    """Aalen–Johansen curves of causes 1..K; `cause` is 0 for censored, k for cause k.

    `weights` counts the patients each row stands for (rows aggregated by time and cause); the
    fit is that of the expanded rows. `causes` fixes K (a group may have none of the last).
    """
    if conf_type not in CIF_CONF_TYPES:
        raise ValueError(f"unknown conf_type {conf_type!r}; use one of {CIF_CONF_TYPES}")
    t = np.asarray(time, dtype=float).ravel()
    c = np.asarray(cause).ravel().astype(np.int64)
    w = np.ones(t.size, np.int64) if weights is None else np.asarray(weights).ravel()
    if not (t.shape == c.shape == w.shape):
        raise ValueError("time, cause and weights must have the same length")
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(c < 0) or np.any(w < 0):
        raise ValueError("times, causes and weights must be finite and >= 0")
    k = int(causes if causes is not None else max(int(c.max(initial=0)), 1))
    if np.any(c > k):
        raise ValueError(f"causes run from 0 (censored) to {k}")
    keep = w > 0
    t, c, w = t[keep], c[keep], w[keep].astype(np.int64)
    total = int(w.sum())
    if total == 0:
        raise ValueError("the cumulative incidence needs at least one patient")

    times, at = np.unique(t, return_inverse=True)
    cells = np.bincount(at * (k + 1) + c, weights=w, minlength=times.size * (k + 1))
    counts = cells.reshape(times.size, k + 1).astype(np.int64)
    n_censor, n_event = counts[:, 0], counts[:, 1:]
    n_risk = total - np.concatenate(([0], np.cumsum(counts.sum(axis=1))[:-1]))

    n = n_risk.astype(float)
    d = n_event.sum(axis=1).astype(float)
    hazard = n_event / n[:, None]  # (times, causes)
    lam = d / n
    surv = np.cumprod(1.0 - lam)
    before = np.concatenate(([1.0], surv[:-1]))  # S(t_j-)
    incidence = np.cumsum(before[:, None] * hazard, axis=0)
    # 1 / (1 - lambda_j), 0 where everyone at risk has an event (nobody is left after it, so
    # the terms it multiplies are 0 there).
    inverse = np.divide(1.0, 1.0 - lam, out=np.zeros_like(lam), where=lam < 1.0)

    std_err = np.empty_like(incidence)
    for j in range(k):
        f, h = incidence[:, j], hazard[:, j]
        own, other = n_event[:, j], d - n_event[:, j]
        # Each term is (p + q F(t))^2: the (p, q) of the patients with this cause, with another
        # cause, and still at risk without an event.
        forms = (
            (own, before * (1.0 - h) + f, -1.0),
            (other, -before * h + f, -1.0),
            (n - d, before * h + lam * inverse * f, -lam * inverse),
        )
        a0 = a1 = a2 = 0.0
        for weight, p, q in forms:
            a0 = a0 + weight * p * p
            a1 = a1 + weight * 2.0 * p * q
            a2 = a2 + weight * q * q
        a0, a1, a2 = (np.cumsum(x / (n * n)) for x in (a0, a1, a2))
        std_err[:, j] = np.sqrt(np.maximum(a0 + a1 * f + a2 * f * f, 0.0))
    lower, upper = _confint(incidence, std_err, conf_type, conf_level)
    for a in (times, n_risk, n_event, n_censor, incidence, std_err, lower, upper):
        a.setflags(write=False)
    return CumulativeIncidence(
        n=total,
        causes=k,
        conf_type=conf_type,
        conf_level=float(conf_level),
        time=times,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        incidence=incidence,
        std_err=std_err,
        lower=lower,
        upper=upper,
    )


def _confint(p: np.ndarray, se: np.ndarray, conf_type: str, conf_level: float):
    """R's `survfit_confint(p, se, logse = FALSE, …)`: se is turned into the se of log(p)
    first; limits undefined (NaN) at p = 0 (and at p = 1 for log-log)."""
    z = ndtri(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_se = np.where(se == 0, 0.0, se / p)
        if conf_type == "plain":
            half = log_se * p * z
            return np.maximum(p - half, 0.0), np.minimum(p + half, 1.0)
        if conf_type == "log":
            x = np.where(p == 0, np.nan, p)
            return np.exp(np.log(x) - z * log_se), np.minimum(np.exp(np.log(x) + z * log_se), 1.0)
        x = np.where((p == 0) | (p == 1), np.nan, p)
        half = z * log_se / np.log(x)
        return np.exp(-np.exp(np.log(-np.log(x)) - half)), np.exp(
            -np.exp(np.log(-np.log(x)) + half)
        )
