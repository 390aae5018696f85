"""How survival answers and the weekly post are worded (issue 13; the README's "How survival
answers are worded").

One row per command: fragments the reply must have, and fragments it must not. The demo cohort
is the paper's; `summary` rows replay it week by week (queries/cohort/snapshot.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

from sts_bot.render.answers import compose, to_text
from sts_bot.service.service import Service
from sts_queries.answer import ask
from sts_queries.charts import KaplanMeierChart
from sts_queries.privacy.reveal import shield

NE_LEGEND = "NE: not estimable"
FEW = "rests on fewer than three patients at risk"

ROWS = [
    # 0% once the curve is at 0: a landmark after the last time is not "beyond follow-up"
    ("pfs stage=IV", ["12-mo 0% (CI not estimable, 0 at risk)"], ["beyond follow-up"]),
    ("pfs prior_chemo=yes", ["12-mo 0%"], ["beyond follow-up"]),
    ("pfs mets=lung", ["12-mo 0%"], ["beyond follow-up"]),
    # …while past a censored last time it is
    ("pfs at=30", ["30-mo: beyond follow-up"], []),
    # NE where a limit cannot be computed (log-log once the curve is at 0), NR where it stays
    # above 0.5
    ("pfs stage=IV", ["5.78 months (95% CI 1.45–NE)", NE_LEGEND], ["1.45–NR"]),
    ("pfs", ["8.25 months (95% CI 4.50–NR)"], ["NE", FEW]),
    (
        "pfs stage=IV by=histology",
        ["5.78 (NE–NE)", "4.22 (1.45–NE)", NE_LEGEND],
        ["NR–NR", "(NR"],
    ),
    ("pfs by=best_response", ["NR (NE–NR)", "1.43 (1.41–NE)"], []),
    # a CI that cannot be computed (survival 1, no event yet) is said in words, never nan%
    ("pfs histology=SS", ["6-mo 100% (CI not estimable, 1 at risk)"], ["nan", "–––", "NE:"]),
    ("pfs stage=IIIA", ["6-mo 100% (CI not estimable, 4 at risk)"], ["100%–100%"]),
    ("pfs stage=IIIA ci=log", ["6-mo 100% (CI not estimable"], ["100%–100%"]),
    ("pfs stage=IIIA ci=plain", ["6-mo 100% (CI not estimable"], ["100%–100%"]),
    # a median resting on fewer than 3 patients at risk is flagged
    ("pfs stage=IV by=histology", [f"The median of LPS, UPS, EES, HS {FEW}"], []),
    ("pfs by=best_response", [f"The median of PD {FEW}"], ["The median of SD"]),
    # whole days
    (
        "pfs unit=days",
        ["Median PFS 251 days (95% CI 137–NR)", "183-d 69%", "567 days"],
        [
            "251.11",
            "182.625",
        ],
    ),
    # grouping by an outcome known only later: guarantee-time bias, and a landmark suggested
    ("pfs by=best_response", ["guarantee-time bias", "landmark analysis", "at=3,6"], []),
    ("pfs by=resection", ["guarantee-time bias"], []),
    ("pfs by=histology", [], ["guarantee-time"]),
    # the method line claims nothing about SPSS
    (
        "pfs ci=spss",
        ["4.95–11.55", "symmetric, median ± 1.96·SE with Collett's SE", "the seed paper reports"],
        ["as SPSS reports"],
    ),
    # the weekly post: data as of the cut-off once the week is past it, never today
    ("summary", ["data as of 2021-06-30", "cut-off, 2021-06-30"], [f"{dt.date.today()}"]),
    ("summary as_of=2030-01-01", ["data as of 2021-06-30"], ["2030-01-06 ·", "data as of 2030"]),
    ("summary as_of=2021-06-30", ["data as of 2021-06-30"], ["cut-off, 2021"]),
    # …and what changed, by kind of event
    (
        "summary as_of=2019-08-21",
        [
            "+1 this week (case 4)",
            "This week: no new responses (CR/PR) · 1 progression or death (case 1)",
            "1.41 months (95% CI NE–NE) — " + FEW,
        ],
        ["NR–NR"],
    ),
    (
        "summary as_of=2020-01-29",
        [
            "1 progression or death (case 3)",
            "Median PFS 5.78 months (95% CI 1.45–NR)",
            "was not reached a week before; it moved with this week's progression or death "
            "(case 3)",
        ],
        [],
    ),
    ("summary as_of=2019-11-13", ["1 new response (CR/PR) (case 4)", "no progressions"], []),
    ("summary as_of=2019-10-14", ["This week:"], []),
]


@pytest.mark.parametrize(("command", "has", "has_not"), ROWS, ids=[r[0][:30] for r in ROWS])
def test_survival_words(demo, command, has, has_not):
    text = Service.over(demo).respond(command, with_plots=False).text
    for fragment in has:
        assert fragment in text, text
    for fragment in has_not:
        assert fragment not in text, text


@pytest.mark.parametrize(
    "command", ["pfs", "pfs histology=SS", "pfs stage=IV by=histology", "summary as_of=2019-08-21"]
)
def test_no_nan_ever(demo, command):
    text = Service.over(demo).respond(command, with_plots=False).text
    assert "nan" not in text.lower()


def test_json_says_why_a_limit_has_no_number(demo):
    data = ask("pfs stage=IV", demo).as_json()
    assert (data["ci_low"], data["ci_high"]) == (1.45, None)
    assert (data["ci_low_status"], data["ci_high_status"]) == (None, "not estimable")
    assert data["landmarks"][1]["survival"] == 0.0  # the curve is at 0 from 8.25
    overall = ask("pfs", demo).as_json()
    assert overall["ci_high_status"] == "not reached"
    assert overall["median_few_at_risk"] is False


def test_the_km_chart_names_its_endpoint_and_data_cut(demo):
    chart = ask("pfs", demo).chart
    assert isinstance(chart, KaplanMeierChart)
    assert (chart.endpoint, chart.data_as_of) == ("pfs", dt.date(2021, 6, 30))


def test_the_weekly_image_rings_the_weeks_progressions(demo):
    chart = ask("summary as_of=2020-01-29", demo).chart
    assert isinstance(chart, KaplanMeierChart)
    (ringed,) = chart.marked
    assert ringed == pytest.approx((5.78,))  # case 3's progression, at its PFS time
    assert chart.data_as_of == dt.date(2020, 2, 2)
    quiet = ask("summary as_of=2019-11-13", demo).chart
    assert tuple(quiet.marked) == ((),)


def test_the_weekly_json_lists_the_weeks_events(demo):
    data = ask("summary as_of=2020-01-29", demo).as_json()
    assert (data["progressed"], data["responded"], data["died"]) == (["3"], [], None)
    assert data["pfs_before"]["median"] is None and data["pfs"]["median"] == 5.78
    assert ask("summary as_of=2030-01-01", demo).as_json()["as_of"] == "2021-06-30"


@pytest.mark.parametrize("command", ["summary as_of=2020-01-29", "summary as_of=2019-11-13"])
def test_outside_patient_places_the_weeks_events_name_no_case(demo, command):
    shielded = shield(ask(command, demo), 5)
    text = to_text(compose(shielded.answer))
    assert "case" not in text.lower()
    assert "This week:" in text and "<5" in text
    assert shielded.suppressed and shielded.answer.chart is None  # the ringed image withheld
