"""A cohort folder's files → raw text tables in DuckDB, whatever the export looked like.

CSV/TSV in any separator and encoding, Excel workbooks (any sheet, loosely named) and
cBioPortal clinical files all become the same thing: a `RawTable`, a DuckDB table of text
columns in file order, with normalised column names, the original headers kept as aliases, and
a way back from a record to the line (or sheet row) the file counts it on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb

from sts_queries.cohort.files.kinds import cleaned_select
from sts_queries.cohort.files.names import normalise_name
from sts_queries.cohort.files.sheets import read_workbook
from sts_queries.cohort.files.sniff import SniffError, TextFile, load_text, record_lines, sniff
from sts_queries.cohort.validate import Problems

__all__ = ["CBIO_PATIENTS", "CBIO_SAMPLES", "ROW_NAMES", "RawTable", "read_folder", "table_name"]

CBIO_PATIENTS = "data_clinical_patient.txt"
ROW_NAMES = "_row_names"
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
CBIO_SAMPLES = "data_clinical_sample.txt"
# What teams call the tables the bot knows, as sheet or file names.
_TABLE_SYNONYMS = {
    "patients": ("patients", "patient", "clinical", "baseline", "demographics", "cohort"),
    "adverse_events": (
        "adverse_events",
        "adverse_event",
        "ae",
        "aes",
        "toxicity",
        "toxicities",
        "adverse_effects",
    ),
    "measurements": (
        "measurements",
        "measurement",
        "tumour_measurements",
        "tumor_measurements",
        "target_lesions",
        "lesions",
        "recist_measurements",
    ),
}


@dataclass(frozen=True, kw_only=True)
class RawTable:
    """One table as the file holds it: every cell text (NULL when empty), in file order."""

    name: str
    file: str  # "patients.csv", or "cohort.xlsx, sheet `Adverse Events`"
    path: str = ""  # the file's name in the folder: "cohort.xlsx"
    sheet: str = ""  # the workbook's sheet: "Adverse Events"
    relation: str  # TEMP table in the loading connection; columns c0…cN
    columns: dict[str, str]  # normalised name -> raw column (c3)
    originals: dict[str, str] = field(default_factory=dict)  # normalised -> header as written
    declared_types: dict[str, str] = field(default_factory=dict)  # cBioPortal type row
    decimal_comma: bool = False
    source: str = "csv"  # csv | excel | cbioportal
    how: str = ""  # how it was read, for `sts init`'s report
    lines: Callable[[list[int]], dict[int, int]] = field(default=lambda recs: {}, repr=False)


def table_name(stem: str) -> str:
    """`Adverse Events` → adverse_events, `AEs` → adverse_events, `Patient` → patients."""
    name = normalise_name(stem)
    for table, synonyms in _TABLE_SYNONYMS.items():
        if name in synonyms:
            return table
    return name


def _name_columns(
    con, relation: str, header: list[str], file: str, problems: Problems
) -> dict[str, str] | None:
    """Normalised name → raw column; drops R/pandas row names and blank columns."""
    names: dict[str, str] = {}
    originals: dict[str, str] = {}
    for i, original in enumerate(header):
        raw = f"c{i}"
        name = normalise_name(original)
        if not name:
            filled, distinct, rows = con.execute(
                f"SELECT count({raw}), count(DISTINCT {raw}), count(*) FROM {relation}"
            ).fetchone()
            if filled == 0:
                continue  # a blank column
            if i == 0 and filled == distinct == rows:
                # The row names R's write.csv and pandas add, under an empty header: unique,
                # in any order (a sorted or subset data frame keeps its original ones). The
                # identifier when there is no other (the loader decides), else dropped.
                names[ROW_NAMES], originals[ROW_NAMES] = raw, ""
                continue
            name = f"column_{i + 1}"
            problems.warn(
                f"column {i + 1} has no name; it is read as `{name}`", file=file, column=name
            )
        if name in names:
            problems.add(
                f"column appears twice (`{originals[name]}` and `{original}`)",
                file=file,
                row=1,
                column=name,
            )
            return None
        names[name] = raw
        originals[name] = str(original).replace("\ufeff", "").strip()
    return names, originals  # type: ignore[return-value]


def _text_table(con, path: Path, name: str, relation: str, workdir: Path, problems, clean):
    try:
        tf: TextFile = sniff(path)
        load_text(con, tf, relation, workdir, clean)
    except SniffError as exc:
        problems.add(str(exc), file=path.name)
        return None
    except (duckdb.Error, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        problems.add(f"cannot be read as CSV: {first}", file=path.name)
        return None
    header = list(tf.header)
    cbio = path.name in (CBIO_PATIENTS, CBIO_SAMPLES)
    declared: dict[str, str] = {}
    if cbio and len(tf.comments) >= 3:
        types = tf.comments[2].lstrip("#").split("\t")
        declared = {
            normalise_name(h): t.strip().upper() for h, t in zip(header, types, strict=False)
        }
    named = _name_columns(con, relation, header, path.name, problems)
    if named is None:
        return None
    columns, originals = named
    if cbio:
        columns, originals = _cbio_endpoints(columns, originals)
        declared = {_cbio_rename(k, columns): v for k, v in declared.items()}
    return RawTable(
        name=name,
        file=path.name,
        path=path.name,
        relation=relation,
        columns=columns,
        originals=originals,
        declared_types=declared,
        decimal_comma=tf.sep != ",",
        source="cbioportal" if cbio else "csv",
        how=f"{tf.encoding}, {_SEP_NAMES.get(tf.sep, tf.sep)}-separated, header on line "
        f"{tf.header_line + 1}" + (", cBioPortal type row" if declared else ""),
        lines=partial(record_lines, tf),
    )


def _cbio_rename(name: str, columns: dict[str, str]) -> str:
    stem = name.rsplit("_", 1)[0]
    if name.endswith("_months") and f"{stem}_time" in columns:
        return f"{stem}_time"
    if name.endswith("_status") and f"{stem}_event" in columns:
        return f"{stem}_event"
    return name


def _cbio_endpoints(columns: dict[str, str], originals: dict[str, str]):
    """cBioPortal's X_MONTHS + X_STATUS pairs are endpoint X (time in months)."""
    renamed: dict[str, str] = {}
    for name, raw in columns.items():
        stem = name.rsplit("_", 1)[0]
        if name.endswith("_months") and f"{stem}_status" in columns:
            name = f"{stem}_time"
        elif name.endswith("_status") and f"{stem}_months" in columns:
            name = f"{stem}_event"
        renamed[name] = raw
    names = list(renamed)
    return renamed, dict(zip(names, originals.values(), strict=True))


def _sheet_tables(con, path: Path, problems: Problems, counter, clean) -> list[RawTable]:
    out = []
    sheets = read_workbook(path, problems)
    for sheet, (header, frame, header_row) in sheets.items():
        name = table_name(sheet)
        if len(sheets) == 1 and table_name(path.stem) in _TABLE_SYNONYMS:
            name = table_name(path.stem)
        if not name:
            continue
        relation = f"_raw{next(counter)}"
        con.register("_sheet", frame)
        cast = {c: f"CAST({c} AS VARCHAR)" for c in frame.columns}
        con.execute(f"CREATE TEMP TABLE {relation} AS {clean(cast, '_sheet')}")
        con.unregister("_sheet")
        where = f"{path.name}, sheet `{sheet}`"
        named = _name_columns(con, relation, header, where, problems)
        if named is None:
            continue
        columns, originals = named
        first_row = header_row + 2  # Excel counts rows from 1; the header is on header_row + 1
        out.append(
            RawTable(
                name=name,
                file=where,
                path=path.name,
                sheet=str(sheet),
                relation=relation,
                columns=columns,
                originals=originals,
                source="excel",
                how=f"sheet, header on row {header_row + 1}",
                lines=lambda recs, first=first_row: {r: r + first for r in recs},
            )
        )
    return out


def read_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    workdir: Path,
    problems: Problems,
    missing: tuple[str, ...],
) -> dict[str, RawTable]:
    """Every table in the folder by name; the first source of a name wins, others are noted.

    Cells are trimmed and the `missing` tokens become NULL as they are read."""
    clean = partial(cleaned_select, missing=missing)
    counter = itertools.count()
    tables: dict[str, RawTable] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue  # Excel's lock files, editors' and the OS's hidden files
        suffix = path.suffix.lower()
        found: list[RawTable] = []
        if path.name in (CBIO_PATIENTS, CBIO_SAMPLES):
            name = "patients" if path.name == CBIO_PATIENTS else "samples"
            relation = f"_raw{next(counter)}"
            table = _text_table(con, path, name, relation, workdir, problems, clean)
            found = [table] if table else []
        elif suffix in (".csv", ".tsv") and table_name(path.stem):
            relation = f"_raw{next(counter)}"
            name = table_name(path.stem)
            table = _text_table(con, path, name, relation, workdir, problems, clean)
            found = [table] if table else []
        elif suffix in (".xlsx", ".xlsm"):
            found = _sheet_tables(con, path, problems, counter, clean)
        for table in found:
            if table.name in tables:
                problems.warn(
                    f"table `{table.name}` is also in {tables[table.name].file}; "
                    "that one is used, this one ignored",
                    file=table.file,
                )
                continue
            tables[table.name] = table
    return tables
