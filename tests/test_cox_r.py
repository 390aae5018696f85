"""Cox hazard ratios against R's survival::coxph.

Every number below was printed by `Rscript tests/reference/cox_reference.R` (R 4.2.2,
survival 3.5.3) from the CSV files next to it; tests/reference/README.md says how to
regenerate them. R is not needed to run these tests. Both sides stop an iterative fit at a
tolerance, so hazard ratios, limits and likelihood-ratio statistics are compared to a relative
1e-3 (they agree to about 1e-5).
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from sts_queries.stats.cox import hazard_ratios

REFERENCE = Path(__file__).parent / "reference"
REL = 1e-3

# Hand-made, as `edge` in cox_reference.R: every censored patient is in group "b", with ties.
EDGE_DATA = pd.DataFrame(
    {
        "time": [2, 3, 5, 7, 11, 4, 6, 6, 9, 12, 13, 15],
        "event": [1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0],
        "group": ["a"] * 5 + ["b"] * 7,
    }
)


@cache
def dataset(name: str) -> pd.DataFrame:
    return EDGE_DATA if name == "edge" else pd.read_csv(REFERENCE / f"{name}.csv")


def close(value):
    return pytest.approx(value, rel=REL)


# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/cox_reference.R: R 4.2.2, survival 3.5.3
COX_MODELS = [
    ("edge", "edge", "group", "a", [], 12, 8,
     [
        ("b", 0.184244316083952, 0.0353565382854687, 0.96010440092193),
     ],
     [
     ],
     (4.60774089967546, 1, 0.0318279362398968),
     (4.60774089967546, 1, 0.0318279362398968)),
    ("g3", "g3", "group", "Control", [], 17, 6,
     [
        ("RIT", 0.104503617616706, 0.0116189910901505, 0.939927228641771),
     ],
     [
     ],
     (5.42810616721653, 1, 0.0198151567584677),
     (5.42810616721653, 1, 0.0198151567584677)),
    ("g3-age", "g3", "group", "Control", ["age"], 17, 6,
     [
        ("RIT", 0.0407917435508784, 0.0021637586941321, 0.769016594333344),
     ],
     [
        ("age", 1.05494504642877, 0.946965464368881, 1.17523721071107),
     ],
     (6.41037851056197, 2, 0.0405512263778608),
     (5.51403479728571, 1, 0.0188644799487102)),
    ("lymphoma", "lymphoma", "stage", "1", [], 80, 54,
     [
        ("2", 2.61515058577045, 1.22816304068555, 5.56848916609477),
     ],
     [
     ],
     (7.64055094752661, 1, 0.00570704830515777),
     (7.64055094752661, 1, 0.00570704830515777)),
    ("kidney", "kidney", "group", "white male", [], 863, 140,
     [
        ("black female", 1.50413886632366, 0.848809054357817, 2.66542129536672),
        ("black male", 0.915043112588538, 0.516469490973447, 1.62120689126779),
        ("white female", 0.779982624032026, 0.528547267770688, 1.15102835808401),
     ],
     [
     ],
     (4.36923756983174, 3, 0.224254785647609),
     (4.36923756983174, 3, 0.224254785647609)),
    ("kidney-age", "kidney", "group", "white male", ["age"], 863, 140,
     [
        ("black female", 1.42817216881812, 0.805869081195572, 2.53102618202034),
        ("black male", 0.875457396158427, 0.494105299309438, 1.55113829695745),
        ("white female", 0.907194047734506, 0.613978182429111, 1.34044020422491),
     ],
     [
        ("age", 1.05197818481553, 1.03723973556496, 1.06692605709423),
     ],
     (58.9377269443526, 4, 4.84943855386362e-12),
     (2.19806702068286, 3, 0.532329208210294)),
    ("dd", "dd", "continent", "Africa", [], 1808, 1468,
     [
        ("Americas", 1.75077978377789, 1.4763854703499, 2.07617178090956),
        ("Asia", 1.29782325153895, 1.09005106732015, 1.54519842485548),
        ("Europe", 2.39073817854944, 2.03707988038855, 2.80579524318099),
        ("Oceania", 1.68804944077137, 1.31684418326104, 2.16389376261054),
     ],
     [
     ],
     (140.657316257795, 4, 2.04134264746702e-29),
     (140.657316257795, 4, 2.04134264746702e-29)),
    ("dd-adjusted", "dd", "continent", "Europe", ["start_year", "regime3"], 1808, 1468,
     [
        ("Africa", 0.65010508603611, 0.543951526706239, 0.776974789369905),
        ("Americas", 0.777417177922843, 0.678300638408055, 0.891017101130802),
        ("Asia", 0.832304690962197, 0.714428893372914, 0.969629175168436),
        ("Oceania", 0.716710660107775, 0.570746225643056, 0.900004498029522),
     ],
     [
        ("start_year", 0.999677158791788, 0.996703490709877, 1.00265969882202),
        ("regime3dictatorship", 0.463053454104602, 0.401486273664921, 0.534061848244296),
        ("regime3monarchy", 0.13886833312688, 0.0890808477121091, 0.216482155712769),
     ],
     (335.557709603418, 7, 1.51815705349423e-68),
     (29.8852722182019, 4, 5.16482637092255e-06)),
]
# fmt: on

# fmt: off
# Rscript tests/reference/cox_levels_reference.R: R 4.2.2, survival 3.5.3
COX_LEVELS = [
    ("kidney-age", "kidney", "group", "white male", ["age"], 0.8, [
        ("groupblack female", 1.42817216881812, 0.982391599844828, 2.07623491905757),
        ("groupblack male", 0.875457396158427, 0.60228888499355, 1.27252166125679),
        ("groupwhite female", 0.907194047734506, 0.702812054823964, 1.17101155934364),
        ("age", 1.05197818481553, 1.04231771585531, 1.0617281894894),
    ]),
    ("kidney-age", "kidney", "group", "white male", ["age"], 0.99, [
        ("groupblack female", 1.42817216881812, 0.673248018834277, 3.02960526689458),
        ("groupblack male", 0.875457396158427, 0.412820925357865, 1.8565571786946),
        ("groupwhite female", 0.907194047734506, 0.543096908616333, 1.51538524191144),
        ("age", 1.05197818481553, 1.03265135223424, 1.07166673333979),
    ]),
    ("dd", "dd", "continent", "Africa", [], 0.8, [
        ("continentAmericas", 1.75077978377789, 1.56611899401386, 1.95721389179334),
        ("continentAsia", 1.29782325153895, 1.15790533948673, 1.45464843696269),
        ("continentEurope", 2.39073817854944, 2.15314235714819, 2.65455231949651),
        ("continentOceania", 1.68804944077137, 1.43504438134052, 1.98566047959208),
    ]),
    ("dd", "dd", "continent", "Africa", [], 0.99, [
        ("continentAmericas", 1.75077978377789, 1.3993852672153, 2.19041169226041),
        ("continentAsia", 1.29782325153895, 1.03190232627041, 1.63227192085401),
        ("continentEurope", 2.39073817854944, 1.93714463735371, 2.95054325224878),
        ("continentOceania", 1.68804944077137, 1.21799420168899, 2.33951106707826),
    ]),
]
# fmt: on


def fit(name, dataset_name, column, reference, covariates):
    data = dataset(dataset_name)
    # R relevels to the reference only where the script names one; passing R's first level
    # also checks that `reference` picks the same group as R's default where it does not.
    return hazard_ratios(
        data.time,
        data.event,
        data[column],
        reference=reference,
        covariates=data[covariates] if covariates else None,
    )


@pytest.mark.parametrize("model", COX_MODELS, ids=[m[0] for m in COX_MODELS])
def test_hazard_ratios_match_r_coxph(model):
    name, data, column, reference, covariates, n, events, groups, terms, lr, group_lr = model
    result = fit(name, data, column, reference, covariates)
    assert result.estimable, result.reason
    assert (result.reference, result.n, result.events) == (reference, n, events)
    assert result.adjusted_for == tuple(covariates)
    others = [g for g in result.groups if g.label != reference]
    assert [g.label for g in others] == [label for label, *_ in groups]
    for g, (_, hr, low, high) in zip(others, groups, strict=True):
        assert (g.hr, g.ci_low, g.ci_high) == (close(hr), close(low), close(high))
    for effect, (r_name, hr, low, high) in zip(result.covariates, terms, strict=True):
        # R names a level by pasting it to the covariate: regime3monarchy.
        assert effect.term.split(" ")[0] + "".join(effect.term.split(" ")[1:2]) == r_name
        assert (effect.hr, effect.ci_low, effect.ci_high) == (close(hr), close(low), close(high))
    assert len(result.covariates) == len(terms)
    assert (result.lr_test.chi2, result.lr_test.df, result.lr_test.p) == (
        close(lr[0]),
        lr[1],
        close(lr[2]),
    )
    assert (result.group_test.chi2, result.group_test.df, result.group_test.p) == (
        close(group_lr[0]),
        group_lr[1],
        close(group_lr[2]),
    )


def test_reference_group_is_r_first_level_by_default():
    # R's default reference is the first factor level; ours without `reference` is the same.
    for name, data, column, reference, *_ in COX_MODELS:
        if name in {"edge", "g3", "lymphoma", "dd"}:
            d = dataset(data)
            result = hazard_ratios(d.time, d.event, d[column])
            assert result.reference == str(reference), name


def test_trial_sized_cohort_has_a_wide_interval():
    result = fit("g3", "g3", "group", "Control", [])
    (rit,) = [g for g in result.groups if g.label == "RIT"]
    assert result.n < 20
    assert rit.ci_high / rit.ci_low > 50  # R: 0.0116 to 0.940
    assert any("imprecise" in note for note in result.notes)


def test_no_warning_or_output_where_lifelines_warns(capsys):
    # Age in units of 10,000 years has a variance below lifelines' 1e-4, so lifelines warns
    # before fitting; the fit is the same (it standardises columns) and the answer stays quiet.
    data = dataset("kidney")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = hazard_ratios(
            data.time,
            data.event,
            data.group,
            reference="white male",
            covariates=pd.DataFrame({"age": data.age / 10_000}),
        )
    assert caught == []
    assert capsys.readouterr() == ("", "")
    ((_, hr, low, high), *_) = next(m for m in COX_MODELS if m[0] == "kidney-age")[7]
    black_female = next(g for g in result.groups if g.label == "black female")
    assert (black_female.hr, black_female.ci_low, black_female.ci_high) == (
        close(hr),
        close(low),
        close(high),
    )
    (age,) = result.covariates
    assert age.hr ** (1 / 10_000) == close(1.05197818481553)  # back to R's per-year HR


@pytest.mark.parametrize("fitter", ["lifelines", "counts"])
@pytest.mark.parametrize("model", COX_LEVELS, ids=[f"{m[0]}-{m[5]}" for m in COX_LEVELS])
def test_limits_at_other_levels_match_r_confint(model, fitter):
    # Both Cox backends honour conf_level: 80% and 99% limits are R's, not the 95% ones.
    _, data_name, column, reference, covariates, level, terms = model
    data = dataset(data_name)
    result = hazard_ratios(
        data.time,
        data.event,
        data[column],
        reference=reference,
        covariates=data[covariates] if covariates else None,
        conf_level=level,
        fitter=fitter,
    )
    assert result.estimable and result.conf_level == level
    assert f"Wald {level:.0%} CI" in result.method
    found = {column + g.label: (g.hr, g.ci_low, g.ci_high) for g in result.groups if g.hr}
    found |= {e.term: (e.hr, e.ci_low, e.ci_high) for e in result.covariates}
    assert found == {term: (close(hr), close(low), close(high)) for term, hr, low, high in terms}
