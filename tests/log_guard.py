"""No audit or server log line holds a patient id, a filter value, a response_url or a token.

Every test that runs `sts serve` (or another long-lived `sts` process) calls `assert_clean` on
its folder once the process has stopped, so each server's logs are read when it ends, whatever
order the tests run in and on whichever xdist worker. tests/test_logs.py adds the server that
is asked, at DEBUG, everything that once leaked.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.slack_stub import SECRET

# What the suite types as filter values and ids, and what those answers show of patient 8.
LEAKS = {
    "a response_url": re.compile(r"/respond/|hooks\.slack\.com"),
    "a token": re.compile(r"xox[abp]-|xapp-|" + SECRET),
    "a patient id": re.compile(
        r"\b(patient|case|id|patient_id)\s*[= ]\s*['\"]?\d|Case \d|cases? \d", re.IGNORECASE
    ),
    "a filter value": re.compile(r"LPS|sex=M|age=40|stage=I|as_of=2019|Endostar|FORGED"),
}
MAX_LINE = 1200  # the filter caps a message at 1,000 characters; a timestamp and names precede


def log_files(root: Path) -> list[Path]:
    """The audit files and logs under `root`."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.name.endswith((".log", "audit.jsonl"))
    )


def leaks(root: Path) -> list[str]:
    """Every line of `root`'s logs that says what no log may say, or is too long."""
    found = []
    for path in log_files(root):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for what, pattern in LEAKS.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {what}: {line[:160]}")
            if len(line) > MAX_LINE:
                found.append(f"{path.relative_to(root)}:{number}: {len(line)} characters")
    return found


def assert_clean(root: Path) -> None:
    """Fail, naming the lines, if a log under `root` holds PHI, a response_url or a token."""
    found = leaks(root)
    assert not found, "\n".join(found[:20])
