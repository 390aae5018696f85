"""Gray's test of equal cumulative incidence of one cause across groups, as `cmprsk::cuminc`.

Gray (1988, Ann Stat 16:1141): at each event time, the score of group g compares its hazard of
the cause of interest for the subdistribution, d1_g - n_g (1 - F1_g-) / S_g- * d1 / Q, with
Q = sum_g n_g (1 - F1_g-) / S_g-, where S_g is the group's all-cause Kaplan–Meier and F1_g its
cumulative incidence; its variance is the paper's martingale representation with each group's
estimated increments, as cmprsk computes it (rho = 0, one stratum). The statistic is the score
of all groups but the last against that variance: chi-square on (groups - 1) df.

Vectorised over event times: every quantity a time needs is a cumulative product or sum of
the ones before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc

__all__ = ["GrayTest", "gray_test"]


@dataclass(frozen=True, kw_only=True)
class GrayTest:
    chi2: float
    df: int
    p: float


def _by_time(time, cause, group, weights):
    """Distinct times with, per group, the number at risk and the events of cause 1 and of any
    other cause, at the times where an event happens."""
    t = np.asarray(time, dtype=float).ravel()
    c = np.asarray(cause).ravel().astype(np.int64)
    w = np.ones(t.size, np.int64) if weights is None else np.asarray(weights).ravel()
    labels, g = np.unique(np.asarray(group).ravel(), return_inverse=True)
    keep = w > 0
    t, c, w, g = t[keep], c[keep], w[keep].astype(float), g[keep]
    times, at = np.unique(t, return_inverse=True)
    k = labels.size

    def table(mask):
        cells = np.bincount(at * k + g, weights=w * mask, minlength=times.size * k)
        return cells.reshape(times.size, k)

    everyone = table(np.ones_like(w))
    at_risk = np.cumsum(everyone[::-1], axis=0)[::-1]
    d1, d2 = table(c == 1), table(c >= 2)
    events = (d1 + d2).sum(axis=1) > 0
    return k, at_risk[events], d1[events], d2[events]


def gray_test(time, cause, group, *, weights=None) -> GrayTest:
    """Gray's K-sample test of cause 1's cumulative incidence across `group` (cause 0 is
    censored, 2 and up compete). `weights` counts the patients each row stands for."""
    k, rs, d1, d2 = _by_time(time, cause, group, weights)
    if k < 2:
        raise ValueError("Gray's test needs at least two groups")
    present = rs > 0
    safe = np.where(present, rs, 1.0)
    # Each group's Kaplan–Meier (any event) and cumulative incidence, just before and at t.
    factor = np.where(present, (rs - d1 - d2) / safe, 1.0)
    km = np.cumprod(factor, axis=0)
    km_before = np.vstack([np.ones((1, k)), km[:-1]])
    f1 = np.cumsum(np.where(present, km_before * d1 / safe, 0.0), axis=0)
    f1_before = np.vstack([np.zeros((1, k)), f1[:-1]])

    weight = np.where(present, rs / np.where(present, km_before, 1.0), 0.0)  # n_g / S_g-
    tr = weight.sum(axis=1)
    tq = (weight * (1.0 - f1_before)).sum(axis=1)
    nd1 = d1.sum(axis=1)
    pooled = np.cumsum(nd1 / tr)  # the pooled subdistribution's F1 at t
    pooled_before = np.concatenate(([0.0], pooled[:-1]))

    score = (d1 - nd1[:, None] * weight * (1.0 - f1_before) / tq[:, None]).sum(axis=0)
    # a: the derivative of each group's score in each group's increment, at each time; c its
    # running integral, which the variance pairs with the later increments.
    a = weight[:, :, None] * (np.eye(k)[None] - weight[:, None, :] / tr[:, None, None])
    c = np.cumsum(a * (nd1 / (tr * (1.0 - pooled_before)))[:, None, None], axis=0)

    # Events of cause 1 (the group's share of the pooled increment) ...
    with np.errstate(divide="ignore", invalid="ignore"):
        t4 = np.where(km > 0, 1.0 - (1.0 - pooled[:, None]) / km, 1.0)
        ties = np.where(
            nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * km_before - 1.0), 1.0
        )
        t3 = np.where(present & (nd1[:, None] > 0), ties * km_before * nd1[:, None], 0.0)
        t3 = t3 / (tr[:, None] * safe)
    m1 = a - t4[:, None, :] * c
    var = np.einsum("tik,tjk,tk->ij", m1, m1, t3)
    v3 = (t4 * t4 * t3).sum(axis=0)
    v2 = np.einsum("tik,tk->ik", m1, t4 * t3)
    # ... and of the competing causes.
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (km > 0) & (d2 > 0)
        u4 = np.where(ok, (1.0 - pooled[:, None]) / np.where(ok, km, 1.0), 0.0)
        ties = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (safe - 1.0), 1.0)
        u3 = np.where(ok, ties * km_before**2 * d2 / safe**2, 0.0)
    m2 = u4[:, None, :] * c
    var += np.einsum("tik,tjk,tk->ij", m2, m2, u3)
    v3 += (u4 * u4 * u3).sum(axis=0)
    v2 -= np.einsum("tik,tk->ik", m2, u4 * u3)
    final = c[-1]
    var += (final * v3) @ final.T + final @ v2.T + v2 @ final.T

    s, v = score[:-1], var[:-1, :-1]
    stat = float(s @ np.linalg.solve(v, s))
    return GrayTest(chi2=stat, df=k - 1, p=float(chdtrc(k - 1, stat)))
