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
from sts_queries.cohort.kinds import Profile, profile_columns
from sts_queries.cohort.loader import _with_identifier
from sts_queries.cohort.names import MISSING_TOKENS
from sts_queries.cohort.readers import read_folder
from sts_queries.cohort.roles import assign_roles, table_ref_toml
from sts_queries.cohort.validate import Problems

__all__ = ["Draft", "draft_cohort"]

_START = ("diagnosis_date", "start_date", "treatment_start_date", "surgery_date", "release_date")
_EVENTS = {
    "os": ("death_date", "date_of_death", "dod"),
    "pfs": ("progression_date", "date_of_progression"),
    "rfs": ("recurrence_date", "relapse_date"),
}
_CENSOR = ("last_contact_date", "last_follow_up_date", "last_followup_date", "last_seen")
_TIME = ("time", "survival_time", "futime", "os_days", "week", "weeks", "days", "months")
_STATUS = ("status", "event", "dead", "death", "cens", "censor", "fustat", "arrest", "vital_status")


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


def _endpoints(kinds: dict[str, str], profiles: dict[str, Profile]) -> list[str]:
    lines: list[str] = []
    dates = [c for c, k in kinds.items() if k == "date"]
    start = next((c for c in _START if c in dates), None)
    censor = next((c for c in _CENSOR if c in dates), None)
    for name, candidates in _EVENTS.items():
        events = [c for c in candidates if c in dates]
        if name != "os" and events and "death_date" in dates:
            events.append("death_date")  # progression or death, as PFS and RFS count them
        if start and events:
            lines += [
                f"\n[endpoints.{name}]  # from dates: time from start to the first event",
                f"start = {json.dumps(start)}",
                f"events = {json.dumps(events)}",
            ]
            if censor:
                lines.append(f"censor = {json.dumps(censor)}")
    time = next((c for c in _TIME if c in kinds and kinds[c] == "number"), None)
    status = next((c for c in _STATUS if c in kinds), None)
    if time and status:
        lines += [
            "\n[endpoints.os]  # from a time and a status column; rename if it is not OS",
            f'time = "{time}"',
            f'event = "{status}"',
        ]
        p = profiles[status]
        if p.events < p.present:
            lines += [
                f"# `{status}` is not coded 1/0, yes/no or dead/alive: which values are events?",
                "# R's Surv() coding is 1 = censored, 2 = event; if this file uses it, uncomment:",
                f"# [fields.{status}]",
                '# event = ["2"]',
                '# censored = ["1"]',
            ]
    return lines


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
        "# missing_values = [...]  # replaces that list",
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
            profiles = profile_columns(
                con, view, list(raw.columns), decimal_comma=raw.decimal_comma, date_format=None
            )
            kinds: dict[str, str] = {}
            for column, p in profiles.items():
                kind, why = _kind(p, column)
                kinds[column] = kind
                original = raw.originals.get(column, column)
                shown = f" (in the file: {original})" if original not in ("", column) else ""
                report.append(f"    {column}{shown}: {kind}, {why}")
                if column == "patient_id":
                    if original and original != "patient_id":
                        toml.insert(4, f"identifier = {json.dumps(original)}  # the patient id")
                    continue
                toml.append(f"\n[fields.{column}]  # {why}{shown}")
                toml.append(f'kind = "{kind}"')
                if kind == "code":
                    toml.append('# labels = { 1 = "…", 2 = "…" }  # make the codes readable')
                if p.date_order() == "ambiguous":
                    toml.append('date_format = "%d/%m/%Y"  # or "%m/%d/%Y": the dates allow both')
            toml += _endpoints(kinds, profiles)
    con.close()
    for message in [p.message for p in problems.items] + problems.warnings:
        report.append(f"  ! {message}")
    return Draft(toml="\n".join(toml) + "\n", report="\n".join(report))
