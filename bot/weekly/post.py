"""The weekly post: built like any other reply, posted exactly once per period and channel.

Two ways to trigger it, one code path (`post_weekly`): the running bot's in-process scheduler
(single instance), or `sts summary --post` from an external scheduler (cron, a Kubernetes
CronJob) when several replicas run and none of them should schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from sts_bot.gateway.seen import Seen, seen_of
from sts_bot.gateway.shielding import shielded_outcome
from sts_bot.service.service import Service
from sts_bot.slack.weekly_calls import (
    FAILURES,
    METADATA_EVENT,
    WebClient,
    already_posted,
    describe,
    not_posted,
    weekly_client,
)
from sts_bot.weekly.held import held_unless_new, summary_min_cell
from sts_bot.weekly.ledger import Held, Ledger
from sts_bot.weekly.ledger_pg import open_ledger
from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.summary import period_of

__all__ = [
    "METADATA_EVENT",
    "PostResult",
    "Schedule",
    "due_as_of",
    "post_settled",
    "post_weekly",
    "poster",
    "weekly_client",
]

log = logging.getLogger("sts.weekly")

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """When the post goes out: a weekday and time in a time zone, and how late it may be."""

    day: str = "mon"
    hour: int = 8
    minute: int = 0
    timezone: str = "UTC"
    grace: dt.timedelta = dt.timedelta(hours=12)

    def last_fire(self, now: dt.datetime) -> dt.datetime:
        """The most recent scheduled time at or before `now`."""
        local = now.astimezone(ZoneInfo(self.timezone))
        days_back = (local.weekday() - _DAYS.index(self.day)) % 7
        fire = (local - dt.timedelta(days=days_back)).replace(
            hour=self.hour, minute=self.minute, second=0, microsecond=0
        )
        if fire > local:
            fire -= dt.timedelta(days=7)
        return fire


def due_as_of(schedule: Schedule, now: dt.datetime) -> dt.date | None:
    """The data date of the post that is due now, or None when the last one is past its grace
    (a post fired on a Monday covers the week that ended the day before)."""
    fire = schedule.last_fire(now)
    if now - fire > schedule.grace:
        return None
    return fire.date() - dt.timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class PostResult:
    # posted | recovered | already-sent: the week is out (exit 0).
    # not-posted: nothing went out (a week the cohort cannot say, or Slack refused the post).
    # unknown: it may have gone out; the next run reads the channel's history before posting.
    # claimed-elsewhere: another process holds a live claim (until `retry_at`).
    status: str
    period: str
    channel: str
    ts: str | None = None
    detail: str = ""  # why not, for not-posted and unknown
    retry_at: dt.datetime | None = None

    @property
    def settled(self) -> bool:
        return self.status in ("posted", "recovered", "already-sent")


def summary_outcome(as_of: dt.date, cohort: Cohort, *, with_plots: bool = True):
    """The weekly summary of the week holding `as_of`: what the post says."""
    return Service().respond(f"summary as_of={as_of.isoformat()}", cohort, with_plots=with_plots)


def post_weekly(
    *,
    client: WebClient,
    channel: str,
    cohort: Cohort,
    ledger: Ledger,
    as_of: dt.date,
    now: dt.datetime | None = None,
    min_cell: int | None = 5,
    seen: Seen | None = None,
) -> PostResult:
    """Post the summary for the week holding `as_of` to `channel`, unless it went out already.

    Never raises for Slack or the network: an unsure outcome is `unknown`, the claim kept until
    a later run read the history. `min_cell`: small cells <5, no case named; `seen`: held.py.
    """
    from sts_bot.slack.blocks import to_blocks  # the same Block Kit renderer as every reply

    period = period_of(as_of).key
    result = partial(PostResult, period=period, channel=channel)
    claim = ledger.claim(period, channel, now=now)
    if isinstance(claim, Held):
        status = "already-sent" if claim.status == "sent" else "claimed-elsewhere"
        log.info("weekly %s to %s: %s", period, channel, status)
        return result(status=status, ts=claim.ts, retry_at=claim.stale_at)
    if claim.verify:  # a post may be out already: look before posting again
        try:
            ts = already_posted(client, channel, period)
        except FAILURES as exc:
            ledger.mark_unknown(claim)
            detail = f"could not read the channel to see whether it went out ({describe(exc)})"
            log.warning("weekly %s: %s", period, detail)
            return result(status="unknown", detail=detail)
        if ts:
            ledger.mark_sent(claim, ts, now=now)
            log.info("weekly %s was out already (ts=%s); recorded as sent", period, ts)
            return result(status="recovered", ts=ts)
    # Outside a patient channel only the shown answer's chart is drawn (seldom any is left).
    outcome = summary_outcome(as_of, cohort, with_plots=min_cell is None)
    if min_cell is not None:
        if seen is not None:
            outcome = held_unless_new(outcome, cohort, channel, seen, min_cell)
        outcome = shielded_outcome(outcome, min_cell, draw_with=Service().draw)[0]
    if outcome.is_error:  # nothing to post (a cohort that cannot say that week)
        ledger.release(claim)
        error = outcome.json["error"]
        detail = f"{error['message']} {error['hint']}".strip()
        log.warning("weekly %s not posted: %s", period, detail)
        return result(status="not-posted", detail=detail)
    message = to_blocks(outcome.reply)
    if not ledger.start_posting(claim, now=now):  # taken over while we prepared: theirs now
        return result(status="claimed-elsewhere")
    try:
        # The client must not retry this call on a dropped connection (weekly_client): the
        # first attempt may have posted, and only the history can tell.
        response = client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=list(message.blocks),
            metadata={"event_type": METADATA_EVENT, "event_payload": {"period": period}},
        )
    except FAILURES as exc:
        if not_posted(exc):
            ledger.release(claim)
            detail = f"Slack refused the post ({describe(exc)})"
            log.warning("weekly %s not posted: %s", period, detail)
            return result(status="not-posted", detail=detail)
        ledger.mark_unknown(claim)
        detail = f"the post may or may not have gone out ({describe(exc)})"
        log.warning("weekly %s: %s; the next run reads the channel first", period, detail)
        return result(status="unknown", detail=detail)
    ts = response["ts"]
    ledger.mark_sent(claim, ts, now=now)
    if outcome.plots:
        uploads = [{"file": p.png, "filename": p.filename, "title": p.title} for p in outcome.plots]
        try:
            client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=ts)
        except FAILURES as exc:  # the post is out; a missing plot must not repost it
            log.warning("weekly %s: plot upload failed: %s", period, describe(exc))
    log.info("weekly %s posted to %s ts=%s", period, channel, ts)
    return result(status="posted", ts=ts)


def post_settled(
    attempt: Callable[[], PostResult],
    *,
    patience: dt.timedelta,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> PostResult:
    """`attempt()`, and again while another process holds the claim: until it is sent, or it goes
    stale (its owner died) and this process takes it over, or `patience` runs out. Looks again
    after 0.5, 1, 2, 4 s, then every 5 s: the owner is most often a run started alongside."""
    deadline, pauses = clock() + patience, iter((0.5, 1.0, 2.0, 4.0))
    result = attempt()
    while result.status == "claimed-elsewhere" and clock() < deadline:
        until = min(result.retry_at or deadline, deadline) - clock()
        sleep(min(next(pauses, 5.0), max(0.5, until.total_seconds())))
        result = attempt()
    return result


def post_summary_now(
    *, post: bool, as_of: dt.date | None, data: str | None = None, out: str | None = None
) -> int:
    """`sts summary [--post] [--as-of DATE]`: print the summary, or post it once.

    Printing defaults to today's week; posting defaults to the week that ended yesterday, which
    is what an external scheduler running on Monday mornings wants.
    """
    import sys
    from pathlib import Path

    from sts_bot.settings import SettingsError, load_settings
    from sts_queries.errors import StsError

    settings = None
    if post:
        try:
            settings = load_settings(require=("SLACK_BOT_TOKEN", "STS_SUMMARY_CHANNEL"))
        except SettingsError as exc:
            print("sts: cannot post the summary:\n" + "\n".join(exc.problems), file=sys.stderr)
            return 2
    try:
        service = Service(data or (settings.data_dir if settings else None))
        cohort = service.cohort()
    except StsError as exc:
        print(f"sts: {exc.message} {exc.hint}".strip(), file=sys.stderr)
        return 2
    if settings is None:
        day = as_of or dt.date.today()
        outcome = service.respond(
            f"summary as_of={day.isoformat()}", cohort, out_dir=Path(out) if out else None
        )
        print(outcome.text)
        return 2 if outcome.is_error else 0
    ledger = open_ledger(settings)  # the fleet's database, or SQLite
    day = as_of or dt.date.today() - dt.timedelta(days=1)
    client = weekly_client(settings)
    result = post_settled(
        lambda: post_weekly(
            client=client,
            channel=settings.summary_channel,
            cohort=cohort,
            ledger=ledger,
            as_of=day,
            min_cell=summary_min_cell(settings),
            seen=seen_of(settings),
        ),
        patience=ledger.stale_after + _PATIENCE_MARGIN,
    )
    print(
        f"{result.period} → {result.channel}: {result.status}"
        + (f" (ts {result.ts})" if result.ts else "")
        + (f": {result.detail}" if result.detail else "")
    )
    # Non-zero for anything unsettled, so that a scheduler (a CronJob's backoff) runs it again.
    return 0 if result.settled else 1


def schedule_of(settings) -> Schedule:
    return Schedule(
        day=settings.summary_day,
        hour=settings.summary_hour,
        minute=settings.summary_minute,
        timezone=settings.summary_timezone,
        grace=dt.timedelta(hours=settings.summary_grace_hours),
    )


_PATIENCE_MARGIN = dt.timedelta(minutes=1)  # a run's wait past a live claim's staleness


def poster(settings, client: WebClient | None = None):
    """The function the scheduler calls: post the week of `as_of` to the configured channel."""
    ledger = open_ledger(settings)  # the fleet's database, or SQLite
    service = Service.from_settings(settings, plot_processes=0)
    client = client or weekly_client(settings)

    def post(as_of: dt.date) -> PostResult:
        return post_settled(
            lambda: post_weekly(
                client=client,
                channel=settings.summary_channel,
                cohort=service.cohort(),
                ledger=ledger,
                as_of=as_of,
                min_cell=summary_min_cell(settings),
                seen=seen_of(settings),
            ),
            patience=ledger.stale_after + _PATIENCE_MARGIN,
        )

    return post
