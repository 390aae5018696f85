"""`sts ask --json` of every README and help example is what it was.

The answers were written by `tests/golden/regen.py` through the real CLI; a change to any of
them is deliberate and shows up as a diff of `tests/golden/answers.json`. Everything is compared
exactly except floating-point numbers, which agree to `REL` relative (or `ABS` near zero): a
Cox fit's limits move in the 12th significant digit with the BLAS kernel the CPU picks
(`OPENBLAS_CORETYPE`), which no reader of an answer could see.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sts_bot.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
ANSWERS = json.loads((GOLDEN / "answers.json").read_text(encoding="utf-8"))
REL = 1e-9
ABS = 1e-12


def differences(got, want, where: str = "$") -> list[str]:
    """Where `got` differs from `want`: floats to REL/ABS, every other value and key exactly."""
    if isinstance(want, float) and isinstance(got, float):
        if math.isclose(got, want, rel_tol=REL, abs_tol=ABS):
            return []
        return [f"{where}: {got!r} != {want!r}"]
    if type(got) is not type(want):
        return [f"{where}: {got!r} ({type(got).__name__}) != {want!r} ({type(want).__name__})"]
    if isinstance(want, dict):
        if list(got) != list(want):
            return [f"{where}: keys {list(got)} != {list(want)}"]
        return [d for key in want for d in differences(got[key], want[key], f"{where}.{key}")]
    if isinstance(want, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items != {len(want)}"]
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in differences(g, w, f"{where}[{i}]")
        ]
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


@pytest.mark.parametrize(
    ("got", "want", "same"),
    [
        (0.0553176715895, 0.0553176715935, True),  # two BLAS kernels, 12th digit
        (0.05531767, 0.05531768, False),  # a digit anyone could read
        (1.0, 1, False),  # a float where an int was: the contract changed
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, False),  # key order is part of the output
        ([1.0, "x"], [1.0, "y"], False),
        (0.0, 1e-13, True),
        (None, 0.0, False),
    ],
)
def test_the_comparison_forgives_only_float_noise(got, want, same):
    assert (differences(got, want) == []) is same


def test_every_command_has_a_golden_answer():
    listed = [
        line.strip()
        for line in (GOLDEN / "commands.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert listed == list(ANSWERS)


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """One state folder for the module: the demo is typed and stored once, then read back, as
    a server's later answers read it (the first answer checks the storing itself)."""
    return tmp_path_factory.mktemp("golden-state")


@pytest.mark.parametrize("command", list(ANSWERS))
def test_json_answer_is_unchanged(command, capsys, state, monkeypatch):
    monkeypatch.setenv("STS_STATE_DIR", str(state))
    status = main(["ask", command, "--json"])
    printed = capsys.readouterr().out
    assert printed.endswith("\n") and not printed.endswith("\n\n")
    found = differences(json.loads(printed), ANSWERS[command])
    assert not found, "\n".join(found[:20])
    assert status == (2 if "error" in ANSWERS[command] else 0)


# Answers that rest on a Cox fit (lifelines: numpy's BLAS): the five whose limits differ in the
# 12th digit between the AVX-512, Haswell and Prescott kernels, and a forest plot's.
COX = [
    "pfs by=stage",
    "pfs by=stage ref=IIIA",
    "pfs by=sex adjust=age",
    "pfs by=stage adjust=age,sex",
    "hr by=stage",
    "forest pfs by=stage",
]
ASK_EACH = """
import json, sys
from sts_bot.cli import main
for command in json.loads(sys.argv[1]):
    main(["ask", command, "--json"])
    print("\\x1e", flush=True)
"""


@pytest.mark.parametrize("kernel", ["Prescott", "Haswell"])
def test_cox_answers_hold_under_another_blas_kernel(kernel, state):
    # OpenBLAS picks its kernel once, when numpy loads: a fresh process per kernel. Prescott
    # (SSE3) runs on any x86-64; Haswell (AVX2) on the CPUs CI has had. Elsewhere (ARM) the
    # variable is ignored and this is one more run on the native kernel. The module's state
    # folder: the demo stored once (by the answers above, or the first of these) is read back.
    env = os.environ | {"OPENBLAS_CORETYPE": kernel, "STS_STATE_DIR": str(state)}
    done = subprocess.run(
        [sys.executable, "-c", ASK_EACH, json.dumps(COX)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = [p for p in done.stdout.split("\x1e\n") if p.strip()]
    assert len(printed) == len(COX) >= 5
    found = [
        d
        for c, p in zip(COX, printed, strict=True)
        for d in differences(json.loads(p), ANSWERS[c], c)
    ]
    assert not found, "\n".join(found[:20])
