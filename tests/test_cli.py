"""`sts ask` as scripts use it: exit codes and the --json contract. The commands run in this
process (tests/cli_inprocess.py: `main()` with its output captured, its return value the exit
status); real processes where the process is the point: the exit status and streams of a
script's `sts ask --json`, and what a cold `sts ask` imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

from tests.cli_inprocess import run_sts

STS = [sys.executable, "-m", "sts_bot.cli"]


# The CLI logs tracebacks under $STS_STATE_DIR; keep the checkout clean.
ENV = os.environ | {"STS_STATE_DIR": tempfile.mkdtemp(prefix="sts-cli-state-")}


def sts(*args: str) -> subprocess.CompletedProcess:
    return run_sts(*args, env=ENV)


def test_a_script_gets_the_exit_status_and_json_of_a_real_process():
    done = subprocess.run(
        [*STS, "ask", "orr histolgy=LPS", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )
    assert done.returncode == 2 and done.stderr == ""
    assert json.loads(done.stdout)["error"]["kind"] == "unknown_field"


def test_ask_text_answer():
    done = sts("ask", "orr histology=LPS")
    assert done.returncode == 0, done.stderr
    assert "ORR · histology = LPS · n = 4" in done.stdout
    assert "25.0% (1/4), 95% CI 0.6%–80.6%" in done.stdout
    assert "Clopper–Pearson" in done.stdout


def test_ask_json_contract():
    done = sts("ask", "dcr resection=no", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["count"], data["n"], data["metric"]) == (10, 12, "dcr")
    assert {"filters", "method", "rate", "ci_low", "ci_high", "breakdown"} <= set(data)


@pytest.mark.parametrize(
    ("command", "kind", "hint_has"),
    [
        ("orr histolgy=LPS", "unknown_field", "histology"),
        ("orr histology=XYZ", "unknown_value", "Liposarcoma = LPS,"),
        ("orr age>90", "empty_selection", "fields"),
    ],
)
def test_ask_errors_exit_2_with_json(command, kind, hint_has):
    done = sts("ask", command, "--json")
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == kind and hint_has in error["hint"]
    assert "Traceback" not in done.stdout + done.stderr


def test_ask_typo_text_suggests_field():
    done = sts("ask", "orr histolgy=LPS")
    assert done.returncode == 2
    assert "Unknown field `histolgy`" in done.stdout and "histology" in done.stdout


def test_check_demo_and_bad_folder(tmp_path):
    assert sts("check", "data").returncode == 0
    (tmp_path / "cohort.toml").write_text('name = "x"\ntime_unit = "months"\n')
    (tmp_path / "patients.csv").write_text("patient_id,best_response\n1,PR\n1,XX\n")
    done = sts("check", str(tmp_path))
    assert done.returncode == 2
    assert "patients.csv, line 3, column `patient_id`: duplicate" in done.stdout
    assert "column `best_response`" in done.stdout


def test_ask_out_writes_the_plots_and_names_them(tmp_path):
    done = sts("ask", "pfs by=stage", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    plot = tmp_path / "pfs-by-stage.png"
    assert f"Plot: {plot}" in done.stdout
    assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    data = json.loads(sts("ask", "tox", "--json", "--out", str(tmp_path)).stdout)
    assert data["plots"] == [str(tmp_path / "tox.png")]


def test_check_says_what_fixing_each_warning_would_change(tmp_path):
    folder = tmp_path / "dated"
    folder.mkdir()
    (folder / "cohort.toml").write_text(
        'name = "dated"\ntime_unit = "days"\n[endpoints.os]\nstart = "diagnosis_date"\n'
        'events = ["death_date"]\ncensor = "last_contact_date"\n'
    )
    (folder / "patients.csv").write_text(
        "record_id,diagnosis_date,death_date,last_contact_date,notes\n"
        "1,2019-01-10,2019-06-01,,\n2,2019-02-01,,2020-01-01,\n3,,2019-08-01,,\n"
        "4,2019-03-01,,2020-02-01,\n"
    )
    done = sts("check", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "→ fixing it adds up to 1 patient(s) to every `os` answer (now 3 of 4)" in done.stdout
    assert "→ no answer can use `notes` until it holds values" in done.stdout


def test_check_names_the_responders_whose_records_contradict(demo_copy):
    import pandas as pd

    patients = pd.read_csv(demo_copy / "patients.csv", dtype=str, keep_default_na=False)
    patients.loc[patients["patient_id"].isin(["4", "8"]), ["pfs_time", "pfs_event"]] = ["1.0", "1"]
    patients.to_csv(demo_copy / "patients.csv", index=False)
    done = sts("check", str(demo_copy))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "! 2 responder(s) progress or are last assessed before their first documented response "
        "(patient_id 4, 8): their assessments and PFS contradict.\n"
        "  → fixing them adds up to 2 responder(s) to every `dor` answer"
    ) in done.stdout
    assert "contradict" not in sts("check", "data").stdout


def test_a_count_imports_no_plotting_statistics_or_slack(tmp_path):
    """Imports on demand: what a cold `sts ask "count"` loads (bench/cold_ask.py times it)."""
    probe = (
        "import sys\n"
        "from sts_bot.cli import main\n"
        "main(['ask', 'orr histology=LPS'])\n"
        "heavy = ('matplotlib', 'lifelines', 'slack_bolt', 'slack_sdk', 'scipy.stats')\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout, done.stdout.splitlines()[-1]
