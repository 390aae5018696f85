"""Exact statistics for rates: Clopper–Pearson intervals and Fisher's exact test.

Both reproduce R: `binom.test()$conf.int` and `fisher.test()$p.value` (R's `stats`, whose source
each choice below follows). Fisher's test on tables larger than 2 x 2 enumerates every table
with the observed margins (Freeman–Halton); when there are too many to finish in about a second
it raises `TooLargeForExact` so the caller can fall back and say so.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln
from scipy.stats import beta, hypergeom

__all__ = ["MAX_TABLES", "TooLargeForExact", "clopper_pearson", "fisher_exact"]

# About one second of vectorised enumeration on an ordinary laptop core.
MAX_TABLES = 3_000_000

# R's tolerances for "as or less likely than the observed table": fisher.test's
# relErr = 1 + 1e-7 for 2 x 2, and FEXACT's TOL = 3.45254e-7 added to log-probabilities.
_REL_ERR_2X2 = 1 + 1e-7
_LOG_TOL_RXC = 3.45254e-7


class TooLargeForExact(ValueError):
    """The table has too many arrangements of its margins to enumerate exactly."""


def clopper_pearson(k: int, n: int, conf_level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for k events out of n.

    Equals R's `binom.test(k, n, conf.level=conf_level)$conf.int`: beta quantiles, with the
    interval closed at 0 when k = 0 and at 1 when k = n.
    """
    k, n = _count(k, "k"), _count(n, "n")
    if n == 0 or k > n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    alpha = (1 - conf_level) / 2
    lower = 0.0 if k == 0 else float(beta.ppf(alpha, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha, k + 1, n - k))
    return lower, upper


def fisher_exact(table) -> float:
    """Two-sided p of Fisher's exact test for an r x c table of counts, as R's `fisher.test`.

    The p-value is the total probability, under fixed margins, of every table no more likely
    than the observed one (within R's relative tolerance). Raises `TooLargeForExact` when
    there are more than `MAX_TABLES` tables to enumerate.
    """
    x = np.asarray(table)
    if x.ndim != 2 or min(x.shape) < 2:
        raise ValueError("Fisher's exact test needs a table with at least 2 rows and 2 columns")
    if not np.all(np.isfinite(x)) or np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("table entries must be non-negative whole counts")
    x = x.astype(np.int64)
    if x.sum() == 0:
        raise ValueError("the table is empty (all counts are zero)")
    p = _fisher_2x2(x) if x.shape == (2, 2) else _freeman_halton(x)
    return min(1.0, max(0.0, p))


def _count(value, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    return int(value)


def _fisher_2x2(x: np.ndarray) -> float:
    """R's 2 x 2 branch: hypergeometric over the support, scaled by its largest term."""
    m, n = int(x[:, 0].sum()), int(x[:, 1].sum())
    k = int(x[0].sum())
    lo, hi = max(0, k - n), min(k, m)
    support = np.arange(lo, hi + 1)
    log_d = hypergeom.logpmf(support, m + n, m, k)
    d = np.exp(log_d - log_d.max())
    d /= d.sum()
    observed = d[int(x[0, 0]) - lo]
    return float(d[d <= observed * _REL_ERR_2X2].sum())


def _freeman_halton(x: np.ndarray) -> float:
    """Enumerate all tables with the observed margins, column by column, in numpy.

    Each pass fills one column for every partial table at once; the last column is whatever
    the rows still need. Every partial table can always be completed, so the count only grows
    and can be checked before it is too late to stop.
    """
    # Fewer rows means fewer cells to fill per column; the largest column goes last because
    # it is never enumerated.
    if x.shape[0] > x.shape[1]:
        x = x.T
    x = x[:, np.argsort(x.sum(axis=0), kind="stable")]
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    total = int(rows.sum())

    # log P(table) = constant - sum log(cell!), so only the cell part varies between tables.
    constant = gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(total + 1)
    observed = -gammaln(x + 1).sum()

    left = rows[None, :].copy()  # what each row still needs, one line per partial table
    log_w = np.zeros(1)
    for col_total in cols[:-1]:
        left, log_w = _fill_column(left, log_w, int(col_total))
    log_w = log_w - gammaln(left + 1).sum(axis=1)

    as_extreme = log_w <= observed + _LOG_TOL_RXC
    return math.fsum(np.exp(log_w[as_extreme] + constant))


def _fill_column(
    left: np.ndarray, log_w: np.ndarray, col_total: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every way to spread `col_total` over the rows of each partial table in `left`."""
    r = left.shape[1]
    placed = np.zeros(left.shape[0], dtype=np.int64)  # of this column, placed so far
    # Capacity of the rows not yet visited, so that the column can still be completed.
    after = np.cumsum(left[:, ::-1], axis=1)[:, ::-1]
    for i in range(r - 1):
        remaining = col_total - placed
        low = np.maximum(0, remaining - after[:, i + 1])
        high = np.minimum(left[:, i], remaining)
        width = high - low + 1
        size = int(width.sum())
        if size > MAX_TABLES:
            raise TooLargeForExact(
                f"Fisher's exact test would need more than {MAX_TABLES:,} tables here.",
            )
        parent = np.repeat(np.arange(width.size), width)
        # Position of each child within its parent's run gives its cell value.
        offset = np.arange(size) - np.repeat(np.cumsum(width) - width, width)
        cell = low[parent] + offset
        left, log_w, placed, after = left[parent], log_w[parent], placed[parent], after[parent]
        left[:, i] -= cell
        log_w = log_w - gammaln(cell + 1)
        placed = placed + cell
    cell = col_total - placed  # the last row takes the rest of the column
    left[:, r - 1] -= cell
    return left, log_w - gammaln(cell + 1)
