"""A Cox model fitted on counts: rows that each stand for `w` identical patients.

A registry's million patients with integer-day times and a categorical design collapse to a
few thousand distinct (time, event, covariates) rows; this fits the model on those rows as
R's `coxph` would on the million, in well under a second, where lifelines takes minutes.

Exactly the expanded data's model, not a weighted one: Efron's correction at a time with d
tied deaths averages over d *patients* (d = Σw of the death rows there), which is what R's
`coxph` and lifelines compute on the expanded rows. Their weighted versions count rows
instead (R: `wtave = deadwt / ndead`), a different model, so neither is used here.

Newton–Raphson as R's `coxfit6` (`coxph.control()`: start at 0, stop when the log-likelihood
changes by at most 1e-9 relative, at most 20 iterations, step-halving when it falls). Each
iteration is O(rows·p² + deaths) array work: the data are sorted once (`cox_risk_sets`);
risk-set sums are cumulative sums; Efron's inner sums over the d tied deaths of each time are
one flat array (np.repeat) reduced with np.bincount; Σ_t c_t Σ_{risk set} wφxx' is one
X' diag(·) X product with c cumulated over the event times. No Python loop runs over times or
patients.

Where the model has no finite answer the fit says so with `cox_fit`'s plain-words reasons
(SINGULAR, INFINITE), as `cox_fit.fit_quietly` does for lifelines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import chdtrc

from sts_queries.stats.cox_fit import DURATION, EVENT, INFINITE, SINGULAR, wald_effect
from sts_queries.stats.cox_risk_sets import RiskSets, efron_sums, prepare
from sts_queries.stats.cox_zph import zph

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CountsModel", "fit_counts"]

# coxph.control(): eps, iter.max, toler.inf = sqrt(eps).
EPS = 1e-9
ITER_MAX = 20
TOLER_INF = EPS**0.5
# A pivot of the information matrix (scaled to a unit diagonal) below this is a column that
# another column, or a combination of them, duplicates.
_SINGULAR_PIVOT = 1e-10


@dataclass(frozen=True, kw_only=True)
class CountsModel:
    """A fitted model: coefficients, their variance (the inverse information) and the
    log-likelihood at 0 and at the fit."""

    columns: tuple[str, ...]
    coef: np.ndarray
    var: np.ndarray
    loglik_null: float
    loglik: float
    iterations: int
    patients: int
    events: int
    data: RiskSets
    strata: tuple[RiskSets, ...] = ()  # a stratified model's risk sets, one a stratum

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var))

    def lr_test(self) -> tuple[float, int, float]:
        """(chi2, df, p): the model against none, as summary(coxph)$logtest."""
        stat = 2.0 * (self.loglik - self.loglik_null)
        df = len(self.columns)
        return stat, df, float(chdtrc(df, stat))

    def effect(self, column: str, conf_level: float = 0.95) -> dict[str, float]:
        """hr, ci_low, ci_high (Wald, at `conf_level`) and the Wald p of one column."""
        i = self.columns.index(column)
        return wald_effect(float(self.coef[i]), float(self.se[i]), conf_level)

    def ph_tests(self, terms: Sequence[Sequence[str]]):
        """R's `cox.zph`: (global (chi2, df, p), [each term's]); `terms`: each term's columns;
        a stratified model's within its strata."""
        columns = [[self.columns.index(c) for c in t] for t in terms]
        return zph(self.data, self.coef, columns, self.strata)


def _evaluate(s: RiskSets, beta: np.ndarray):
    """(loglik, score, information) at `beta`."""
    eta, risk, _, r1, _, t1, inv, per_time = efron_sums(s, beta)
    a = s.efron_share
    logden = per_time(np.log(inv))  # Σ_l -log(den)
    s0, s1 = per_time(inv), per_time(a * inv)
    inv2 = inv * inv
    q0, q1, q2 = per_time(inv2), per_time(a * inv2), per_time(a * a * inv2)
    x_dead = s.x[s.dead]
    loglik = float(s.w_dead @ eta[s.dead] + logden.sum())
    score = s.w_dead @ x_dead - (s0 @ r1 - s1 @ t1)
    # Σ_t S0_t Σ_{risk set} wφxx' = X' diag(wφ·C) X, C cumulated over the event times each
    # row is at risk at; the ties' part over the death rows alone.
    reach = np.r_[np.cumsum(s0[::-1])[::-1], 0.0]
    info = (s.x * (risk * reach[s.row_time])[:, None]).T @ s.x
    info -= (x_dead * (risk[s.dead] * s1[s.dead_time])[:, None]).T @ x_dead
    info -= (r1 * q0[:, None]).T @ r1
    cross = (r1 * q1[:, None]).T @ t1
    info += cross + cross.T
    info -= (t1 * q2[:, None]).T @ t1
    return loglik, score, info


def _singular(info: np.ndarray) -> bool:
    diag = np.diag(info)
    if not np.all(np.isfinite(info)) or np.any(diag <= 0):
        return True
    scaled = info / np.sqrt(np.outer(diag, diag))
    try:
        pivots = np.diag(np.linalg.cholesky(scaled)) ** 2
    except np.linalg.LinAlgError:
        return True
    return bool(pivots.min() < _SINGULAR_PIVOT)


def fit_counts(
    data: pd.DataFrame, weights=None, strata=None
) -> tuple[CountsModel | None, str | None]:
    """(model, None) for a usable fit of `data` (columns DURATION, EVENT, then the design, as
    `cox_fit.fit_quietly`), each row standing for `weights` patients (1 each when None);
    (None, why in plain words) otherwise. `strata` (a stratum code per row) gives each
    stratum its own baseline hazard: risk sets within strata, as R's `coxph(… + strata(s))`,
    the log-likelihood, score and information summed over them."""
    columns = tuple(c for c in data.columns if c not in (DURATION, EVENT))
    time = data[DURATION].to_numpy(dtype=float)
    event = data[EVENT].to_numpy(dtype=np.int64)
    x = data[list(columns)].to_numpy(dtype=float).reshape(len(data), len(columns))
    w = np.ones(time.size) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.size != time.size:
        raise ValueError("weights must have one value per row")
    if np.any(w < 0) or np.any(w != np.round(w)):
        raise ValueError("weights are patient counts: whole numbers >= 0")
    keep = w > 0
    code = np.zeros(time.size, dtype=np.int64) if strata is None else np.asarray(strata)
    time, event, x, w, code = time[keep], event[keep], x[keep], w[keep], code[keep]
    if not columns or not np.any(event):
        return None, "The Cox model cannot be estimated on these data."
    sets = tuple(
        prepare(time[code == c], event[code == c], x[code == c], w[code == c])
        for c in np.unique(code)
    )
    return _newton(sets, columns)


def _evaluate_strata(sets: tuple[RiskSets, ...], beta: np.ndarray):
    """(loglik, score, information) at `beta`, summed over the strata."""
    parts = [_evaluate(s, beta) for s in sets]
    return sum(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts)


def _newton(
    sets: tuple[RiskSets, ...], columns: tuple[str, ...]
) -> tuple[CountsModel | None, str | None]:
    p = len(columns)
    beta = np.zeros(p)
    with np.errstate(all="ignore"):
        loglik_null, score, info = _evaluate_strata(sets, beta)
        if _singular(info):
            return None, SINGULAR
        best = loglik_null
        new = beta + np.linalg.solve(info, score)
        halving = 0
        for iteration in range(1, ITER_MAX + 1):
            loglik, score, info = _evaluate_strata(sets, new)
            finite = np.isfinite(loglik) and np.all(np.isfinite(score))
            finite = finite and np.all(np.isfinite(info))
            if finite and abs(1.0 - best / loglik) <= EPS:
                return _finish(sets, columns, new, loglik, loglik_null, score, info, iteration)
            if not finite or loglik < best:
                halving += 1  # as coxfit6: each further halving steps back harder
                new = (new + halving * beta) / (halving + 1.0)
            else:
                if _singular(info):
                    return None, SINGULAR
                halving = 0
                best = loglik
                beta, new = new, new + np.linalg.solve(info, score)
    return None, INFINITE  # ran out of iterations (coxph: "did not converge")


def _finish(sets, columns, beta, loglik, loglik_null, score, info, iterations):
    if _singular(info):
        return None, SINGULAR
    var = np.linalg.inv(info)
    var = (var + var.T) / 2.0
    # coxph.fit: a coefficient whose next Newton step is still large against it is running
    # off ("Loglik converged before variable …; coefficient may be infinite").
    step = np.abs(score @ var)
    running = (step > EPS) & (step > TOLER_INF * np.abs(beta))
    if np.any(running) or not np.all(np.isfinite(var)) or np.any(np.diag(var) <= 0):
        return None, INFINITE
    model = CountsModel(
        columns=columns,
        coef=beta,
        var=var,
        loglik_null=float(loglik_null),
        loglik=float(loglik),
        iterations=iterations,
        patients=int(sum(s.w.sum() for s in sets)),
        events=int(sum(s.deaths.sum() for s in sets)),
        data=sets[0],
        strata=sets if len(sets) > 1 else (),
    )
    return model, None
