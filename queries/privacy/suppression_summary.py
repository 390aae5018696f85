"""The small-cell rule of the weekly summary: no case named, its rates and pfs as `orr` and `pfs`
hide them, and last week's numbers withheld where beside this week's they would give the few new
patients' outcomes back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sts_queries.metrics.rates import RESPONDERS
from sts_queries.metrics.summary import CASE_LISTS, Summary
from sts_queries.privacy.cells import Hidden, hidden_count, hide_all, is_small
from sts_queries.privacy.suppression_rates import rate_cells
from sts_queries.privacy.suppression_survival import survival_cells
from sts_queries.result import Answer

__all__ = ["suppress_summary"]


def suppress_summary(body: Summary, answer: Answer, k: int):
    """The weekly summary with no case named and no small or recoverable number."""
    # Every list of case ids (joined, responded, progressed, died): no case named, and
    # a small count of them shown as <k.
    changes: dict[str, Any] = {}
    hid = False
    for key in CASE_LISTS:
        cases = getattr(body, key)
        if cases:
            small = is_small(len(cases), k)
            changes[key], hid = tuple(Hidden(k, small=small) for _ in cases), True
    few_joined = is_small(body.size - body.size_before, k)
    # Last week's numbers beside this week's would give the few new responses back.
    few_responded = is_small(len(body.responded or ()), k)
    for key in ("orr", "dcr", "orr_before", "dcr_before"):
        value = getattr(body, key)
        if value and (few_joined or few_responded) and key.endswith("_before"):
            # Last week's rate beside this week's would give the few new patients' responses.
            changes[key], hid = hide_all(value, k), True
        elif value:
            responders = RESPONDERS[key.split("_")[0]]
            changes[key], h = rate_cells(value, responders, value["n"], k)
            hid |= h
    if body.pfs:
        changes["pfs"], h = survival_cells(body.pfs, body.pfs["n"], k)
        hid |= h
    if body.pfs_before:
        if few_joined or is_small(len(body.progressed or ()), k):
            # …and last week's median beside this week's, the few progressions.
            changes["pfs_before"], hid = hide_all(body.pfs_before, k), True
        else:
            changes["pfs_before"], h = survival_cells(body.pfs_before, body.pfs_before["n"], k)
            hid |= h
    severe = []
    for e in body.new_grade3plus:
        if is_small(e.get("events"), k) or is_small(e.get("patients"), k):
            e, hid = (
                {
                    **e,
                    "events": hidden_count(e["events"], k),
                    "patients": hidden_count(e["patients"], k),
                },
                True,
            )
        severe.append(e)
    changes["new_grade3plus"] = severe
    return replace(body, **changes), [], hid
