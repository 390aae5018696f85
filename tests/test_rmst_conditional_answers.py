"""RMST and conditional survival as people get them: words, refusals and small cells in public.

The numbers themselves are R's (tests/test_rmst_conditional_r.py); here the demo cohort, whose
PFS times are 1.41, 1.45, 2.96, 3.19, 4.5, 5.78, 6.24, 7.0, 7.66, 8.25, 9.53, 18.63, 19.78 and
21.62 months, is asked through the gateway as a public channel would ask it.
"""

from __future__ import annotations

import pytest

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.service.service import Service
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import UsageError
from tests.conftest import write_cohort

PUBLIC = Asker(user="U0RMST001", team="T0TEAM001", channel="C0PUBLIC1")


@pytest.fixture(scope="module")
def gateway(demo):
    return Gateway(service=Service.over(demo), policy=Policy(min_cell=5), audit=AuditLog(None))


def said(gateway, text: str) -> str:
    return gateway.handle(text, PUBLIC, surface="slash", with_plots=False).outcome.text


@pytest.mark.parametrize(
    "text",
    [
        "pfs given=18",  # 3 patients past 18 months: a small selection
        "pfs given=3",  # 11 past 3, but 3 left out: against `pfs` it gives those 3 away
        "pfs given=1.42",  # one left out: the first progression's time bisected
        "pfs given=6 histology=LPS",
        # Nobody progressed or left by 1 month: the same 14 as `pfs`, reached by another
        # condition, so answering would tell "none" where refusing tells "a few".
        "pfs given=1",
    ],
)
def test_a_given_selection_is_refused_like_any_small_selection(gateway, text):
    refused = said(gateway, text)
    assert "not given here" in refused
    assert refused.replace(text.split()[0], "") == said(gateway, "pfs age>=100").replace("pfs", "")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("pfs given=6 at=12", "n = 8"),  # 6 left out, 8 past 6 months
    ],
)
def test_a_given_selection_of_enough_patients_is_answered(gateway, text, shown):
    answer = said(gateway, text)
    assert shown in answer and "given event-free past" in answer


# --- rmst in public ---------------------------------------------------------------------------


def test_rmst_of_everyone_is_answered_in_public(gateway):
    answer = said(gateway, "rmst pfs tau=12")
    assert "Restricted mean PFS to 12 months: 8.09 months (95% CI 6.01–10.17; SE 1.06)" in answer
    assert "<5" not in answer and "†" not in answer


def test_rmst_of_a_group_with_few_events_is_hidden_with_its_contrasts(gateway):
    # by sex: F has 5 patients but 2 events (its RMST would be drawn by two patients' times);
    # M's 5 events are then † (7 − 5 = F's 2), and F against M is withheld.
    answer = said(gateway, "rmst pfs by=sex tau=12")
    f = next(line for line in answer.splitlines() if line.startswith("F "))
    m = next(line for line in answer.splitlines() if line.startswith("M "))
    assert "<5" in f and "withheld" in f and "9.51" not in f
    assert "†" in m and "7.27 (4.54–10.00)" in m
    assert "2.24" not in answer and "1.31" not in answer  # F - M and F / M


def test_a_default_tau_set_by_a_hidden_group_is_hidden(gateway):
    # by stage: IIIB (5 patients, 1 event: hidden) ends censored at 18.63 months, which sets
    # the default τ; that is one patient's follow-up.
    answer = said(gateway, "rmst pfs by=stage")
    assert "18.63" not in answer and "τ = † months" in answer
    # by sex: M (9 patients, RMST shown) sets it: shown, and the note says so.
    by_sex = said(gateway, "rmst pfs by=sex")
    assert "τ = 18.63 months, not given" in by_sex and "the follow-up of M" in by_sex


def test_tau_against_a_small_group_is_refused_in_public(gateway):
    # Whether tau= is refused would say whether a group of <5 ends before it: a yes/no
    # question about one patient's last follow-up. by sex (9 and 5) is answered.
    refused = said(gateway, "rmst pfs by=stage tau=12")
    assert "not given here" in refused and "fewer than 5 patients" in refused
    assert "τ = 12 months (as asked)" in said(gateway, "rmst pfs by=sex tau=12")


def test_rmst_by_a_field_no_analysed_patient_has_says_so(tmp_path):
    rows = ["patient_id,arm,pfs_time,pfs_event"]
    rows += [f"{i},,{i},{i % 2}" for i in range(1, 9)]  # pfs recorded, arm empty
    rows += [f"{i},A,," for i in range(9, 15)]  # arm recorded, no pfs
    cohort = load_cohort(write_cohort(tmp_path / "c", "\n".join(rows) + "\n"))
    with pytest.raises(UsageError, match="has a value of `arm`"):
        ask("rmst pfs by=arm", cohort)
    assert ask("rmst pfs", cohort).as_json()["tau"] == 8
