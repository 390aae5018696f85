"""Fine–Gray proportional subdistribution hazards, as `cmprsk::crr`.

Fine and Gray (1999, JASA 94:496). The risk set of the cause of interest at time t keeps the
patients who had a competing event before t, weighted by G(t-) / G(T_i-), where G is the
Kaplan–Meier of the censoring times (crr's one censoring group); the weighted partial
likelihood is maximised by Newton–Raphson with step halving, and the variance is crr's sandwich
I^-1 (sum_i (eta_i + psi_i)(eta_i + psi_i)') I^-1: eta_i the patient's score residual, psi_i
what the estimation of G adds (the paper's section 3).

Rows may stand for several identical patients (`weights`): every sum below counts them, so the
fit equals the one on the expanded rows. The sums over risk sets are cumulative sums over the
sorted distinct times, so no step loops over patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FineGrayFit", "NotEstimable", "fine_gray"]

# crr's defaults: gtol, maxiter, and the 20 halvings of a step it tries before giving up.
_GTOL = 1e-6
_MAX_ITER = 10
_MAX_HALVINGS = 20


class NotEstimable(ValueError):
    """No finite maximum (no events of the cause, a group without any, separation)."""


@dataclass(frozen=True, kw_only=True, eq=False)
class FineGrayFit:
    coef: np.ndarray
    var: np.ndarray  # crr's sandwich
    loglik: float
    iterations: int

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var))


class _Data:
    """The sorted distinct times and the counts every step of the fit reuses."""

    def __init__(self, time, cause, x, weights):
        t = np.asarray(time, dtype=float).ravel()
        c = np.asarray(cause).ravel().astype(np.int64)
        x = np.asarray(x, dtype=float).reshape(t.size, -1)
        w = np.ones(t.size) if weights is None else np.asarray(weights, dtype=float).ravel()
        keep = w > 0
        self.t, self.c, self.x, self.w = t[keep], c[keep], x[keep], w[keep]
        self.times, self.at = np.unique(self.t, return_inverse=True)
        m = self.times.size
        everyone = np.bincount(self.at, weights=self.w, minlength=m)
        self.at_risk = np.cumsum(everyone[::-1])[::-1]  # Y(t): time >= t
        self.censored = np.bincount(self.at, weights=self.w * (self.c == 0), minlength=m)
        self.d1 = np.bincount(self.at, weights=self.w * (self.c == 1), minlength=m)
        # G: Kaplan–Meier of censoring, the failures (any cause) its censored; G(t-) per time.
        g_after = np.cumprod(1.0 - self.censored / self.at_risk)
        self.g_before = np.concatenate(([1.0], g_after[:-1]))
        self.g_row = self.g_before[self.at]
        self.failure = self.d1 > 0
        self.competing = self.c >= 2


def _sums(data: _Data, beta: np.ndarray):
    """S0, S1, S2 of the weighted risk set at every distinct time (crr's xb1, xb, vt)."""
    p = data.x.shape[1]
    risk = data.w * np.exp(data.x @ beta)
    outer = data.x[:, :, None] * data.x[:, None, :]
    m = data.times.size

    def per_time(values):
        flat = values.reshape(values.shape[0], -1)
        columns = [np.bincount(data.at, weights=col, minlength=m) for col in flat.T]
        return np.column_stack(columns)

    parts = [risk[:, None], risk[:, None] * data.x, risk[:, None] * outer.reshape(-1, p * p)]
    still, gone = [], []
    for part in parts:
        at_time = per_time(part)
        still.append(np.cumsum(at_time[::-1], axis=0)[::-1])  # time >= t: weight 1
        # Competing events before t, weighted by G(t-) / G(T_i-): a sum over times < t.
        comp = per_time(part * (data.competing / data.g_row)[:, None])
        gone.append(np.vstack([np.zeros((1, comp.shape[1])), np.cumsum(comp, axis=0)[:-1]]))
    s = [a + data.g_before[:, None] * b for a, b in zip(still, gone, strict=True)]
    return s[0][:, 0], s[1], s[2].reshape(m, p, p), risk


def _step(data: _Data, beta: np.ndarray):
    s0, s1, s2, _ = _sums(data, beta)
    f = data.failure
    d1, s0, s1, s2 = data.d1[f], s0[f], s1[f], s2[f]
    events = data.c == 1
    loglik = float(np.sum(data.w[events] * (data.x[events] @ beta)) - np.sum(d1 * np.log(s0)))
    xbar = s1 / s0[:, None]
    score = (data.w[events, None] * data.x[events]).sum(axis=0) - (d1[:, None] * xbar).sum(axis=0)
    info = np.einsum("t,tij->ij", d1, s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :])
    return loglik, score, info


def fine_gray(time, cause, x, *, weights=None) -> FineGrayFit:
    """Subdistribution hazard model of cause 1 (cause 0 censored, 2 and up competing) on the
    covariates `x` (rows × p), as `crr(time, cause, x)`: coefficients and crr's variance.

    The iterations are crr's, so that the estimate is the one it reports: Newton steps from 0,
    each halved until the log-likelihood rises by at least 1e-4 of what the step promises, up
    to crr's 10 steps, stopping once max |score| * max(|beta|, 1) < 1e-6 * max(|loglik|, 1)."""
    data = _Data(time, cause, x, weights)
    if not data.failure.any():
        raise NotEstimable("no events of the cause of interest")
    beta = np.zeros(data.x.shape[1])
    for iteration in range(_MAX_ITER + 1):
        loglik, score, info = _step(data, beta)
        scale = np.maximum(np.abs(beta), 1.0)
        if np.max(np.abs(score) * scale) < max(abs(loglik), 1.0) * _GTOL:
            break
        if iteration == _MAX_ITER:
            raise NotEstimable("the model did not converge (a group without events?)")
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise NotEstimable("the information matrix is singular") from None
        for _ in range(_MAX_HALVINGS + 1):
            new = _step(data, beta + step)[0]
            if np.isfinite(new) and new >= loglik + 1e-4 * float(step @ score):
                break
            step = step * 0.5
        else:
            raise NotEstimable("no step improves the likelihood (a group without events?)")
        beta = beta + step
    if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 30:
        raise NotEstimable("the estimate runs off to infinity (a group without events?)")
    inverse = np.linalg.inv(info)
    middle = _residual_products(data, beta)
    return FineGrayFit(
        coef=beta, var=inverse @ middle @ inverse, loglik=loglik, iterations=iteration
    )


def _residual_products(data: _Data, beta: np.ndarray) -> np.ndarray:
    """sum over patients of (eta_i + psi_i)(eta_i + psi_i)', crr's `crrvv`."""
    s0, s1, _, risk = _sums(data, beta)
    unit_risk = risk / data.w  # exp(x beta) of one patient
    f = data.failure
    xbar = np.where(f[:, None], s1 / np.where(f, s0, 1.0)[:, None], 0.0)
    jump = np.where(f, data.d1 / np.where(f, s0, 1.0), 0.0)  # d Lambda_1 at each time
    x, at = data.x, data.at

    # eta: the score residual. Its d Lambda_1 part runs over the failure times the patient is
    # at risk at (weight 1 up to their own time, G-weighted after it for a competing event).
    c0, c1 = np.cumsum(jump), np.cumsum(jump[:, None] * xbar, axis=0)
    g_jump = jump * data.g_before
    after0 = np.cumsum(g_jump[::-1])[::-1]  # sum over times >= t
    after1 = np.cumsum((g_jump[:, None] * xbar)[::-1], axis=0)[::-1]
    later0 = np.concatenate((after0[1:], [0.0]))  # sum over times > t
    later1 = np.vstack([after1[1:], np.zeros((1, x.shape[1]))])
    eta = -unit_risk[:, None] * (x * c0[at, None] - c1[at])
    weight_after = np.where(data.competing, unit_risk / data.g_row, 0.0)
    eta -= weight_after[:, None] * (x * later0[at, None] - later1[at])
    events = data.c == 1
    eta[events] += x[events] - xbar[at[events]]

    # psi: what estimating G adds, q(u) / Y(u) integrated against each patient's censoring
    # martingale; q(u) sums, over failures at or after u, the competing events before u.
    values = (data.w * weight_after)[:, None] * np.hstack([np.ones((x.shape[0], 1)), x])
    comp = np.column_stack(
        [np.bincount(at, weights=col, minlength=data.times.size) for col in values.T]
    )
    before = np.vstack([np.zeros((1, comp.shape[1])), np.cumsum(comp, axis=0)[:-1]])
    q = before[:, 1:] * after0[:, None] - before[:, :1] * after1
    y = data.at_risk
    increments = q * (data.censored / (y * y))[:, None]
    psi = -np.cumsum(increments, axis=0)[at]
    cens = data.c == 0
    psi[cens] += q[at[cens]] / y[at[cens], None]

    r = eta + psi
    return (data.w[:, None] * r).T @ r
