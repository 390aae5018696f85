"""Checks a cohort's tables before they are served; every problem names file, line and column.

Input frames hold raw text (every cell a string, "" for empty); output frames are typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from .errors import CohortDataError

__all__ = ["RESPONSES", "Problems", "type_adverse_events", "type_patients", "type_table"]

RESPONSES = ("CR", "PR", "SD", "PD", "NE")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
# A CSV's header is line 1, so the record at index 0 is on line 2.
_FIRST_LINE = 2


@dataclass
class Problems:
    """Collects every problem in a folder so `sts check` can list them all at once."""

    items: list[CohortDataError] = field(default_factory=list)

    def add(self, message: str, *, file: str, row: int | None = None, column: str = "") -> None:
        self.items.append(CohortDataError(message, file=file, row=row, column=column))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        more = len(self.items) - 1
        hint = (
            f"{more} more problem(s) in this folder; `sts check DIR` lists them all."
            if more
            else ""
        )
        error = CohortDataError(first.message, hint=hint or first.hint)
        error.problems = [p.message for p in self.items]
        raise error from None


def _line(index: int) -> int:
    return int(index) + _FIRST_LINE


def _is_blank(series: pd.Series) -> pd.Series:
    return series.str.strip() == ""


def _column_kind(values: pd.Series) -> str:
    present = values[~_is_blank(values)].str.strip()
    if present.empty:
        return "categorical"
    if present.str.match(_NUMBER).all():
        return "numeric"
    if present.str.match(_ISO_DATE).all():
        return "date"
    return "categorical"


def _to_kind(values: pd.Series, kind: str) -> pd.Series:
    stripped = values.str.strip().replace("", None)
    if kind == "numeric":
        numbers = pd.to_numeric(stripped)
        if numbers.dropna().mod(1).eq(0).all():
            return numbers.astype("Int64")
        return numbers.astype("Float64")
    if kind == "date":
        return pd.to_datetime(stripped, format="%Y-%m-%d", errors="coerce").dt.date
    return stripped.astype("string")


def _require_columns(frame: pd.DataFrame, required: tuple[str, ...], file: str, p: Problems):
    missing = [c for c in required if c not in frame.columns]
    for column in missing:
        p.add("required column is missing", file=file, column=column)
    return not missing


def _check_dates(frame: pd.DataFrame, column: str, file: str, p: Problems) -> None:
    for i, v in frame[column].items():
        v = v.strip()
        if v and not (_ISO_DATE.match(v) and not pd.isna(pd.to_datetime(v, errors="coerce"))):
            p.add(f"`{v}` is not a date (use YYYY-MM-DD)", file=file, row=_line(i), column=column)


def _check_numbers(frame, column, file, p, *, integer=False, low=None, high=None) -> None:
    pattern = _INTEGER if integer else _NUMBER
    what = "a whole number" if integer else "a number"
    for i, v in frame[column].items():
        v = v.strip()
        if not v:
            continue
        if not pattern.match(v):
            p.add(f"`{v}` is not {what}", file=file, row=_line(i), column=column)
        elif (low is not None and float(v) < low) or (high is not None and float(v) > high):
            p.add(
                f"`{v}` is outside {low}–{high}" if high is not None else f"`{v}` is below {low}",
                file=file,
                row=_line(i),
                column=column,
            )


def endpoints_of(columns) -> tuple[str, ...]:
    """Survival endpoints: every X with both X_time and X_event columns."""
    cols = set(columns)
    return tuple(
        c[: -len("_time")] for c in columns if c.endswith("_time") and f"{c[:-5]}_event" in cols
    )


def type_patients(
    raw: pd.DataFrame, file: str, p: Problems, text_columns: set[str] = frozenset()
) -> pd.DataFrame | None:
    """Validate and type the patients table; None when it is unusable."""
    if not _require_columns(raw, ("patient_id",), file, p):
        return None
    ids = raw["patient_id"].str.strip()
    for i in ids[ids == ""].index:
        p.add("patient_id is empty", file=file, row=_line(i), column="patient_id")
    for i in ids[ids.duplicated() & (ids != "")].index:
        p.add(f"duplicate patient_id `{ids[i]}`", file=file, row=_line(i), column="patient_id")
    if "best_response" in raw.columns:
        codes = raw["best_response"].str.strip().str.upper()
        for i, v in codes.items():
            if v and v not in RESPONSES:
                p.add(
                    f"`{raw['best_response'][i]}` is not a RECIST response ({'/'.join(RESPONSES)})",
                    file=file,
                    row=_line(i),
                    column="best_response",
                )
        raw = raw.assign(best_response=codes)
    for endpoint in endpoints_of(raw.columns):
        _check_numbers(raw, f"{endpoint}_time", file, p, low=0)
        for i, v in raw[f"{endpoint}_event"].str.strip().items():
            if v not in ("", "0", "1"):
                p.add(
                    f"`{v}` is not an event code (1 = event, 0 = censored)",
                    file=file,
                    row=_line(i),
                    column=f"{endpoint}_event",
                )
        both = _is_blank(raw[f"{endpoint}_time"]) != _is_blank(raw[f"{endpoint}_event"])
        for i in raw.index[both]:
            p.add(
                f"{endpoint}_time and {endpoint}_event must both be given or both empty",
                file=file,
                row=_line(i),
                column=f"{endpoint}_time",
            )
    if "cycles" in raw.columns:
        _check_numbers(raw, "cycles", file, p, integer=True, low=0)
    for column in raw.columns:
        if column.endswith("_date"):
            _check_dates(raw, column, file, p)
    return type_table(raw.assign(patient_id=ids), text_columns)


def type_adverse_events(
    raw: pd.DataFrame, file: str, p: Problems, patient_ids: set[str]
) -> pd.DataFrame | None:
    """Validate and type adverse events: one row per event, CTCAE grade 1–5."""
    if not _require_columns(raw, ("patient_id", "term", "grade"), file, p):
        return None
    for i, v in raw["patient_id"].str.strip().items():
        if v not in patient_ids:
            p.add(f"patient `{v}` is not in patients", file=file, row=_line(i), column="patient_id")
    for i in raw.index[_is_blank(raw["term"])]:
        p.add("term is empty", file=file, row=_line(i), column="term")
    for i in raw.index[_is_blank(raw["grade"])]:
        p.add("grade is empty (CTCAE 1–5)", file=file, row=_line(i), column="grade")
    _check_numbers(raw, "grade", file, p, integer=True, low=1, high=5)
    if "cycle" in raw.columns:
        _check_numbers(raw, "cycle", file, p, integer=True, low=0)
    if "onset_date" in raw.columns:
        _check_dates(raw, "onset_date", file, p)
    return type_table(raw.assign(patient_id=raw["patient_id"].str.strip()))


def type_table(raw: pd.DataFrame, text_columns: set[str] = frozenset()) -> pd.DataFrame:
    """Give each column its type: numbers, ISO dates, or text. patient_id stays text."""
    typed = {}
    for column in raw.columns:
        keep_text = column in ("patient_id", "term", "note") or column in text_columns
        kind = "categorical" if keep_text else _column_kind(raw[column])
        if column.endswith("_date"):
            kind = "date"
        typed[column] = _to_kind(raw[column], kind)
    return pd.DataFrame(typed, index=raw.index)
