"""The Cox model fitted on counts (sts_queries.cox_counts) against R, lifelines and itself.

R's numbers below were printed by `Rscript tests/reference/cox_counts_reference.R` (R 4.2.2,
survival 3.5.3) from the CSV files next to it: every model fitted by `coxph` on the patients
(registry_counts.csv, 200,000 synthetic patients with heavy ties, expanded to one row per
patient). The counts fitter iterates as coxph does (same start, steps and stopping rule), so
it lands on R's point: coefficients, standard errors, limits, p-values and log-likelihoods
agree to a relative 1e-7. R is not needed to run these tests.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sts_queries.metrics.survival.hazards import group_hazards
from sts_queries.stats.cox import hazard_ratios
from sts_queries.stats.cox_counts import fit_counts
from sts_queries.stats.cox_fit import (
    DURATION,
    EVENT,
    INFINITE,
    SINGULAR,
    LifelinesCox,
    fit_quietly,
)
from sts_queries.stats.cox_risk_sets import collapse
from tests.reference.registry_counts import registry
from tests.reference_data import dataset

REL = 1e-7

# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/cox_counts_reference.R: R 4.2.2, survival 3.5.3
COUNTS_MODELS = [
    ("larynx-stage", "larynx", ["stage"], 90, 50,
     [
        ("stage2", 0.0648111567568994, 0.458427093160106,
         0.434443474750169, 2.62036009426504, 0.887571934228165),
        ("stage3", 0.614807324274689, 0.355187058586711,
         0.921874189786517, 3.7097376761392, 0.0834625482181971),
        ("stage4", 1.73490381665884, 0.419387877423579,
         2.49158407114765, 12.8956359020227, 3.5225582120968e-05),
     ],
     (-196.863479861645, -188.620790710737),
     (16.4853783018165, 3, 0.000901606641742639)),
    ("kidney-group", "kidney", ["group"], 863, 140,
     [
        ("groupblack male", -0.497004649831071, 0.378055124634885,
         0.289969632127582, 1.27630575819053, 0.188632467037401),
        ("groupwhite female", -0.656704189026211, 0.311958985916732,
         0.281356546253979, 0.955733842637891, 0.035282791785549),
        ("groupwhite male", -0.408220552597553, 0.291914331898193,
         0.37517521216565, 1.17812126869523, 0.161985220035159),
     ],
     (-879.17051326218, -876.985894477263),
     (4.36923756983447, 3, 0.224254785647353)),
    ("kidney-race-sex", "kidney", ["race", "sex"], 863, 140,
     [
        ("racewhite", -0.219918213900324, 0.21147691977747,
         0.530250702747002, 1.21478721822776, 0.298378969144703),
        ("sexmale", 0.0934671507622184, 0.174410992014978,
         0.780069615925165, 1.54543652920935, 0.592026475065821),
     ],
     (-879.17051326218, -878.497007792121),
     (1.34701094011734, 2, 0.509917939037269)),
    ("kidney-group-age", "kidney", ["group", "age"], 863, 140,
     [
        ("groupblack male", -0.489404213787002, 0.378126767386807,
         0.292140899822903, 1.28622379127117, 0.195566620755293),
        ("groupwhite female", -0.453794330218482, 0.312225471812579,
         0.344471124703887, 1.17134932037771, 0.146107545643403),
        ("groupwhite male", -0.356395423049094, 0.291959141856662,
         0.39509666359981, 1.24089634822125, 0.222198462028557),
        ("age", 0.0506723772331427, 0.00719875108851644,
         1.03723973556496, 1.06692605709423, 1.93553294201823e-12),
     ],
     (-879.17051326218, -849.701649790003),
     (58.9377269443532, 4, 4.84943855386202e-12)),
    ("gbsg2-grade", "gbsg2", ["tgrade"], 686, 299,
     [
        ("tgradeII", 0.871796134842422, 0.246049900405575,
         1.476312156037, 3.87306071945051, 0.000395350750588476),
        ("tgradeIII", 1.15374786163731, 0.261539788469675,
         1.89864276311827, 5.29284774738413, 1.02720278617679e-05),
     ],
     (-1788.10473712307, -1775.98772288712),
     (24.2340284719016, 2, 5.46572252286162e-06)),
    ("gbsg2-hormone-grade", "gbsg2", ["horTh", "tgrade"], 686, 299,
     [
        ("horThyes", -0.340446241931787, 0.125449690218768,
         0.556369233210712, 0.909764624584033, 0.00665149141011349),
        ("tgradeII", 0.872443146027413, 0.246053422269042,
         1.47725745845261, 3.87559419597884, 0.000391502117872644),
        ("tgradeIII", 1.12466421748942, 0.261741518921595,
         1.84348954453132, 5.14316252672583, 1.73241825865024e-05),
     ],
     (-1788.10473712307, -1772.16539529228),
     (31.8786836615845, 3, 5.55079907656848e-07)),
    ("registry-group", "registry_counts", ["group"], 200000, 130025,
     [
        ("groupB", 0.160752163190939, 0.0121470679010398,
         1.14676432654274, 1.20268911496517, 5.59655958717837e-40),
        ("groupC", 0.291057917703105, 0.0119520825735656,
         1.30686647282253, 1.36955184938397, 5.51224530531115e-131),
        ("groupD", 0.411650143557408, 0.0118369517408603,
         1.47469345999109, 1.54473155223803, 5.47385792971826e-265),
        ("groupE", 0.517193943282564, 0.0116844702695992,
         1.63933849273301, 1.71617003506382, 0),
        ("groupF", 0.612931863839914, 0.0116280708672169,
         1.80424327153172, 1.88838593951569, 0),
        ("groupG", 0.6857618660902, 0.0115056706159901,
         1.9410152599652, 2.03056192707506, 0),
        ("groupH", 0.770233631298091, 0.011482436374096,
         2.11219664418124, 2.20943934443978, 0),
     ],
     (-1495405.31120179, -1491476.98775789),
     (7856.64688779274, 7, 0)),
    ("registry-group-sex", "registry_counts", ["group", "sex"], 200000, 130025,
     [
        ("groupB", 0.162278947888863, 0.012147148022186,
         1.14851634568717, 1.20452695394545, 1.04363185914731e-40),
        ("groupC", 0.292661673803877, 0.0119522719854602,
         1.30896356351192, 1.37175054797563, 2.08962114285306e-132),
        ("groupD", 0.415321641502704, 0.0118374326525198,
         1.48011635041953, 1.55041491649604, 1.12370371381933e-269),
        ("groupE", 0.523198223104909, 0.0116856510218938,
         1.64920733254996, 1.72650939286892, 0),
        ("groupF", 0.617995756149165, 0.0116290981646154,
         1.81339928614439, 1.89797659692505, 0),
        ("groupG", 0.691995257956392, 0.0115073775858318,
         1.95314562196244, 2.04326558222519, 0),
        ("groupH", 0.778952278224359, 0.0114851862504961,
         2.13068117021045, 2.22879889805405, 0),
        ("sexm", 0.263286195029336, 0.00556540392705586,
         1.28708272478805, 1.31547022371505, 0),
     ],
     (-1495405.31120179, -1490355.52354186),
     (10099.5753198569, 8, 0)),
]
WEIGHTED = [
    0.160737231903188,
    0.29102901897202,
    0.411606463800479,
    0.51713585481453,
    0.612858927203377,
    0.685677075166092,
    0.770133705180005,
]
# fmt: on


def patients_of(name: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """A reference dataset as rows and their patient counts (None: a row per patient)."""
    if name == "registry_counts":
        data = dataset(name)
        return data, data["patients"].to_numpy()
    return dataset(name), None


def r_design(data: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    """DURATION, EVENT and R's columns: a factor's levels but the first as indicators named
    term + level, a number as it is."""
    design = pd.DataFrame({DURATION: data["time"], EVENT: data["event"]})
    for term in terms:
        values = data[term]
        if term == "age":
            design[term] = values.astype(float)
            continue
        for level in sorted(values.unique())[1:]:
            design[f"{term}{level}"] = (values == level).astype(float)
    return design


@pytest.mark.parametrize("model", COUNTS_MODELS, ids=[m[0] for m in COUNTS_MODELS])
def test_counts_fit_matches_r_coxph_on_the_patients(model):
    _, name, terms, n, nevent, coefficients, logliks, logtest = model
    data, weights = patients_of(name)
    rows, patients = collapse(r_design(data, terms), weights)
    assert len(rows) < n or name == "larynx"  # the rows are counts
    fit, why = fit_counts(rows, patients)
    assert why is None
    assert (fit.patients, fit.events) == (n, nevent)
    assert list(fit.columns) == [c for c, *_ in coefficients]
    for column, coef, se, low, high, p in coefficients:
        assert fit.coef[fit.columns.index(column)] == pytest.approx(coef, rel=REL), column
        assert fit.se[fit.columns.index(column)] == pytest.approx(se, rel=REL), column
        effect = fit.effect(column)
        assert (effect["ci_low"], effect["ci_high"]) == (
            pytest.approx(low, rel=REL),
            pytest.approx(high, rel=REL),
        )
        assert effect["p"] == pytest.approx(p, rel=REL, abs=1e-300), column
    assert (fit.loglik_null, fit.loglik) == pytest.approx(logliks, rel=1e-12)
    chi2, df, p = fit.lr_test()
    assert (chi2, df) == (pytest.approx(logtest[0], rel=REL), logtest[1])
    assert p == pytest.approx(logtest[2], rel=REL, abs=1e-300)


@pytest.mark.parametrize("model", COUNTS_MODELS, ids=[m[0] for m in COUNTS_MODELS])
def test_hazard_ratios_on_counts_match_r(model):
    # The public path: the first term is the groups, the others adjust (R's factor coding).
    _, name, terms, n, nevent, coefficients, _, logtest = model
    data, weights = patients_of(name)
    group, *others = terms
    result = hazard_ratios(
        data["time"],
        data["event"],
        data[group],
        covariates=data[others] if others else None,
        weights=weights,
        fitter="counts",
    )
    assert result.estimable, result.reason
    assert (result.n, result.events) == (n, nevent)
    r = {column: values for column, *values in coefficients}
    for g in result.groups[1:]:
        coef, _, low, high, p = r[f"{group}{g.label}"]
        assert (g.hr, g.ci_low, g.ci_high) == pytest.approx((np.exp(coef), low, high), rel=REL)
        assert g.p == pytest.approx(p, rel=REL, abs=1e-300)
    assert result.lr_test.chi2 == pytest.approx(logtest[0], rel=REL)
    assert result.lr_test.df == logtest[1]


def test_counts_are_the_patients_model_not_r_weighted_one():
    # R's coxph(weights=) counts the tied death *rows* in Efron's correction; the counts fit
    # counts patients, i.e. it is coxph on the expanded rows (above), not on weighted rows.
    registry_model = next(m for m in COUNTS_MODELS if m[0] == "registry-group")
    data, weights = patients_of("registry_counts")
    fit, _ = fit_counts(*collapse(r_design(data, ["group"]), weights))
    expanded = np.array([coef for _, coef, *_ in registry_model[5]])
    assert fit.coef == pytest.approx(expanded, rel=REL)
    assert np.max(np.abs(fit.coef - np.array(WEIGHTED))) > 1e-5


def _expanded(rows: pd.DataFrame, weights) -> pd.DataFrame:
    return rows.iloc[np.repeat(np.arange(len(rows)), weights)].reset_index(drop=True)


def test_weighted_rows_are_the_expanded_patients():
    data, weights = patients_of("registry_counts")
    small = data.assign(patients=np.ceil(weights / 40).astype(int))  # ~13,000 patients
    rows = r_design(small, ["group", "sex"])
    counted, _ = fit_counts(rows, small["patients"])
    patients, _ = fit_counts(_expanded(rows, small["patients"]))
    assert counted.coef == pytest.approx(patients.coef, rel=1e-10)
    assert counted.var == pytest.approx(patients.var, rel=1e-10)
    assert counted.loglik == pytest.approx(patients.loglik, rel=1e-12)
    assert _each_column(counted)[0] == pytest.approx(_each_column(patients)[0])
    # Through hazard_ratios, lifelines path: the expanded rows, the very numbers of the rows
    # (a tenth of the rows, ~1,300 patients, some rows several: lifelines fits each side).
    small = small.iloc[::10].reset_index(drop=True)
    assert small["patients"].max() > 1
    by_rows = hazard_ratios(
        small["time"], small["event"], small["group"], weights=small["patients"]
    )
    expanded = _expanded(small, small["patients"])
    by_patients = hazard_ratios(expanded["time"], expanded["event"], expanded["group"])
    assert by_rows == by_patients
    assert by_rows.n == int(small["patients"].sum())
    assert [g.n for g in by_rows.groups] == (small.groupby("group")["patients"].sum().tolist())


@pytest.fixture(scope="module")
def moderate():
    """4,000 synthetic patients, heavy ties (integer days), 8 groups and two sexes, with
    lifelines' fit on the patients."""
    counts = registry(4_000, seed=7)
    rows = r_design(counts, ["group", "sex"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, why = fit_quietly(_expanded(rows, counts["patients"]))
    assert why is None
    return rows, counts["patients"].to_numpy(), model


def _each_column(model):
    """R's cox.zph with every column a term of its own (as R's `terms = FALSE`)."""
    return model.ph_tests([[c] for c in model.columns])


def test_ph_tests_from_counts_equal_those_of_lifelines_on_the_patients(moderate):
    rows, weights, model = moderate
    fit, _ = fit_counts(rows, weights)
    expected, expected_terms = _each_column(LifelinesCox(model, _expanded(rows, weights)))
    # At lifelines' own estimates the two computations agree to rounding …
    at_lifelines = replace(
        fit, coef=model.params_.to_numpy(), var=model.variance_matrix_.to_numpy()
    )
    (stat, df, p), terms = _each_column(at_lifelines)
    assert (stat, df, p) == (
        pytest.approx(expected[0], rel=1e-9),
        expected[1],
        pytest.approx(expected[2], rel=1e-9),
    )
    assert terms == [pytest.approx(t, rel=1e-9) for t in expected_terms]
    # … and at the counts fit (R's point) to the two fits' convergence tolerance.
    (stat, _, p), terms = _each_column(fit)
    assert (stat, p) == pytest.approx(expected[::2], rel=1e-4)
    assert [t[2] for t in terms] == pytest.approx([t[2] for t in expected_terms], rel=1e-4)
    assert fit.coef == pytest.approx(model.params_.to_numpy(), rel=1e-4)


def test_ph_tests_with_a_number_match_lifelines():
    data = dataset("kidney")
    rows = r_design(data, ["group", "age"])
    model, _ = fit_quietly(rows)
    fit, _ = fit_counts(*collapse(rows))
    at_lifelines = replace(
        fit, coef=model.params_.to_numpy(), var=model.variance_matrix_.to_numpy()
    )
    groups = [c for c in fit.columns if c.startswith("group")]
    terms = [groups, ["age"]]  # R's terms: the factor's columns together
    (stat, _, p), each = at_lifelines.ph_tests(terms)
    expected, expected_each = LifelinesCox(model, rows).ph_tests(terms)
    assert (stat, p) == pytest.approx(expected[::2], rel=1e-9)
    assert each == [pytest.approx(t, rel=1e-9) for t in expected_each]
    assert [t[1] for t in each] == [3, 1]


TIME = [1, 2, 3, 5, 6, 7, 8, 9]
TWO = ["a"] * 4 + ["b"] * 4


@pytest.mark.parametrize(
    ("case", "event", "covariates", "reason"),
    [
        # a's events all happen while everyone in b is still at risk: the HR runs off.
        ("separation", [1, 1, 1, 1, 1, 1, 0, 1], None, INFINITE),
        ("covariate duplicates the groups", [1, 0, 1, 1, 1, 1, 0, 1], {"arm": TWO}, SINGULAR),
        (
            "covariates add up to another",
            [1, 0, 1, 1, 1, 1, 0, 1],
            {"x": [1, 2, 3, 4, 5, 6, 7, 8], "y": [2, 3, 4, 5, 7, 8, 9, 10]},
            SINGULAR,
        ),
    ],
)
def test_not_estimable_gives_lifelines_reasons(case, event, covariates, reason, capsys):
    cov = None if covariates is None else pd.DataFrame(covariates)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        counts = hazard_ratios(TIME, event, TWO, covariates=cov, fitter="counts")
    lifelines = hazard_ratios(TIME, event, TWO, covariates=cov, fitter="lifelines")
    assert counts.reason == lifelines.reason == reason
    assert all(g.hr is None for g in counts.groups)
    assert caught == [] and capsys.readouterr() == ("", "")


def test_separation_among_many_patients_is_infinite_not_a_number():
    # 300 patients in b die only after every one of a's deaths: monotone likelihood.
    time = np.r_[np.arange(1, 151), np.arange(200, 350)]
    event = np.ones(300, dtype=int)
    group = ["a"] * 150 + ["b"] * 150
    weights = np.full(300, 200)  # 60,000 patients
    result = hazard_ratios(time, event, group, weights=weights)
    assert result.reason == INFINITE


def _aggregations(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 120))
    patients = pd.DataFrame(
        {
            DURATION: rng.integers(1, 12, n).astype(float),
            EVENT: rng.integers(0, 2, n),
            "b": (rng.random(n) < 0.4).astype(float),
            "c": (rng.random(n) < 0.3).astype(float),
        }
    )
    rows, weights = collapse(patients)
    # Split each distinct row's patients at random into several rows and shuffle them.
    pieces, split_weights = [], []
    for i, w in enumerate(weights.astype(int)):
        cuts = np.sort(rng.integers(0, w + 1, int(rng.integers(0, 3))))
        parts = np.diff(np.r_[0, cuts, w])
        pieces += [i] * len(parts)
        split_weights += list(parts)
    order = rng.permutation(len(pieces))
    split = rows.iloc[np.array(pieces)[order]].reset_index(drop=True)
    return patients, (rows, weights), (split, np.array(split_weights)[order])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_any_aggregation_of_the_same_patients_gives_the_same_fit(seed):
    patients, (rows, weights), (split, split_weights) = _aggregations(seed)
    one, why = fit_counts(patients)
    for data, w in ((rows, weights), (split, split_weights)):
        other, other_why = fit_counts(data, w)
        assert other_why == why
        if why is None:
            assert other.coef == pytest.approx(one.coef, rel=1e-9, abs=1e-12)
            assert other.var == pytest.approx(one.var, rel=1e-9, abs=1e-15)
            assert other.loglik == pytest.approx(one.loglik, rel=1e-12)
            assert other.lr_test()[0] == pytest.approx(one.lr_test()[0], rel=1e-8, abs=1e-10)
            ph, _ = _each_column(other)
            ph_one, _ = _each_column(one)
            assert (ph is None) == (ph_one is None)
            if ph is not None:
                assert ph[0] == pytest.approx(ph_one[0], rel=1e-8, abs=1e-12)


def test_a_registry_of_a_million_patients_has_hazard_ratios():
    counts = registry(1_000_000, seed=3)
    labels = counts["group"].to_numpy(object)
    result = group_hazards(
        counts["time"].to_numpy(float),
        counts["event"].to_numpy(int),
        labels,
        order=[],
        reference=None,
        covariates=counts[["sex"]],
        covariate_orders={},
        weights=counts["patients"].to_numpy(),
    )
    assert result.model.n == 1_000_000 and result.reference == "A"
    assert set(result.per_group) == set("ABCDEFGH")
    b = result.per_group["B"]
    assert b["hr_ci_low"] < b["hr"] < b["hr_ci_high"]
    assert result.test["df"] == 7 and result.ph_test["df"] == 8
    assert result.adjusted_for == ("sex",)
    assert not any("No hazard ratios" in note for note in result.notes)


@pytest.mark.parametrize("command", ["forest pfs by=sex", "forest pfs by=prior_chemo"])
def test_forest_past_lifelines_is_fitted_on_counts_with_the_same_answer(command, monkeypatch, demo):
    from sts_queries.answer import ask
    from sts_queries.stats import cox_fit

    small = ask(command, demo).as_json()
    monkeypatch.setattr(cox_fit, "MAX_LIFELINES_PATIENTS", 3)
    large = ask(command, demo).as_json()
    assert large["notes"] == small["notes"]
    rows = [(s, g) for s, g in zip(small["rows"], large["rows"], strict=True)]
    for s, g in [(small["overall"], large["overall"]), *rows]:
        assert (g["n"], g["events"], g["arms"], g["reason"]) == (
            s["n"],
            s["events"],
            s["arms"],
            s["reason"],
        )
        for key in ("estimate", "ci_low", "ci_high"):
            # lifelines stops early on a handful of patients (test_cox_r.py's 1e-3); the
            # counts fit iterates as R does and lands on R's point (below).
            assert g[key] == (None if s[key] is None else pytest.approx(s[key], rel=1e-3))
    for s, g in zip(small["interactions"], large["interactions"], strict=True):
        assert g["p"] == (None if s["p"] is None else pytest.approx(s["p"], rel=1e-3))
        assert g["reason"] == s["reason"]
    if command == "forest pfs by=sex":
        # R: coxph(Surv(pfs_time, pfs_event) ~ factor(sex, c("M", "F")),
        #          data = subset(read.csv("data/patients.csv"), prior_chemo == "yes"))
        (chemo,) = [
            r for r in large["rows"] if r["field"] == "prior_chemo" and r["subgroup"] == "yes"
        ]
        assert chemo["estimate"] == pytest.approx(0.879385241571892, rel=1e-9)
