"""Settings (environment over .env, each problem named with its fix) and who may ask what."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.service.service import Service
from sts_bot.settings import HTTP_REQUIRED, SOCKET_REQUIRED, SettingsError, load_settings
from sts_queries.metrics.registry import resolve

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_APP_TOKEN": "xapp-1-A-abc",
    "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
}


def settings_from(env: dict, tmp_path, require=(), dotenv: str = ""):
    (tmp_path / ".env").write_text(dotenv)
    return load_settings(env, env_file=tmp_path / ".env", require=require)


@pytest.mark.parametrize(
    ("env", "require", "problem"),
    [
        ({}, SOCKET_REQUIRED, "SLACK_BOT_TOKEN: is not set."),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, SOCKET_REQUIRED, "SLACK_APP_TOKEN: is not set."),
        ({**GOOD, "SLACK_SIGNING_SECRET": ""}, HTTP_REQUIRED, "SLACK_SIGNING_SECRET: is not set"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xoxp-1-2"}, (), "starts with `xoxp-`"),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-1-2"}, (), "SLACK_APP_TOKEN: should start with `xapp-`"),
        ({**GOOD, "SLACK_SIGNING_SECRET": "xoxb-oops"}, (), "does not look like a signing secret"),
        ({**GOOD, "SLACK_SIGNING_SECRET": '"0123456789abcdef"'}, (), "SLACK_SIGNING_SECRET"),
        ({"SLACK_API_URL": "localhost:8080"}, (), "SLACK_API_URL: `localhost:8080` is not"),
        ({"STS_ALLOWED_TEAMS": "acme"}, (), "STS_ALLOWED_TEAMS: `acme` is not a team ID"),
        ({"STS_ALLOWED_CHANNELS": "C012AB, general"}, (), "`general` is not a channel ID"),
        ({"STS_ALLOWED_USERS": "@ana"}, (), "STS_ALLOWED_USERS: `@ana` is not a user ID"),
        ({"STS_PATIENT_DMS": "sometimes"}, (), "STS_PATIENT_DMS: `sometimes` is not true or"),
        ({"STS_PORT": "http"}, (), "STS_PORT: `http` is not a whole number"),
        ({"STS_WORKERS": "0"}, (), "STS_WORKERS: `0` is not a whole number from 1"),
        ({"STS_DATA": "/no/such/folder"}, (), "STS_DATA: `/no/such/folder` is not a folder"),
        ({"STS_COMMAND": "sts"}, (), "STS_COMMAND: `sts` is not a slash command"),
    ],
)
def test_each_problem_names_the_setting(tmp_path, env, require, problem):
    with pytest.raises(SettingsError) as caught:
        settings_from(env, tmp_path, require)
    assert problem in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(SettingsError) as caught:
        settings_from({"STS_PORT": "x", "STS_PATIENT_DMS": "x"}, tmp_path, SOCKET_REQUIRED)
    names = [p.split(":")[0] for p in caught.value.problems]
    assert names == ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "STS_PATIENT_DMS", "STS_PORT"]


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    dotenv = "SLACK_BOT_TOKEN=xoxb-from-file\nSTS_PATIENT_DMS=yes\nSTS_PORT=\n"
    settings = settings_from({"STS_PATIENT_DMS": "false"}, tmp_path, dotenv=dotenv)
    assert settings.bot_token == "xoxb-from-file"
    assert settings.patient_dms is False  # the environment over the file
    assert settings.port == 3000  # an empty line in .env means "not set"


def test_defaults_and_normalisation(tmp_path):
    settings = settings_from(
        {**GOOD, "SLACK_API_URL": "http://127.0.0.1:9/api", "STS_PATIENT_CHANNELS": "C1AB, G2CD"},
        tmp_path,
        HTTP_REQUIRED,
    )
    assert settings.api_url == "http://127.0.0.1:9/api/"  # WebClient needs the trailing /
    assert settings.patient_channels == {"C1AB", "G2CD"}
    assert (settings.command, settings.patient_dms, settings.audit_log) == ("/sts", False, None)


PUBLIC = Asker(user="U1", team="T1", channel="C0PUBLIC", is_dm=False)
TUMOR_BOARD = Asker(user="U1", team="T1", channel="G0BOARD", is_dm=False)
DM = Asker(user="U1", team="T1", channel="D0DM", is_dm=True)


@pytest.mark.parametrize(
    ("policy", "asker", "metric", "refused"),
    [
        (Policy(), PUBLIC, "orr", None),
        (Policy(), PUBLIC, None, None),  # not understood: the error reply says why
        (Policy(), PUBLIC, "patient", "not given here"),
        (Policy(), DM, "list", "No place is set up"),
        (Policy(patient_dms=True), DM, "patient", None),
        (Policy(patient_dms=True), PUBLIC, "list", "direct message with me"),
        (Policy(patient_channels=frozenset({"G0BOARD"})), TUMOR_BOARD, "patient", None),
        (Policy(patient_channels=frozenset({"G0BOARD"})), DM, "patient", "a channel set up"),
        (Policy(teams=frozenset({"T9"})), PUBLIC, "orr", "workspaces it was set up for"),
        (Policy(users=frozenset({"U9"})), PUBLIC, "orr", "not yet on the list"),
        (Policy(channels=frozenset({"C9"})), PUBLIC, "orr", "don't answer in this channel"),
        (Policy(channels=frozenset({"C9"})), DM, "orr", None),  # only the asker reads a DM
        (Policy.local("console"), Asker(user="me", team="local", channel="console"), "list", None),
    ],
)
def test_who_may_ask_what_where(policy, asker, metric, refused):
    refusal = policy.refusal(asker, resolve(metric) if metric else None)
    if refused is None:
        assert refusal is None
    else:
        assert refusal.kind == "not_allowed"
        assert refused in refusal.message + " " + refusal.hint


def test_the_gateway_refuses_before_answering_and_audits_without_patient_data(tmp_path, demo):
    audit = tmp_path / "audit.jsonl"
    gateway = Gateway(service=Service.over(demo), policy=Policy(), audit=AuditLog(audit))
    handled = gateway.handle("list stage=IV", PUBLIC, surface="slash")
    assert handled.refused and handled.outcome.answer is None and not handled.outcome.plots
    (line,) = [json.loads(x) for x in audit.read_text().splitlines()]
    assert (line["outcome"], line["kind"], line["metric"]) == ("refused", "not_allowed", "list")
    assert set(line) == {
        "at",
        "channel",
        "command",
        "fields",
        "id",  # joins the record to its delivery line
        "kind",
        "metric",
        "ms",
        "outcome",
        "shared",
        "suppressed",
        "surface",
        "team",
        "user",
    }
    assert line["command"].startswith("list stage=h:") and "IV" not in line["command"]
    assert line["fields"] == ["stage"]
    assert oct(audit.stat().st_mode & 0o777) == "0o600"


def test_every_setting_is_documented():
    """.env.example and deploy/SLACK_SETUP.md name every setting the code reads."""
    root = Path(__file__).resolve().parent.parent
    code = (root / "bot" / "settings.py").read_text()
    names = set(re.findall(r'"((?:SLACK|STS)_[A-Z_]+)"', code))
    assert {"SLACK_BOT_TOKEN", "STS_PATIENT_CHANNELS", "STS_AUDIT_LOG"} <= names
    example = (root / ".env.example").read_text()
    setup = (root / "deploy" / "SLACK_SETUP.md").read_text()
    assert not {n for n in names if f"\n{n}=" not in example}
    assert not {n for n in names if f"`{n}`" not in setup}


def test_no_answer_goes_out_that_the_audit_log_lacks(tmp_path, demo):
    path = tmp_path / "audit.jsonl"
    gateway = Gateway(service=Service.over(demo), policy=Policy(), audit=AuditLog(path))
    path.unlink()
    path.mkdir()  # the log can no longer be appended to
    handled = gateway.handle("orr histology=LPS", PUBLIC, surface="slash")
    assert handled.outcome.kind == "audit_unavailable" and handled.outcome.answer is None
    assert "withheld because it could not be recorded" in handled.outcome.text
