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
import numpy as np

from sts_queries.cohort.columns import clean_view
from sts_queries.cohort.kinds import Profile, profile_columns
from sts_queries.cohort.loader import _with_identifier
from sts_queries.cohort.meta import TIME_UNITS
from sts_queries.cohort.names import MISSING_TOKENS
from sts_queries.cohort.readers import read_folder
from sts_queries.cohort.roles import assign_roles, table_ref_toml
from sts_queries.cohort.validate import Problems
from sts_queries.sql.identifiers import quote_identifier as _q
from sts_queries.stats.followup import median_followup

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


# Status names that say nothing of the event: their endpoint is named from the time column,
# or is "os" when that says nothing either.
_GENERIC_STATUS = ("status", "event", "cens", "censor", "censored", "fustat", "vital_status")


def _binary(p: Profile) -> tuple[float, float] | None:
    """The two codes of a two-valued whole-number column (0/1, 1/2), else None."""
    if p.all_numbers and p.whole == p.present and p.distinct == 2 and p.low is not None:
        return (p.low, p.high)
    return None


def _is_time(name: str, p: Profile) -> bool:
    return p.all_numbers and (name in _TIME or name.endswith("time")) and (p.low or 0) >= 0


def time_status_pairs(kinds: dict[str, str], profiles: dict[str, Profile]) -> list[tuple]:
    """(endpoint, time column, status column) for every time/status pair a person sees at once:
    `rtime`/`recur` -> recur, `dtime`/`death` -> death, `ptime`/`pstat` -> pstat, `time`/`status`
    -> os. A time column pairs with the two-valued column that starts as it does (its stem,
    `rtime` -> r), else with one of the usual status names left over."""
    times = [c for c, p in profiles.items() if kinds.get(c) == "number" and _is_time(c, p)]
    statuses = [c for c, p in profiles.items() if _binary(p) and c not in times]
    pairs, used = [], set()
    for time in times:
        stem = time.removesuffix("time").rstrip("_")
        exact = [f"{stem}_{w}" if stem else w for w in ("status", "stat", "event")]
        exact += [f"{stem}{w}" for w in ("status", "stat", "event")] if stem else []
        match = next((c for c in exact if c in statuses and c not in used), None)
        if match is None and stem:
            starts = [c for c in statuses if c.startswith(stem) and c not in used]
            match = starts[0] if len(starts) == 1 else None
        if match is not None:
            pairs.append((time, match))
            used.add(match)
    left_times = [t for t in times if t not in {t for t, _ in pairs}]
    left = [c for c in statuses if c not in used and (c in _STATUS or c in _GENERIC_STATUS)]
    for time, status in zip(left_times, left, strict=False):
        pairs.append((time, status))
    out = []
    for time, status in pairs:
        stem = time.removesuffix("time").rstrip("_")
        name = status if status not in _GENERIC_STATUS else (stem if len(stem) > 2 else "os")
        out.append((name, time, status))
    return out


def status_advice(status: str, p: Profile) -> list[str]:
    """Lines for `[fields.<status>]`: how its codes are read, or what to confirm."""
    codes = _binary(p)
    if codes == (0, 1):
        return ["# read as: 1 is an event, 0 is censored"]
    if codes == (1, 2):
        return [
            "# R's Surv() coding, 1 = censored and 2 = event? If so, uncomment both lines:",
            '# event = ["2"]',
            '# censored = ["1"]',
        ]
    return []


def _follow_up(con, view: str, time: str, status: str, p: Profile) -> float | None:
    """The reverse Kaplan–Meier median follow-up of a time/status pair, in its own numbers."""
    codes = _binary(p)
    event_code = 2 if codes == (1, 2) else 1
    rows = con.execute(
        f"SELECT TRY_CAST({_q(time)} AS DOUBLE), TRY_CAST({_q(status)} AS DOUBLE) FROM {view} "
        f"WHERE TRY_CAST({_q(time)} AS DOUBLE) IS NOT NULL "
        f"AND TRY_CAST({_q(status)} AS DOUBLE) IS NOT NULL"
    ).fetchall()
    if not rows:
        return None
    times = np.array([r[0] for r in rows])
    events = np.array([int(r[1] == event_code) for r in rows])
    return median_followup(times, events).median


def _unit_evidence(p: Profile, follow_up: float | None) -> str:
    """The times' range and the median follow-up read in each unit, so a wrong unit shows."""

    def years(value: float, unit: str) -> str:
        y = value * TIME_UNITS[unit] / 365.25
        return f"{y * 12:.1f} months" if y < 2 else f"{y:.1f} years"

    shown = f"times {p.low:g}–{p.high:g}"
    if follow_up is None:
        return (
            shown
            + f"; the longest as days {years(p.high, 'days')}, as months "
            + years(p.high, "months")
        )
    readings = ", ".join(f"as {u} {years(follow_up, u)}" for u in ("days", "months", "years"))
    return f"{shown}; median follow-up {follow_up:g}: {readings}"


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
    for name, time, status in time_status_pairs(kinds, profiles):
        lines += [
            f"\n[endpoints.{name}]  # from `{time}` and its status `{status}`",
            f"time = {json.dumps(time)}",
            f"event = {json.dumps(status)}",
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
            toml += _endpoints(kinds, profiles)
            pairs = time_status_pairs(kinds, profiles)
            if pairs:
                _, time, status = pairs[0]
                follow_up = _follow_up(con, view, time, status, profiles[status])
                toml[3] = (
                    'time_unit = "days"  # check it: '
                    + _unit_evidence(profiles[time], follow_up)
                    + f" (`{time}`)"
                )
    con.close()
    for message in [p.message for p in problems.items] + problems.warnings:
        report.append(f"  ! {message}")
    return Draft(toml="\n".join(toml) + "\n", report="\n".join(report))
