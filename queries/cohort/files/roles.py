"""Which table is which: the patients, adverse events, assessments and measurements, as exported.

A folder's tables are named by their files (`adverse_events.csv`, a sheet `AEs`, cBioPortal's
`data_clinical_patient.txt`). An export named as its tool or its author named it
(`veteran.csv`, REDCap's `Study_DATA_2024-01-31.csv`, a workbook whose only sheet is `colon`) is
matched by its contents instead: rows with a term and a grade are adverse events, rows with a
date and a response are assessments, rows with a sum of lesion diameters (`sld_mm` …) are
tumour measurements, and of the rest the one table left, or the one with a row
per patient, is the patients table. `cohort.toml`'s `[tables]` says it once and for all
(`patients = "veteran.csv"`, `{ file = "trial.xlsx", sheet = "Baseline" }`), and `sts init`
writes that section, so nothing is guessed twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sts_queries.cohort.files.names import (
    MEASURED_DAY_NAMES,
    MEASURED_ON_NAMES,
    SUM_NAMES,
    identifier_column,
)
from sts_queries.cohort.files.readers import ROW_NAMES, RawTable
from sts_queries.cohort.validate import Problems

__all__ = ["ROLES", "TableRef", "assign_roles", "table_ref_toml"]

# The tables the bot knows, and the columns that give each away by its contents.
ROLES = ("patients", "adverse_events", "assessments", "measurements")
# Each role's telltale columns: one column of each tuple.
_LOOKS_LIKE = {
    "adverse_events": (("term",), ("grade",)),
    "assessments": (("date",), ("response",)),
    "measurements": (SUM_NAMES, MEASURED_ON_NAMES + MEASURED_DAY_NAMES),
}
_OTHER_KNOWN = ("samples",)  # cBioPortal's, never a patients table


@dataclass(frozen=True)
class TableRef:
    """Where a role's table is, as `[tables]` declares it: a file, and a sheet of a workbook."""

    file: str
    sheet: str = ""

    def matches(self, raw: RawTable) -> bool:
        return raw.path == self.file and (not self.sheet or raw.sheet == self.sheet)

    def __str__(self) -> str:
        return f"{self.file}, sheet `{self.sheet}`" if self.sheet else self.file


def table_ref_toml(raw: RawTable) -> str:
    """The `[tables]` value that names `raw`'s file (and sheet)."""
    if raw.sheet:
        return f"{{ file = {json.dumps(raw.path)}, sheet = {json.dumps(raw.sheet)} }}"
    return json.dumps(raw.path)


def assign_roles(
    con,
    raws: dict[str, RawTable],
    declared: dict[str, TableRef],
    identifier: str | None,
    problems: Problems,
) -> tuple[dict[str, RawTable], dict[str, str]]:
    """The tables by role, and how each role not named by its file was found (for reports).

    `[tables]` comes first; then tables whose contents give them away; then the patients table
    among what is left."""
    found: dict[str, str] = {}
    for role, ref in declared.items():
        matching = [name for name, raw in raws.items() if ref.matches(raw)]
        if not matching:
            problems.add(
                f"[tables] {role} = {ref}: no such file or sheet in the folder",
                file="cohort.toml",
                hint='the file\'s name as it is in the folder, e.g. patients = "veteran.csv"',
            )
            continue
        raws = _renamed(raws, matching[0], role)
        found[role] = "as cohort.toml's [tables] says"
    for role, telltales in _LOOKS_LIKE.items():
        if role in raws:
            continue
        alike = [
            n
            for n, r in _unassigned(raws)
            if all(any(c in r.columns for c in one_of) for one_of in telltales)
        ]
        if len(alike) == 1:
            raws = _renamed(raws, alike[0], role)
            has = [
                next(f"a {c}" for c in one_of if c in raws[role].columns) for one_of in telltales
            ]
            found[role] = f"its rows have {' and '.join(has)}"
    if "patients" not in raws:
        raws, why = _find_patients(con, raws, identifier, problems)
        if why:
            found["patients"] = why
    return raws, found


def _unassigned(raws: dict[str, RawTable]):
    return [(n, r) for n, r in raws.items() if n not in ROLES and n not in _OTHER_KNOWN]


def _renamed(raws: dict[str, RawTable], name: str, role: str) -> dict[str, RawTable]:
    out = {n: r for n, r in raws.items() if n not in (name, role)}
    if role in raws and role != name:  # the file named for the role gives way to the declared
        out[f"{role}_as_named"] = replace(raws[role], name=f"{role}_as_named")
    return {role: replace(raws[name], name=role), **out}


def _one_row_per_patient(con, raw: RawTable, identifier: str | None) -> bool:
    ident = identifier_column(raw.columns, identifier)
    if not ident and ROW_NAMES in raw.columns:
        ident = ROW_NAMES
    if not ident:
        return False
    column = raw.columns[ident]
    distinct, rows = con.execute(
        f"SELECT count(DISTINCT {column}), count(*) FROM {raw.relation}"
    ).fetchone()
    return rows > 0 and distinct == rows


def _find_patients(con, raws, identifier, problems):
    candidates = [name for name, _ in _unassigned(raws)]
    why = "the only data table in the folder"
    if len(candidates) > 1:
        candidates = [c for c in candidates if _one_row_per_patient(con, raws[c], identifier)]
        why = "the only table with one row per patient"
    if len(candidates) == 1:
        return _renamed(raws, candidates[0], "patients"), why
    if len(_unassigned(raws)) > 1:
        files = [str(r.file) for _, r in _unassigned(raws)]
        problems.add(
            "several tables could be the patients table: " + ", ".join(files),
            file=files[0],
            hint='say which in cohort.toml: [tables] patients = "…" (sts init writes it)',
        )
    return raws, ""
