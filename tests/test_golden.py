"""`sts ask --json` of every README and help example is byte-for-byte what it was.

The answers were written by `tests/golden/regen.py` through the real CLI; a change to any of
them is deliberate and shows up as a diff of `tests/golden/answers.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sts_bot.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
ANSWERS = json.loads((GOLDEN / "answers.json").read_text(encoding="utf-8"))


def test_every_command_has_a_golden_answer():
    listed = [
        line.strip()
        for line in (GOLDEN / "commands.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert listed == list(ANSWERS)


@pytest.mark.parametrize("command", list(ANSWERS))
def test_json_answer_is_unchanged(command, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("STS_STATE_DIR", str(tmp_path))
    status = main(["ask", command, "--json"])
    printed = capsys.readouterr().out
    expected = json.dumps(ANSWERS[command], indent=2, ensure_ascii=False) + "\n"
    assert printed == expected
    assert status == (2 if "error" in ANSWERS[command] else 0)
