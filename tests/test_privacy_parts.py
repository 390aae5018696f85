"""The privacy parts one at a time: the audit line's shape, the log filter, a channel that turns
public after start-up, and what the gateway decides in each place."""

from __future__ import annotations

import logging
import re

import pytest

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.gateway.redact import Redactor
from sts_bot.log_filters import PhiFilter, clean
from sts_bot.service.service import Service
from sts_queries.privacy.reveal import mask_text

KEY = "k" * 32
H = r"h:[0-9a-f]{16}"


@pytest.mark.parametrize(
    ("typed", "shape", "fields"),
    [
        ("orr histology=LPS", rf"orr histology={H}", ("histology",)),
        ("orr hist = liposarcoma", rf"orr histology={H}", ("histology",)),  # alias, spaces
        ("patient 8", rf"patient {H}", ()),
        ("pfs by=case ci=log share", "pfs by=patient_id ci=log share", ("patient_id",)),
        ("count age>=60 sex!=M", rf"count age>={H} sex!={H}", ("age", "sex")),
        ("orr histolgy=LPS", rf"orr {H}={H}", ()),  # a typo is no field name
        ("8 orr", rf"{H} orr", ()),
        ('orr histology="unclosed', rf"{H}", ()),
    ],
)
def test_the_audit_keeps_the_shape_of_a_command_and_hashes_every_value(demo, typed, shape, fields):
    got = Redactor(KEY).shape(typed, demo.catalog)
    assert re.fullmatch(shape, got.command), got.command
    assert got.fields == fields


def test_hashes_match_under_one_key_and_not_across_keys(demo):
    one, other = Redactor(KEY), Redactor("x" * 32)
    assert one.shape("patient 8", demo.catalog) == one.shape("patient  8", demo.catalog)
    assert one.shape("patient 8", demo.catalog) != other.shape("patient 8", demo.catalog)
    assert one.shape("orr histology=LPS", demo.catalog) == one.shape(
        "orr histology=lps", demo.catalog
    )


@pytest.mark.parametrize(
    ("message", "kept", "gone"),
    [
        (
            "Invalid request signature (signature: x, body: text=patient+8&response_url=h)",
            "Invalid",
            "patient",
        ),
        (
            "Sending a request - url: https://hooks.slack.com/commands/T/1/abc, body: {}",
            "Sending",
            "hooks",
        ),
        ("token xoxb-123-456-abc refused", "refused", "xoxb-"),
        ("unexpected failure while answering /sts 'patient 8'", "answering /sts", "patient 8"),
        ("orr\n2026-01-01 INFO sts.audit: forged", "orr\\n2026", "\n"),
        ("x" * 5000, "x" * 1000, "x" * 1001),
    ],
)
def test_the_log_filter(message, kept, gone):
    line = clean(message)
    assert kept in line and gone not in line


def test_the_log_filter_cleans_tracebacks_and_arguments():
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "answering %s", ("/sts 'id=8'",), None
    )
    try:
        raise ValueError("no patient 8\nFORGED line")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    PhiFilter().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert "id=8" not in text
    assert all(line.startswith(("answering", "Traceback", "    |")) for line in text.splitlines())


class Flipping:
    """A channel that is private until someone makes it public."""

    def __init__(self) -> None:
        self.public: set[str] = set()

    def is_private(self, channel: str) -> bool:
        return channel not in self.public

    def home_team(self) -> str:
        return "T1"

    def problems(self, channels) -> list[str]:
        return [f"{c} is public" for c in channels if c in self.public]


def test_a_patient_channel_made_public_after_start_up_gets_no_patient_level_answer(demo):
    places = Flipping()
    gateway = Gateway(
        service=Service.over(demo),
        policy=Policy(patient_channels=frozenset({"G0BOARD01"})),
        audit=AuditLog(None),
        places=places,
    )
    board = Asker(user="U1", team="T1", channel="G0BOARD01")
    assert "Case 8" in gateway.handle("patient 8", board, surface="slash").outcome.text
    gateway.check_patient_channels()  # private: nothing to say
    places.public.add("G0BOARD01")
    handled = gateway.handle("patient 8", board, surface="slash")
    assert handled.refused and "Slack says it is public" in handled.outcome.text
    shown = gateway.handle("orr by=stage", board, surface="slash").outcome.text
    assert "<5" in shown  # and aggregate answers there are suppressed like anywhere public
    with pytest.raises(Exception, match="G0BOARD01 is public"):
        gateway.check_patient_channels()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("2 of 14 selected patients have no pfs recorded.", "<5 of 14 selected"),
        ("Known values: LPS (4), UPS (9), SS (0)", "LPS (<5), UPS (9), SS (0)"),
        ("12 of 14", "12 of 14"),
        ("2 selected patients have no best response recorded", "<5 selected patients have"),
        ("3 events for 2 model parameters", "<5 events for 2 model"),
        ("Some groups have fewer than 5 patients", "fewer than 5 patients"),
    ],
)
def test_small_numbers_in_prose(text, masked):
    assert masked in mask_text(text, 5)


def test_an_unknown_id_lists_no_ids_in_public_but_does_in_the_board(demo):
    gateway = Gateway(
        service=Service.over(demo),
        policy=Policy(patient_channels=frozenset({"G0BOARD01"})),
        audit=AuditLog(None),
    )
    public = gateway.handle("count id=99", Asker(user="U", team="T", channel="C0PUB"), surface="s")
    assert "Patient ids are listed only where" in public.outcome.text
    assert "Known values" not in public.outcome.text
    board = gateway.handle(
        "count id=99", Asker(user="U", team="T", channel="G0BOARD01"), surface="s"
    )
    assert "Known values: 1, 2, 3," in board.outcome.text


def test_with_no_workspace_list_only_the_bots_own_workspace_is_answered(demo):
    gateway = Gateway(
        service=Service.over(demo), policy=Policy(), audit=AuditLog(None), places=Flipping()
    )
    home = gateway.handle("count", Asker(user="U1", team="T1", channel="C0PUB"), surface="s")
    assert not home.refused
    guest = gateway.handle("count", Asker(user="U2", team="T9", channel="C0PUB"), surface="s")
    assert guest.refused and "workspaces it was set up for" in guest.outcome.text


def test_a_small_number_at_risk_is_hidden_under_both_of_its_names(demo):
    """Landmarks carry n_risk and the contract's at_risk: neither may show a small count."""
    from sts_bot.gateway.shielding import shielded_outcome
    from sts_bot.service.service import Service

    full = Service.over(demo).respond("pfs at=12", with_plots=False)
    (landmark,) = full.json["landmarks"]
    assert 0 < landmark["at_risk"] < 5 and landmark["n_risk"] == landmark["at_risk"]
    shown, suppressed = shielded_outcome(full, 5)
    (public,) = shown.json["landmarks"]
    assert suppressed and public["at_risk"] is None and public["n_risk"] is None
