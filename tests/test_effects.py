"""The numbers a tumor board quotes, through the command path: hazard ratios (`pfs by= ref=
adjust=`, `hr`, `cox`), landmarks (`at=`), median follow-up, `dor`, `ttr` and `forest`.

The statistics themselves are checked against R in test_cox_r.py and
test_landmarks_followup_r.py; here the same R values must come out of `ask(...)`, so that the
SQL, the options and the grouping feed the model exactly what R was given.
"""

from __future__ import annotations

import pytest

from sts_bot.plots.figures import draw
from sts_bot.render.answers import compose, to_text
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import StsError
from tests.conftest import write_cohort
from tests.test_cox_r import COX_MODELS, REFERENCE
from tests.test_landmarks_followup_r import FOLLOWUP, LANDMARKS

REL = 1e-3  # as test_cox_r: both sides stop an iterative fit at a tolerance
ABS = 1e-6  # as test_landmarks_followup_r


def reference_cohort(tmp_path, name: str, unit: str, categorical: tuple[str, ...]):
    """A cohort folder from tests/reference/<name>.csv: its time/event become os_time/os_event."""
    text = (REFERENCE / f"{name}.csv").read_text().splitlines()
    header = text[0].split(",")
    header = ["os_time" if h == "time" else "os_event" if h == "event" else h for h in header]
    rows = [f"{i},{line}" for i, line in enumerate(text[1:], start=1)]
    kinds = "".join(f'[fields.{c}]\nkind = "categorical"\n' for c in categorical)
    toml = f'name = "{name}"\ntime_unit = "{unit}"\n{kinds}'
    patients = "\n".join([",".join(["patient_id", *header]), *rows]) + "\n"
    return load_cohort(write_cohort(tmp_path / name, patients, toml))


_ASKED: dict = {}


def asked(command: str, cohort):
    """`ask`, once per command and cohort for the tests that only read the answer (the reply,
    its plot, its chart: `forest pfs by=sex`, twenty Cox fits, is read by three)."""
    key = (command, cohort.version)
    if key not in _ASKED:
        _ASKED[key] = ask(command, cohort)
    return _ASKED[key]


def text(command: str, cohort) -> str:
    return to_text(compose(asked(command, cohort)))


# --- the demo cohort: command → what the reply must say --------------------------------------

REPLIES = [
    (
        "pfs by=stage ref=IIIA",
        [
            "ref IIIA",
            "HR (95% CI)",
            "reference",
            "Hazard ratios against IIIA",
            "Cox likelihood-ratio test: p = ",
            "Cox PH (Efron ties, Wald CI) as R coxph",
            "Small groups (IIIA: 4 patients, 1 event; IIIB: 5 patients, 1 event)",
            "95% CIs are wide",
            "Uses reconstructed values",
            "Median follow-up (reverse Kaplan–Meier) 18.63 months",
        ],
    ),
    ("pfs by=stage ref=iv", ["ref IV", "Hazard ratios against IV"]),
    (
        "pfs at=3,6",
        ["at 3, 6 months", "3-mo 86%", "11 at risk", "6-mo 69%", "Uses reconstructed values"],
    ),
    ("pfs", ["6-mo 69% (36%–87%, 8 at risk)", "12-mo 35%", "Median follow-up"]),
    ("pfs unit=days at=90", ["90-d ", "at 90 days"]),
    ("pfs at=30", ["30-mo: beyond follow-up"]),
    ("pfs by=sex adjust=age,stage", ["adjusted for age, stage", "Cox PH", "adjusted for age"]),
    ("pfs by=histology", ["No hazard ratio", "not estimable here"]),
    ("hr by=stage", ["PFS · by stage", "Hazard ratios against IIIA", "HR (95% CI)"]),
    ("cox by=sex", ["PFS · by sex", "Hazard ratios against M"]),
    (
        "dor",
        [
            "DOR",
            "Median DOR not reached",
            "5 responders (CR/PR) of 14 patients",
            "Rests on 5 responders",
            "Uses reconstructed values",
        ],
    ),
    ("dor by=sex", ["responders", "M ", "F "]),
    ("ttr", ["Median TTR 1.41 months (range 1.41–2.83)", "Rests on 5 responders"]),
    ("forest orr", ["ORR 35.7% (5/14)", "histology", "stage", "IV", "0/5"]),
    ("forest dcr over=sex,stage", ["over sex, stage", "DCR 85.7% (12/14)", "IIIA"]),
    ("forest pfs by=sex", ["HR of F vs M", "interaction", "Cox PH (Efron ties, Wald CI)"]),
]


@pytest.mark.parametrize(("command", "fragments"), REPLIES, ids=[r[0] for r in REPLIES])
def test_reply_says(demo, command, fragments):
    said = text(command, demo)
    for fragment in fragments:
        assert fragment in said, f"{fragment!r} not in:\n{said}"


ERRORS = [
    ("pfs by=stage ref=4", "is not a value of `stage`"),
    ("pfs by=stage ref=III", "is a group of several values"),
    ("pfs ref=IIIA", "need by=<field>"),
    ("pfs adjust=age", "need by=<field>"),
    ("pfs by=stage adjust=stage", "already splits the groups"),
    ("pfs by=sex adjust=agee", "Unknown field `agee`"),
    ("pfs at=three", "landmark times are numbers"),
    ("pfs at=-1", "landmark times are numbers"),
    ("orr at=3", "`at=` does not apply to `orr`"),
    ("orr by=stage ref=IIIA", "`ref=` does not apply to `orr`"),
    ("hr", "compares groups"),
    ("forest", "needs the metric to show"),
    ("forest tox", "a forest plot shows a rate or a hazard ratio"),
    ("forest pfs", "name them with by="),
    ("forest pfs by=stage", "compares two groups; this selection has 3"),
    ("forest orr by=sex", "by= is for `forest pfs by=<field>`"),
    ("forest orr over=age", "subgroups need a category field"),
    ("dor stage=IV", "no duration of response"),
]


@pytest.mark.parametrize(("command", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_mistakes_are_said_plainly(demo, command, message):
    with pytest.raises(StsError) as caught:
        ask(command, demo)
    assert message in f"{caught.value} {getattr(caught.value, 'hint', '')}"


def test_unknown_metric_hints_know_the_new_ones(demo):
    for typed, meant in (("dro", "dor"), ("tttr", "ttr"), ("forst", "forest")):
        with pytest.raises(StsError) as caught:
            ask(typed, demo)
        assert f"`{meant}`" in caught.value.hint
    help_lines = "\n".join(ask("help", demo).body.lines)
    assert "hr, cox — " in help_lines and "dor — " in help_lines and "forest — " in help_lines


# --- the --json contract ---------------------------------------------------------------------

LANDMARK_KEYS = {"time", "survival", "ci_low", "ci_high", "at_risk"}
OLD_LANDMARK_KEYS = {"months", "surv", "n_risk"}


def test_grouped_survival_json_contract(demo):
    data = ask("pfs by=stage ref=IIIA at=3,6", demo).as_json()
    assert data["reference"] == "IIIA" and data["adjusted_for"] == []
    assert set(data["hr_test"]) >= {"name", "p"} and 0 < data["hr_test"]["p"] < 1
    assert set(data["followup"]) == {"median", "ci_low", "ci_high"}
    assert [lm["time"] for lm in data["landmarks"]] == [3, 6]
    for group in data["groups"]:
        assert {"label", "hr", "hr_ci_low", "hr_ci_high"} <= set(group)
        assert [lm["time"] for lm in group["landmarks"]] == [3, 6]
        assert all(set(lm) >= LANDMARK_KEYS | OLD_LANDMARK_KEYS for lm in group["landmarks"])
    reference, *others = data["groups"]
    assert reference["hr"] is reference["hr_ci_low"] is reference["hr_ci_high"] is None
    for g in others:  # a wide interval around each estimate, on the demo's tiny groups
        assert g["hr_ci_low"] < g["hr"] < g["hr_ci_high"] and g["hr_ci_high"] / g["hr_ci_low"] > 20


def test_landmarks_keep_the_old_keys_beside_the_new(demo):
    (six, twelve) = ask("pfs", demo).as_json()["landmarks"]
    assert (six["months"], twelve["months"]) == (6, 12)
    for lm in (six, twelve):
        assert set(lm) >= LANDMARK_KEYS | OLD_LANDMARK_KEYS
        assert (lm["surv"], lm["n_risk"]) == (lm["survival"], lm["at_risk"])


def test_adjusted_json_names_the_covariates(demo):
    data = ask("pfs by=sex adjust=age,stage", demo).as_json()
    assert data["adjusted_for"] == ["age", "stage"]
    assert "adjusted for age (linear), stage (categories)" in data["hr_method"]


def test_not_estimable_gives_words_and_no_hr(demo):
    data = ask("pfs by=histology", demo).as_json()
    assert all(g["hr"] is None for g in data["groups"]) and data["hr_test"] is None
    assert any("No hazard ratio" in note for note in data["notes"])


def test_hr_and_cox_are_the_grouped_survival_answer(demo):
    assert ask("hr by=stage", demo).as_json() == ask("pfs by=stage", demo).as_json()
    assert ask("COX by=sex", demo).as_json() == ask("pfs by=sex", demo).as_json()


def test_hr_means_os_where_there_is_no_pfs(tmp_path):
    cohort = reference_cohort(tmp_path, "lymphoma", "days", ("stage",))
    assert ask("hr by=stage", cohort).metric == "os"


def test_response_json_contract(demo):
    dor = ask("dor", demo).as_json()
    assert {"responders", "events", "median", "ci_low", "ci_high", "unit"} <= set(dor)
    assert (dor["responders"], dor["events"]) == (5, 0)
    ttr = ask("ttr by=sex", demo).as_json()
    assert {"responders", "median", "minimum", "maximum"} <= set(ttr)
    assert sum(g["responders"] for g in ttr["groups"]) == ttr["responders"] == 5


def test_forest_json_contract(demo):
    data = ask("forest orr over=stage", demo).as_json()
    assert data["overall"]["count"] == 5 and data["overall"]["n"] == 14
    assert [r["subgroup"] for r in data["rows"]] == ["IIIA", "IIIB", "IV"]
    assert sum(r["count"] for r in data["rows"]) == 5
    hr = ask("forest pfs by=sex over=prior_chemo", demo).as_json()
    assert hr["reference"] == "M" and hr["comparison"] == "F"
    (interaction,) = hr["interactions"]
    assert interaction["field"] == "prior_chemo" and 0 < interaction["p"] <= 1


# --- through the command path, R's numbers ---------------------------------------------------

COMMANDS = {  # the test_cox_r model → the command that asks for it
    "lymphoma": ("lymphoma", "months", ("stage",), "os by=stage"),
    "g3-age": ("g3", "months", ("group",), "os by=group ref=Control adjust=age"),
    "dd-adjusted": (
        "dd",
        "years",
        ("continent", "regime3"),
        "os by=continent ref=europe adjust=start_year,regime3",
    ),
}


@pytest.mark.parametrize("model", list(COMMANDS))
def test_hazard_ratio_through_the_command_equals_r_coxph(tmp_path, model):
    name, unit, categorical, command = COMMANDS[model]
    (_, _, _, reference, covariates, n, events, groups, _, _, group_lr) = next(
        m for m in COX_MODELS if m[0] == model
    )
    cohort = reference_cohort(tmp_path, name, unit, categorical)
    data = ask(command, cohort).as_json()
    assert data["reference"] == reference and data["adjusted_for"] == covariates
    assert (data["n"], data["events"]) == (n, events)
    by_label = {g["label"]: g for g in data["groups"]}
    for label, hr, low, high in groups:
        got = by_label[label]
        assert (got["hr"], got["hr_ci_low"], got["hr_ci_high"]) == pytest.approx(
            (hr, low, high), rel=REL
        )
    assert (data["hr_test"]["chi2"], data["hr_test"]["df"]) == (
        pytest.approx(group_lr[0], rel=REL),
        group_lr[1],
    )
    assert data["hr_test"]["p"] == pytest.approx(group_lr[2], rel=REL)


def test_landmarks_and_followup_through_the_command_equal_r(tmp_path):
    cohort = reference_cohort(tmp_path, "g3", "months", ("group",))
    data = ask("os at=12,24,36", cohort).as_json()
    expected = {row[4]: row for row in LANDMARKS if row[:4] == ("g3", None, None, "log-log")}
    for lm in data["landmarks"]:
        *_, at_risk, surv, low, high = expected[lm["time"]]
        assert lm["at_risk"] == at_risk
        assert (lm["survival"], lm["ci_low"], lm["ci_high"]) == pytest.approx(
            (surv, low, high), abs=ABS
        )
    (median, low, high) = next(
        row[4:] for row in FOLLOWUP if row[:4] == ("g3", None, None, "log-log")
    )
    assert data["followup"] == {"median": median, "ci_low": low, "ci_high": high}


def test_a_small_trial_sized_cohort_gets_a_wide_interval(tmp_path):
    cohort = reference_cohort(tmp_path, "g3", "months", ("group",))
    assert cohort.rows() < 20
    (rit,) = [g for g in ask("os by=group", cohort).as_json()["groups"] if g["hr"] is not None]
    assert rit["hr_ci_high"] / rit["hr_ci_low"] > 50


# --- the plots -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["forest orr", "forest pfs by=sex", "dor", "pfs at=3,6"])
def test_new_answers_draw_a_png(demo, command):
    (plot,) = draw(asked(command, demo))
    assert plot.png.startswith(b"\x89PNG")


def test_forest_figure_has_a_row_per_subgroup_and_the_overall(demo):
    from sts_bot.plots.forest import forest_plot

    rows = ask("forest orr over=sex,stage", demo).as_json()
    png = forest_plot(
        rows["rows"], overall=rows["overall"], measure="rate", outcome="orr", title="t"
    )
    assert png.startswith(b"\x89PNG")
    chart = asked("forest pfs by=sex", demo).chart
    estimable = [r for r in chart.rows if r["estimate"] is not None]
    assert chart.measure == "hazard ratio" and estimable and len(estimable) < len(chart.rows)


def test_km_chart_carries_landmarks_followup_and_hazard_ratios(demo):
    chart = ask("pfs by=stage at=3,6", demo).chart
    assert tuple(chart.landmarks) == (3, 6)
    assert chart.followup["median"] == pytest.approx(18.63)
    assert chart.reference == "IIIA" and set(chart.hazards) == {"IIIB", "IV"}


def test_a_selection_past_lifelines_is_fitted_on_counts_with_the_same_answer(demo, monkeypatch):
    # Past MAX_LIFELINES_PATIENTS the model is fitted on counts (cox_counts.py): the same
    # hazard ratios, intervals and tests, to the fits' convergence tolerance.
    from sts_queries.stats import cox_fit

    small = ask("pfs by=stage", demo).as_json()
    monkeypatch.setattr(cox_fit, "MAX_LIFELINES_PATIENTS", 10)
    large = ask("pfs by=stage", demo).as_json()
    assert [g["hr"] is None for g in large["groups"]] == [True, False, False]  # IIIA: reference
    for g_small, g_large in zip(small["groups"][1:], large["groups"][1:], strict=True):
        for key in ("hr", "hr_ci_low", "hr_ci_high", "hr_p"):
            assert g_large[key] == pytest.approx(g_small[key], rel=1e-4), key
    for test in ("hr_test", "ph_test"):
        assert large[test]["chi2"] == pytest.approx(small[test]["chi2"], rel=1e-4), test
        assert large[test]["p"] == pytest.approx(small[test]["p"], rel=1e-4), test
    assert large["notes"] == small["notes"]
