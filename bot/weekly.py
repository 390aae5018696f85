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
from .service import respond

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
    status: str  # posted | already-sent | claimed-elsewhere | recovered
    period: str
    channel: str
    ts: str | None = None


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
    *, client: WebClient, channel: str, cohort: Cohort, ledger: Ledger, as_of: dt.date
) -> PostResult:
    """Post the summary for the week holding `as_of` to `channel`, unless it went out already."""
    from .blocks import to_blocks  # the same Block Kit renderer as every reply
    from .slack_io import upload_plots

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
        outcome = respond(f"summary as_of={as_of.isoformat()}", cohort)
        response = client.chat_postMessage(
            channel=channel,
            text=outcome.reply.header,
            blocks=to_blocks(outcome.reply, shareable=False),
            metadata={"event_type": METADATA_EVENT, "event_payload": {"period": period}},
        )
        ts = response["ts"]
        ledger.mark_sent(claim, ts)
    except SlackApiError:
        ledger.release(claim)
        raise
    if outcome.plots:
        try:
            upload_plots(client, outcome.plots, channel=channel, thread_ts=ts)
        except SlackApiError as exc:  # the post is out; a missing plot must not repost it
            log.warning("weekly %s: plot upload failed: %s", period, exc.response.get("error"))
    log.info("weekly %s posted to %s ts=%s", period, channel, ts)
    return PostResult(status="posted", period=period, channel=channel, ts=ts)
