"""Public trials exported as R writes them are answered after `sts init`, with no hand edit.

The files are R's own bytes (tests/fixtures/r_exports/README.md says how they were written);
each goes into a folder of its own under its own name, as a data manager would drop it there.
The numbers asked are R's: `summary(survfit(Surv(time, status) ~ trt, veteran))` gives medians
of 103 and 52.5 days, `nrow(rotterdam)` 2982, and mgus2 has 1384 patients.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from openpyxl import Workbook

from sts_bot.cli import main

EXPORTS = Path(__file__).parent / "fixtures" / "r_exports"


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("STS_STATE_DIR", str(tmp_path / "state"))


def exported(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(EXPORTS / f"{name}.csv", folder / f"{name}.csv")
    return folder


def init(folder: Path, capsys) -> str:
    assert main(["init", str(folder)]) == 0
    return capsys.readouterr().out


def ask(folder: Path, command: str, capsys) -> dict:
    status = main(["ask", command, "--data", str(folder), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0, data
    return data


def test_an_export_under_its_own_name_is_the_patients_table(tmp_path, capsys):
    folder = exported(tmp_path, "veteran")
    report = init(folder, capsys)
    assert "veteran.csv → table patients (the only data table in the folder)" in report
    written = tomllib.loads((folder / "cohort.toml").read_text())
    assert written["tables"] == {"patients": "veteran.csv"}  # nothing is guessed twice
    assert ask(folder, "count", capsys)["n"] == 137
    groups = {g["label"]: g for g in ask(folder, "os by=trt unit=days", capsys)["groups"]}
    assert (groups["1"]["median"], groups["2"]["median"]) == (103.0, 52.5)  # R's medians


def test_r_row_names_out_of_order_are_not_a_field(tmp_path, capsys):
    folder = exported(tmp_path, "rotterdam")  # row names 1393, 1416, …: a sorted data frame
    report = init(folder, capsys)
    assert "column_1" not in report and "has no name" not in report
    fields = ask(folder, "fields", capsys)
    names = json.dumps(fields)
    assert "column_1" not in names and "pid" not in [f.get("name") for f in fields["fields"]]
    assert ask(folder, "count", capsys)["n"] == 2982


def test_the_same_export_as_a_workbook_whose_only_sheet_is_named_after_it(tmp_path, capsys):
    folder = tmp_path / "veteran-xlsx"
    folder.mkdir()
    book = Workbook()
    sheet = book.active
    sheet.title = "veteran"
    for line in (EXPORTS / "veteran.csv").read_text().splitlines():
        sheet.append([_cell(v) for v in line.split(",")])
    book.save(folder / "trial.xlsx")
    init(folder, capsys)
    written = tomllib.loads((folder / "cohort.toml").read_text())
    assert written["tables"] == {"patients": {"file": "trial.xlsx", "sheet": "veteran"}}
    assert ask(folder, "count", capsys)["n"] == 137


def _cell(text: str):
    text = text.strip('"')
    try:
        return int(text)
    except ValueError:
        return text


def test_tables_in_cohort_toml_choose_among_several_files(tmp_path, capsys):
    folder = exported(tmp_path, "mgus2")
    shutil.copy(EXPORTS / "veteran.csv", folder / "veteran.csv")  # two one-row-per-id tables
    report = init(folder, capsys)
    assert "several tables could be the patients table" in report  # init says so, too
    (folder / "cohort.toml").write_text('name = "mgus2"\ntime_unit = "months"\n')
    assert main(["check", str(folder)]) == 2
    said = capsys.readouterr()
    assert "several tables could be the patients table: mgus2.csv, veteran.csv" in said.out
    assert '[tables] patients = "…"' in said.out
    (folder / "cohort.toml").write_text(
        'name = "mgus2"\ntime_unit = "months"\n[tables]\npatients = "mgus2.csv"\n'
    )
    assert ask(folder, "count", capsys)["n"] == 1384


@pytest.mark.parametrize(
    ("tables", "said"),
    [
        ('patients = "nope.csv"', "[tables] patients = nope.csv: no such file or sheet"),
        ('visits = "mgus2.csv"', "[tables] `visits` is not a table the bot knows"),
        ("patients = 3", "[tables] patients must name a file"),
    ],
)
def test_a_wrong_tables_section_is_named(tmp_path, capsys, tables, said):
    folder = exported(tmp_path, "mgus2")
    (folder / "cohort.toml").write_text(f'name = "m"\ntime_unit = "months"\n[tables]\n{tables}\n')
    assert main(["check", str(folder)]) == 2
    assert said in capsys.readouterr().out


def _uncommented(toml: str) -> str:
    """The draft with every commented-out TOML line (`# key = value`) uncommented."""
    lines = []
    for line in toml.splitlines():
        body = line.removeprefix("# ")
        if line.startswith("# ") and " = " in body and not body.startswith(("Cells", "R's")):
            lines.append(body)
        else:
            lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("name", ["veteran", "rotterdam", "mgus2"])
def test_the_draft_is_valid_toml_with_its_advice_taken(tmp_path, capsys, name):
    folder = exported(tmp_path, name)
    init(folder, capsys)
    draft = (folder / "cohort.toml").read_text()
    tomllib.loads(draft)
    tomllib.loads(_uncommented(draft))  # no table declared twice, nothing half-written
    assert "is not coded 1/0" not in draft  # every status here is 0/1


def test_every_time_status_pair_is_a_drafted_endpoint(tmp_path, capsys):
    folder = exported(tmp_path, "rotterdam")
    init(folder, capsys)
    endpoints = tomllib.loads((folder / "cohort.toml").read_text())["endpoints"]
    assert endpoints == {
        "recur": {"time": "rtime", "event": "recur"},
        "death": {"time": "dtime", "event": "death"},
    }
    # R: survfit(Surv(dtime, death) ~ chemo, rotterdam): 1014 and 258 deaths, medians 4033, 3990
    groups = ask(folder, "death by=chemo unit=days", capsys)["groups"]
    assert [(g["events"], g["median"]) for g in groups] == [(1014, 4033.0), (258, 3990.0)]
    recur = ask(folder, "recur unit=days", capsys)  # R: 1518 events, median 2983
    assert (recur["events"], recur["median"]) == (1518, 2983.0)


def test_the_time_unit_is_drafted_with_the_evidence_and_checked(tmp_path, capsys):
    folder = exported(tmp_path, "mgus2")
    init(folder, capsys)
    draft = (folder / "cohort.toml").read_text()
    endpoints = tomllib.loads(draft)["endpoints"]
    assert endpoints == {
        "pstat": {"time": "ptime", "event": "pstat"},
        "death": {"time": "futime", "event": "death"},
    }
    (line,) = [x for x in draft.splitlines() if x.startswith("time_unit")]
    # mgus2's times are months: read as days, the median follow-up would be under 3 months.
    assert "median follow-up 88: as days 2.9 months, as months 7.3 years" in line
    toml = draft.replace(line, 'time_unit = "months"')
    (folder / "cohort.toml").write_text(toml)
    pstat = ask(folder, "pstat", capsys)  # R: survfit(Surv(ptime, pstat) ~ 1): 115, NA
    assert pstat["events"] == 115
    veteran = exported(tmp_path, "veteran")
    init(veteran, capsys)
    text = (veteran / "cohort.toml").read_text()
    (veteran / "cohort.toml").write_text(text.replace('time_unit = "days"', 'time_unit = "months"'))
    assert main(["check", str(veteran)]) == 0
    said = capsys.readouterr().out
    assert "`os` runs to 999 months, 83 years: is time_unit `months` right?" in said


def test_a_summary_of_undated_data_says_so_instead_of_inventing_a_week(tmp_path, capsys):
    folder = exported(tmp_path, "veteran")
    init(folder, capsys)
    assert main(["ask", "summary", "--data", str(folder)]) == 2
    said = capsys.readouterr().out
    assert "no dates, so a summary cannot tell what happened in which week" in said
    assert "start_date" in said and "This week" not in said
