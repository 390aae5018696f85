"""The test of proportional hazards as R's `cox.zph` (survival ≥ 3.0), for both Cox backends.

survival 3.0 replaced the old approximation (scaled Schoenfeld residuals regressed on time, one
term at a time with the model's variance) by a full score test: each covariate x gains a
companion g(t)·x, and the score test of those companions being 0, at (β̂, 0), is the test of
a hazard ratio that drifts with g(t). As R's C routine `zph1`:

- g(t) = 1 − S(t−) (`transform = "km"`: the left-continuous Kaplan–Meier of all patients),
  centred on its mean over the deaths;
- at each event time t with Efron's weighting of tied deaths, the score contribution U_t and
  the information I_t of the covariates; the companions' score is Σ g_t U_t and the 2p × 2p
  information is [[Σ I_t, Σ g_t I_t], [Σ g_t I_t, Σ g_t² I_t]];
- a term's statistic (a factor is one term: its columns together) is u' I⁻¹ u over the p
  covariates and that term's companions, u being 0 but for the companions' score; the global
  one takes every companion. df: the term's columns, and p for the global test.

Everything is computed on `cox_risk_sets.RiskSets` at the fitted β, whichever backend
fitted it (lifelines on the patients, or the counts), so the two cannot disagree; a row of
w identical patients counts w times, as R on the patients.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import chdtrc

from sts_queries.stats.cox_risk_sets import RiskSets, efron_sums

__all__ = ["Zph", "zph"]

# One test: (chi2, df, p).
Zph = tuple[float, int, float]


def zph(
    s: RiskSets, beta: np.ndarray, terms: Sequence[Sequence[int]], strata=()
) -> tuple[Zph | None, list[Zph]]:
    """(global test, [test of each term]) of proportional hazards at `beta`; `terms` lists each
    term's column indices (a number: one; a factor or the groups: its indicator columns).
    (None, []) where the information cannot be inverted. `strata` (a stratified model's risk
    sets) sums the score and information over strata, g(t) the KM of all patients (R's zph1
    with `istrat`)."""
    sets = tuple(strata) or (s,)
    gs = _pooled_km(sets) if len(sets) > 1 else [_km_transform(s)]
    mean = sum(x.deaths @ g for x, g in zip(sets, gs, strict=True))
    mean /= sum(x.deaths.sum() for x in sets)  # centred over the deaths (each patient once)
    parts = [_parts(x, beta, g - mean) for x, g in zip(sets, gs, strict=True)]
    score, i11, i12, i22 = (sum(part[i] for part in parts) for i in range(4))
    p = s.x.shape[1]
    imat = np.block([[i11, i12], [i12.T, i22]])
    u = np.r_[np.zeros(p), score]
    try:
        together = _score_test(imat, u, p)
        each = [
            _score_test(imat[np.ix_(k, k)], u[k], len(cols))
            for cols in terms
            for k in [[*range(p), *(p + j for j in cols)]]
        ]
    except np.linalg.LinAlgError:
        return None, []
    return together, each


def _pooled_km(sets: Sequence[RiskSets]) -> list[np.ndarray]:
    """1 − S(t−) of every patient's KM (all strata together) at each stratum's event times."""
    time = np.concatenate([x.time for x in sets])
    w = np.concatenate([x.w for x in sets])
    dead = np.concatenate([x.w * x.event for x in sets])
    times, where = np.unique(time, return_inverse=True)
    deaths = np.bincount(where, weights=dead)
    at_risk = np.cumsum(np.bincount(where, weights=w)[::-1])[::-1]
    with np.errstate(divide="ignore"):
        steps = np.log(at_risk - deaths) - np.log(at_risk)
    before = np.r_[0.0, np.cumsum(steps)]  # log S just before each time
    return [1.0 - np.exp(before[np.searchsorted(times, x.time[x.last])]) for x in sets]


def _parts(s: RiskSets, beta, g: np.ndarray):
    """One stratum's companions' score and its information blocks at `beta`, g centred."""
    _, risk, _, r1, _, t1, inv, per_time = efron_sums(s, np.asarray(beta, dtype=float))
    a = s.efron_share
    s0, s1 = per_time(inv), per_time(a * inv)
    inv2 = inv * inv
    q = (per_time(inv2), per_time(a * inv2), per_time(a * a * inv2))
    x_dead = s.x[s.dead]
    score = (s.w_dead * g[s.dead_time]) @ x_dead - ((g * s0) @ r1 - (g * s1) @ t1)

    def information(c: np.ndarray) -> np.ndarray:
        return _information(s, risk, r1, t1, c * s0, c * s1, [c * x for x in q])

    return score, information(np.ones_like(g)), information(g), information(g * g)


def _score_test(imat: np.ndarray, u: np.ndarray, df: int) -> Zph:
    stat = float(np.linalg.solve(imat, u) @ u)
    return stat, df, float(chdtrc(df, stat))


def _information(s: RiskSets, risk, r1, t1, s0, s1, q) -> np.ndarray:
    """Σ_t c_t I_t: Efron's information with each event time's part weighted (the c already
    multiplied into the per-time sums s0, s1, q0, q1, q2), as `cox_counts._evaluate`."""
    q0, q1, q2 = q
    reach = np.r_[np.cumsum(s0[::-1])[::-1], 0.0]
    info = (s.x * (risk * reach[s.row_time])[:, None]).T @ s.x
    x_dead = s.x[s.dead]
    info -= (x_dead * (risk[s.dead] * s1[s.dead_time])[:, None]).T @ x_dead
    info -= (r1 * q0[:, None]).T @ r1
    cross = (r1 * q1[:, None]).T @ t1
    info += cross + cross.T
    info -= (t1 * q2[:, None]).T @ t1
    return info


def _km_transform(s: RiskSets) -> np.ndarray:
    """1 − S(t−) at each event time (latest first): the Kaplan–Meier of every patient just
    before t, R's `1 - c(1, surv)[findInterval(times, time, left.open = TRUE) + 1]`."""
    n_risk = np.cumsum(s.w)[s.last]  # patients at risk at each event time
    with np.errstate(divide="ignore"):
        steps = np.log(n_risk - s.deaths) - np.log(n_risk)
    # S(t_k−): the steps of the event times before t_k, i.e. later in this order (index > k).
    before = np.r_[np.cumsum(steps[::-1])[::-1][1:], 0.0]
    return 1.0 - np.exp(before)
