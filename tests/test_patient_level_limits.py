"""Answers with a line or a lane per patient are refused past a readable size, before any work:
on a registry `swimmer histology=LPS` (125,000 lanes) once ran for five minutes and died
drawing a 10^5-lane image."""

from __future__ import annotations

import pytest

from sts_bot.service import Service
from sts_queries import swimmer, tables


@pytest.fixture()
def respond(demo):
    service = Service.over(demo)
    return lambda text: service.respond(text, demo, with_plots=True)


@pytest.mark.parametrize(
    ("module", "limit", "command", "words"),
    [
        (swimmer, "MAX_LANES", "swimmer", "`swimmer` shows a lane for each patient, up to 5; "),
        (tables, "MAX_LISTED", "list", "`list` shows a line for each patient, up to 5; "),
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
    assert not respond(f"{command} sex=F").is_error  # 5 patients: shown


def test_the_demo_is_far_inside_the_limits(respond):
    for command in ("swimmer", "list"):
        assert not respond(command).is_error
    assert swimmer.MAX_LANES >= 50 and tables.MAX_LISTED >= 100
