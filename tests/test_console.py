"""`sts run` without Slack credentials: the local console, driven through stdin like a person."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from sts_bot.render.answers import to_text
from sts_bot.service.service import Service
from tests.cli_inprocess import run_sts
from tests.test_slack_http import shared_state

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_console(tmp_path, typed: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STS_"))}
    return subprocess.run(
        [sys.executable, "-m", "sts_bot.cli", "run"],
        input=typed,
        env={**clean, "MPLBACKEND": "Agg", "STS_AUDIT_LOG": str(tmp_path / "audit.jsonl"), **env},
        cwd=tmp_path,  # plots land in ./out here, and no .env from the repository is read
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_console_answers_what_slack_would(tmp_path, tmp_path_factory, demo):
    typed = "orr histology=LPS\n/sts pfs\npatient 8\norr histolgy=LPS\n\nquit\nnever read\n"
    done = run_console(tmp_path, typed, STS_STATE_DIR=shared_state(tmp_path_factory))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # The same reply the shared handler path gives, word for word.
    assert to_text(Service().respond("orr histology=LPS", demo, with_plots=False).reply) in out
    assert "25.0% (1/4)" in out
    assert "Plot: out/pfs.png" in out
    assert (tmp_path / "out" / "pfs.png").read_bytes().startswith(PNG_SIGNATURE)
    assert "Case 8" in out  # the console is a place configured for patient-level answers
    assert "Unknown field `histolgy`" in out and "Did you mean `histology`?" in out
    assert "never read" not in out and "Traceback" not in done.stderr
    # The same access and audit path as Slack, with a local identity.
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    # Values and ids only as keyed hashes, the same for the same value (bot/gateway/redact.py).
    shapes = [re.sub(r"h:[0-9a-f]{16}", "h:…", r["command"]) for r in lines]
    assert list(zip(shapes, [r["outcome"] for r in lines], strict=True)) == [
        ("orr histology=h:…", "answer"),
        ("pfs", "answer"),
        ("patient h:…", "answer"),
        ("orr h:…=h:…", "error"),  # a typo is no field name: hashed too
    ]
    assert lines[0]["command"].split("=")[1] == lines[3]["command"].split("=")[1]  # LPS, twice
    assert {(r["surface"], r["team"], r["channel"]) for r in lines} == {
        ("console", "local", "console")
    }


def test_one_token_alone_still_opens_the_console_and_says_why(tmp_path, tmp_path_factory):
    # In this process (tests/cli_inprocess.py): what is checked is the choice `sts run` makes
    # and what it says; the test above drives a real process's console through its stdin.
    state = shared_state(tmp_path_factory)  # the cohort as stored by the console before
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STS_"))}
    env = clean | {
        "MPLBACKEND": "Agg",
        "STS_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "SLACK_BOT_TOKEN": "xoxb-only-this-one",
        "STS_STATE_DIR": state,
    }
    done = run_sts("run", env=env, cwd=tmp_path, input="count\n")
    assert done.returncode == 0, done.stderr
    assert "SLACK_APP_TOKEN is not set, so this is the local console" in done.stderr
    assert "14 of 14 patients" in done.stdout
