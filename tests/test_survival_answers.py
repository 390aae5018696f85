"""Survival and toxicity answers end to end: cohort folder → DuckDB → statistics → JSON.

Reference values come from R 4.2.2 with survival 3.5.3 (Debian r-cran-survival), produced by
this script on lifelines' copy of the NCCTG lung data (status recoded 1/2 → 0/1):

    d <- lung; d$status <- d$status - 1
    for (ct in c("log-log", "log", "plain")) {
      print(quantile(survfit(Surv(time, status) ~ 1, data = d, conf.type = ct), 0.5))
      print(quantile(survfit(Surv(time, status) ~ sex, data = d, conf.type = ct), 0.5))
    }
    summary(survfit(Surv(time, status) ~ 1, data = d, conf.type = "log-log"),
            times = c(182.625, 365.25))      # 6 and 12 months in days
    survdiff(Surv(time, status) ~ sex, data = d)
"""

from __future__ import annotations

import pytest

from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from tests.conftest import write_cohort

# conf.type -> (all: median, lower, upper), (by sex: male median, female median,
#               male lower, female lower, male upper, female upper) — R's quantile() order.
R_LUNG = {
    "log-log": ((310, 284, 361), (270, 426, 210, 345, 306, 524)),
    "log": ((310, 285, 363), (270, 426, 212, 348, 310, 550)),
    "plain": ((310, 284, 361), (270, 426, 212, 345, 306, 524)),
}
R_LANDMARKS = {  # summary(fit, times=...) surv, lower, upper, n.risk (log-log)
    6: (0.708054225986936, 0.643995454844778, 0.762738352773918, 156),
    12: (0.409241624460064, 0.338714269088323, 0.478380767646914, 65),
}
R_SURVDIFF = (10.32674195488563207, 0.00131116452035549)
DAYS_PER_MONTH = 365.25 / 12


@pytest.fixture(scope="module")
def lung(tmp_path_factory):
    from lifelines.datasets import load_lung  # not at collection: seconds per worker

    d = load_lung()
    rows = ["patient_id,sex,age,os_time,os_event"]
    for i, r in d.iterrows():
        sex = "male" if r["sex"] == 1 else "female"
        rows.append(f"{i + 1},{sex},{r['age']},{r['time']},{int(r['status'])}")
    folder = write_cohort(
        tmp_path_factory.mktemp("lung"),
        "\n".join(rows) + "\n",
        toml='name = "NCCTG lung"\ntime_unit = "days"\n[fields.sex]\norder = ["male", "female"]\n',
    )
    return load_cohort(folder)


@pytest.mark.parametrize("ci", ["log-log", "log", "plain"])
def test_lung_medians_equal_r(lung, ci):
    overall, by_sex = R_LUNG[ci]
    a = ask(f"os ci={ci} unit=days", lung).as_json()
    assert (a["median"], a["ci_low"], a["ci_high"]) == pytest.approx(overall)
    assert (a["n"], a["events"], a["ci_type"], a["unit"]) == (228, 165, ci, "days")
    g = ask(f"os by=sex ci={ci} unit=days", lung).as_json()["groups"]
    male, female = g
    assert (male["label"], female["label"]) == ("male", "female")
    got = (male["median"], female["median"], male["ci_low"], female["ci_low"])
    got += (male["ci_high"], female["ci_high"])
    assert got == pytest.approx(by_sex)


def test_lung_answers_in_months_by_default(lung):
    a = ask("os", lung).as_json()
    assert a["unit"] == "months" and a["ci_type"] == "log-log"
    assert a["median"] == pytest.approx(310 / DAYS_PER_MONTH)
    assert "log-log" in a["method"] and "survfit" in a["method"]


def test_lung_landmarks_equal_r_summary(lung):
    a = ask("os", lung).as_json()
    for lm in a["landmarks"]:
        surv, low, high, at_risk = R_LANDMARKS[lm["months"]]
        assert (lm["surv"], lm["ci_low"], lm["ci_high"]) == pytest.approx((surv, low, high))
        assert lm["n_risk"] == at_risk


def test_lung_logrank_equals_survdiff(lung):
    test = ask("os by=sex", lung).as_json()["test"]
    assert test["name"] == "log-rank"
    assert (test["chi2"], test["p"]) == pytest.approx(R_SURVDIFF, rel=1e-9)


def test_ten_events_median_is_the_midpoint(tmp_path):
    rows = "patient_id,os_time,os_event\n" + "".join(f"{t},{t},1\n" for t in range(2, 12))
    cohort = load_cohort(write_cohort(tmp_path / "c", rows))
    assert ask("os", cohort).as_json()["median"] == 6.5


def test_demo_pfs_median_among_patients_without_resection(demo):
    a = ask("pfs resection=no", demo).as_json()
    assert (a["n"], a["median"], a["unit"]) == (12, 8.25, "months")
    assert a["events"] == 7
    assert any("reconstructed" in note for note in a["notes"])


# The paper's Table 2 (N = 14): patients by worst grade 1/2/3/4.
TABLE_2 = {
    "Neutropenia": (7, 2, 2, 3),
    "Anemia": (5, 4, 0, 0),
    "Thrombocytopenia": (3, 2, 0, 0),
    "Hypertension": (1, 1, 0, 0),
    "Nausea/vomiting": (6, 2, 0, 0),
    "ALT elevation": (2, 1, 0, 0),
}


def test_demo_tox_is_table_2(demo):
    a = ask("tox", demo).as_json()
    assert a["n"] == 14
    got = {r["term"]: tuple(r["grades"][g] for g in "1234") for r in a["rows"]}
    assert got == TABLE_2
    assert [r["term"] for r in a["rows"]] == list(TABLE_2)  # Table 2's order
    assert all(r["grades"]["5"] == 0 for r in a["rows"])
    neutropenia = a["rows"][0]
    assert (neutropenia["any"], neutropenia["grade3plus"]) == (14, 5)
    assert any("reconstructed" in note for note in a["notes"])


def test_demo_tox_grade_filter_and_patient_filter(demo):
    severe = ask("tox grade>=3", demo).as_json()
    assert [(r["term"], r["grade3plus"]) for r in severe["rows"]] == [("Neutropenia", 5)]
    assert severe["n"] == 14  # the denominator is every selected patient
    lps = ask("tox histology=LPS", demo).as_json()
    assert lps["n"] == 4
    assert sum(r["any"] for r in lps["rows"]) >= 1


def test_table_3_narratives(demo):
    case8 = ask("patient 8", demo).as_json()["adverse_events"]
    assert [(e["term"], e["grade"], e["cycle"]) for e in case8] == [("Neutropenia", 1, 4)]
    case12 = {e["term"]: e for e in ask("patient 12", demo).as_json()["adverse_events"]}
    assert case12["Nausea/vomiting"]["grade"] == 1
    assert (case12["Neutropenia"]["grade"], case12["Neutropenia"]["cycle"]) == (4, 3)
    assert "febrile" in case12["Neutropenia"]["note"]


def test_mean_cycles_is_3_86(demo):
    mean = demo.query("SELECT avg(cycles) AS m FROM patients")["m"].iloc[0]
    assert round(mean, 2) == 3.86


def test_paper_pfs_ci_is_spss_symmetric_interval(demo):
    """The paper's 95% CI 4.88–11.62 is SPSS's median ± 1.96·SE (Collett), not R's bands."""
    a = ask("pfs resection=no ci=spss", demo).as_json()
    assert a["ci_type"] == "symmetric"
    assert (a["median"], round(a["ci_low"], 2), round(a["ci_high"], 2)) == (8.25, 4.88, 11.62)
    default = ask("pfs resection=no", demo).as_json()
    # R: quantile(survfit(Surv(pfs_time, pfs_event) ~ 1, conf.type = "log-log"), 0.5)
    assert (default["ci_low"], default["ci_high"]) == (pytest.approx(1.45), None)


def test_tox_by_group_adds_up_to_the_whole(demo):
    a = ask("tox by=stage", demo).as_json()
    assert [g["label"] for g in a["groups"]] == ["IIIA", "IIIB", "IV"]
    assert sum(g["n"] for g in a["groups"]) == 14
    for row in a["rows"]:
        per_group = [
            next((r["any"] for r in g["rows"] if r["term"] == row["term"]), 0) for g in a["groups"]
        ]
        assert sum(per_group) == row["any"]


@pytest.mark.parametrize("metric", ["orr", "pfs"])
def test_group_tests_are_withheld_when_a_group_has_one_patient(demo, metric):
    single = ask(f"{metric} by=histology", demo).as_json()
    assert "test" not in single
    assert any("single patient" in note for note in single["notes"])
    larger = ask(f"{metric} by=histology histology=LPS,UPS,SS", demo).as_json()
    assert larger["test"]["p"] is not None
    assert any("fewer than 5" in note for note in larger["notes"])
