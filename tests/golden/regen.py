"""Write tests/golden/answers.json: `sts ask --json` of every command in commands.txt.

Run by hand (`.venv/bin/python tests/golden/regen.py`) only when an answer is meant to change;
the diff of answers.json is then the change to review.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def commands() -> list[str]:
    lines = (HERE / "commands.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def answer_json(command: str) -> str:
    """Exactly what `sts ask --json` prints for `command` on the demo cohort."""
    import subprocess
    import sys

    sts = Path(sys.executable).with_name("sts")
    done = subprocess.run([str(sts), "ask", command, "--json"], capture_output=True, text=True)
    return done.stdout


if __name__ == "__main__":
    out = {c: json.loads(answer_json(c)) for c in commands()}
    (HERE / "answers.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(out)} answers")
