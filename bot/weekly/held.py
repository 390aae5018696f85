"""The weekly post's figures, held while too few patients have joined to change them safely.

Two consecutive posts in one channel are a two-query difference: "ORR 4/13" one week and
"ORR 5/14" the next give the one newcomer's response (issue 19). The post is checked as any
public answer is (`sts_queries.privacy.trackers`, the channel's memory): when the cohort it
covers differs from one already posted there by fewer than the minimum cell size, the rates
and PFS are left out, and the post says why; they come back once enough patients have joined
since the figures last shown. What happened this week (counts, hidden when small) stays.
"""

from __future__ import annotations

from dataclasses import replace

from sts_bot.gateway.seen import Seen
from sts_bot.service.service import Outcome
from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.summary import SUMMARY
from sts_queries.privacy.released import released_sets

__all__ = ["held_unless_new", "summary_min_cell"]

_FIGURES = ("orr", "dcr", "pfs", "orr_before", "dcr_before", "pfs_before")


def held_unless_new(
    outcome: Outcome, cohort: Cohort, channel: str, seen: Seen, min_cell: int
) -> Outcome:
    """`outcome` (the week's summary), its cohort figures held if they would be a difference."""
    answer = outcome.answer
    if outcome.is_error or answer is None:
        return outcome
    sets = released_sets(answer.spec, SUMMARY, answer, cohort, min_cell)
    scope = [(f"channel:{channel}", "in this channel")]
    if seen.check(scope, cohort.data_version, cohort.rows(), sets, min_cell) is None:
        return outcome
    note = (
        "Response rates and PFS are not updated in this post: fewer than "
        f"{min_cell} patients have joined since they were last posted here, and new figures "
        "beside those would give the newcomers' own away. They return once more have joined."
    )
    body = replace(answer.body, **dict.fromkeys(_FIGURES))
    held = replace(answer, body=body, chart=None, notes=(*answer.notes, note))
    return replace(outcome, answer=held, plots=())


def summary_min_cell(settings) -> int | None:
    """None (the full post, case ids and all) only for a channel set up for patient answers."""
    return None if settings.summary_channel in settings.patient_channels else settings.min_cell
