"""Reads a cohort folder's tables as raw text, from CSV, Excel or cBioPortal files.

Every cell comes back as a string ("" when empty) so that validation sees what the file says.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from .validate import Problems

__all__ = ["read_table_files"]

_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CBIO_PATIENTS = "data_clinical_patient.txt"


def _clean_columns(frame: pd.DataFrame, file: str, problems: Problems) -> pd.DataFrame | None:
    columns = [str(c).strip().lower() for c in frame.columns]
    seen: set[str] = set()
    for column in columns:
        if not _TABLE_NAME.match(column):
            problems.add(
                "column names must be lower_snake_case (letters, digits, _)",
                file=file,
                row=1,
                column=column,
            )
            return None
        if column in seen:
            problems.add("column appears twice", file=file, row=1, column=column)
            return None
        seen.add(column)
    frame.columns = columns
    return frame.fillna("").astype(str)


def _read_csv(path: Path, problems: Problems) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        problems.add(f"cannot be read as CSV: {first}", file=path.name)
        return None
    except pd.errors.EmptyDataError:
        problems.add("is empty", file=path.name)
        return None
    return _clean_columns(frame, path.name, problems)


def _read_excel(path: Path, problems: Problems) -> dict[str, pd.DataFrame]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        problems.add(f"cannot be read as an Excel workbook: {exc}", file=path.name)
        return {}
    out = {}
    for sheet, frame in sheets.items():
        name = str(sheet).strip().lower()
        if len(sheets) == 1 and path.stem.lower() in ("patients", "adverse_events"):
            name = path.stem.lower()
        cleaned = _clean_columns(frame, f"{path.name} [{sheet}]", problems)
        if cleaned is not None and _TABLE_NAME.match(name):
            out[name] = cleaned
    return out


def _status_code(value: str) -> str:
    # cBioPortal writes "1:DECEASED", "0:LIVING", "1:Progressed"...; the number is the event.
    head = value.split(":", 1)[0].strip()
    return head if head in ("0", "1") else value


def _read_cbioportal(path: Path, problems: Problems) -> pd.DataFrame | None:
    """cBioPortal clinical file: `#` metadata lines, then a tab-separated header and rows."""
    try:
        frame = pd.read_csv(path, sep="\t", comment=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        problems.add(f"cannot be read: {exc}", file=path.name)
        return None
    # Drop the `#` metadata rows that precede the real header.
    lines = path.read_text(encoding="utf-8").splitlines()
    skip = next((i for i, line in enumerate(lines) if not line.startswith("#")), 0)
    frame = pd.read_csv(path, sep="\t", skiprows=skip, dtype=str, keep_default_na=False)
    renamed = {}
    for column in frame.columns:
        name = column.strip().lower()
        if name.endswith("_months"):
            renamed[column] = name[: -len("_months")] + "_time"
        elif name.endswith("_status") and name[: -len("_status")] + "_months" in (
            c.strip().lower() for c in frame.columns
        ):
            renamed[column] = name[: -len("_status")] + "_event"
            frame[column] = frame[column].map(_status_code)
        else:
            renamed[column] = name
    frame = frame.rename(columns=renamed)
    return _clean_columns(frame, path.name, problems)


def read_table_files(folder: Path, problems: Problems) -> dict[str, tuple[str, pd.DataFrame]]:
    """Every table in the folder: name -> (file name, raw text frame)."""
    tables: dict[str, tuple[str, pd.DataFrame]] = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if path.name == _CBIO_PATIENTS:
            frame = _read_cbioportal(path, problems)
            if frame is not None:
                tables["patients"] = (path.name, frame)
        elif suffix == ".csv" and _TABLE_NAME.match(path.stem):
            frame = _read_csv(path, problems)
            if frame is not None:
                tables[path.stem] = (path.name, frame)
        elif suffix in (".xlsx", ".xlsm"):
            for name, frame in _read_excel(path, problems).items():
                tables.setdefault(name, (path.name, frame))
    return tables
