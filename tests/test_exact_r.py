"""Clopper–Pearson intervals and Fisher's exact test against R's stats package.

The constants were printed by `Rscript tests/reference/exact_reference.R` (see
tests/reference/README.md); R is not needed to run these tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from sts_queries.stats.exact import TooLargeForExact, clopper_pearson, fisher_exact

REL = 1e-9

# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/exact_reference.R: R 4.2.2
CLOPPER_PEARSON = [
    (5, 14, 0.95, 0.127598429859159, 0.648619889384008),
    (1, 4, 0.95, 0.00630946320970987, 0.805879550316757),
    (0, 10, 0.95, 0, 0.308497107818761),
    (10, 10, 0.95, 0.691502892181239, 1),
    (10, 12, 0.95, 0.515862251314033, 0.979137474539908),
    (0, 1, 0.95, 0, 0.975),
    (1, 1, 0.95, 0.025, 1),
    (3, 7, 0.9, 0.128756392804243, 0.774678415967552),
    (50, 100, 0.99, 0.368861437358924, 0.631138562641076),
    (17, 333, 0.95, 0.0300167993827041, 0.0804812269210473),
]

FISHER = [
    ([[3, 1], [1, 3]], 0.485714285714286),
    ([[10, 2], [3, 15]], 0.000536724119143436),
    ([[0, 5], [5, 0]], 0.00793650793650794),
    ([[12, 5], [7, 9]], 0.166320065773565),
    ([[1, 0], [0, 0]], 1),
    ([[120, 80], [95, 105]], 0.015985745931812),
    ([[3, 1, 4], [2, 6, 0]], 0.0242424242424242),
    ([[5, 0, 2], [1, 4, 3]], 0.0497280497280499),
    ([[2, 0, 3, 1, 4, 0, 2, 1], [0, 3, 1, 2, 0, 4, 1, 3]], 0.0152645039709244),
    ([[5, 3, 0, 1, 2, 6, 1, 0], [1, 2, 4, 3, 0, 1, 2, 5]], 0.00321687964255475),
    ([[3, 1, 0], [1, 3, 1], [0, 1, 4]], 0.0485704771419057),
    ([[2, 2, 2], [2, 2, 2], [2, 2, 2]], 0.999999999999994),
    ([[0, 0, 0], [2, 3, 1], [4, 0, 2]], 0.318181818181818),
    ([[4, 0], [1, 3], [0, 5]], 0.00699300699300698),
    ([[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]], 0.782684938965639),
]
# fmt: on


@pytest.mark.parametrize(
    ("k", "n", "level", "lower", "upper"),
    CLOPPER_PEARSON,
    ids=[f"{k}of{n}-{level}" for k, n, level, *_ in CLOPPER_PEARSON],
)
def test_clopper_pearson_matches_r_binom_test(k, n, level, lower, upper):
    assert clopper_pearson(k, n, level) == (
        pytest.approx(lower, rel=REL, abs=1e-15),
        pytest.approx(upper, rel=REL),
    )


SIZES = [*range(1, 21), 57, 100]
LEVELS = (0.8, 0.95, 0.99)


def test_clopper_pearson_equals_scipy_stats_exact_interval():
    # scipy.stats is the independent reference beside R; the bot uses scipy.special (cheaper to
    # import). binomtest finds each limit by root-finding on the binomial tails (5 ms a call):
    # the ends and the middle of every n up to 20, and of 57 and 100, at three levels; every k
    # of them is held to the limits' definition in the next test.
    from scipy.stats import binomtest

    for n in SIZES:
        for k in sorted({0, 1, n // 2, n - 1, n}):
            for level in LEVELS:
                ci = binomtest(k, n).proportion_ci(level, method="exact")
                assert clopper_pearson(k, n, level) == (
                    pytest.approx(ci.low, rel=1e-9, abs=1e-12),
                    pytest.approx(ci.high, rel=1e-9),
                ), (k, n, level)


def test_clopper_pearson_limits_are_where_the_binomial_tails_equal_alpha():
    # The exact interval's definition, for every k of every n up to 20, and of 57 and 100, at
    # three levels: P(X >= k | low) = P(X <= k | high) = (1 - level) / 2 (scipy.stats.binom).
    from scipy.stats import binom

    cases = [(k, n, level) for n in SIZES for k in range(n + 1) for level in LEVELS]
    k, n, level = (np.array(x) for x in zip(*cases, strict=True))
    low, high = np.array([clopper_pearson(*case) for case in cases]).T
    alpha = (1 - level) / 2
    assert np.all(low[k == 0] == 0.0) and np.all(high[k == n] == 1.0)
    inner = k > 0
    tail = binom.sf(k[inner] - 1, n[inner], low[inner])
    assert tail == pytest.approx(alpha[inner], rel=1e-9)
    inner = k < n
    tail = binom.cdf(k[inner], n[inner], high[inner])
    assert tail == pytest.approx(alpha[inner], rel=1e-9)


def test_clopper_pearson_closes_at_the_ends():
    # k = 0 and k = n are exactly 0 and 1, not beta quantiles that round near them.
    assert clopper_pearson(0, 10)[0] == 0.0
    assert clopper_pearson(10, 10)[1] == 1.0


@pytest.mark.parametrize(
    ("table", "p"),
    FISHER,
    ids=[f"{len(t)}x{len(t[0])}-{i}" for i, (t, _) in enumerate(FISHER)],
)
def test_fisher_matches_r_fisher_test(table, p):
    assert fisher_exact(table) == pytest.approx(p, rel=REL)


@pytest.mark.parametrize("table", [t for t, _ in FISHER if len(t) > 2 or len(t[0]) > 2][:4])
def test_fisher_does_not_depend_on_orientation(table):
    t = np.array(table)
    assert fisher_exact(t.T) == pytest.approx(fisher_exact(t), rel=REL)
    assert fisher_exact(t[::-1, ::-1]) == pytest.approx(fisher_exact(t), rel=REL)


def test_fisher_raises_when_too_large_to_enumerate():
    # R's FEXACT would manage this (p = 0.00167); we say so instead of taking minutes.
    table = [[6, 2, 2, 1, 0, 1, 6, 7], [7, 6, 1, 0, 7, 2, 1, 0], [3, 3, 5, 1, 1, 2, 5, 1]] * 2
    with pytest.raises(TooLargeForExact, match="too large"):
        fisher_exact(table)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: clopper_pearson(5, 4), "0 <= k <= n"),
        (lambda: clopper_pearson(0, 0), "n >= 1"),
        (lambda: clopper_pearson(1.5, 4), "whole number"),
        (lambda: clopper_pearson(1, 4, 1.0), "conf_level"),
        (lambda: fisher_exact([[1, 2, 3]]), "at least 2 rows and 2 columns"),
        (lambda: fisher_exact([[1, -2], [3, 4]]), "non-negative whole counts"),
        (lambda: fisher_exact([[1, 2.5], [3, 4]]), "non-negative whole counts"),
        (lambda: fisher_exact([[0, 0], [0, 0]]), "empty"),
    ],
)
def test_bad_input_is_a_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
