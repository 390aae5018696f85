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
        ("pfs given=1", "n = 14"),  # nobody progressed or left by 1 month
    ],
)
def test_a_given_selection_of_enough_patients_is_answered(gateway, text, shown):
    answer = said(gateway, text)
    assert shown in answer and "given event-free past" in answer
