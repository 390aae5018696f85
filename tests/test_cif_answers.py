"""`cif`: the competing-risks answer on R's mgus2 (numbers from
tests/reference/competing_reference.R, R 4.2.2, survival 3.5.3, cmprsk 2.2.11), how a
patient's first event is decided, the refusals, and the small-cell rule outside patient
channels (issue 22)."""

from __future__ import annotations

import math

import pytest

from sts_bot.plots.figures import draw
from sts_bot.render.answers import compose, to_text
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import UsageError
from sts_queries.privacy.reveal import is_hidden, public_json, shield
from tests.conftest import write_cohort
from tests.test_competing_cohort import mgus2

# R: summary(survfit(Surv(etime, factor(event)) ~ 1), times = 240) on mgus2, pcm and death.
PCM_240 = (0.0998137159355, 0.0823656279744, 0.120957954597, 57)
DEATH_240 = (0.724027976143, 0.694077218431, 0.755271166258)
# ~ sex: F and M at 240 months; cuminc's Gray test of pcm; crr's coefficient of M, and its SE.
BY_SEX_240 = {"F": 0.104940674186, "M": 0.095650755031}
GRAY = (1.19450782508, 0.274422156788, 1)
CRR_M = (-0.229237113326, 0.185778351436)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return load_cohort(mgus2(tmp_path_factory.mktemp("mgus2") / "m"))


def test_the_issues_number_ten_percent_at_240_months(cohort):
    answer = ask("cif pcm at=240 unit=months", cohort)
    data = answer.as_json()
    (point,) = data["cif"]
    assert (point["estimate"], point["ci_low"], point["ci_high"]) == pytest.approx(
        PCM_240[:3], rel=1e-9
    )
    assert point["at_risk"] == PCM_240[3] and point["time"] == 240
    (death,) = data["competing_cif"]["death"]
    assert (death["estimate"], death["ci_low"], death["ci_high"]) == pytest.approx(
        DEATH_240, rel=1e-9
    )
    # R: table(event) is 409 censored, 115 pcm, 860 death.
    assert (data["n"], data["events"], data["competing_events"]) == (1384, 115, 860)
    assert data["competing"] == ["death"] and data["metric"] == "cif"
    text = to_text(compose(answer))
    assert "Cumulative incidence of PCM 240-mo 10.0% (8.2%–12.1%, 57 at risk)" in text
    assert "115 pcm first, 860 death first (competing), in 1384 patients" in text
    assert "Competing: death 240-mo 72.4% (69.4%–75.5%)" in text


def test_the_same_time_in_years(cohort):
    months = ask("cif pcm at=240", cohort).as_json()["cif"][0]
    years = ask("cif pcm at=20 unit=years", cohort).as_json()["cif"][0]
    assert years["estimate"] == months["estimate"] and years["at_risk"] == months["at_risk"]


def test_by_sex_gives_grays_test_and_the_subdistribution_hazard_ratio(cohort):
    data = ask("cif pcm by=sex at=240", cohort).as_json()
    groups = {g["label"]: g for g in data["groups"]}
    for label, value in BY_SEX_240.items():
        assert groups[label]["cif"][0]["estimate"] == pytest.approx(value, rel=1e-9)
    assert (groups["F"]["events"], groups["M"]["competing_events"]) == (59, 490)
    gray = data["gray_test"]
    assert (gray["chi2"], gray["p"], gray["df"]) == pytest.approx(GRAY, rel=1e-8)
    assert data["test"]["name"] == "Gray's test"
    assert data["reference"] == "F"
    assert groups["F"]["shr"] is None and groups["F"]["shr_ci_low"] is None
    beta, se = CRR_M
    z = 1.959963984540054
    shr = (groups["M"]["shr"], groups["M"]["shr_ci_low"], groups["M"]["shr_ci_high"])
    expected = (math.exp(beta), math.exp(beta - z * se), math.exp(beta + z * se))
    assert shr == pytest.approx(expected, rel=1e-8)
    flipped = ask("cif pcm by=sex ref=M at=240", cohort).as_json()
    m_ref = {g["label"]: g for g in flipped["groups"]}
    assert flipped["reference"] == "M" and m_ref["M"]["shr"] is None
    assert m_ref["F"]["shr"] == pytest.approx(math.exp(-beta), rel=1e-6)


def test_the_plot_draws_both_causes_and_the_at_risk_table(cohort):
    from sts_bot.plots.km.incidence import _incidence_figure

    answer = ask("cif pcm by=sex at=240", cohort)
    (plot,) = draw(answer)
    assert plot.png.startswith(b"\x89PNG") and plot.filename == "cif-pcm-by-sex-at-240.png"
    chart = answer.chart
    fig = _incidence_figure(
        chart.curves, causes=chart.causes, title="t", landmarks=(240,),
        reference=chart.reference, hazards=chart.hazards,
    )  # fmt: skip
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_gid() in ("cif-curve", "cif-competing")]
    kinds = [(line.get_gid(), line.get_color(), str(line.get_linestyle())) for line in lines]
    assert [k[0] for k in kinds] == ["cif-curve", "cif-competing"] * 2
    assert kinds[0][1] == kinds[1][1] != kinds[2][1]  # a colour a group, a line style a cause
    assert kinds[0][2] != kinds[1][2]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "pcm" in legend and "death (competing)" in legend
    assert any(t.startswith("M: n = 753, 56 pcm, 490 death; SHR 0.80") for t in legend)
    counts = [t.get_text() for t in fig.axes[1].texts if t.get_gid() == "at-risk-count"]
    assert counts[0] == "753" and "631" in counts  # R: n.risk at 0 by sex
    labels = [t for t in ax.texts if t.get_gid() == "km-landmark-value"]
    # both groups round to 10% at 240 months: a label each, in its group's colour
    assert [t.get_text() for t in labels] == ["10%", "10%"]
    assert [t.get_color() for t in labels] == [kinds[0][1], kinds[2][1]]


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("cif death", "`death` has no competing endpoints declared"),
        ("cif os", "This cohort has no `os` endpoint."),
        ("cif", "`cif` needs the metric to show"),
    ],
)
def test_what_cif_refuses(cohort, command, said):
    with pytest.raises(UsageError) as caught:
        ask(command, cohort)
    assert said in str(caught.value)


# One row a patient: r (recurrence) with death competing. 1: recurrence only; 2: death before
# the recurrence (death decides); 3: both the same day (the endpoint's own decides); 4: neither,
# recurrence followed longer (censored at 9); 5: neither, death's follow-up longer (censored at
# 12); 6: death; 7: death not recorded (left out).
HAND = """patient_id,rtime,rstat,dtime,dstat
1,2,1,10,0
2,8,1,3,1
3,4,1,4,1
4,9,0,5,0
5,6,0,12,0
6,7,0,7,1
7,5,1,,
"""
HAND_TOML = """name = "hand"
time_unit = "months"
[endpoints.r]
time = "rtime"
event = "rstat"
competing = ["death"]
[endpoints.death]
time = "dtime"
event = "dstat"
"""


def test_a_patients_first_event_decides(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path / "h", HAND, HAND_TOML))
    answer = ask("cif r at=1,2,3,4,7,9,12", cohort)
    fit = answer.chart.curves[0][1]
    # time, number at risk and events (r, death) per time: 2 r; 3 death (patient 2); 4 r
    # (patient 3, a tie won by r); 7 death; 9 and 12 censored.
    assert list(fit.time) == [2, 3, 4, 7, 9, 12]
    assert [tuple(int(v) for v in row) for row in fit.n_event] == [
        (1, 0), (0, 1), (1, 0), (0, 1), (0, 0), (0, 0),
    ]  # fmt: skip
    assert list(fit.n_censor) == [0, 0, 0, 0, 1, 1]
    assert answer.n == 7 and answer.body.n_analysed == 6
    assert "1 of 7 selected patients have r or death not recorded." in answer.notes


def test_small_cells_are_hidden_outside_patient_channels(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path / "h", HAND, HAND_TOML))
    shielded = shield(ask("cif r at=3", cohort), 5)
    assert shielded.suppressed and shielded.answer.chart is None  # no plot of so few
    body = shielded.answer.body
    assert is_hidden(body.events) and is_hidden(body.competing_events)
    assert is_hidden(body.cif[0]["estimate"]) and is_hidden(body.cif[0]["at_risk"])
    data = public_json(shielded.answer)
    assert data["events"] is None and data["suppressed"] is True
    assert "10.0%" not in to_text(compose(shielded.answer))


def test_a_hidden_group_withholds_grays_test_and_the_ratios(cohort):
    answer = ask("cif pcm by=sex at=240 age>=85", cohort)
    shielded = shield(answer, 5).answer
    data = public_json(shielded)
    assert data["gray_test"] is None and "test" not in data
    assert all(g["shr"] is None for g in data["groups"])
    assert all(is_hidden(g["shr"]) for g in shielded.groups if g["label"] != "F")


def _pbc(folder):
    """R's pbc as a cohort: death, liver transplant competing (status 2 and 1 of one column,
    here an endpoint each); stage 1 has no transplant."""
    import pandas as pd

    from tests.conftest import REPO

    p = pd.read_csv(REPO / "tests" / "reference" / "pbc.csv")
    frame = pd.DataFrame(
        {
            "patient_id": p["id"],
            "stage": p["stage"].astype("Int64"),
            "dtime": p["time"],
            "died": (p["status"] == 2).astype(int),
            "ttime": p["time"],
            "transplanted": (p["status"] == 1).astype(int),
        }
    )
    toml = (
        'name = "pbc"\ntime_unit = "days"\n'
        '[endpoints.death]\ntime = "dtime"\nevent = "died"\ncompeting = ["transplant"]\n'
        '[endpoints.transplant]\ntime = "ttime"\nevent = "transplanted"\n'
        '[fields.stage]\nkind = "code"\n'
    )
    return load_cohort(write_cohort(folder, frame.to_csv(index=False), toml))


def test_pbc_by_stage_a_group_without_competing_events(tmp_path):
    from tests.test_competing_r import FINE_GRAY, GRAY

    data = ask("cif death by=stage at=1000,4000 unit=days", _pbc(tmp_path / "pbc")).as_json()
    groups = {g["label"]: g for g in data["groups"]}
    assert groups["1"]["competing_events"] == 0 and groups["1"]["events"] == 2
    # R (competing_reference.R): stage 1 at 1000 and 4000 days 0.047619047619, 0.120879120879.
    assert [p["estimate"] for p in groups["1"]["cif"]] == pytest.approx(
        [0.047619047619, 0.120879120879], rel=1e-9
    )
    assert groups["1"]["competing_cif"]["transplant"][0]["estimate"] == 0
    (chi2, p, df) = next((c, p, d) for name, cause, c, p, d in GRAY if name == "pbc_stage")
    assert (data["gray_test"]["chi2"], data["gray_test"]["df"]) == (pytest.approx(chi2), df)
    assert data["gray_test"]["p"] == pytest.approx(p, rel=1e-6)
    levels, coef = next((lv, c) for name, lv, c, _ in FINE_GRAY if name == "pbc_stage")
    assert data["reference"] == levels[0]
    shr = [groups[level]["shr"] for level in levels[1:]]
    assert shr == pytest.approx([math.exp(b) for b in coef], rel=1e-8)
    assert any("6 patient(s) with no recorded group" in note for note in data["notes"])


def test_a_group_without_events_of_the_endpoint_gets_no_ratio_but_words(tmp_path):
    rows = HAND.replace("patient_id,", "patient_id,arm,").splitlines()
    arms = ["a", "a", "a", "a", "b", "b", "b"]  # b: censored, death, r unknown (left out)
    text = "\n".join(
        [rows[0], *(r.replace(",", f",{a},", 1) for r, a in zip(rows[1:], arms, strict=True))]
    )
    cohort = load_cohort(write_cohort(tmp_path / "h", text + "\n", HAND_TOML))
    answer = ask("cif r by=arm", cohort)
    assert all(g["shr"] is None for g in answer.groups)
    assert (
        "No subdistribution hazard ratios: b has no events of the endpoint, so a ratio against "
        "it has no finite estimate." in answer.notes
    )
    assert answer.test is not None  # Gray's test still compares the curves (as cuminc does)
    reply = to_text(compose(answer))
    assert "against a: not estimable here (see below)" in reply


def test_two_competing_endpoints_each_their_own_cause(tmp_path):
    # r competes with death and with m (say, metastasis), declared in that order. 1: m at 2;
    # 2: death at 3 before m at 5; 3: death and m both at 4 (death, declared first, decides);
    # 4: r at 6 before both; 5: nothing, censored at the latest of 7, 8 and 9.
    patients = """patient_id,rtime,rstat,dtime,dstat,mtime,mstat
1,10,0,10,0,2,1
2,10,0,3,1,5,1
3,10,0,4,1,4,1
4,6,1,8,1,7,1
5,7,0,8,0,9,0
"""
    toml = HAND_TOML.replace('competing = ["death"]', 'competing = ["death", "m"]')
    toml += '[endpoints.m]\ntime = "mtime"\nevent = "mstat"\n'
    cohort = load_cohort(write_cohort(tmp_path / "two", patients, toml))
    answer = ask("cif r at=9", cohort)
    fit = answer.chart.curves[0][1]
    assert list(fit.time) == [2, 3, 4, 6, 9]
    assert [tuple(int(v) for v in row) for row in fit.n_event] == [
        (0, 0, 1), (0, 1, 0), (0, 1, 0), (1, 0, 0), (0, 0, 0),
    ]  # fmt: skip
    data = answer.as_json()
    assert data["competing"] == ["death", "m"] and data["competing_events"] == 3
    assert set(data["competing_cif"]) == {"death", "m"}
    assert answer.chart.causes == ("r", "death", "m")
