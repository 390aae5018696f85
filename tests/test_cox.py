"""What the Cox model says where it cannot be estimated, and how it picks its reference.

The numbers themselves are checked against R in test_cox_r.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sts_queries.errors import UsageError
from sts_queries.stats.cox import hazard_ratios

TIME = [1, 2, 3, 5, 6, 7, 8, 9]
TWO = ["a"] * 4 + ["b"] * 4


@pytest.mark.parametrize(
    ("case", "time", "event", "group", "covariates", "reason"),
    [
        ("one group", TIME, [1, 0, 1, 1, 0, 1, 1, 0], ["a"] * 8, None, "at least two groups"),
        ("no events", TIME, [0] * 8, TWO, None, "no events"),
        ("a group without events", TIME, [1, 1, 0, 1, 0, 0, 0, 0], TWO, None, "`b` has no"),
        (
            "two groups without events",
            [*TIME, 10, 11],
            [1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
            [*TWO, "c", "c"],
            None,
            "`b`, `c` have no",
        ),
        # a's events all happen while no one in b is at risk before them: the HR runs off.
        ("separation", TIME, [1, 1, 1, 1, 1, 1, 0, 1], TWO, None, "finite"),
        (
            "covariate duplicates the groups",
            TIME,
            [1, 0, 1, 1, 1, 1, 0, 1],
            TWO,
            {"arm": ["x"] * 4 + ["y"] * 4},
            "singular",
        ),
    ],
)
def test_not_estimable_says_why_and_gives_no_hazard_ratio(
    case, time, event, group, covariates, reason, capsys
):
    cov = None if covariates is None else pd.DataFrame(covariates)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = hazard_ratios(time, event, group, covariates=cov)
    assert not result.estimable
    assert reason in result.reason
    assert all(g.hr is None and g.ci_low is None and g.ci_high is None for g in result.groups)
    assert result.lr_test is None and result.ph_test is None
    assert caught == [] and capsys.readouterr() == ("", "")  # lifelines kept quiet
    assert [g.n for g in result.groups] == [group.count(x) for x in sorted(set(group))]


@pytest.mark.parametrize(
    ("group", "reference", "order", "expected_reference", "expected_order"),
    [
        (["b", "a", "c"] * 4, None, None, "a", ["a", "b", "c"]),
        (["b", "a", "c"] * 4, "c", None, "c", ["c", "a", "b"]),
        (["b", "a", "c"] * 4, None, ["c", "b", "x"], "c", ["c", "b", "a"]),
        (["b", "a", "c"] * 4, "a", ["c", "b"], "a", ["a", "c", "b"]),
        ([10, 9, 2] * 4, None, None, "2", ["2", "9", "10"]),  # numbers sort as numbers
        (["IV", "IIIA", "IIIB"] * 4, None, None, "IIIA", ["IIIA", "IIIB", "IV"]),
    ],
)
def test_reference_and_group_order(group, reference, order, expected_reference, expected_order):
    rng = np.random.default_rng(1)
    time = rng.exponential(10, size=12).round(2)
    event = np.array([1, 1, 1, 0] * 3)
    result = hazard_ratios(time, event, group, reference=reference, order=order)
    assert result.estimable, result.reason
    assert result.reference == expected_reference
    assert [g.label for g in result.groups] == expected_order
    assert result.groups[0].hr is None
    assert all(g.hr is not None and g.ci_low < g.hr < g.ci_high for g in result.groups[1:])


def test_unknown_reference_names_the_groups():
    with pytest.raises(UsageError) as error:
        hazard_ratios(TIME, [1] * 8, TWO, reference="z")
    assert "`z`" in error.value.message and "`a`, `b`" in error.value.hint


def _cohort(n: int = 60, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.where(np.arange(n) % 2 == 0, "control", "drug")
    age = rng.normal(60, 10, n).round()
    stage = rng.choice(["II", "III", "IV"], n)
    rate = np.exp(0.7 * (arm == "control") + 0.03 * (age - 60) + 0.5 * (stage == "IV")) / 12
    time = rng.exponential(1 / rate).round(1) + 0.1
    censor = rng.uniform(6, 40, n).round(1)
    return pd.DataFrame(
        {
            "time": np.minimum(time, censor),
            "event": (time <= censor).astype(int),
            "arm": arm,
            "age": age,
            "stage": stage,
        }
    )


def test_adjustment_terms_and_missing_covariates():
    data = _cohort()
    data.loc[[3, 8], "age"] = np.nan
    result = hazard_ratios(
        data.time,
        data.event,
        data.arm,
        covariates=data[["age", "stage"]],
        covariate_orders={"stage": ["IV", "III", "II"]},
    )
    assert result.estimable, result.reason
    assert result.n == 58 and result.adjusted_for == ("age", "stage")
    assert "2 of 60 patients left out of the model: no age recorded." in result.notes
    assert [c.term for c in result.covariates] == ["age", "stage III vs IV", "stage II vs IV"]
    assert result.lr_test.df == 4 and result.group_test.df == 1
    assert result.group_test.chi2 < result.lr_test.chi2
    assert "adjusted for age (linear), stage (categories)" in result.method


def test_covariate_with_one_value_is_left_out_with_a_note():
    data = _cohort()
    result = hazard_ratios(
        data.time,
        data.event,
        data.arm,
        covariates=pd.DataFrame({"site": ["lung"] * len(data), "age": data.age}),
    )
    assert result.adjusted_for == ("age",)
    assert "Not adjusted for site: it has a single value here." in result.notes
    alone = hazard_ratios(data.time, data.event, data.arm, covariates=data[["age"]])
    assert result.groups[1].hr == alone.groups[1].hr


def test_proportional_hazards_test_flags_crossing_hazards():
    rng = np.random.default_rng(3)
    n = 200
    early = rng.weibull(0.5, n) * 10  # hazard falling steeply
    late = rng.weibull(4.0, n) * 10  # hazard rising steeply; the curves cross
    time = np.concatenate([early, late])
    group = ["early"] * n + ["late"] * n
    crossing = hazard_ratios(time, np.ones(2 * n, dtype=int), group)
    assert crossing.ph_test.p < 0.05
    assert any("Proportional hazards are in doubt" in note for note in crossing.notes)
    # One term: the global test is that term's test.
    assert crossing.ph_term_p == (("groups", pytest.approx(crossing.ph_test.p)),)

    same_shape = np.concatenate([rng.exponential(10, n), rng.exponential(5, n)])
    proportional = hazard_ratios(same_shape, np.ones(2 * n, dtype=int), group)
    assert proportional.ph_test.p > 0.05
    assert not any("Proportional" in note for note in proportional.notes)


@pytest.mark.parametrize(
    ("time", "event", "group", "message"),
    [
        ([1, 2], [1, 0], ["a"], "same length"),
        ([1, -2], [1, 0], ["a", "b"], ">= 0"),
        ([1, 2], [1, 2], ["a", "b"], "events"),
        ([1, 2], [1, 0], ["a", None], "missing"),
    ],
)
def test_bad_input_is_a_value_error(time, event, group, message):
    with pytest.raises(ValueError, match=message):
        hazard_ratios(time, event, group)
