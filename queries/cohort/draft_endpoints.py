"""What `sts init` drafts for survival: endpoints from dates, from time/status pairs, and from
the rows of a long file, with the evidence that shows a wrong time unit."""

from __future__ import annotations

import json

import numpy as np

from sts_queries.cohort.files.kinds import Profile
from sts_queries.cohort.meta import TIME_UNITS
from sts_queries.sql.identifiers import quote_identifier as _q
from sts_queries.stats.followup import median_followup

__all__ = ["draft_endpoints", "follow_up", "status_advice", "time_status_pairs", "unit_evidence"]

_START = ("diagnosis_date", "start_date", "treatment_start_date", "surgery_date", "release_date")
_EVENTS = {
    "os": ("death_date", "date_of_death", "dod"),
    "pfs": ("progression_date", "date_of_progression"),
    "rfs": ("recurrence_date", "relapse_date"),
}
_CENSOR = ("last_contact_date", "last_follow_up_date", "last_followup_date", "last_seen")
_TIME = ("time", "survival_time", "futime", "os_days", "week", "weeks", "days", "months")
_STATUS = ("status", "event", "dead", "death", "cens", "censor", "fustat", "arrest", "vital_status")


# Endpoints that end every other wait: drafted as the competing one, commented out.
_DEATHS = ("death", "os", "dead", "died")
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


def follow_up(con, view: str, time: str, status: str, p: Profile) -> float | None:
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


def unit_evidence(p: Profile, follow_up: float | None) -> str:
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


def draft_endpoints(
    kinds: dict[str, str], profiles: dict[str, Profile], long: tuple[str, list[str]] | None = None
) -> list[str]:
    """`[endpoints.*]` sections: from dates, and from each time/status pair (one per kind of
    row of a long file, `rows = { etype = 1 }`)."""
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
    pairs = time_status_pairs(kinds, profiles)
    deaths = [name for name, _, _ in pairs if name in _DEATHS]
    for name, time, status in pairs:
        if long is None:
            lines += [
                f"\n[endpoints.{name}]  # from `{time}` and its status `{status}`",
                f"time = {json.dumps(time)}",
                f"event = {json.dumps(status)}",
            ]
            if deaths and name not in _DEATHS:  # competing risks: /sts cif
                lines.append(
                    f"# competing = {json.dumps(deaths[:1])}  # if {deaths[0]} ends the wait "
                    f"for {name} (then /sts cif {name})"
                )
            continue
        column, values = long
        for value in values:
            cell = value if _is_number(value) else json.dumps(value)
            lines += [
                f"\n[endpoints.{column}_{_slug(value)}]  # the rows where {column} = {value}: "
                "name it after what they record (os, rfs …)",
                f"time = {json.dumps(time)}",
                f"event = {json.dumps(status)}",
                f"rows = {{ {column} = {cell} }}",
            ]
    return lines


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _slug(value: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in value.lower()).strip("_") or "x"
