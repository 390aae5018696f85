"""Exports as teams have them load with at most a cohort.toml, and give R's numbers.

R's values (medians, log-rank) are the ones in tests/test_survival_r.py, produced by
tests/reference/km_reference.R (R 4.2.2, survival 3.5.3) on the same public datasets.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import CohortDataError, UnknownValue, UsageError
from tests.exports import (
    gbsg2_as_windows,
    lung_as_r,
    lung_as_redcap,
    rossi_as_pandas,
    rossi_workbook,
)
from tests.test_survival_r import KM_MEDIANS, LOGRANK

FIXTURES = Path(__file__).parent / "fixtures"


def _median(dataset, column=None, level=None, ci="log-log"):
    return next(
        (m, lo, hi)
        for d, c, lv, t, m, lo, hi in KM_MEDIANS
        if (d, c, lv, t) == (dataset, column, level, ci)
    )


def _logrank_p(dataset, column):
    return next(p for d, c, _, _, p in LOGRANK if (d, c) == (dataset, column))


def _km(answer):
    return (answer["median"], answer["ci_low"], answer["ci_high"])


@pytest.fixture(scope="module")
def lung_r(tmp_path_factory):
    return load_cohort(lung_as_r(tmp_path_factory.mktemp("lung") / "c"))


def test_r_write_csv_lung_gives_r_median_and_logrank(lung_r):
    assert "patient_id" in lung_r.catalog.names()  # R's row names identify the patients
    assert _km(ask("os unit=days", lung_r).as_json()) == pytest.approx(_median("lung"))
    by_sex = ask("os by=sex unit=days", lung_r).as_json()
    assert by_sex["test"]["p"] == pytest.approx(_logrank_p("lung", "sex"), rel=1e-9)
    female = ask("os sex=female unit=days", lung_r).as_json()
    assert _km(female) == pytest.approx(_median("lung", "sex", 2))


@pytest.mark.parametrize(
    ("command", "n"),
    [
        ("count ph_ecog=2", 50),
        ("count ph.ecog>=2", 51),  # the original R name is an alias
        ("count ph_ecog=0,1", 176),
        ("count wt_loss>=10", 93),  # NA is missing, so wt_loss is a number
        ("count sex=Female", 90),  # value labels are filter values
        ("count sex=2", 90),
        ("count meal_cal<1000", 92),
    ],
)
def test_coded_and_numeric_columns_filter_like_numbers(lung_r, command, n):
    assert ask(command, lung_r).n == n


def test_codes_group_and_read_as_categories_in_table_1(lung_r):
    groups = ask("os by=ph_ecog", lung_r).as_json()["groups"]
    assert [(g["label"], g["n"]) for g in groups][:3] == [("0", 63), ("1", 113), ("2", 50)]
    rows = {r["field"]: r for r in ask("baseline", lung_r).as_json()["rows"]}
    assert [(v["label"], v["n"]) for v in rows["sex"]["values"]] == [("Male", 138), ("Female", 90)]
    assert "median" in rows["wt_loss"] and rows["wt_loss"]["n"] == 214  # 14 NA left out
    with pytest.raises(UsageError):
        ask("count inst=NA", lung_r)  # NA is not a value


def test_r_status_coding_is_declared_never_guessed(tmp_path):
    folder = lung_as_r(
        tmp_path / "c",
        toml='name = "lung"\ntime_unit = "days"\n[endpoints.os]\ntime = "time"\nevent = "status"\n',
    )
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    message = caught.value.message
    assert "165 rows: `2` is not an event code" in message
    assert "column `status`" in message and "lines 2, 3, 5" in message
    assert 'event = ["2"], censored = ["1"]' in " ".join(caught.value.problems)


def test_pandas_to_csv_rossi_drops_the_index_and_gives_r_logrank(tmp_path):
    cohort = load_cohort(rossi_as_pandas(tmp_path / "c"))
    assert "unnamed_0" not in cohort.catalog.names() and "c_0" not in cohort.catalog.names()
    assert cohort.endpoints == ("arrest",)
    answer = ask("arrest by=fin unit=weeks", cohort).as_json()
    assert answer["test"]["p"] == pytest.approx(_logrank_p("rossi", "fin"), rel=1e-9)
    assert _km(ask("arrest unit=weeks", cohort).as_json()) == pytest.approx(_median("rossi"))


def test_semicolon_cp1252_with_decimal_commas(tmp_path):
    cohort = load_cohort(gbsg2_as_windows(tmp_path / "c"))
    names = cohort.catalog.names()
    assert {"therapie_hormonale", "taille_cm", "patient_id"} <= set(names)
    assert cohort.catalog.get("Thérapie hormonale").name == "therapie_hormonale"
    assert cohort.catalog.get("taille_cm").kind == "numeric"  # "2,1" is 2.1
    answer = ask("rfs by=therapie_hormonale unit=days", cohort).as_json()
    assert answer["test"]["p"] == pytest.approx(_logrank_p("gbsg2", "horTh"), rel=1e-9)
    assert ask("count taille_cm>=3", cohort).n == ask("count tsize>=30", cohort).n


def test_redcap_dates_only_derive_r_times(tmp_path):
    cohort = load_cohort(lung_as_redcap(tmp_path / "c"))
    assert cohort.endpoints == ("os",)
    assert cohort.rows() == 228  # the trailing blank rows are not patients
    assert _km(ask("os unit=days", cohort).as_json()) == pytest.approx(_median("lung"))
    by_sex = ask("os by=sex", cohort).as_json()
    assert by_sex["test"]["p"] == pytest.approx(_logrank_p("lung", "sex"), rel=1e-9)


def test_a_redcap_file_keeps_its_own_name(tmp_path):
    folder = lung_as_redcap(tmp_path / "c")
    (folder / "patients.csv").rename(folder / "LungStudy_DATA_2024-01-31_1402.csv")
    cohort = load_cohort(folder)
    assert cohort.rows() == 228 and cohort.endpoints == ("os",)
    assert any("read as the patients table" in w for w in cohort.warnings)


def test_rows_that_cannot_enter_an_endpoint_are_counted_not_blocking(tmp_path):
    folder = lung_as_redcap(tmp_path / "c")
    lines = (folder / "patients.csv").read_text().splitlines()
    start = lines[2].split(",")[2]
    lines[2] = lines[2].replace(start, "", 1)  # no diagnosis date
    died = next(i for i, line in enumerate(lines) if i > 2 and line.split(",")[3])
    d, m, y = lines[died].split(",")[2].split("/")
    lines[died] = lines[died].replace(f"{d}/{m}/{y}", f"{d}/{m}/{int(y) + 5}", 1)  # death first
    (folder / "patients.csv").write_text("\n".join(lines) + "\n")
    cohort = load_cohort(folder)
    assert cohort.rows() == 228
    assert ask("os", cohort).as_json()["events"] == 165 - 2  # both left-out patients died
    assert "2 patient(s) left out" in cohort.notes["os"]
    assert "1 without diagnosis_date" in cohort.notes["os"]
    assert "1 with an event before diagnosis_date" in cohort.notes["os"]


def test_ambiguous_dates_are_refused_with_the_fix_named(tmp_path):
    folder = lung_as_redcap(tmp_path / "c")
    text = (folder / "patients.csv").read_text()
    # Keep only rows whose dates could be read either way (day and month both <= 12).
    head, *rows = text.splitlines()
    keep = [
        r
        for r in rows
        if r.strip(",") and all(int(v.split("/")[0]) <= 12 for v in r.split(",")[2:] if v)
    ]
    (folder / "patients.csv").write_text("\n".join([head, *keep]) + "\n")
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    assert "could be day/month or month/day" in " ".join(caught.value.problems)
    assert 'date_format = "%d/%m/%Y"' in " ".join(caught.value.problems)
    toml = (folder / "cohort.toml").read_text()
    (folder / "cohort.toml").write_text('date_format = "%d/%m/%Y"\n' + toml)
    assert load_cohort(folder).rows() == len(keep)


def test_us_dates_are_sniffed_when_unambiguous(tmp_path):
    cohort = load_cohort(lung_as_redcap(tmp_path / "c", date_format="%m/%d/%Y"))
    assert _km(ask("os unit=days", cohort).as_json()) == pytest.approx(_median("lung"))


def test_workbook_with_date_cells_and_an_adverse_events_sheet(tmp_path):
    cohort = load_cohort(rossi_workbook(tmp_path / "c"))  # the ~$ lock file is ignored
    assert cohort.has_table("adverse_events")
    answer = ask("arrest by=financial_aid unit=weeks", cohort).as_json()
    assert answer["test"]["p"] == pytest.approx(_logrank_p("rossi", "fin"), rel=1e-9)
    tox = ask("tox", cohort).as_json()["rows"]
    assert {r["term"]: r["grades"]["3"] for r in tox}["Anemia"] == 1


def test_workbook_errors_name_the_sheet_and_its_row(tmp_path):
    import openpyxl

    folder = rossi_workbook(tmp_path / "c")
    book = openpyxl.load_workbook(folder / "registry.xlsx")
    book["Adverse Events"]["C3"] = 7  # row 3: the second adverse event
    book.save(folder / "registry.xlsx")
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    assert (
        "registry.xlsx, sheet `Adverse Events`, line 3, column `Grade`: `7` is outside 1–5"
        in caught.value.message
    )


@pytest.fixture
def cbio(tmp_path):
    target = tmp_path / "study"
    shutil.copytree(FIXTURES / "cbio_study", target)
    return target


def test_cbioportal_study_with_bom_type_row_na_and_empty_column(cbio):
    cohort = load_cohort(cbio)
    assert set(cohort.endpoints) == {"os", "dfs"}
    os_ = ask("os", cohort).as_json()
    assert os_["events"] == 3  # 1:DECEASED twice and a bare DECEASED; P04 has no months
    assert any("os_time and os_event must both" in w for w in cohort.warnings)
    assert ask("dfs", cohort).as_json()["events"] == 2
    assert cohort.catalog.get("age").kind == "numeric"  # NA did not make it a category
    assert cohort.catalog.get("index_date").kind == "categorical"  # declared STRING
    assert ask("count cancer_type=osteosarcoma", cohort).n == 4  # joined from the samples
    assert ask("count vital_status=deceased", cohort).n == 3
    assert cohort.catalog.get("OS_MONTHS").name == "os_time"  # the file's names are aliases
    with pytest.raises(UnknownValue):
        ask("count sex=unknown", cohort)


def test_cbioportal_lines_count_the_header_rows(cbio):
    path = cbio / "data_clinical_patient.txt"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("\t4.2\t", "\tabc\t"))
    with pytest.raises(CohortDataError) as caught:
        load_cohort(cbio)
    assert (
        "data_clinical_patient.txt, line 8, column `OS_MONTHS`: `abc` is not a number"
        in caught.value.message
    )


def test_several_samples_per_patient_stay_apart_with_the_rule_stated(cbio):
    path = cbio / "data_clinical_sample.txt"
    path.write_text(path.read_text() + "S07\tP01\tOsteosarcoma\t0.9\n")
    cohort = load_cohort(cbio)
    assert "cancer_type" not in cohort.catalog.names()
    assert cohort.has_table("samples")
    assert any("several samples" in w for w in cohort.warnings)


def test_pfs_from_assessments_matches_the_demo_reconstruction(demo_copy):
    toml = demo_copy / "cohort.toml"
    toml.write_text(
        toml.read_text() + '\n[endpoints.pfs2]\nstart = "start_date"\nassessments = ["PD"]\n'
        'censor = "last_assessment"\n'
    )
    cohort = load_cohort(demo_copy)
    frame = cohort.query(
        "SELECT pfs_time, pfs_event, pfs2_time, pfs2_event FROM patients WHERE resection = 'no'"
    )
    # The demo's PFS was reconstructed from its assessments (data/README.md); the two
    # resected patients are censored at surgery there, a rule this endpoint does not declare.
    assert list(frame["pfs2_event"]) == list(frame["pfs_event"])
    assert list(frame["pfs2_time"].round(2)) == list(frame["pfs_time"])
    assert "pfs2" in cohort.endpoints
