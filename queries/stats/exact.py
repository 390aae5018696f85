"""Exact statistics for rates: Clopper–Pearson intervals and Fisher's exact test.

Both reproduce R: `binom.test()$conf.int` and `fisher.test()$p.value` (R's `stats`, whose source
each choice below follows). Fisher's test on tables larger than 2 x 2 is the Freeman–Halton
test: it sums over all tables with the observed margins, built column by column in numpy and
pruned the way R's network algorithm (FEXACT) prunes. When that would still take more than
about a second it raises `TooLargeForExact`, so the caller can fall back and say so.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betaincinv, gammaln

__all__ = ["MAX_TABLES", "TooLargeForExact", "clopper_pearson", "fisher_exact"]

# Partial tables built in all, about one second of numpy work (~300 ns each) on one core.
MAX_TABLES = 2_500_000

# R's tolerance for "as or less likely than the observed table" beyond 2 x 2: FEXACT's
# TOL = 3.45254e-7 added to log-probabilities.
_LOG_TOL_RXC = 3.45254e-7


class TooLargeForExact(ValueError):
    """The table has too many arrangements of its margins to enumerate exactly."""


def clopper_pearson(k: int, n: int, conf_level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for k events out of n.

    Equals R's `binom.test(k, n, conf.level=conf_level)$conf.int`: beta quantiles, with the
    interval closed at 0 when k = 0 and at 1 when k = n. The same numbers as scipy.stats'
    `binomtest(k, n).proportion_ci(method="exact")` (to 1e-12, tests/test_exact_r.py), from
    scipy.special: importing scipy.stats would add 0.5-2 s to a cold `sts ask orr`.
    """
    k, n = _count(k, "k"), _count(n, "n")
    if n == 0 or k > n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    alpha = (1 - conf_level) / 2
    lower = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha))
    upper = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha))
    return lower, upper


def fisher_exact(table) -> float:
    """Two-sided p of Fisher's exact test for an r x c table of counts, as R's `fisher.test`.

    The p-value is the total probability, under fixed margins, of every table no more likely
    than the observed one (within R's relative tolerance). Raises `TooLargeForExact` when
    more than `MAX_TABLES` partial tables would have to be built.
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
    """scipy's two-sided test, which sums as R's 2 x 2 branch does (relative error 1 + 1e-7)."""
    from scipy.stats import fisher_exact  # only here: scipy.stats costs 0.5-2 s to import

    return float(fisher_exact(x, alternative="two-sided").pvalue)


def _freeman_halton(x: np.ndarray) -> float:
    """Sum the probabilities of all tables with x's margins that are no likelier than x.

    Tables are built column by column for all partial tables at once (numpy), with two
    savings from Mehta & Patel's network algorithm, which R's FEXACT implements: partial
    tables whose remaining row totals agree (as a multiset) and whose weights agree are merged
    with a multiplicity, and a partial table whose completions are provably all in (or all out)
    is settled in closed form instead of being expanded.
    """
    # Fewer rows means fewer cells per column; the largest column comes last, when the bounds
    # are exact and nothing is expanded.
    if x.shape[0] > x.shape[1]:
        x = x.T
    x = x[:, np.argsort(x.sum(axis=0), kind="stable")]
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    # log P(table) = constant + log_w, with log_w = -sum log(cell!) over the table's cells.
    constant = gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(rows.sum() + 1)
    threshold = -gammaln(x + 1).sum() + _LOG_TOL_RXC
    # Merging keys a table's remaining row totals as one integer, in base (largest row + 1).
    radix = (int(rows.max()) + 1) ** np.arange(rows.size, dtype=np.int64)
    mergeable = (int(rows.max()) + 1) ** rows.size < 2**62

    left = np.sort(rows)[None, :]  # what each row still needs, one line per partial table
    log_w, count = np.zeros(1), np.ones(1)
    p, built = 0.0, 0
    for j in range(cols.size):
        log_rest, upper, lower = _completions(left, cols[j:])
        settled_in = log_w + upper <= threshold
        p += math.fsum(
            count[settled_in] * np.exp(constant + log_w[settled_in] + log_rest[settled_in])
        )
        still_open = ~settled_in & (log_w + lower <= threshold)
        if not still_open.any():
            break
        left, log_w, count = left[still_open], log_w[still_open], count[still_open]
        left, log_w, count = _fill_column(left, log_w, count, int(cols[j]), MAX_TABLES - built)
        built += left.shape[0]
        if mergeable:
            left, log_w, count = _merge(left, log_w, count, radix)
    return p


def _completions(left: np.ndarray, rest: np.ndarray):
    """For each partial table: log of the summed weight of all its completions, and bounds
    on the largest and smallest single completion's log weight."""
    # Sum over tables with these margins of prod 1/cell! = M! / (prod rows! prod cols!).
    row_part = gammaln(left + 1).sum(axis=1)
    log_rest = gammaln(rest.sum() + 1) - row_part - gammaln(rest + 1).sum()
    if rest.size == 1:  # one column left: its completion is the rows' remainders
        return log_rest, -row_part, -row_part
    # sum log(cell!) is smallest for the most even split (convexity), so spreading each row
    # over the columns, or each column over the rows, ignoring the other margins, bounds the
    # largest weight; a cell never exceeds its row or column total, which bounds the smallest.
    upper = np.minimum(
        -_even_split(left, rest.size).sum(axis=1), -_even_split(rest, left.shape[1]).sum()
    )
    lower = np.maximum(-row_part, -gammaln(rest + 1).sum())
    return log_rest, upper, lower


def _even_split(total: np.ndarray, parts: int) -> np.ndarray:
    """sum of log(cell!) when `total` is spread as evenly as possible over `parts` cells."""
    q, extra = np.divmod(total, parts)
    return extra * gammaln(q + 2) + (parts - extra) * gammaln(q + 1)


def _merge(left, log_w, count, radix):
    """Merge partial tables with the same remaining row totals and (to 1e-9) the same weight."""
    left = np.sort(left, axis=1)  # rows are interchangeable for what remains
    code = left @ radix
    weight = np.round(log_w * 1e9).astype(np.int64)
    order = _by_code_then_weight(code, weight)
    code, weight = code[order], weight[order]
    first = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (weight[1:] != weight[:-1])])
    return left[order[first]], log_w[order[first]], np.add.reduceat(count[order], first)


def _by_code_then_weight(code, weight):
    """`np.lexsort((weight, code))`: by code, then weight, then position. Where both fit in one
    63-bit integer (codes are >= 0), one stable argsort of that does it in half the time."""
    if code.size:
        low = weight.min()
        shift = int(weight.max() - low).bit_length()
        if int(code.max()).bit_length() + shift <= 62:
            return np.argsort((code << shift) | (weight - low), kind="stable")
    return np.lexsort((weight, code))


def _fill_column(left, log_w, count, col_total: int, limit: int):
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
        if size > limit:
            raise TooLargeForExact(
                f"This table is too large for Fisher's exact test here (more than {MAX_TABLES:,}"
                " partial tables to enumerate)."
            )
        parent = np.repeat(np.arange(width.size), width)
        # Position of each child within its parent's run gives its cell value.
        cell = low[parent] + np.arange(size) - np.repeat(np.cumsum(width) - width, width)
        left, log_w, count = left[parent], log_w[parent], count[parent]
        placed, after = placed[parent], after[parent]
        left[:, i] -= cell
        log_w = log_w - gammaln(cell + 1)
        placed = placed + cell
    cell = col_total - placed  # the last row takes the rest of the column
    left[:, r - 1] -= cell
    return left, log_w - gammaln(cell + 1), count
