"""The reading rules one at a time: names, separators, encodings, missing tokens, events, dates,
kinds, the stored cohort and `sts init`."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from sts_bot.cli import main
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.cohort.files.kinds import date_sql, event_sql
from sts_queries.cohort.files.names import normalise_name
from sts_queries.cohort.files.sniff import record_lines, sniff
from sts_queries.errors import CohortDataError
from tests.conftest import write_cohort
from tests.exports import lung_as_r, lung_as_redcap
from tests.test_survival_r import KM_MEDIANS


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("ph.ecog", "ph_ecog"),
        ("Patient ID", "patient_id"),
        ("\ufeff#Patient Identifier", "patient_identifier"),
        ("Âge (années)", "age_annees"),
        ("OS_MONTHS", "os_months"),
        ("  wt.loss ", "wt_loss"),
        ("2nd line", "c_2nd_line"),
        ("Unnamed: 0", ""),
        ("", ""),
    ],
)
def test_column_names_are_normalised(header, name):
    assert normalise_name(header) == name


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("0", 0),
        ("1.0", 1),
        ("0.0", 0),
        ("yes", 1),
        ("No", 0),
        ("TRUE", 1),
        ("false", 0),
        ("1:DECEASED", 1),
        ("0:LIVING", 0),
        ("1:Recurred/Progressed", 1),
        ("DECEASED", 1),
        ("LIVING", 0),
        ("Dead", 1),
        ("alive", 0),
        ("2", None),  # R's 1/2 is declared, never guessed
        ("maybe", None),
    ],
)
def test_event_codes(text, value):
    sql = f"SELECT {event_sql('v')} FROM (SELECT ? AS v)"
    assert duckdb.execute(sql, [text]).fetchone()[0] == value


@pytest.mark.parametrize(
    ("text", "order", "fmt", "day"),
    [
        ("2019-07-09", "iso", None, dt.date(2019, 7, 9)),
        ("2019-07-09 00:00:00", "iso", None, dt.date(2019, 7, 9)),
        ("17/09/2019", "dmy", None, dt.date(2019, 9, 17)),
        ("17.09.2019", "dmy", None, dt.date(2019, 9, 17)),
        ("3/16/12", "mdy", None, dt.date(2012, 3, 16)),
        ("09-17-2019", "mdy", None, dt.date(2019, 9, 17)),
        ("2019-13-01", "iso", None, None),
        ("09 Jul 2019", "iso", "%d %b %Y", dt.date(2019, 7, 9)),
    ],
)
def test_dates(text, order, fmt, day):
    sql = f"SELECT {date_sql('v', order, fmt=fmt)} FROM (SELECT ? AS v)"
    assert duckdb.execute(sql, [text]).fetchone()[0] == day


def test_excel_serial_dates(tmp_path):
    patients = "patient_id,start_date\n1,43655\n2,43700\n"
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    first = cohort.query("SELECT start_date FROM patients ORDER BY patient_id")["start_date"][0]
    assert first.date() == dt.date(2019, 7, 9)


@pytest.mark.parametrize(
    ("data", "sep", "encoding"),
    [
        (b"a,b\n1,2\n", ",", "utf-8"),
        (b"a;b\n1,5;2\n", ";", "utf-8"),
        (b"a\tb\n1\t2\n", "\t", "utf-8"),
        ("\ufeffa;b\n1;2\n".encode(), ";", "utf-8-sig"),
        ("nom;âge\nÉlise;48,5\n".encode("cp1252"), ";", "cp1252"),
    ],
)
def test_separator_and_encoding_are_sniffed(tmp_path, data, sep, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    tf = sniff(path)
    assert (tf.sep, tf.encoding) == (sep, encoding)


def test_quoted_decimal_commas_in_a_comma_file(tmp_path):
    patients = 'patient_id,age,income\n1,"48,5","1,000"\n2,"61,25","2,500"\n3,70,"3,000"\n'
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    assert cohort.catalog.get("age").kind == "numeric"
    assert ask("count age>=48.5", cohort).n == 3 and ask("count age>48.5", cohort).n == 2
    assert cohort.catalog.get("income").kind == "categorical"  # thousands, not decimals


def test_line_numbers_count_blank_lines_and_quoted_newlines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,x\n\n2,"two\nlines"\n3,y\n')
    assert record_lines(sniff(path), [0, 1, 2]) == {0: 2, 1: 4, 2: 6}


def test_problems_come_grouped_and_all_at_once(tmp_path):
    rows = "".join(f"{i},{'XX' if i % 2 else 'PR'},{'abc' if i < 3 else i}\n" for i in range(40))
    folder = write_cohort(tmp_path / "c", "patient_id,best_response,cycles\n" + rows)
    with pytest.raises(CohortDataError) as caught:
        load_cohort(folder)
    problems = caught.value.problems
    assert len(problems) == 2  # one per offending value, not one per cell
    assert any("20 rows: `XX` is not a RECIST response" in p for p in problems)
    assert any("lines 3, 5, 7, 9, 11 and 15 more" in p for p in problems)
    assert any("3 rows: `abc` is not a whole number" in p for p in problems)


def test_stray_values_demote_a_column_with_a_warning_naming_them(tmp_path):
    patients = "patient_id,score\n1,10\n2,12\n3,n.d.\n4,15\n"
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    assert cohort.catalog.get("score").kind == "categorical"
    assert any("read as text because of `n.d.`" in w for w in cohort.warnings)


def test_a_stray_value_in_a_date_column_is_a_warning_naming_it(tmp_path):
    patients = "patient_id,last_update_date\n1,2020-01-02\n2,2020-13-45\n3,2020-02-03\n"
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    assert any("`2020-13-45`, which is not a date" in w for w in cohort.warnings)


def test_missing_values_are_configurable(tmp_path):
    patients = "patient_id,score\n1,10\n2,12\n3,n.d.\n4,15\n"
    toml = 'name = "x"\ntime_unit = "days"\nmissing_values = ["n.d.", "NA"]\n'
    cohort = load_cohort(write_cohort(tmp_path / "c", patients, toml=toml))
    assert cohort.catalog.get("score").kind == "numeric"
    assert ask("count score>=12", cohort).n == 2


def test_declared_kind_overrides_the_guess(tmp_path):
    patients = "patient_id,grade_group,age\n1,1,50\n2,2,60\n3,1,70\n"
    toml = (
        'name = "x"\ntime_unit = "days"\n[fields.grade_group]\nkind = "categorical"\n'
        '[fields.age]\nkind = "code"\n'
    )
    cohort = load_cohort(write_cohort(tmp_path / "c", patients, toml=toml))
    assert cohort.catalog.get("grade_group").kind == "categorical"
    assert cohort.catalog.get("age").is_code
    assert ask("count grade_group=1", cohort).n == 2


def test_an_all_empty_column_loads(tmp_path):
    patients = "patient_id,notes,age\n1,,50\n2,,60\n"
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    assert cohort.rows() == 2 and "notes" in cohort.catalog.names()


def test_stored_cohort_is_reused_while_files_are_unchanged(tmp_path):
    folder = lung_as_r(tmp_path / "lung")
    store = tmp_path / "store"
    first = load_cohort(folder, store=store)
    again = load_cohort(folder, store=store)
    assert first.data_version == again.data_version and len(list(store.glob("*.duckdb"))) == 1
    assert ask("count sex=female", again).n == 90
    median = ask("os unit=days", again).as_json()["median"]
    assert median == next(
        m for d, c, _, t, m, _, _ in KM_MEDIANS if (d, c, t) == ("lung", None, "log-log")
    )
    text = (folder / "patients.csv").read_text()
    (folder / "patients.csv").write_text(text.replace('"306"', '"307"', 1))
    changed = load_cohort(folder, store=store)
    assert changed.data_version != first.data_version
    assert len(list(store.glob("*.duckdb"))) == 2


def test_a_bad_folder_stores_nothing(tmp_path):
    folder = write_cohort(tmp_path / "c", "patient_id,best_response\n1,XX\n")
    with pytest.raises(CohortDataError):
        load_cohort(folder, store=tmp_path / "store")
    # Nothing stored: no cohort and no build left behind (the builders' lock file may stay).
    assert not [p for p in (tmp_path / "store").glob("*") if p.name != ".build.lock"]


@pytest.fixture(autouse=True)
def _state_outside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("STS_STATE_DIR", str(tmp_path / "state"))


def test_init_drafts_a_toml_that_loads(tmp_path, capsys):
    folder = lung_as_redcap(tmp_path / "redcap")
    (folder / "cohort.toml").unlink()
    assert main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "patient_id (in the file: record_id)" in out and "diagnosis_date: date, dmy" in out
    toml = (folder / "cohort.toml").read_text()
    assert 'identifier = "record_id"' in toml and 'start = "diagnosis_date"' in toml
    cohort = load_cohort(folder)
    assert cohort.endpoints == ("os",)
    median = ask("os unit=days", cohort).as_json()["median"]
    assert median == next(
        m for d, c, _, t, m, _, _ in KM_MEDIANS if (d, c, t) == ("lung", None, "log-log")
    )


def test_init_asks_for_a_coding_it_cannot_know(tmp_path, capsys):
    folder = lung_as_r(tmp_path / "lung")
    (folder / "cohort.toml").unlink()
    assert main(["init", str(folder)]) == 0
    toml = (folder / "cohort.toml").read_text()
    assert 'time = "time"' in toml and 'event = "status"' in toml
    assert '# event = ["2"]' in toml  # written for a person to confirm, not applied
    assert main(["check", str(folder)]) == 2
    assert "[fields.status] event" in capsys.readouterr().out


def test_init_never_overwrites_without_force(tmp_path, capsys):
    folder = lung_as_redcap(tmp_path / "redcap")
    before = (folder / "cohort.toml").read_text()
    assert main(["init", str(folder)]) == 0
    assert (folder / "cohort.toml").read_text() == before
    assert "not overwritten" in capsys.readouterr().out
