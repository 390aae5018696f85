"""The grouping forms of by= and strata= beyond the numbers test_subgroups_r.py checks against
R: what each form is read as, the mistakes that get a specific answer, the SQL (cut-points and
labels only ever as parameters), the rates and Table 1 of crossed fields, dates cut, the
reference chosen with ref=, and what a cut shows in public channels."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from sts_bot.cli import main
from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.service.service import Service
from sts_queries.answer import ask, understand
from sts_queries.cohort.cohort import demo_path, load_cohort
from sts_queries.errors import StsError, UnknownField, UnknownValue, UsageError
from sts_queries.metrics.registry import resolve
from sts_queries.privacy.reveal import reveals_patients
from sts_queries.sql.statement import statement
from sts_queries.stats.cox import hazard_ratios
from tests.test_subgroups_r import EXPORTS, SUBGROUPS, trials  # noqa: F401  (the fixture)

K = 5
PUBLIC = Asker(user="U0HYPO001", team="T0TEAM001", channel="C0PUBLIC1")


@pytest.mark.parametrize(
    ("command", "by", "groups"),
    [
        ("count by=age>=60", "age≥60", ["<60", "≥60"]),
        ("count by=age > 60", "age>60", ["≤60", ">60"]),
        ("count by=age<=60", "age>60", ["≤60", ">60"]),  # the same two groups
        ("count by=age<60", "age≥60", ["<60", "≥60"]),
        ("count by=age cuts=60,45", "age (cut at 45, 60)", ["<45", "45–<60", "≥60"]),
        ("count by=age cuts=40.5", "age≥40.5", ["<40.5", "≥40.5"]),
        ("count by=start_date>=2020-01-01", "start_date≥2020-01-01", None),
        ("count by=sex,age>=60", "sex × age≥60", ["M, <60", "M, ≥60", "F, <60", "F, ≥60"]),
        ("count by=prior_chemo,sex", "prior_chemo × sex", ["yes, M", "yes, F", "no, M", "no, F"]),
    ],
)
def test_each_form_is_read_and_its_groups_come_in_natural_order(demo, command, by, groups):
    answer = ask(command, demo)
    assert answer.spec.by == by
    labels = [g["label"] for g in answer.groups]
    if groups is not None:
        assert labels == groups
    assert sum(g["n"] for g in answer.groups) == 14


def test_a_cut_date_splits_as_the_filters_do(demo):
    groups = {g["label"]: g["n"] for g in ask("count by=start_date>=2020-01-01", demo).groups}
    assert groups == {
        "<2020-01-01": ask("count start_date<2020-01-01", demo).n,
        "≥2020-01-01": ask("count start_date>=2020-01-01", demo).n,
    }


@pytest.mark.parametrize(
    ("command", "error", "says", "hints"),
    [
        ("os by=age>=", UsageError, "`by=age>=` has no value after `>=`", "by=age>=65"),
        ("os by=age cuts=a,b", UsageError, "`age` is cut at numbers, not `a`", "cuts=50,65"),
        ("os by=histology cuts=50", UsageError, "`histology` is a category", "by=histology"),
        ("os by=trt strata=histology", UnknownField, "Unknown field `trt`", "fields"),
        ("os strata=histology", UsageError, "`strata=` stratifies", "by=trt strata=celltype"),
        ("os by=age", UsageError, "groups need a category field", "by=age>=…"),
        ("os by=age>=60,70", UsageError, "several cut-points go in cuts=", "by=age cuts=60,70"),
        ("os by=age>=60 cuts=50", UsageError, "give the cut-points once", "by=age cuts=50,65"),
        ("os cuts=50", UsageError, "there is no by=", "by=age cuts=50,65"),
        ("os by=stage=IV", UsageError, "not a value", "by=age>=65"),
        ("os by=histology>=LPS", UsageError, "`histology` is a category", "by=age>=65"),
        ("os by=age>=old", UsageError, "cut at numbers, not `old`", "by=age>=65"),
        ("os by=start_date>=yesterday", UsageError, "yesterday", ""),
        ("os by=sex,,stage", UsageError, "empty field between commas", "by=trt,celltype"),
        ("os by=sex,sex", UsageError, "names sex twice", ""),
        ("os by=age,cycles cuts=50", UsageError, "several numbers (age, cycles)", "by=age"),
        ("os by=age cuts=1,2,3,4,5,6,7,8,9,10", UsageError, "one to 9 cut-points", ""),
        ("os by=sex strata=age", UsageError, "not a numeric one", "strata=celltype"),
        ("os by=sex strata=sex", UsageError, "already makes the groups", ""),
        ("orr by=sex strata=stage", UsageError, "`strata=` does not apply to `orr`", ""),
        ("forest pfs by=age>=60", UsageError, "two arms of one field", "by=sex"),
        ("list by=age>=60", UsageError, "does not apply to `list`", "/sts list age>=60"),
        ("os by=age>=60 ref=old", UnknownValue, "`old` is not a group of age", "<60, ≥60"),
        ("os by=sex,stage ref=M", UnknownValue, "one value of each", "ref=M,IIIA"),
        ("os by=sex,stage adjust=stage", UsageError, "already splits the groups", ""),
    ],
)
def test_a_malformed_form_gets_a_specific_answer(demo, command, error, says, hints):
    with pytest.raises(StsError) as raised:
        understand(command.replace("os ", "pfs ", 1), demo)
    assert isinstance(raised.value, error), raised.value
    assert says in raised.value.message
    assert hints in (raised.value.hint or "")


@pytest.mark.parametrize(
    ("command", "reference"),
    [
        ("pfs by=age>=60 ref=>=60", "≥60"),
        ("pfs by=age>=60 ref=≥60", "≥60"),
        ("pfs by=age cuts=45,60 ref=45-<60", "45–<60"),
        ("pfs by=sex,prior_chemo ref=female,no", "F, no"),
    ],
)
def test_ref_names_a_group_of_a_cut_or_of_crossed_fields(demo, command, reference):
    answer = ask(command, demo)
    assert answer.spec.reference == reference
    assert answer.body.reference == reference


def test_cut_points_and_labels_travel_as_parameters(demo):
    def sql(text):
        spec = understand(text, demo)
        return statement(spec, demo.catalog, "SELECT * FROM selected")

    at_60, params_60 = sql("count by=age>=60")
    at_70, params_70 = sql("count by=age>=70")
    assert at_60 == at_70 and "60" not in at_60 and "≥" not in at_60
    assert params_60 == [60, "<60", "≥60"] and params_70 == [70, "<70", "≥70"]
    crossed, params = sql("count by=sex,age cuts=45,60 sex=M")
    assert "45" not in crossed and params == [45, "<45", 60, "45–<60", "≥60", "M"]


# R: fisher.test on the demo cohort (tests/reference/subgroups_rates_reference.R printed them).
FISHER = {
    "orr by=age>=60": ([(2, 9), (3, 5)], 0.265734265734266),
    "dcr by=age cuts=45,60": ([(6, 6), (2, 3), (4, 5)], 0.472527472527473),
    "dcr by=prior_chemo,resection": ([(3, 4), (2, 2), (7, 8)], 1.0),
}


@pytest.mark.parametrize("command", list(FISHER))
def test_rates_by_a_cut_and_by_crossed_fields_agree_with_r(demo, command):
    counts, p = FISHER[command]
    answer = ask(command, demo)
    assert [(g["count"], g["n"]) for g in answer.groups] == counts
    assert answer.test["p"] == pytest.approx(p, rel=1e-9)


def test_table_1_of_crossed_fields_has_a_column_a_combination(demo):
    answer = ask("baseline by=sex,prior_chemo", demo)
    assert [(g["label"], g["n"]) for g in answer.groups] == [
        ("M, yes", 3),
        ("M, no", 6),
        ("F, yes", 1),
        ("F, no", 4),
    ]


def test_a_stratified_model_on_counts_is_r_s_to_the_printed_digits(trials):  # noqa: F811
    """coxph(Surv(time, status) ~ factor(trt) + strata(celltype)) on veteran: HR 1.1847…"""
    frame = trials["veteran"].query("SELECT os_time, os_event, trt, celltype FROM patients", [])
    model = hazard_ratios(
        frame["os_time"].to_numpy(dtype=float),
        frame["os_event"].to_numpy(dtype=int),
        frame["trt"].astype(str).to_numpy(),
        strata=frame["celltype"].to_numpy(),
    )
    hr, low, high = SUBGROUPS["os by=trt strata=celltype unit=days"]["hr"][0]
    (effect,) = [g for g in model.groups if g.hr is not None]
    assert (effect.hr, effect.ci_low, effect.ci_high) == pytest.approx((hr, low, high), rel=1e-7)
    chi2, _, p = SUBGROUPS["os by=trt strata=celltype unit=days"]["lr_test"]
    assert (model.group_test.chi2, model.group_test.p) == pytest.approx((chi2, p), rel=1e-7)
    one_stratum = hazard_ratios(
        frame["os_time"].to_numpy(dtype=float),
        frame["os_event"].to_numpy(dtype=int),
        frame["trt"].astype(str).to_numpy(),
        strata=np.zeros(len(frame)),
    )
    # R: exp(coef(coxph(Surv(time, status) ~ factor(trt), veteran))), the unstratified model
    assert one_stratum.groups[1].hr == pytest.approx(1.01790090393894, rel=1e-7)


def test_patients_with_the_cut_field_empty_are_counted_out(trials):  # noqa: F811
    answer = ask("etype_2 by=nodes>=4 unit=days", trials["colon"])
    missing = {g["label"]: g["n"] for g in answer.groups}["missing"]
    assert missing == 18  # R: sum(is.na(colon$nodes[colon$etype == 2]))
    assert (
        f"{missing} patient(s) with no recorded group are left out of the group tests and the "
        "hazard ratios." in answer.notes
    )
    said = ask("etype_2 by=rx strata=differ unit=days", trials["colon"]).notes
    assert any("with no recorded differ are left out of the stratified" in n for n in said)


def test_strata_are_said_in_words_and_json(trials):  # noqa: F811
    answer = ask("os by=trt strata=celltype unit=days", trials["veteran"])
    assert "strata celltype" in answer.understood
    out = answer.as_json()
    assert out["strata"] == ["celltype"]
    assert out["test"]["name"] == "stratified log-rank"
    assert "survdiff(… + strata(celltype))" in out["method"]
    assert "stratified" in out["hr_method"]


def test_a_cut_isolating_a_few_patients_shows_nothing_of_them_in_public(demo):
    """`by=age>=70` puts 2 patients above the cut: in public the answer is refused as a small
    selection (the tracker rules), or at the least their group is hidden as any small group."""
    gateway = Gateway(service=Service.over(demo), policy=Policy(min_cell=K), audit=AuditLog(None))
    outcome = gateway.handle("pfs by=age>=70", PUBLIC, surface="slash").outcome
    assert not outcome.plots
    if "groups" not in outcome.json:
        assert "too close to a handful of patients" in outcome.text
        return
    groups = {g["label"]: g for g in outcome.json["groups"]}
    assert groups["≥70"]["n"] is None and groups["≥70"]["suppressed"] is True
    assert groups["<70"]["suppressed"] is True  # 14 - 12 would give it back
    assert "≥70" not in "\n".join(outcome.json["notes"])  # no note names the hidden group


def test_a_hidden_cut_group_is_named_by_no_note():
    """A cut's labels start with no word character (`≥70`): the notes naming a hidden group
    still go (a \\b-bounded pattern would not find them)."""
    from sts_queries.privacy.reveal import shield

    answer = ask("pfs by=age>=70", load_cohort(demo_path()))
    assert any("≥70" in note for note in answer.notes)  # the median's few at risk
    shown = shield(answer, K).answer
    assert not any("≥70" in note for note in shown.notes)


def test_crossing_an_identifier_is_refused_as_grouping_by_it(demo):
    spec = understand("count by=sex,patient_id", demo)
    why = reveals_patients(spec, resolve("count", demo.endpoints), demo, K)
    assert why == "`by=patient_id` makes a group of each patient"


def test_crossed_codes_are_named_by_their_labels(tmp_path):
    folder = tmp_path / "veteran"
    folder.mkdir()
    shutil.copy(EXPORTS / "veteran.csv", folder / "veteran.csv")
    assert main(["init", str(folder)]) == 0
    toml = folder / "cohort.toml"
    drafted = toml.read_text()
    assert '# labels = { 1 = "…", 2 = "…" }' in drafted
    toml.write_text(
        drafted.replace(
            '# labels = { 1 = "…", 2 = "…" }', 'labels = { 1 = "standard", 2 = "test" }', 1
        )
    )
    answer = ask("os by=trt,celltype ref=test,squamous unit=days", load_cohort(folder))
    labels = [g["label"] for g in answer.groups]
    assert labels[:2] == ["standard, adeno", "standard, large"] and "test, squamous" in labels
    assert answer.body.reference == "test, squamous"
    squamous = {g["label"]: g for g in answer.groups}["test, squamous"]
    assert squamous["code"] == "2, squamous" and squamous["hr"] is None  # the reference


# R: cmprsk::cuminc on mgus2 (tests/reference/subgroups_reference.R printed GRAY).
GRAY = {
    "cif pcm by=age>=70": (5.23985614842185, 1, 0.0220750992370148),
    "cif pcm by=sex,age>=70": (7.08506252930874, 3, 0.0692353970864986),
}


@pytest.mark.parametrize("command", list(GRAY))
def test_competing_risks_by_a_cut_and_crossed_fields_agree_with_r(tmp_path, command):
    from tests.test_competing_cohort import mgus2

    answer = ask(command, load_cohort(mgus2(tmp_path / "m"))).as_json()
    chi2, df, p = GRAY[command]
    test = answer["gray_test"]
    assert (test["chi2"], test["df"], test["p"]) == (
        pytest.approx(chi2, rel=1e-9),
        df,
        pytest.approx(p, rel=1e-9),
    )
    assert answer["groups"][0]["label"] in ("<70", "F, <70")  # the reference first
    assert answer["groups"][0]["shr"] is None


# R: cox.zph(coxph(… + strata(s)))$table["GLOBAL", ] (tests/reference/subgroups_reference.R).
PH_STRATA = {
    "os by=trt strata=celltype unit=days": (1.61091041021002, 1, 0.204363873701492),
    "pstat by=age cuts=60,70,80 strata=sex unit=days": (8.98789147892655, 3, 0.0294523098657089),
}


@pytest.mark.parametrize("command", list(PH_STRATA))
def test_the_ph_test_of_a_stratified_model_is_r_s_cox_zph(trials, command):  # noqa: F811
    cohort = trials["veteran" if command.startswith("os") else "mgus2"]
    ph = ask(command, cohort).as_json()["ph_test"]
    chi2, df, p = PH_STRATA[command]
    assert (ph["chi2"], ph["df"], ph["p"]) == (
        pytest.approx(chi2, rel=1e-7),
        df,
        pytest.approx(p, rel=1e-7),
    )
