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


@pytest.fixture(autouse=True, scope="module")
def _state(tmp_path_factory):
    """One state folder for the module. Its cohort store is keyed by the content hash of the
    files read, so a folder holding the same files as an earlier test's (veteran after `sts
    init`, …) is read and checked once, as two runs of the CLI on one machine share it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STS_STATE_DIR", str(tmp_path_factory.mktemp("state")))
        yield


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


def test_a_long_file_is_drafted_and_answered_as_r_answers_it(tmp_path, capsys):
    folder = exported(tmp_path, "colon")  # two rows a patient: etype 1 recurrence, 2 death
    report = init(folder, capsys)
    assert "1858 rows for 929 patients: a long file, its rows told apart by `etype` (1, 2)" in (
        report
    )
    endpoints = tomllib.loads((folder / "cohort.toml").read_text())["endpoints"]
    assert endpoints == {
        "etype_1": {"time": "time", "event": "status", "rows": {"etype": 1}},
        "etype_2": {"time": "time", "event": "status", "rows": {"etype": 2}},
    }
    assert ask(folder, "count", capsys)["n"] == 929
    # R: survfit(Surv(time, status) ~ rx, subset(colon, etype == 2)): deaths 168, 161, 123;
    # medians 2083, 2152, NA. etype == 1: recurrences 177, 172, 119; medians 1236, 1183, NA.
    for endpoint, expected in (
        ("etype_2", {"Obs": (168, 2083.0), "Lev": (161, 2152.0), "Lev+5FU": (123, None)}),
        ("etype_1", {"Obs": (177, 1236.0), "Lev": (172, 1183.0), "Lev+5FU": (119, None)}),
    ):
        groups = ask(folder, f"{endpoint} by=rx unit=days", capsys)["groups"]
        assert {g["label"]: (g["events"], g["median"]) for g in groups} == expected


def _colon(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "colon"
    folder.mkdir()
    lines = (EXPORTS / "colon.csv").read_text().splitlines()
    (folder / "colon.csv").write_text("\n".join(edit(lines)) + "\n")
    (folder / "cohort.toml").write_text(
        'name = "colon"\ntime_unit = "days"\n'
        '[endpoints.os]\ntime = "time"\nevent = "status"\nrows = { etype = 2 }\n'
    )
    return folder


def test_a_patient_field_that_differs_between_rows_is_an_error_naming_them(tmp_path, capsys):
    def older(lines):  # patient 1's second row says age 44, the first 43
        lines[2] = lines[2].replace(",1,43,", ",1,44,", 1)
        return lines

    assert main(["check", str(_colon(tmp_path, older))]) == 2
    said = capsys.readouterr().out
    assert "`age` differs between the rows of patient 1 (lines 2, 3)" in said


def test_a_long_file_without_rows_says_how_to_read_it(tmp_path, capsys):
    folder = _colon(tmp_path, lambda lines: lines)
    (folder / "cohort.toml").write_text('name = "colon"\ntime_unit = "days"\n')
    assert main(["check", str(folder)]) == 2
    said = capsys.readouterr().out
    assert "1858 rows for 929 patients" in said and "rows = { etype = 2 }" in said
    assert "duplicate patient_id" not in said


def test_two_rows_for_one_endpoint_are_an_error(tmp_path, capsys):
    def doubled(lines):  # patient 1's recurrence row marked as a second death row
        lines[2] = lines[2][: lines[2].rindex(",")] + ",2"
        return lines

    assert main(["check", str(_colon(tmp_path, doubled))]) == 2
    assert "patient 1 has 2 rows where etype = 2" in capsys.readouterr().out


def test_labels_show_wherever_a_code_would(tmp_path, capsys):
    folder = exported(tmp_path, "veteran")
    init(folder, capsys)
    toml = (folder / "cohort.toml").read_text()
    (folder / "cohort.toml").write_text(
        toml.replace(
            '# labels = { 1 = "…", 2 = "…" }  # make the codes readable',
            'labels = { 1 = "standard", 2 = "test" }',
            1,  # the first coded field is trt
        )
    )
    (trt,) = [f for f in ask(folder, "fields", capsys)["fields"] if f["field"] == "trt"]
    assert trt["values"] == [
        {"value": "1", "n": 69, "label": "standard"},
        {"value": "2", "n": 68, "label": "test"},
    ]
    for command in ("count trt=placebo", "os by=trt ref=placebo"):
        assert main(["ask", command, "--data", str(folder)]) == 2
        assert "Known values: standard = 1, test = 2." in capsys.readouterr().out
    assert ask(folder, "count trt=test", capsys)["n"] == 68
    assert ask(folder, "count trt!=test", capsys)["filters"] == ["trt ≠ test (2)"]
    answer = ask(folder, "os by=trt ref=test unit=days", capsys)
    assert answer["reference"] == "test"
    assert [(g["label"], g["code"]) for g in answer["groups"]] == [("standard", "1"), ("test", "2")]


def test_a_median_halfway_between_two_days_is_shown_as_r_prints_it(tmp_path, capsys):
    folder = exported(tmp_path, "veteran")
    init(folder, capsys)
    assert main(["ask", "os by=trt unit=days", "--data", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "52.5 (43–90)" in text and "103 (54–126)" in text  # R: 52.5 and 103, not "52"


def test_two_sides_of_a_cut_write_two_plot_files(tmp_path, capsys):
    folder = exported(tmp_path, "veteran")
    init(folder, capsys)
    out = tmp_path / "plots"
    for command in ("os karno>=60", "os karno<60"):
        assert main(["ask", command, "--data", str(folder), "--out", str(out)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["os-karno-ge-60.png", "os-karno-lt-60.png"]


def test_binned_numbers_keep_their_order_and_the_lowest_bin_is_the_reference(tmp_path, capsys):
    folder = exported(tmp_path, "rotterdam")
    init(folder, capsys)
    (size,) = [f for f in ask(folder, "fields", capsys)["fields"] if f["field"] == "size"]
    assert [v["value"] for v in size["values"]] == ["<=20", "20-50", ">50"]
    answer = ask(folder, "death by=size unit=days", capsys)
    assert answer["reference"] == "<=20"  # sorted text would make it 20-50
    # R: summary(coxph(Surv(dtime, death) ~ size, rotterdam))$conf.int, levels <=20, 20-50, >50
    r = {"20-50": (1.952442, 1.725622, 2.209076), ">50": (3.744527, 3.170780, 4.422092)}
    for g in answer["groups"][1:]:
        assert (g["hr"], g["hr_ci_low"], g["hr_ci_high"]) == pytest.approx(r[g["label"]], rel=1e-4)
