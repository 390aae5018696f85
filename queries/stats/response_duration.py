"""Duration of response and time to response among responders (CR or PR, RECIST 1.1).

Duration of response (DOR) runs from the first documented response to progression or death,
censored at the last tumour assessment for a responder still responding (FDA, Clinical Trial
Endpoints for the Approval of Cancer Drugs, 2018). Time to response (TTR) runs from the start
of treatment to the first documented response. Every time here is measured from the start of
treatment, in one unit chosen by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "RESPONSES",
    "DurationOfResponse",
    "TimeToResponse",
    "duration_of_response",
    "time_to_response",
]

RESPONSES = frozenset({"CR", "PR"})


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: arrays have no single truth value
class DurationOfResponse:
    """Per responder, in input order: DOR `time` and `event` (1 progression or death, 0
    censored at the last assessment), ready for `kaplan_meier`."""

    time: np.ndarray
    event: np.ndarray
    responder_index: np.ndarray  # each responder's position in the input
    responders: int
    events: int


@dataclass(frozen=True, kw_only=True)
class TimeToResponse:
    """Time to first response among responders: median and range (None without responders)."""

    responders: int
    median: float | None
    minimum: float | None
    maximum: float | None


def duration_of_response(
    first_response, event_time, event, last_assessment=None
) -> DurationOfResponse:
    """DOR for every patient with a first response (NaN `first_response`: not a responder).

    `event_time`/`event`: progression or death (1) or censoring (0), as `pfs_time`/`pfs_event`.
    A responder without progression or death is censored at `last_assessment`, or at the
    censored `event_time` where that is missing. Raises ValueError for a progression before the
    response it would end.
    """
    first = np.asarray(first_response, dtype=float).ravel()
    t = np.asarray(event_time, dtype=float).ravel()
    e = np.asarray(event, dtype=float).ravel()
    last = (
        np.full(first.shape, np.nan)
        if last_assessment is None
        else np.asarray(last_assessment, dtype=float).ravel()
    )
    if not first.shape == t.shape == e.shape == last.shape:
        raise ValueError("every argument needs one value per patient")
    responder = ~np.isnan(first)
    index = np.flatnonzero(responder)
    first, t, e, last = first[responder], t[responder], e[responder], last[responder]
    if np.any(np.isnan(e) | ~np.isin(e, (0, 1))):
        raise ValueError("every responder needs an event of 0 (censored) or 1")
    end = np.where((e == 1) | np.isnan(last), t, last)
    if np.any(np.isnan(end)):
        raise ValueError("a responder has neither an event time nor a last assessment")
    duration = end - first
    if np.any(duration < 0):
        which = ", ".join(map(str, index[duration < 0]))
        raise ValueError(
            f"patient(s) at position {which} progress or are last seen before their first response"
        )
    events = e.astype(np.int64)
    for a in (duration, events, index):
        a.setflags(write=False)
    return DurationOfResponse(
        time=duration,
        event=events,
        responder_index=index,
        responders=int(first.size),
        events=int(events.sum()),
    )


def time_to_response(first_response) -> TimeToResponse:
    """TTR among responders (NaN `first_response`: not a responder): median and range."""
    first = np.asarray(first_response, dtype=float).ravel()
    first = first[~np.isnan(first)]
    if np.any(first < 0):
        raise ValueError("a first response cannot come before the start of treatment")
    if first.size == 0:
        return TimeToResponse(responders=0, median=None, minimum=None, maximum=None)
    return TimeToResponse(
        responders=int(first.size),
        median=float(np.median(first)),
        minimum=float(first.min()),
        maximum=float(first.max()),
    )
