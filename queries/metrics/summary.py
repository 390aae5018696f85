"""The weekly summary: where the cohort stands in an ISO week and what changed since the last.

It is an ordinary answer (metric `summary`), built from the same rate and survival answers as
`/sts orr` and `/sts pfs`, over the cohort as it stood at the end of the week and a week before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sts_queries.cohort.cohort import TIME_UNITS, Cohort
from sts_queries.cohort.snapshot import Replay, replay_of, replayed
from sts_queries.errors import StsError, UsageError
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.rates import RESPONDERS, rate_answer
from sts_queries.metrics.shared.notes import provenance_notes
from sts_queries.metrics.survival.endpoints import survival_answer
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, Part
from sts_queries.sql.identifiers import quote_identifier as _q
from sts_queries.stats.exact import clopper_pearson

__all__ = ["CASE_LISTS", "SUMMARY", "Period", "Summary", "period_of", "summary_answer"]

# The Summary fields that name cases: shown only where patients may be (suppression.py).
CASE_LISTS = ("joined", "responded", "progressed", "died")
_PFS_KEYS = (
    "median",
    "ci_low",
    "ci_high",
    "ci_low_status",
    "ci_high_status",
    "median_few_at_risk",
    "events",
    "unit",
)


@dataclass(frozen=True, kw_only=True)
class Summary(Part):
    """Where the cohort stands in one ISO week, and the week before for comparison."""

    period: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    data_as_of: dt.date | None
    size: int
    size_before: int
    joined: Sequence[str]
    orr: Mapping | None
    orr_before: Mapping | None
    dcr: Mapping | None
    dcr_before: Mapping | None
    pfs: Mapping | None
    new_grade3plus: Sequence[Mapping]
    # What happened in the week, case ids as in `joined` (hidden outside patient places);
    # None where the cohort cannot tell (no dated assessments, no such endpoint).
    responded: Sequence[str] | None = None  # CR/PR first documented this week
    progressed: Sequence[str] | None = None  # PFS events (progression or death) this week
    died: Sequence[str] | None = None  # OS events this week
    pfs_before: Mapping | None = None  # the median PFS as it stood a week before


@dataclass(frozen=True, kw_only=True)
class Period:
    """An ISO week, Monday to Sunday: the unit the weekly post is sent (and claimed) for."""

    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


def period_of(day: dt.date) -> Period:
    start = day - dt.timedelta(days=day.weekday())
    return Period(start=start, end=start + dt.timedelta(days=6))


def _rates(cohort: Cohort | None) -> tuple[dict | None, dict | None]:
    """ORR as `/sts orr` gives it, and DCR from its breakdown, as `/sts dcr` counts it."""
    if cohort is None or "best_response" not in cohort.catalog.names():
        return None, None
    body = rate_answer(QuerySpec(metric="orr"), cohort).as_json()
    orr = {k: body[k] for k in ("count", "n", "rate", "ci_low", "ci_high", "breakdown")}
    n, breakdown = orr["n"], orr["breakdown"]
    k = sum(breakdown[code] for code in RESPONDERS["dcr"])
    low, high = clopper_pearson(k, n)
    dcr = {"count": k, "n": n, "rate": k / n, "ci_low": low, "ci_high": high}
    return orr, {**dcr, "breakdown": dict(breakdown)}


def _replay_or_none(cohort: Cohort, day: dt.date) -> Replay | None:
    try:
        return replay_of(cohort, day)
    except UsageError:  # nobody had started yet
        return None


_BY_CASE = " ORDER BY TRY_CAST(p.patient_id AS BIGINT), p.patient_id"


def _newly(
    cohort: Cohort, snapshots: tuple[Cohort, Cohort | None], replays, holds, held
) -> list[str]:
    """Cases for which `holds(replay)` (SQL) is true as of now but was not a week before:
    an anti-join over the cohort's own patients, ordered as case ids are. When both dates
    were replayed (two snapshots beside one another in one DuckDB), over their patients,
    where `held(alias)` says the same of the columns they replayed."""
    now, before = replays
    if now.as_of is not None:
        sql = f"SELECT p.patient_id FROM patients p WHERE {held('p')}"
        if (earlier := snapshots[1]) is not None:
            sql += (
                f" AND NOT EXISTS (SELECT 1 FROM {_q(earlier.database)}.main.patients b "
                f"WHERE b.patient_id = p.patient_id AND {held('b')})"
            )
        return [str(p) for p in snapshots[0].query(sql + _BY_CASE)["patient_id"]]
    sql = f"SELECT p.patient_id FROM patients p WHERE {now.started()} AND {holds(now)}"
    if before is not None:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM patients b WHERE b.patient_id = p.patient_id "
            f"AND {before.started('b')} AND {holds(before, 'b')})"
        )
    return [str(p) for p in cohort.query(sql + _BY_CASE)["patient_id"]]


def _new_events(
    cohort: Cohort, snapshots: tuple[Cohort, Cohort | None], replays, endpoint: str
) -> list[str] | None:
    """Cases whose `endpoint` event is in `now` but was not yet in `before`: its date
    (start_date + time, as the snapshots cut it) falls in the week."""
    if endpoint not in snapshots[0].endpoints:
        return None
    column = _q(f"{endpoint}_event")
    return _newly(
        cohort,
        snapshots,
        replays,
        lambda r, p="p": f"{r.event(endpoint, p)} = 1",
        lambda p: f"{p}.{column} = 1",
    )


def _new_responses(
    cohort: Cohort, snapshots: tuple[Cohort, Cohort | None], replays
) -> list[str] | None:
    """Cases whose CR/PR was first documented this week (from the dated assessments)."""
    now = snapshots[0]
    if not now.has_table("assessments") or "best_response" not in now.catalog.names():
        return None
    return _newly(
        cohort,
        snapshots,
        replays,
        lambda r, p="p": r.responded(p),
        lambda p: f"upper({p}.best_response) IN ('CR', 'PR')",  # as the replay ranked them
    )


def _pfs(cohort: Cohort | None) -> tuple[dict | None, Answer | None]:
    if cohort is None or "pfs" not in cohort.endpoints:
        return None, None
    try:
        answer = survival_answer(QuerySpec(metric="pfs"), cohort)
    except StsError:
        return None, None
    body = answer.body.json()
    return {**{k: body[k] for k in _PFS_KEYS}, "n": answer.n}, answer


def _columns(now: Cohort, replay: Replay) -> list[str]:
    """The adverse events' columns (the replay read them; the cohort itself when not cut)."""
    if replay.as_of is not None:
        return list(replay.columns["adverse_events"])
    return list(now.query("SELECT * FROM adverse_events LIMIT 0").columns)


def _times_of(cohort: Cohort, cases: Sequence[str], unit: str) -> tuple[float, ...]:
    """The PFS times of `cases`, in `unit`: where the weekly image rings them."""
    if not cases:
        return ()
    chosen = cohort.query(
        "SELECT pfs_time FROM patients "
        "WHERE CAST(patient_id AS VARCHAR) IN (SELECT unnest(CAST(? AS VARCHAR[])))",
        [list(cases)],
    )
    scale = TIME_UNITS[cohort.meta.time_unit] / TIME_UNITS[unit]
    return tuple(sorted(float(t) * scale for t in chosen["pfs_time"]))


def summary_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """What the weekly post says for the week holding `spec.as_of` (default: today)."""
    if "start_date" not in cohort.catalog.names():
        raise UsageError(
            "This cohort has no dates, so a summary cannot tell what happened in which week.",
            hint="A `start_date` column (each patient's first day on study, YYYY-MM-DD) in the "
            "patients table lets it; `count`, `orr`, survival and `baseline` answer without it.",
        )
    today = dt.date.today()
    period = period_of(spec.as_of or today)
    # The post for a week says what was known at its end (or now, for the week in progress),
    # and never claims a day past the cohort's cut-off: nothing after it is known.
    day = min(period.end, today)
    if cohort.meta.data_as_of is not None:
        day = min(day, cohort.meta.data_as_of)
    replays = (replay_of(cohort, day), _replay_or_none(cohort, period.start - dt.timedelta(1)))
    now = replayed(cohort, replays[0])
    # The week before: its patients only (all that is read of it; no other table is made)
    before = None if replays[1] is None else replayed(cohort, replays[1], ("patients",))
    size = now.rows()
    joined: list[str] = []
    if "start_date" in now.catalog.names():
        joined = list(
            now.query(
                "SELECT patient_id FROM patients WHERE start_date BETWEEN ? AND ? "
                "ORDER BY start_date, TRY_CAST(patient_id AS BIGINT), patient_id",
                [period.start, day],
            )["patient_id"]
        )
    severe: list[dict] = []
    if now.has_table("adverse_events") and "onset_date" in _columns(now, replays[0]):
        frame = now.query(
            "SELECT term, count(*) AS events, count(DISTINCT patient_id) AS patients "
            "FROM adverse_events WHERE grade >= 3 AND onset_date BETWEEN ? AND ? "
            "GROUP BY term ORDER BY events DESC, term",
            [period.start, day],
        )
        severe = frame.to_dict("records")
    pfs, pfs_answer = _pfs(now)
    pfs_before, _ = _pfs(before)
    progressed = _new_events(cohort, (now, before), replays, "pfs")
    km_chart = None
    if pfs_answer is not None and pfs_answer.chart is not None:
        chart = pfs_answer.chart
        km_chart = replace(chart, marked=(_times_of(now, progressed or (), chart.unit),))
    rates, rates_before = _rates(now), _rates(before)
    body = Summary(
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        as_of=day,
        data_as_of=cohort.meta.data_as_of,
        size=size,
        size_before=0 if before is None else before.rows(),
        joined=joined,
        orr=rates[0],
        orr_before=rates_before[0],
        dcr=rates[1],
        dcr_before=rates_before[1],
        pfs=pfs,
        new_grade3plus=severe,
        responded=_new_responses(cohort, (now, before), replays),
        progressed=progressed,
        died=_new_events(cohort, (now, before), replays, "os"),
        pfs_before=pfs_before,
    )
    return Answer(
        spec=spec,
        metric="summary",
        title=f"Weekly summary {period.key}",
        n=size,
        method="rates with exact Clopper–Pearson 95% CI; PFS by Kaplan–Meier (log-log CI)",
        body=body,
        notes=provenance_notes(
            spec, cohort, ("pfs_time", "pfs_event", "start_date"), ("adverse_events", "assessments")
        ),
        chart=km_chart,
    )


SUMMARY = Metric(
    name="summary",
    title="Weekly summary",
    summary=(
        "What the weekly post says for the week holding as_of=YYYY-MM-DD (default: this week), "
        "with what changed since the week before: new patients, responses, progressions or "
        "deaths and grade ≥3 events. Data as of the week's end, or the cohort's cut-off."
    ),
    examples=("summary", "summary as_of=2019-10-14"),
    aliases=("weekly",),
    handler=summary_answer,
    body=Summary,
    groupable=False,
    filterable=False,
    options=frozenset({"as_of"}),
)
