"""Counted rows are the patients they count: a registry's survival answers are computed on rows
aggregated by (time, event) with a number of patients each, and must be the answers of the
expanded rows number for number (the R-checked path is the expanded one)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sts_queries.stats.followup import median_followup
from sts_queries.stats.survival import kaplan_meier, logrank

FIELDS = ("time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper")

patients = st.lists(
    st.tuples(
        st.integers(0, 12).map(float),  # few distinct times: heavy ties, as days in a registry
        st.integers(0, 1),
        st.sampled_from("abc"),
    ),
    min_size=1,
    max_size=60,
)


def _counted(rows, rng):
    """The same patients as (time, event, group, count) rows, in a shuffled order and with some
    rows of the same key split in two and some rows of no patient, as a GROUP BY need not give."""
    keys, counts = np.unique(np.array(rows, dtype=object).astype(str), axis=0, return_counts=True)
    out = []
    for (t, e, g), k in zip(keys, counts, strict=True):
        first = int(rng.integers(0, k + 1))
        out += [(float(t), int(e), g, first), (float(t), int(e), g, int(k) - first)]
    out.append((99.0, 1, "a", 0))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def _columns(rows):
    t, e, g, *w = zip(*rows, strict=True)
    return np.array(t), np.array(e), np.array(g), (np.array(w[0]) if w else None)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    rows=patients,
    seed=st.integers(0, 2**16),
    conf_type=st.sampled_from(["log-log", "log", "plain"]),
)
def test_km_and_followup_of_counted_rows_are_those_of_the_patients(rows, seed, conf_type):
    t, e, _, _ = _columns(rows)
    ct, ce, _, cw = _columns(_counted(rows, np.random.default_rng(seed)))
    expanded = kaplan_meier(t, e, conf_type=conf_type)
    counted = kaplan_meier(ct, ce, weights=cw, conf_type=conf_type)
    assert (counted.n, counted.events) == (expanded.n, expanded.events)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(counted, name), getattr(expanded, name), name)
    for name in ("median", "median_low", "median_high"):
        assert getattr(counted, name) == getattr(expanded, name)
    assert median_followup(ct, ce, weights=cw) == median_followup(t, e)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(rows=patients, seed=st.integers(0, 2**16))
def test_logrank_of_counted_rows_is_that_of_the_patients(rows, seed):
    t, e, g, _ = _columns(rows)
    ct, ce, cg, cw = _columns(_counted(rows, np.random.default_rng(seed)))
    try:
        expanded = logrank(t, e, g)
    except ValueError as error:
        with pytest.raises(type(error)):
            logrank(ct, ce, cg, weights=cw)
        return
    counted = logrank(ct, ce, cg, weights=cw)
    assert counted.df == expanded.df
    assert counted.chi2 == pytest.approx(expanded.chi2, rel=1e-12, abs=1e-12)
    assert counted.p == pytest.approx(expanded.p, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("weights", [[1, -1], [1, 0.5], [1]])
def test_weights_count_whole_patients_one_per_row(weights):
    with pytest.raises(ValueError, match="weights"):
        kaplan_meier([1.0, 2.0], [1, 0], weights=weights)
