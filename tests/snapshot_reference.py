"""What the replay (queries/cohort/snapshot.py) and the weekly summary
(queries/metrics/summary.py) should give, written again in pandas and plain Python from what
they are said to mean (README.md: the weekly post and "How survival answers are worded"; the
docstrings of `Replay`, `snapshot`, `Summary` and `summary_answer`), not from their code.

It imports nothing from sts_queries or sts_bot. It takes plain inputs (the cohort's tables as
DataFrames, how many days one unit of its times is, its endpoints, the dates) and returns plain
data: a snapshot is a dict of DataFrames, a summary a dict shaped as the answer's JSON.
Row by row and slow, on purpose: tests/test_snapshot.py computes each (cohort, day) once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import beta, norm

# Days in one unit of follow-up time. A year is the Julian year, 365.25 days (the mean
# calendar year with a leap day every fourth year: the astronomers' and the trialists' year);
# a month is a twelfth of it, 365.25 / 12 = 30.4375 days, the usual days-to-months divisor of
# survival reporting; a week is 7 days.
DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}

# RECIST 1.1 best overall response, best first (README: best_response is CR/PR/SD/PD/NE).
RESPONSES = ("CR", "PR", "SD", "PD", "NE")
# The tables whose rows are dated, and by which column (the `Replay` docstring).
DATED = {"assessments": "date", "adverse_events": "onset_date", "measurements": "date"}


class NotReplayable(Exception):
    """The cohort cannot be shown as it stood on that date (what the user is told, and how)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


def _day(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _days(series: pd.Series) -> list[dt.date | None]:
    return [_day(v) for v in series]


def case_order(pid) -> tuple:
    """Case ids in number order where they are whole numbers, the others after them by text."""
    text = str(pid)
    if re.fullmatch(r"\s*[+-]?\d+\s*", text):
        return (0, int(text), text)
    return (1, 0, text)


# --- the cohort as it stood on a date ---


def reference_snapshot(
    tables: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    *,
    days_per_unit: float,
    endpoints: Sequence[str],
    data_as_of: dt.date | None,
    today: dt.date,
) -> Mapping[str, pd.DataFrame]:
    """The tables as they stood on `as_of`; `tables` itself when nothing is to be cut (the date
    is on or after the data's cut-off, or the cohort has no start dates and the date is today or
    later). Raises NotReplayable when nobody had started, or there are no start dates to cut by.

    - patients: those whose start_date is on or before `as_of`, in the order they came;
    - each endpoint's time cut at the time seen so far (days from start_date to `as_of`, in the
      cohort's unit); an event after that is censored there; a missing time becomes the time
      seen; a missing event stays missing; times rounded to 4 decimals, half to even;
    - best_response: the best response of the assessments dated so far, NE when none;
    - surgery_date kept when on or before `as_of` (resection: yes when kept, else no); every
      other `*_date` column as a date;
    - other tables: rows of the patients who had started, and, for assessments, adverse
      events and measurements, dated on or before `as_of` (a row with no date is not).
    """
    patients = tables["patients"]
    if data_as_of is not None and as_of >= data_as_of:
        return tables
    if "start_date" not in patients.columns:
        if as_of >= today:
            return tables
        raise NotReplayable(
            "This cohort cannot be replayed to an earlier date: it has no `start_date`.",
            "Add start_date (YYYY-MM-DD) to patients.csv.",
        )
    started = [d is not None and d <= as_of for d in _days(patients["start_date"])]
    patients = patients[started].reset_index(drop=True).copy()
    if patients.empty:
        raise NotReplayable(
            f"No patient had started by {as_of.isoformat()}.",
            "Pick a later date; `/sts fields` shows the start dates' range.",
        )
    seen = [(as_of - start).days / days_per_unit for start in _days(patients["start_date"])]
    for endpoint in endpoints:
        times, events = [], []
        for t, e, s in zip(
            patients[f"{endpoint}_time"], patients[f"{endpoint}_event"], seen, strict=True
        ):
            t = None if pd.isna(t) else float(t)
            within = t is not None and t <= s
            times.append(t if within else s)
            events.append(None if pd.isna(e) else int(int(e) == 1 and within))
        # round half to even at the 4th decimal, as numpy does: scale, round, unscale
        patients[f"{endpoint}_time"] = np.round(np.array(times, dtype=float) * 10000.0) / 10000.0
        patients[f"{endpoint}_event"] = pd.array(events, dtype="Int64")
    ids = set(patients["patient_id"])
    out = {"patients": patients}
    for name, frame in tables.items():
        if name == "patients":
            continue
        if "patient_id" in frame.columns:
            # a boolean array, not a list: an empty list would select no columns
            frame = frame[np.array([pid in ids for pid in frame["patient_id"]], dtype=bool)]
        column = DATED.get(name)
        if column and column in frame.columns:
            kept = [d is not None and d <= as_of for d in _days(frame[column])]
            frame = frame[np.array(kept, dtype=bool)]
        out[name] = frame.reset_index(drop=True)
    if "assessments" in out and "best_response" in patients.columns:
        best: dict = {}
        for pid, code in zip(
            out["assessments"]["patient_id"], out["assessments"]["response"], strict=True
        ):
            code = "" if code is None or pd.isna(code) else str(code).upper()
            if code in RESPONSES:
                best[pid] = min(best.get(pid, "NE"), code, key=RESPONSES.index)
        patients["best_response"] = [best.get(pid, "NE") for pid in patients["patient_id"]]
    if "surgery_date" in patients.columns:
        done = [
            d if d is not None and d <= as_of else None for d in _days(patients["surgery_date"])
        ]
        patients["surgery_date"] = done
        if "resection" in patients.columns:
            patients["resection"] = ["yes" if d else "no" for d in done]
    for column in patients.columns:
        if column.endswith("_date") and column != "surgery_date":
            patients[column] = _days(patients[column])
    return out


# --- what the weekly post says ---


def _rate(patients: pd.DataFrame, responders: tuple[str, ...]) -> dict:
    """k/N with the exact (Clopper–Pearson) 95% CI: the 2.5% and 97.5% points of the beta
    distributions the binomial tails give; every patient counts, a missing response as NE."""
    codes = ["NE" if c is None or pd.isna(c) else str(c) for c in patients["best_response"]]
    breakdown = {c: sum(code == c for code in codes) for c in RESPONSES}
    n = len(codes)
    k = sum(breakdown[c] for c in responders)
    low = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return {"count": k, "n": n, "rate": k / n, "ci_low": low, "ci_high": high,
            "breakdown": breakdown}  # fmt: skip


_TOL = math.sqrt(np.finfo(float).eps)  # R's tolerance for a curve sitting at exactly 0.5


def _crossing(times: list[float], curve: list[float]) -> float | None:
    """Where a step curve first falls to 0.5 (None: it never does, as far as it is defined);
    when it sits at exactly 0.5 there, halfway to where it next falls below (R's median)."""
    at = [(t, y) for t, y in zip(times, curve, strict=True) if not math.isnan(y) and y < 0.5 + _TOL]
    if not at:
        return None
    t0, y0 = at[0]
    if abs(y0 - 0.5) < _TOL:
        for t, y in at:
            if y < y0:
                return (t0 + t) / 2
    return t0


def _median_pfs(times: list[float], events: list[int]) -> dict:
    """The Kaplan–Meier median with its 95% log-log CI (Greenwood's variance), as R prints it,
    in the words README.md gives for a limit without a number."""
    points, surv, var = [], 1.0, 0.0
    curve, lows, highs = [], [], []
    z = float(norm.ppf(0.975))
    for t in sorted(set(times)):
        at_risk = sum(u >= t for u in times)
        d = sum(e for u, e in zip(times, events, strict=True) if u == t)
        if d:
            surv *= (at_risk - d) / at_risk
            var = var + d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
        points.append(t)
        curve.append(surv)
        if surv in (0.0, 1.0):  # log(-log S) undefined: no limits
            lows.append(math.nan)
            highs.append(math.nan)
        else:
            shift = z * math.sqrt(var) / -math.log(surv)
            lows.append(math.exp(-math.exp(math.log(-math.log(surv)) + shift)))
            highs.append(math.exp(-math.exp(math.log(-math.log(surv)) - shift)))
    median = _crossing(points, curve)
    # The lower limit of the median is where the lower band falls to 0.5, the upper where the
    # upper band does.
    limits = {"low": _crossing(points, lows), "high": _crossing(points, highs)}
    status = {}
    for which, band in (("low", lows), ("high", highs)):
        if limits[which] is not None:
            status[which] = None
        elif median is None and which == "high":
            status[which] = "not reached"
        else:  # above 0.5 to the last follow-up, or undefined where it would cross
            status[which] = "not reached" if band and not math.isnan(band[-1]) else "not estimable"
    few = median is not None and sum(u >= median for u in times) < 3
    return {
        "median": median,
        "ci_low": limits["low"],
        "ci_high": limits["high"],
        "ci_low_status": status["low"],
        "ci_high_status": status["high"],
        "median_few_at_risk": few,
        "events": sum(events),
    }


def _pfs(patients: pd.DataFrame | None, days_per_unit: float, endpoints) -> dict | None:
    """The weekly post's median PFS, in months (the answers' default unit)."""
    if patients is None or "pfs" not in endpoints:
        return None
    recorded = patients[patients["pfs_time"].notna() & patients["pfs_event"].notna()]
    if recorded.empty:
        return None  # nobody's PFS recorded: no median to give
    scale = days_per_unit / DAYS_PER_UNIT["months"]
    times = [float(t) * scale for t in recorded["pfs_time"]]
    events = [int(e) for e in recorded["pfs_event"]]
    return {**_median_pfs(times, events), "unit": "months", "n": len(patients)}


def _newly(now: pd.DataFrame, before: pd.DataFrame | None, holds) -> list[str]:
    """Cases for which `holds(row)` is true now but was not a week before, as case ids."""
    then = set() if before is None else {str(r.patient_id) for r in before.itertuples() if holds(r)}
    found = [str(r.patient_id) for r in now.itertuples() if holds(r)]
    return sorted((p for p in found if p not in then), key=case_order)


def _event(endpoint: str):
    return lambda r: (
        not pd.isna(getattr(r, f"{endpoint}_event")) and (int(getattr(r, f"{endpoint}_event")) == 1)
    )


def _responded(r) -> bool:
    code = r.best_response
    return code is not None and not pd.isna(code) and str(code).upper() in ("CR", "PR")


def reference_summary(
    tables: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    *,
    days_per_unit: float,
    endpoints: Sequence[str],
    data_as_of: dt.date | None,
    today: dt.date,
    reconstructed: Sequence[str] = (),
    reconstructed_tables: Sequence[str] = (),
    replay: Callable[[dt.date], Mapping[str, pd.DataFrame]] | None = None,
) -> dict:
    """The weekly post for the ISO week (Monday to Sunday) holding `as_of`, as its JSON says it:
    the cohort as it stood at the week's end (or today, for the week in progress; never past
    the data's cut-off) and on the day before the week began, and what changed between them.
    Also `title` and `marked`: the PFS times (months) of the week's progressions, which its
    image rings. `replay(day)` gives the tables on a day (by default `reference_snapshot`)."""
    if replay is None:

        def replay(day):
            return reference_snapshot(
                tables,
                day,
                days_per_unit=days_per_unit,
                endpoints=endpoints,
                data_as_of=data_as_of,
                today=today,
            )

    start = as_of - dt.timedelta(days=as_of.weekday())
    end = start + dt.timedelta(days=6)
    year, week, _ = start.isocalendar()
    key = f"{year}-W{week:02d}"
    day = min(end, today, *([data_as_of] if data_as_of is not None else []))
    now = replay(day)
    try:
        before = replay(start - dt.timedelta(days=1))
    except NotReplayable:
        before = None  # nobody had started before the week
    patients = now["patients"]
    earlier = None if before is None else before["patients"]

    joined = []
    if "start_date" in patients.columns:
        starts = _days(patients["start_date"])
        rows = [
            (d, pid)
            for d, pid in zip(starts, patients["patient_id"], strict=True)
            if d and start <= d <= day
        ]
        joined = [pid for d, pid in sorted(rows, key=lambda r: (r[0], case_order(r[1])))]

    severe: list[dict] = []
    events = now.get("adverse_events")
    if events is not None and "onset_date" in events.columns:
        by_term: dict[str, list] = {}
        for term, grade, onset, pid in zip(
            events["term"],
            events["grade"],
            _days(events["onset_date"]),
            events["patient_id"],
            strict=True,
        ):
            if not pd.isna(grade) and grade >= 3 and onset and start <= onset <= day:
                by_term.setdefault(term, []).append(pid)
        severe = [
            {"term": term, "events": len(pids), "patients": len(set(pids))}
            for term, pids in by_term.items()
        ]
        severe.sort(key=lambda r: (-r["events"], r["term"]))

    def rate(frame, responders):
        if frame is None or "best_response" not in frame.columns:
            return None
        return _rate(frame, responders)

    responded = None
    if "assessments" in now and "best_response" in patients.columns:
        responded = _newly(patients, earlier, _responded)
    progressed = _newly(patients, earlier, _event("pfs")) if "pfs" in endpoints else None
    died = _newly(patients, earlier, _event("os")) if "os" in endpoints else None
    pfs = _pfs(patients, days_per_unit, endpoints)
    marked = None
    if pfs is not None:
        scale = days_per_unit / DAYS_PER_UNIT["months"]
        chosen = set(progressed or ())
        marked = tuple(
            sorted(
                float(t) * scale
                for pid, t in zip(patients["patient_id"], patients["pfs_time"], strict=True)
                if str(pid) in chosen
            )
        )

    used = sorted({"pfs_time", "pfs_event", "start_date"} & set(reconstructed))
    used_tables = sorted({"adverse_events", "assessments"} & set(reconstructed_tables))
    notes = []
    if used or used_tables:
        what = ", ".join([*used, *(f"{t} table" for t in used_tables)])
        notes.append(
            f"Uses reconstructed values ({what}); the source publishes them only in aggregate."
        )
    return {
        "metric": "summary",
        "title": f"Weekly summary {key}",
        "n": len(patients),
        "filters": [],
        "method": "rates with exact Clopper–Pearson 95% CI; PFS by Kaplan–Meier (log-log CI)",
        "notes": notes,
        "period": key,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": day.isoformat(),
        "data_as_of": None if data_as_of is None else data_as_of.isoformat(),
        "size": len(patients),
        "size_before": 0 if earlier is None else len(earlier),
        "joined": joined,
        "orr": rate(patients, ("CR", "PR")),
        "orr_before": rate(earlier, ("CR", "PR")),
        "dcr": rate(patients, ("CR", "PR", "SD")),
        "dcr_before": rate(earlier, ("CR", "PR", "SD")),
        "pfs": pfs,
        "pfs_before": _pfs(earlier, days_per_unit, endpoints),
        "new_grade3plus": severe,
        "responded": responded,
        "progressed": progressed,
        "died": died,
        "marked": marked,
    }
