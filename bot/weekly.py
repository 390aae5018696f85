"""The weekly post: built like any other reply, posted exactly once per period and channel.

Two ways to trigger it, one code path (`post_weekly`): the running bot's in-process scheduler
(single instance), or `sts summary --post` from an external scheduler (cron, a Kubernetes
CronJob) when several replicas run and none of them should schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sts_queries.cohort import Cohort
from sts_queries.summary import period_of

from .ledger import Ledger
from .service import Service
from .shielding import shielded_outcome

__all__ = ["METADATA_EVENT", "PostResult", "Schedule", "due_as_of", "post_weekly"]

log = logging.getLogger("sts.weekly")

# Every weekly post carries this metadata, so a process that takes over a stale claim can see
# whether the post went out before the previous owner died.
METADATA_EVENT = "sts_weekly_summary"
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
    """The data date of the post that is due now, or None when the last one is past its grace.

    A post fired on a Monday covers the week that ended the day before.
    """
    fire = schedule.last_fire(now)
    if now - fire > schedule.grace:
        return None
    return fire.date() - dt.timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class PostResult:
    status: str  # posted | already-sent | claimed-elsewhere | recovered | not-posted
    period: str
    channel: str
    ts: str | None = None
    detail: str = ""  # why not, for not-posted


def _already_posted(client: WebClient, channel: str, period: str) -> str | None:
    """The ts of a post of ours for `period` in the channel's recent history, if any."""
    response = client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
    for message in response.get("messages", []):
        meta = message.get("metadata") or {}
        if meta.get("event_type") == METADATA_EVENT and (
            (meta.get("event_payload") or {}).get("period") == period
        ):
            return message.get("ts")
    return None


def post_weekly(
    *,
    client: WebClient,
    channel: str,
    cohort: Cohort,
    ledger: Ledger,
    as_of: dt.date,
    min_cell: int | None = 5,
) -> PostResult:
    """Post the summary for the week holding `as_of` to `channel`, unless it went out already.

    `min_cell`: small cells shown as <5 and no case named (a channel that is not a patient
    channel); None posts the full summary, case ids and all.
    """
    from .blocks import to_blocks  # the same Block Kit renderer as every reply

    period = period_of(as_of).key
    claim = ledger.claim(period, channel)
    if claim is None:
        state = ledger.status(period, channel)
        status = "already-sent" if state and state[0] == "sent" else "claimed-elsewhere"
        log.info("weekly %s to %s: %s", period, channel, status)
        return PostResult(status=status, period=period, channel=channel)
    try:
        if claim.taken_over and (ts := _already_posted(client, channel, period)):
            ledger.mark_sent(claim, ts)
            return PostResult(status="recovered", period=period, channel=channel, ts=ts)
        outcome = Service().respond(f"summary as_of={as_of.isoformat()}", cohort)
        if min_cell is not None:
            outcome = shielded_outcome(outcome, min_cell)[0]
        if outcome.is_error:  # nothing to post (a cohort that cannot say that week)
            ledger.release(claim)
            error = outcome.json["error"]
            detail = f"{error['message']} {error['hint']}".strip()
            log.warning("weekly %s not posted: %s", period, detail)
            return PostResult(status="not-posted", period=period, channel=channel, detail=detail)
        message = to_blocks(outcome.reply)
        response = client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=list(message.blocks),
            metadata={"event_type": METADATA_EVENT, "event_payload": {"period": period}},
        )
        ts = response["ts"]
        ledger.mark_sent(claim, ts)
    except SlackApiError:
        ledger.release(claim)
        raise
    if outcome.plots:
        uploads = [{"file": p.png, "filename": p.filename, "title": p.title} for p in outcome.plots]
        try:
            client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=ts)
        except SlackApiError as exc:  # the post is out; a missing plot must not repost it
            log.warning("weekly %s: plot upload failed: %s", period, exc.response.get("error"))
    log.info("weekly %s posted to %s ts=%s", period, channel, ts)
    return PostResult(status="posted", period=period, channel=channel, ts=ts)


def post_summary_now(
    *, post: bool, as_of: dt.date | None, data: str | None = None, out: str | None = None
) -> int:
    """`sts summary [--post] [--as-of DATE]`: print the summary, or post it once.

    Printing defaults to today's week; posting defaults to the week that ended yesterday, which
    is what an external scheduler running on Monday mornings wants.
    """
    import sys
    from pathlib import Path

    from sts_queries.errors import StsError

    from .settings import SettingsError, load_settings

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
    from .app import web_client

    ledger = Ledger(settings.state_dir / "weekly.sqlite3")
    day = as_of or dt.date.today() - dt.timedelta(days=1)
    try:
        result = post_weekly(
            client=web_client(settings),
            channel=settings.summary_channel,
            cohort=cohort,
            ledger=ledger,
            as_of=day,
            min_cell=summary_min_cell(settings),
        )
    except SlackApiError as exc:
        print(f"sts: Slack refused the post: {exc.response.get('error')}", file=sys.stderr)
        return 1
    print(
        f"{result.period} → {result.channel}: {result.status}"
        + (f" (ts {result.ts})" if result.ts else "")
        + (f": {result.detail}" if result.detail else "")
    )
    return 1 if result.status == "not-posted" else 0


def summary_min_cell(settings) -> int | None:
    """None (the full post, case ids and all) only for a channel set up for patient answers."""
    return None if settings.summary_channel in settings.patient_channels else settings.min_cell


def schedule_of(settings) -> Schedule:
    return Schedule(
        day=settings.summary_day,
        hour=settings.summary_hour,
        minute=settings.summary_minute,
        timezone=settings.summary_timezone,
        grace=dt.timedelta(hours=settings.summary_grace_hours),
    )


def poster(settings, client: WebClient):
    """The function the scheduler calls: post the week of `as_of` to the configured channel."""
    ledger = Ledger(settings.state_dir / "weekly.sqlite3")
    service = Service.from_settings(settings, plot_processes=0)

    def post(as_of: dt.date) -> PostResult:
        return post_weekly(
            client=client,
            channel=settings.summary_channel,
            cohort=service.cohort(),
            ledger=ledger,
            as_of=as_of,
            min_cell=summary_min_cell(settings),
        )

    return post
