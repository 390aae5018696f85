"""The Efron log-likelihood, gradient and Hessian of lifelines' Cox fit, computed in whole arrays.

lifelines' `SemiParametricPHFitter._get_efron_values_single` walks the rows one by one from the
last time back, in Python: most of a Cox fit's time. This computes the same sums with the same
floating-point operations in the same order, so to the last bit, but in numpy:

- the risk-set sums at each row (of the row and every later one) are running sums from the
  end (`np.cumsum` adds one term at a time, from 0, as the loop does);
- a time with one event (nearly every time) needs only those sums, so all of them are done at
  once; a time with tied events is summed as lifelines sums it, one at a time;
- each time's terms are added to the gradient, log-likelihood and Hessian in lifelines' order
  (`a + b - c` is `(a + b) + (-c)` exactly), again as running sums.

The dot products of a time's covariate sums with the coefficients stay `np.dot` one at a time:
BLAS may add a vector's terms in another order than a matrix product does.
"""

from __future__ import annotations

import numpy as np

__all__ = ["efron_values"]


def _from_end(values: np.ndarray) -> np.ndarray:
    """Running sums from the last row back, each from 0 (0.0 + -0.0 is 0.0, as in the loop)."""
    zero = np.zeros((1, *values.shape[1:]))
    return np.cumsum(np.concatenate([zero, values[::-1]]), axis=0)[:0:-1]


def _added(terms: np.ndarray) -> np.ndarray:
    """0 + terms[0] + terms[1] + …, one at a time."""
    return np.cumsum(np.concatenate([np.zeros((1, *terms.shape[1:])), terms]), axis=0)[-1]


def efron_values(X, T, E, weights, beta):
    """(Hessian, gradient, log-likelihood) of Efron's partial likelihood at `beta`: exactly
    lifelines' `_get_efron_values_single` (X, T, E, weights as numpy arrays, sorted on T)."""
    n, d = X.shape
    scores = weights * np.exp(np.dot(X, beta))
    phi_x_is = scores[:, None] * X
    phi_x_x = X[:, :, None] * phi_x_is[:, None, :]  # np.multiply.outer(x_i, phi_x_i) per row
    risk_phi = _from_end(scores)
    risk_phi_x = _from_end(phi_x_is)
    risk_phi_x_x = _from_end(phi_x_x)

    # Each time's rows: from its first row (where its risk sums are complete) to the next's.
    starts = np.flatnonzero(np.r_[True, T[1:] != T[:-1]])
    ends = np.r_[starts[1:], n]
    events = np.add.reduceat(E.astype(np.int64), starts) if n else np.zeros(0, np.int64)
    timed = events > 0
    starts, ends, events = starts[timed][::-1], ends[timed][::-1], events[timed][::-1]
    if starts.size == 0:
        return np.zeros((d, d)), np.zeros((d,)), 0

    # One event at a time (the rest are overwritten below): its row is the time's only event.
    died = np.flatnonzero(E)
    first = died[np.searchsorted(died, ends) - 1]
    w = weights[first]
    x_death_sum = 0.0 + w[:, None] * X[first]
    weighted_average = w / 1
    denom = 1.0 / risk_phi[starts]
    summand = risk_phi_x[starts] * denom[:, None]
    a1 = risk_phi_x_x[starts] * denom[:, None, None]
    a2 = summand[:, :, None] * summand[:, None, :]  # (1 x d)ᵀ(1 x d): one product per cell
    log_denom = np.log(denom)
    hessian_terms = weighted_average[:, None, None] * (a2 - a1)
    for g in np.flatnonzero(events > 1):
        x_death_sum[g], summand_sum, log_denom[g], weighted_average[g], hessian_terms[g] = _tied(
            X, E, weights, scores, phi_x_is, phi_x_x, starts[g], ends[g], risk_phi[starts[g]],
            risk_phi_x[starts[g]], risk_phi_x_x[starts[g]], d
        )  # fmt: skip
        summand[g] = summand_sum
    gradient_terms = np.empty((2 * starts.size, d))
    gradient_terms[0::2] = x_death_sum
    gradient_terms[1::2] = -(weighted_average[:, None] * summand)
    log_terms = np.empty(2 * starts.size)
    log_terms[0::2] = [np.dot(x, beta) for x in x_death_sum]
    log_terms[1::2] = weighted_average * log_denom
    return _added(hessian_terms), _added(gradient_terms), _added(log_terms)


def _tied(X, E, weights, scores, phi_x_is, phi_x_x, start, end, risk_phi, risk_phi_x, risk_x_x, d):
    """A time with tied events, summed as lifelines sums it: (x_death_sum, the summands'
    column sums, the summed log denominators, the weighted average, the Hessian term)."""
    x_death_sum = np.zeros((d,))
    tie_phi, tie_phi_x, tie_phi_x_x = 0, np.zeros((d,)), np.zeros((d, d))
    weight_count, tied_death_counts = 0.0, 0
    for i in range(end - 1, start - 1, -1):
        if E[i]:
            x_death_sum = x_death_sum + weights[i] * X[i]
            tie_phi = tie_phi + scores[i]
            tie_phi_x = tie_phi_x + phi_x_is[i]
            tie_phi_x_x = tie_phi_x_x + phi_x_x[i]
            tied_death_counts += 1
            weight_count += weights[i]
    weighted_average = weight_count / tied_death_counts
    increasing_proportion = np.arange(tied_death_counts) / tied_death_counts
    denom = 1.0 / (risk_phi - increasing_proportion * tie_phi)
    numer = risk_phi_x - np.multiply.outer(increasing_proportion, tie_phi_x)
    a1 = np.einsum("ab,i->ab", risk_x_x, denom) - np.einsum(
        "ab,i->ab", tie_phi_x_x, increasing_proportion * denom
    )
    summand = numer * denom[:, None]
    a2 = summand.T.dot(summand)
    return (
        x_death_sum,
        summand.sum(0),
        np.log(denom).sum(),
        weighted_average,
        (weighted_average * (a2 - a1)),
    )
