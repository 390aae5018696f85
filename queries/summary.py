"""The weekly summary: where the cohort stands in an ISO week and what changed since the last.

It is an ordinary answer (metric `summary`), built from the same rate and survival answers as
`/sts orr` and `/sts pfs`, over the cohort as it stood at the end of the week and a week before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .cohort import Cohort
from .common import provenance_notes
from .endpoints import survival_answer
from .errors import StsError, UsageError
from .metric import Metric
from .rates import rate_answer
from .result import Answer, Part
from .snapshot import snapshot
from .spec import QuerySpec

__all__ = ["SUMMARY", "Period", "Summary", "period_of", "summary_answer"]


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


def _rate(metric: str, cohort: Cohort | None) -> dict | None:
    if cohort is None or "best_response" not in cohort.catalog.names():
        return None
    body = rate_answer(QuerySpec(metric=metric), cohort).as_json()
    return {k: body[k] for k in ("count", "n", "rate", "ci_low", "ci_high", "breakdown")}


def _snapshot_or_none(cohort: Cohort, day: dt.date) -> Cohort | None:
    try:
        return snapshot(cohort, day)
    except UsageError:  # nobody had started yet
        return None


def summary_answer(spec: QuerySpec, cohort: Cohort) -> Answer:
    """What the weekly post says for the week holding `spec.as_of` (default: today)."""
    today = dt.date.today()
    period = period_of(spec.as_of or today)
    # The post for a week says what was known at its end (or now, for the week in progress).
    day = min(period.end, today)
    now = snapshot(cohort, day)
    before = _snapshot_or_none(cohort, period.start - dt.timedelta(days=1))
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
    if (
        now.has_table("adverse_events")
        and "onset_date" in now.query("SELECT * FROM adverse_events LIMIT 0").columns
    ):
        frame = now.query(
            "SELECT term, count(*) AS events, count(DISTINCT patient_id) AS patients "
            "FROM adverse_events WHERE grade >= 3 AND onset_date BETWEEN ? AND ? "
            "GROUP BY term ORDER BY events DESC, term",
            [period.start, day],
        )
        severe = frame.to_dict("records")
    pfs = None
    km_chart = None
    if "pfs" in now.endpoints:
        try:
            answer = survival_answer(QuerySpec(metric="pfs"), now)
            body = answer.body.json()
            pfs = {k: body[k] for k in ("median", "ci_low", "ci_high", "events", "unit")}
            pfs["n"] = answer.n
            km_chart = answer.chart
        except StsError:
            pfs = None
    body = Summary(
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        as_of=day,
        data_as_of=cohort.meta.data_as_of,
        size=size,
        size_before=0 if before is None else before.rows(),
        joined=joined,
        orr=_rate("orr", now),
        orr_before=_rate("orr", before),
        dcr=_rate("dcr", now),
        dcr_before=_rate("dcr", before),
        pfs=pfs,
        new_grade3plus=severe,
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
        "with what changed since the week before."
    ),
    examples=("summary", "summary as_of=2019-10-14"),
    aliases=("weekly",),
    handler=summary_answer,
    body=Summary,
    groupable=False,
    filterable=False,
    options=frozenset({"as_of"}),
)
