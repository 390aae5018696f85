"""Answers with a line or a lane per patient are refused past a readable size, before any work:
on a registry `swimmer histology=LPS` (125,000 lanes) once ran for five minutes and died
drawing a 10^5-lane image."""

from __future__ import annotations

import pytest

from sts_bot.service.service import Service
from sts_queries.metrics.patients import patient_list, swimmer


@pytest.fixture()
def respond(demo):
    service = Service.over(demo)
    return lambda text, plots=True: service.respond(text, demo, with_plots=plots)


@pytest.mark.parametrize(
    ("module", "limit", "command", "words"),
    [
        (swimmer, "MAX_LANES", "swimmer", "`swimmer` shows a lane for each patient, up to 5; "),
        (patient_list, "MAX_LISTED", "list", "`list` shows a line for each patient, up to 5; "),
    ],
)
def test_more_patients_than_can_be_read_is_refused_with_the_way_out(
    respond, monkeypatch, module, limit, command, words
):
    monkeypatch.setattr(module, limit, 5)
    whole = respond(command)
    assert whole.is_error
    assert words + "this cohort has 14." in whole.text
    assert "Narrow it with filters" in whole.text and not whole.plots
    narrowed = respond(f"{command} sex=M")
    assert narrowed.is_error
    assert "sex = M selects 9" in narrowed.text
    assert not respond(f"{command} sex=F", plots=False).is_error  # 5 patients: shown


def test_the_demo_is_far_inside_the_limits(respond):
    for command in ("swimmer", "list"):
        assert not respond(command).is_error
    assert swimmer.MAX_LANES >= 50 and patient_list.MAX_LISTED >= 100


def test_a_by_with_more_groups_than_can_be_compared_is_refused(respond, monkeypatch):
    from sts_queries.metrics.shared import limits

    monkeypatch.setattr(limits, "MAX_GROUPS", 3)
    refused = respond("pfs by=histology")
    assert refused.is_error and not refused.plots
    assert "`by=histology` makes 8 groups here; by= compares up to 3." in refused.text
    assert "histology=a,b" in refused.text
    assert not respond("pfs by=stage", plots=False).is_error  # IIIA, IIIB, IV
    assert not respond("orr by=histology histology=LPS,UPS,SS").is_error  # 3 in the selection


def test_by_patient_id_stays_a_patient_level_view_of_a_small_cohort(respond):
    answer = respond("orr by=patient_id")
    assert not answer.is_error
    assert len(answer.json["groups"]) == 14
