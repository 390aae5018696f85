"""The in-process weekly scheduler, for the single-instance default.

APScheduler fires the cron trigger while the bot runs; on start we also catch up a run that was
missed while the bot was down, if it is still within the grace window. Both go through
`post_weekly`, whose ledger makes a second attempt for the same week a no-op.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from .weekly import PostResult, Schedule, due_as_of

__all__ = ["catch_up", "start_scheduler"]

log = logging.getLogger("sts.scheduler")


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
            log.exception("weekly post failed; the next run or a restart will retry")

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
