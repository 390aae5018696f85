"""Excel workbooks: every sheet as text, date cells as ISO dates, the header found on any row."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from sts_queries.cohort.validate import Problems

__all__ = ["cell_text", "read_workbook"]


def cell_text(value) -> str | None:
    """One cell as the text a CSV export would hold; date cells become YYYY-MM-DD."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_workbook(path: Path, problems: Problems) -> dict[str, tuple[list[str], pd.DataFrame, int]]:
    """Sheet name → (header, cells as text in columns c0…cN, 0-based row of the header)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        problems.add(f"cannot be read as an Excel workbook: {exc}", file=path.name)
        return {}
    out = {}
    for sheet, frame in sheets.items():
        filled = frame.notna().any(axis=1)
        if not filled.any():
            continue  # an empty sheet
        header_row = int(filled.idxmax())
        header = [cell_text(v) or "" for v in frame.iloc[header_row]]
        body = frame.iloc[header_row + 1 :].map(cell_text)
        body.columns = [f"c{i}" for i in range(len(header))]
        out[str(sheet)] = (header, body.reset_index(drop=True).astype(object), header_row)
    return out
