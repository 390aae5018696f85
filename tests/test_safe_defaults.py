"""Safe defaults: HTTP mode listens on this machine only unless told, a `.env` others can read
is warned about, and secrets are never echoed — a password in SLACK_API_URL included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sts_bot.settings import SettingsError, env_file_warning, load_settings, redact_url
from tests.slack_stub import SlackStub
from tests.test_slack_http import STS, server_env, shared_state

PASSWORD = "hunter2secret"
REPO = Path(__file__).resolve().parent.parent


def test_http_mode_binds_this_machine_only_unless_told():
    assert load_settings({}, env_file=Path("/nonexistent")).host == "127.0.0.1"
    told = load_settings({"STS_HOST": "0.0.0.0"}, env_file=Path("/nonexistent"))
    assert told.host == "0.0.0.0"
    # The container is told explicitly: inside it, 127.0.0.1 is unreachable from the Service.
    assert "STS_HOST=0.0.0.0" in (REPO / "deploy" / "Dockerfile").read_text()
    # What a real server prints where it listens by default: tests/test_slack_http.py's
    # test_the_server_prints_where_it_listens_by_default (its module's server, no --host).


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_a_dotenv_others_can_read_is_warned_about(tmp_path, mode, warned):
    env = tmp_path / ".env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-x\n")
    env.chmod(mode)
    warning = env_file_warning(env)
    assert (warning is not None) == warned
    if warned:
        assert f"chmod 600 {env}" in warning and "xoxb" not in warning


def test_serve_warns_about_a_readable_dotenv_at_start_up(tmp_path):
    (tmp_path / ".env").write_text("STS_COMMAND=/sts\n")
    (tmp_path / ".env").chmod(0o644)
    with SlackStub() as stub:
        done = subprocess.run(
            [*STS, "serve", "--http", "--port", "0"],
            env=server_env(stub, tmp_path, SLACK_SIGNING_SECRET=""),  # stops right after
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "is readable by other users" in done.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"http://proxy:{PASSWORD}@127.0.0.1:9/api/", "http://proxy:***@127.0.0.1:9/api/"),
        ("https://slack.com/api/", "https://slack.com/api/"),
        ("http://user@host/api/", "http://user@host/api/"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_a_malformed_api_url_is_reported_without_its_password():
    with pytest.raises(SettingsError) as caught:
        load_settings({"SLACK_API_URL": f"ftp://proxy:{PASSWORD}@host/"}, env_file=Path("/x"))
    (problem,) = caught.value.problems
    assert "SLACK_API_URL" in problem and PASSWORD not in problem


def test_an_unreachable_api_url_stops_start_up_without_echoing_its_password(
    tmp_path, tmp_path_factory
):
    with SlackStub() as stub:
        env = server_env(
            stub,
            tmp_path,
            SLACK_API_URL=f"http://proxy:{PASSWORD}@127.0.0.1:9/api/",  # nothing listens
            STS_LOG_LEVEL="DEBUG",
            STS_STATE_DIR=shared_state(tmp_path_factory),
        )
        done = subprocess.run(
            [*STS, "serve", "--http", "--port", "0"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert "SLACK_API_URL: could not reach http://proxy:***@127.0.0.1:9/api/" in done.stderr
    assert PASSWORD not in done.stderr + done.stdout
    assert "xoxb-test-token" not in done.stderr + done.stdout
