"""The Cox fit the answers use is lifelines' own, to the last bit (queries/stats/cox_fit.py's
lean fitter skips only what lifelines computes for its plots and predictions, and
queries/stats/cox_efron.py computes lifelines' Efron step in whole arrays). The reference is
lifelines itself: its `_get_efron_values_single` and its `CoxPHFitter`. A lifelines upgrade
that changes either fails here, not in an answer. (R: tests/test_cox_r.py.)"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sts_queries.stats.cox_efron import efron_values
from sts_queries.stats.cox_fit import DURATION, EVENT, fit_quietly

# lifelines is imported by the tests, not at collection (seconds in every worker).


@st.composite
def risk_sets(draw):
    """Rows sorted on time as lifelines sorts them: ties, censoring, weights, 0 to 3 columns."""
    n = draw(st.integers(1, 30))
    d = draw(st.integers(0, 3))
    times = sorted(draw(st.lists(st.integers(1, 8), min_size=n, max_size=n)))
    events = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    cells = st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 2))
    X = np.array(draw(st.lists(st.lists(cells, min_size=d, max_size=d), min_size=n, max_size=n)))
    weights = np.array(
        draw(st.lists(st.sampled_from([1.0, 1.0, 2.0, 0.5]), min_size=n, max_size=n))
    )
    beta = np.array(draw(st.lists(cells, min_size=d, max_size=d)), dtype=float)
    return X.reshape(n, d), np.array(times, float), np.array(events, float), weights, beta


@settings(max_examples=100, deadline=None)
@given(risk_sets())
def test_the_efron_step_is_lifelines_own_bit_for_bit(case):
    from lifelines.fitters.coxph_fitter import SemiParametricPHFitter

    X, T, E, weights, beta = case
    theirs = SemiParametricPHFitter._get_efron_values_single(
        None, pd.DataFrame(X), pd.Series(T), pd.Series(E), pd.Series(weights), None, beta
    )
    ours = efron_values(X, T, E, weights, beta)
    for a, b in zip(ours, theirs, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b)), (a, b)


@pytest.mark.parametrize(
    ("name", "duration", "event", "columns"),
    [
        ("rossi", "week", "arrest", ["fin", "age", "prio"]),
        ("rossi", "week", "arrest", ["race", "wexp", "mar", "paro"]),
        ("waltons", "T", "E", ["miR-137"]),
    ],
)
def test_the_lean_fit_is_coxphfitters_bit_for_bit(name, duration, event, columns):
    from lifelines import CoxPHFitter, datasets

    source = getattr(datasets, f"load_{name}")()
    if name == "waltons":
        source = source.assign(**{"miR-137": (source["group"] == "miR-137").astype(float)})
    data = pd.DataFrame({DURATION: source[duration], EVENT: source[event]})
    data[columns] = source[columns].astype(float)
    lean, why = fit_quietly(data)
    assert why is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = CoxPHFitter().fit(data, DURATION, EVENT)
    assert np.array_equal(lean.params_.to_numpy(), full.params_.to_numpy())
    assert np.array_equal(lean.variance_matrix_.to_numpy(), full.variance_matrix_.to_numpy())
    assert np.array_equal(lean.standard_errors_.to_numpy(), full.standard_errors_.to_numpy())
    assert np.array_equal(
        lean.confidence_intervals_.to_numpy(), full.confidence_intervals_.to_numpy()
    )
    assert lean.log_likelihood_ == full.log_likelihood_
    assert lean.log_likelihood_ratio_test().p_value == full.log_likelihood_ratio_test().p_value
