"""The in-process weekly scheduler, for the single-instance default.

APScheduler fires the cron trigger while the bot runs; on start we also catch up a run that was
missed while the bot was down, if it is still within the grace window. Both go through
`post_weekly`, whose ledger makes a second attempt for the same week a no-op; a run whose
outcome is unsettled (unknown, or a claim held elsewhere) is tried again every few minutes
while the week is still within its grace window.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from sts_bot.weekly.post import PostResult, Schedule, due_as_of

__all__ = ["catch_up", "start_scheduler"]

log = logging.getLogger("sts.scheduler")
RETRY_AFTER = dt.timedelta(minutes=5)


def catch_up(
    schedule: Schedule, post: Callable[[dt.date], PostResult], now: dt.datetime | None = None
) -> PostResult | None:
    """Post the run that is due now (a missed one within grace); None when none is due."""
    now = now or dt.datetime.now(dt.UTC)
    as_of = due_as_of(schedule, now)
    if as_of is None:
        return None
    return post(as_of)


def start_scheduler(
    schedule: Schedule, post: Callable[[dt.date], PostResult]
) -> BackgroundScheduler:
    """Start the cron job and catch up a missed run; the caller shuts the scheduler down."""

    def run() -> None:
        try:
            result = catch_up(schedule, post)
            log.info("weekly run: %s", result)
        except Exception:  # a failed post must not kill the scheduler thread
            log.exception("weekly post failed; retrying within the grace window")
            result = None
            unsettled = True
        else:
            # An unknown outcome is resolved (from the channel's history) by the next attempt;
            # a claim held elsewhere is settled by its owner or goes stale and is taken over.
            unsettled = result is not None and result.status in ("unknown", "claimed-elsewhere")
        if unsettled:  # catch_up posts nothing once the grace window is over
            scheduler.add_job(
                run,
                "date",
                run_date=dt.datetime.now(dt.UTC) + RETRY_AFTER,
                id="weekly-summary-retry",
                replace_existing=True,
            )

    scheduler = BackgroundScheduler(timezone=schedule.timezone)
    scheduler.add_job(
        run,
        CronTrigger(
            day_of_week=schedule.day,
            hour=schedule.hour,
            minute=schedule.minute,
            timezone=schedule.timezone,
        ),
        id="weekly-summary",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(schedule.grace.total_seconds()),
    )
    scheduler.start()
    scheduler.add_job(run, id="weekly-summary-catch-up")  # once, now: a run missed while down
    return scheduler
