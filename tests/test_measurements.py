"""Waterfall and spider: the % changes against their definition, computed here independently in
plain Python; the demo against the diameters the paper publishes (Table 3); measurements read
as R and Excel write them; bad files refused by name, with the loaded cohort kept.

The definition (RECIST 1.1, as PRODUCT.md and the README state it): a patient's baseline is the
first measurement of the sum of target lesion diameters; the % change of a scan is
100 · (sum − baseline) / baseline; the best change is the smallest % change after baseline. A
scan's response: PD for a new lesion or a sum ≥ 20% and ≥ 5 mm above the nadir (the smallest
sum before it), CR at 0 mm, PR at −30% or less, else SD; the best response is the best up to and
including the first PD.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from sts_bot.cli import main
from sts_bot.service.source import CohortSource
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import CohortDataError, UsageError
from tests.conftest import write_cohort

# Table 3 of the paper (Ni et al. 2024), maximum tumour diameter in cm: case 8 (Table 3's
# "Case 1") 5.8 before treatment, 3.5 after 2 cycles, 2.8 after 4; case 12 ("Case 2") 12.4,
# 7.5, 8.1.
TABLE_3 = {"8": (5.8, 3.5, 2.8), "12": (12.4, 7.5, 8.1)}
_RANK = ("CR", "PR", "SD", "PD")


def reference(rows: list[tuple]) -> dict[str, dict]:
    """Per patient from (patient_id, when, sum_mm, new_lesion) rows: the % change of every
    scan, the best change and the best response, straight from the definition above."""
    by_patient: dict[str, list] = {}
    for pid, when, mm, new in rows:
        by_patient.setdefault(str(pid), []).append((when, mm, bool(new)))
    out = {}
    for pid, scans in by_patient.items():
        scans.sort(key=lambda s: s[0])
        baseline = scans[0][1]
        changes = [100.0 * (mm - baseline) / baseline for _, mm, _ in scans]
        nadir, best, responses = baseline, None, []
        for (_, mm, new), change in zip(scans[1:], changes[1:], strict=True):
            if new or (mm - nadir >= 5 and mm >= 1.2 * nadir):
                response = "PD"
            elif mm == 0:
                response = "CR"
            elif change <= -30:
                response = "PR"
            else:
                response = "SD"
            responses.append(response)
            nadir = min(nadir, mm)
            if best is None or _RANK.index(response) < _RANK.index(best):
                best = response
            if response == "PD":
                break
        out[pid] = {
            "changes": changes,
            "best_change_pct": min(changes[1:]) if len(scans) > 1 else None,
            "measured_response": best,
            "new_lesion": any(new for _, _, new in scans[1:]),
        }
    return out


# --- the demo: the paper's numbers ---------------------------------------------------------


def test_the_demo_waterfall_is_table_3(demo):
    data = ask("waterfall", demo).as_json()
    assert data["measured"] == 2 and data["n"] == 14  # the paper publishes two patients' sizes
    bars = {p["patient_id"]: p for p in data["patients"]}
    assert set(bars) == set(TABLE_3)
    for pid, (before, *after) in TABLE_3.items():
        expected = min(100 * (size - before) / before for size in after)
        assert bars[pid]["best_change_pct"] == pytest.approx(expected, abs=1e-9)
        assert bars[pid]["best_response"] == "PR"  # Table 3 and Table 1: PR
    assert round(bars["8"]["best_change_pct"], 1) == -51.7  # 5.8 → 2.8 cm
    assert round(bars["12"]["best_change_pct"], 1) == -39.5  # 12.4 → 7.5 cm (8.1 later)
    assert [p["patient_id"] for p in data["patients"]] == ["12", "8"]  # deepest on the right


def test_the_demo_spider_has_every_published_size(demo):
    data = ask("spider unit=weeks", demo).as_json()
    assert data["measured"] == 2
    for line in data["patients"]:
        before, *after = TABLE_3[line["patient_id"]]
        changes = [p["change_pct"] for p in line["points"]]
        assert changes == pytest.approx([0.0] + [100 * (s - before) / before for s in after])
        assert line["points"][0]["time"] == 0  # the baseline, dated at the start of treatment
    case_12 = next(line for line in data["patients"] if line["patient_id"] == "12")
    assert round(case_12["points"][-1]["change_pct"], 1) == -34.7  # "slightly larger", still PR
    assert [p["response"] for p in case_12["points"]] == [None, "PR", "PR"]


def test_the_answer_says_how_many_were_measured(demo):
    from sts_bot.render.answers import compose, to_text

    text = to_text(compose(ask("waterfall", demo)))
    assert "2 of 14 selected patients have tumour measurements" in text
    assert "−51.7%" in text and "−39.5%" in text
    filtered = ask("waterfall histology=SS", demo).as_json()  # case 8 is one of the two SS
    assert filtered["measured"] == 1 and filtered["n"] == 2
    with pytest.raises(UsageError, match="None of the 12 patients of resection = no"):
        ask("waterfall resection=no", demo)


# --- a synthetic cohort against the definition ----------------------------------------------

START = dt.date(2020, 1, 6)
# Patients whose sums sit on the rules' edges (RECIST 1.1): 32 shrinks 30% exactly (PR); 33
# grows 25% from a 12 mm nadir but by 3 mm (not PD: under 5 mm), then by 6 mm (PD); 34 grows
# exactly 20% and 5.6 mm from its nadir (PD).
EDGES = {"32": (50, 35, 40), "33": (20, 12, 15, 18), "34": (40, 28, 33.6)}


def synthetic(folder: Path, *, seed: int, recorded: bool, dated: bool = True) -> list[tuple]:
    """40 patients, 35 measured (one with a baseline only), sums on a random walk with a few
    vanishing tumours, new lesions and ties; returns the measurement rows as written."""
    rng = random.Random(seed)
    patients = ["patient_id,sex,start_date" + (",best_response" if recorded else "")]
    rows, lines = [], ["patient_id," + ("date" if dated else "day") + ",sum_mm,new_lesion"]
    for i in range(1, 41):
        start = START + dt.timedelta(days=7 * i)
        best = rng.choice(["CR", "PR", "SD", "PD", ""])
        patients.append(f"{i},{rng.choice('MF')},{start}" + (f",{best}" if recorded else ""))
        if i > 35:
            continue
        day = -rng.randint(0, 21)
        mm = float(rng.randint(20, 150))
        edge = EDGES.get(str(i))
        for k in range(len(edge) if edge else 1 if i == 35 else rng.randint(2, 7)):
            if k:
                day += rng.randint(35, 63)
                mm = max(0.0, round(mm * rng.uniform(0.55, 1.35) + rng.choice([0, 0, -3, 6]), 1))
                if rng.random() < 0.06:
                    mm = 0.0
            if edge:
                mm = float(edge[k])
            new = k > 0 and rng.random() < 0.08 and not edge
            when = start + dt.timedelta(days=day) if dated else day
            rows.append((str(i), when, mm, new))
            lines.append(f"{i},{when},{mm:g},{'yes' if new else 'no'}")
    write_cohort(folder, "\n".join(patients) + "\n", measurements="\n".join(lines) + "\n")
    return rows


@pytest.mark.parametrize(("recorded", "dated"), [(True, True), (False, True), (False, False)])
def test_best_change_and_response_follow_the_definition(tmp_path, recorded, dated):
    rows = synthetic(tmp_path / "c", seed=22, recorded=recorded, dated=dated)
    expected = reference(rows)
    cohort = load_cohort(tmp_path / "c")
    data = ask("waterfall", cohort).as_json()
    assert data["measured"] == 35 and data["n"] == 40
    assert data["baseline_only"] == 1  # patient 35: a baseline and nothing after it
    with_change = {p: e for p, e in expected.items() if e["best_change_pct"] is not None}
    got = {p["patient_id"]: p for p in data["patients"]}
    assert set(got) == set(with_change)
    for pid, e in with_change.items():
        assert got[pid]["best_change_pct"] == pytest.approx(e["best_change_pct"], abs=1e-9)
        assert got[pid]["measured_response"] == e["measured_response"], pid
        assert got[pid]["new_lesion"] == e["new_lesion"]
    order = sorted(with_change, key=lambda p: (-with_change[p]["best_change_pct"], p))
    assert [p["patient_id"] for p in data["patients"]] == order
    assert {"CR", "PR", "SD", "PD"} <= {e["measured_response"] for e in with_change.values()}
    edges = {p: (got[p]["best_change_pct"], got[p]["measured_response"]) for p in EDGES}
    assert edges == {"32": (-30.0, "PR"), "33": (-40.0, "PR"), "34": (-30.0, "PR")}
    spider = {line["patient_id"]: line for line in ask("spider", cohort).as_json()["patients"]}
    assert [p["response"] for p in spider["33"]["points"]] == [None, "PR", "SD", "PD"]
    assert [p["response"] for p in spider["34"]["points"]] == [None, "PR", "PD"]
    if not recorded:  # coloured by what the measurements show, and it says so
        assert all(p["best_response"] == p["measured_response"] for p in data["patients"])
        assert "the best response the measurements show" in data["method"]


def test_spider_points_follow_the_definition(tmp_path):
    rows = synthetic(tmp_path / "c", seed=7, recorded=True)
    expected = reference(rows)
    data = ask("spider unit=days", load_cohort(tmp_path / "c")).as_json()
    assert data["measured"] == 35 and len(data["patients"]) == 35
    starts = {str(i): START + dt.timedelta(days=7 * i) for i in range(1, 41)}
    for line in data["patients"]:
        pid = line["patient_id"]
        mine = sorted((r for r in rows if r[0] == pid), key=lambda r: r[1])
        assert [p["change_pct"] for p in line["points"]] == pytest.approx(expected[pid]["changes"])
        assert [p["time"] for p in line["points"]] == [(r[1] - starts[pid]).days for r in mine]
        assert line["points"][0]["time"] <= 0  # the baseline: at or before the start


def test_by_groups_and_filters(tmp_path):
    synthetic(tmp_path / "c", seed=3, recorded=True)
    cohort = load_cohort(tmp_path / "c")
    grouped = ask("waterfall by=sex", cohort).as_json()
    assert sum(g["n"] for g in grouped["groups"]) == len(grouped["patients"])
    women = ask("waterfall sex=F", cohort).as_json()
    assert {p["patient_id"] for p in women["patients"]} == {
        p["patient_id"] for p in grouped["patients"] if p["group"] == "F"
    }
    assert "by sex" in grouped["method"]


def test_a_cohort_without_measurements_is_told_what_to_add(tmp_path):
    folder = write_cohort(tmp_path / "c", "patient_id,sex\n1,M\n2,F\n")
    for metric in ("waterfall", "spider"):
        with pytest.raises(UsageError, match="no measurements table") as caught:
            ask(metric, load_cohort(folder))
        assert "measurements.csv (patient_id, date or day, sum_mm" in caught.value.hint


def test_more_bars_than_can_be_read_is_refused(tmp_path, monkeypatch):
    from sts_queries.metrics.patients import waterfall

    synthetic(tmp_path / "c", seed=1, recorded=True)
    monkeypatch.setattr(waterfall, "MAX_BARS", 10)
    with pytest.raises(UsageError, match="`waterfall` shows a bar for each patient, up to 10"):
        ask("waterfall", load_cohort(tmp_path / "c"))


# --- exports as written ---------------------------------------------------------------------


def _cli(folder: Path, command: str, capsys) -> dict:
    status = main(["ask", command, "--data", str(folder), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0, data
    return data


@pytest.fixture
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("STS_STATE_DIR", str(tmp_path / "state"))


def test_r_write_csv_under_any_name_is_found_by_its_contents(tmp_path, capsys, _state):
    """`write.csv(recist, "recist_export.csv")` in R: quoted strings and dates, row names,
    logical TRUE/FALSE, NA, and the export's own headers."""
    folder = tmp_path / "trial"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        '"","patient_id","start_date","best_response"\n'
        '"1","101","2020-01-06","PR"\n"2","102","2020-01-13","PD"\n"3","103","2020-01-20",NA\n'
    )
    (folder / "recist_export.csv").write_text(
        '"","patient_id","scan_date","SLD (mm)","new_lesion"\n'
        '"1","101","2020-01-02",80,FALSE\n"2","101","2020-02-20",52.5,FALSE\n'
        '"3","101","2020-04-02",44,NA\n"4","102","2020-01-13",30,FALSE\n'
        '"5","102","2020-03-02",33,TRUE\n"6","103","2020-01-20",61,NA\n'
    )
    (folder / "cohort.toml").write_text('name = "t"\ntime_unit = "days"\n')
    assert main(["init", str(folder)]) == 0
    report = capsys.readouterr().out
    assert "recist_export.csv → table measurements (its rows have a sld_mm and a scan_date)" in (
        report
    )
    data = _cli(folder, "waterfall", capsys)
    bars = {p["patient_id"]: p for p in data["patients"]}
    assert data["measured"] == 3 and set(bars) == {"101", "102"}  # 103: baseline only
    assert bars["101"]["best_change_pct"] == pytest.approx(100 * (44 - 80) / 80)
    assert bars["102"]["best_change_pct"] == pytest.approx(100 * (33 - 30) / 30)
    assert bars["102"]["new_lesion"] and bars["102"]["measured_response"] == "PD"
    assert bars["101"]["measured_response"] == "PR"
    points = _cli(folder, "spider unit=days", capsys)["patients"][0]["points"]
    assert [p["time"] for p in points] == [-4, 45, 87]  # from start_date 2020-01-06


def test_an_excel_workbook_with_date_cells(tmp_path, capsys, _state):
    folder = tmp_path / "xlsx"
    folder.mkdir()
    book = Workbook()
    sheet = book.active
    sheet.title = "Patients"
    sheet.append(["Patient ID", "Start date", "Best response"])
    sheet.append([1, dt.datetime(2021, 3, 1), "PR"])
    sheet.append([2, dt.datetime(2021, 3, 8), "SD"])
    lesions = book.create_sheet("Target lesions")
    lesions.append(["Patient ID", "Scan date", "Sum of diameters (mm)"])
    for row in (
        (1, dt.datetime(2021, 2, 22), 64),
        (1, dt.datetime(2021, 4, 12), 41),
        (1, dt.datetime(2021, 5, 24), 36.5),
        (2, dt.datetime(2021, 3, 8), 27),
        (2, dt.datetime(2021, 4, 19), 30),
    ):
        lesions.append(list(row))
    book.save(folder / "trial.xlsx")
    (folder / "cohort.toml").write_text('name = "x"\ntime_unit = "days"\n')
    data = _cli(folder, "waterfall", capsys)
    bars = {p["patient_id"]: p["best_change_pct"] for p in data["patients"]}
    assert bars == pytest.approx({"1": 100 * (36.5 - 64) / 64, "2": 100 * (30 - 27) / 27})
    points = _cli(folder, "spider unit=days", capsys)["patients"][0]["points"]
    assert [p["time"] for p in points] == [-7, 42, 84]


# --- bad files: refused by name, the loaded cohort kept ---------------------------------------

GOOD = "patient_id,date,sum_mm,new_lesion\n8,2019-09-17,58,no\n8,2019-10-30,35,no\n"


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (
            "12,2019-09-17,124,no\n12,2019-10-30,-75,no\n",
            "measurements.csv, line 5, column `sum_mm`: `-75` mm: a sum of diameters cannot be "
            "below 0",
        ),
        (
            "99,2019-09-17,40,no\n",
            "measurements.csv, line 4, column `patient_id`: patient `99` is not in patients",
        ),
        (
            "12,2019-10-30,75,no\n12,2019-12-10,81,no\n",
            "measurements.csv, line 4, column `date`: patient `12` has no baseline: the first "
            "measurement (2019-10-30) is after the start of treatment (2019-09-17)",
        ),
        (
            "8,2019-10-30,36,no\n",
            "measurements.csv, line 4, column `date`: patient `8` is measured twice on date "
            "2019-10-30",
        ),
        (
            "12,,124,no\n",
            "measurements.csv, line 4, column `date`: patient `12`: the date is empty",
        ),
        (
            "12,2019-09-17,0,no\n12,2019-10-30,5,no\n",
            "measurements.csv, line 4, column `sum_mm`: patient `12`: the baseline sum is 0 mm",
        ),
        ("12,2019-09-17,,no\n", "measurements.csv, line 4, column `sum_mm`: the sum (mm) is empty"),
        (
            "12,2019-09-17,124,maybe\n",
            "measurements.csv, line 4, column `new_lesion`: `maybe` is not yes/no",
        ),
        ("12,2019-09-17,1O4,no\n", "line 4, column `sum_mm`: `1O4` is not a number"),
    ],
)
def test_a_bad_file_is_refused_by_name_and_the_loaded_cohort_kept(demo, demo_copy, rows, said):
    # Served first: the demo as the session loaded it (demo_copy holds the same files, so the
    # source checks it as that folder's version); every load after it reads the folder.
    loads = iter([lambda _folder: demo])
    source = CohortSource(
        demo_copy, lambda folder: next(loads, load_cohort)(folder), settle=0.0, background=False
    )
    first = source.current()
    assert first is demo
    (demo_copy / "measurements.csv").write_text(GOOD + rows)
    assert source.current() is first
    assert said in source.problem
    with pytest.raises(CohortDataError) as caught:
        source.reload_now()
    assert said in "\n".join(caught.value.problems)
    assert ask("waterfall", source.current()).as_json()["measured"] == 2  # still the demo's


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("patient_id,date,size\n8,2019-09-17,58\n", "no column with the sum of target lesion"),
        ("patient_id,sum_mm\n8,58\n", "no `date` or `day` column"),
        (
            "patient_id,day,sum_mm\n8,14,58\n8,60,40\n",
            "patient `8` has no baseline: the first measurement (day 14) is after the start of "
            "treatment (day 0)",
        ),
    ],
)
def test_a_table_missing_what_the_plots_need_is_refused(demo_copy, text, said):
    (demo_copy / "measurements.csv").write_text(text)
    with pytest.raises(CohortDataError) as caught:
        load_cohort(demo_copy)
    assert any(said in p for p in caught.value.problems), caught.value.problems


def test_a_day_column_may_start_before_treatment(tmp_path):
    folder = write_cohort(
        tmp_path / "c",
        "patient_id,sex\n1,M\n2,F\n",
        measurements="patient_id,day,sum_mm\n1,-10,50\n1,42,30\n2,0,20\n2,40,26\n",
    )
    data = ask("waterfall", load_cohort(folder)).as_json()
    assert {p["patient_id"]: round(p["best_change_pct"], 6) for p in data["patients"]} == {
        "1": -40.0,
        "2": 30.0,
    }
    shutil.rmtree(folder)
