"""`sts init DIR`: read an export as it is and draft a commented cohort.toml from what was found.

Nothing is decided silently: each inferred line says why in a comment, and codings that are not
obvious (R's 1/2 status) are written commented out, for a person to confirm.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sts_queries.cohort.columns import clean_view
from sts_queries.cohort.draft_endpoints import (
    draft_endpoints,
    follow_up,
    status_advice,
    time_status_pairs,
    unit_evidence,
)
from sts_queries.cohort.files.kinds import Profile
from sts_queries.cohort.files.long import row_kinds, several_rows
from sts_queries.cohort.files.names import MISSING_TOKENS
from sts_queries.cohort.files.profile import profile_columns
from sts_queries.cohort.files.readers import read_folder
from sts_queries.cohort.files.roles import assign_roles, table_ref_toml
from sts_queries.cohort.loader import _with_identifier
from sts_queries.cohort.validate import Problems

__all__ = ["Draft", "draft_cohort"]


@dataclass(frozen=True)
class Draft:
    toml: str
    report: str


def _kind(p: Profile, name: str) -> tuple[str, str]:
    """(kind, why) as the loader would infer them."""
    if p.present == 0:
        return "category", "empty"
    if p.date_order() or (p.all_numbers and "date" in name):
        return "date", p.date_order() or "Excel serial numbers"
    if p.looks_like_code() and not name.endswith(("cycles", "age")):
        return "code", f"{p.distinct} whole-number values between {p.low:g} and {p.high:g}"
    if p.all_numbers:
        return "number", f"numbers {p.low:g}–{p.high:g}"
    return "category", f"about {p.distinct} distinct values"


def _long_file(con, raw, report: list[str]) -> tuple[str, list[str]] | None:
    """A patients file with several rows a patient: the column that tells its rows apart."""
    total, patients = several_rows(con, raw)
    if total == patients:
        return None
    long = row_kinds(con, raw)
    told = f"told apart by `{long[0]}` ({', '.join(long[1])})" if long else "nothing tells apart"
    report.append(f"    {total} rows for {patients} patients: a long file, its rows {told}")
    return long


def _tables_section(raws: dict, found: dict[str, str]) -> list[str]:
    """`[tables]` for the roles found by their contents, so that nothing is guessed twice."""
    if not found:
        return []
    lines = ["", "[tables]  # which file is which table (found by their contents)"]
    for role, why in found.items():
        lines.append(f"{role} = {table_ref_toml(raws[role])}  # {why}")
    return lines


def draft_cohort(folder: str | Path) -> Draft:
    """A commented cohort.toml for `folder` and a one-screen report of how it was read."""
    folder = Path(folder)
    problems = Problems()
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    report: list[str] = [f"Read {folder}:"]
    toml: list[str] = [
        f"# Drafted by `sts init` from the files in {folder.name}/. Check every line: the",
        "# comments say what each choice was inferred from. `sts check DIR` then validates.",
        f"name = {json.dumps(folder.name)}",
        'time_unit = "days"  # the unit of time columns and of times derived from dates',
        f"# Cells that mean 'not recorded' (case-insensitive): {', '.join(MISSING_TOKENS[1:])}",
        '# missing_values = ["NA", "."]  # replaces that list',
    ]
    with tempfile.TemporaryDirectory(prefix="sts-init-") as work:
        raws = read_folder(con, folder, Path(work), problems, MISSING_TOKENS)
        raws, found = assign_roles(con, raws, {}, None, problems)
        toml[6:6] = _tables_section(raws, found)
        for name, raw in raws.items():
            raw = _with_identifier(raw, None)
            view = clean_view(con, raw)
            rows = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            how = f" ({found[name]})" if name in found else ""
            report.append(f"  {raw.file} → table {name}{how}: {rows} rows, {raw.how or raw.source}")
            if name != "patients":
                continue
            long = _long_file(con, raw, report)
            profiles = profile_columns(
                con, view, list(raw.columns), decimal_comma=raw.decimal_comma, date_format=None
            )
            kinds = {column: _kind(p, column)[0] for column, p in profiles.items()}
            statuses = {status for _, _, status in time_status_pairs(kinds, profiles)}
            for column, p in profiles.items():
                kind, why = _kind(p, column)
                original = raw.originals.get(column, column)
                shown = f" (in the file: {original})" if original not in ("", column) else ""
                report.append(f"    {column}{shown}: {kind}, {why}")
                if column == "patient_id":
                    if original and original != "patient_id":
                        toml.insert(4, f"identifier = {json.dumps(original)}  # the patient id")
                    continue
                toml.append(f"\n[fields.{column}]  # {why}{shown}")
                toml.append(f'kind = "{kind}"')
                if column in statuses:
                    toml += status_advice(column, p)
                elif kind == "code":
                    toml.append('# labels = { 1 = "…", 2 = "…" }  # make the codes readable')
                if p.date_order() == "ambiguous":
                    toml.append('date_format = "%d/%m/%Y"  # or "%m/%d/%Y": the dates allow both')
            toml += draft_endpoints(kinds, profiles, long)
            pairs = time_status_pairs(kinds, profiles)
            if pairs:
                _, time, status = pairs[0]
                median = follow_up(con, view, time, status, profiles[status]) if not long else None
                toml[3] = (
                    'time_unit = "days"  # check it: '
                    + unit_evidence(profiles[time], median)
                    + f" (`{time}`)"
                )
    con.close()
    for message in [p.message for p in problems.items] + problems.warnings:
        report.append(f"  ! {message}")
    return Draft(toml="\n".join(toml) + "\n", report="\n".join(report))
