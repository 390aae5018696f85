"""Small-cell rules for the answers that rest on the responders alone: duration of and time
to response.

- `dor`: fewer than `k` responders hide the median, its CI and the events (a Kaplan–Meier
  median of so few is a patient's own time); otherwise the survival rule (few events hide the
  median; few censored hide the events). Responders are a count out of the selection, so a
  small complement hides them too.
- `ttr`: the range is the earliest and the latest responder's own times: never shown; fewer
  than `k` responders hide the median.
"""

from __future__ import annotations

from dataclasses import replace

from sts_queries.metrics.response import ResponseDuration, TimeToFirstResponse
from sts_queries.privacy.cells import (
    Hidden,
    across,
    hidden_count,
    hide_all,
    hide_keys,
    is_small,
    rest_of,
)
from sts_queries.result import Answer

__all__ = ["suppress_dor", "suppress_ttr"]


_KM = ("events", "median", "ci_low", "ci_high")


def _km_cells(d: dict, size: int, k: int) -> bool:
    """The survival rule over `size` responders: few events hide the median, few censored
    the events."""
    events = d.get("events")
    if is_small(events, k):
        hide_keys(d, _KM, k)
        return True
    if isinstance(events, int) and is_small(size - events, k):
        d["events"] = hidden_count(events, k)
        return True
    return False


def suppress_dor(body: ResponseDuration, answer: Answer, k: int):
    """`dor` among the responders, by the survival rule, and each group's."""
    d = body.json()
    hid = False
    if is_small(body.responders, k):  # a median of so few is a patient's own time
        hide_keys(d, ("responders", *_KM), k)
        hid = True
    else:
        if is_small(answer.n - body.responders, k):  # the few non-responders
            d["responders"], hid = hidden_count(body.responders, k), True
        hid |= _km_cells(d, body.responders, k)
    groups = [dict(g) for g in answer.groups]
    for g in groups:
        if not g.get("suppressed"):
            hid |= _km_cells(g, g["n"], k)

    def hide_group(i: int) -> None:
        groups[i] = {**hide_all(groups[i], k), "label": groups[i]["label"], "suppressed": True}

    sizes = [lambda i=i: groups[i]["n"] for i in range(len(groups))]
    # The groups' responders add up to all of them: neither that total nor the selection
    # minus it (the non-responders) may leave a small number once the hidden groups are out.
    hid |= across(body.responders, sizes, hide_group, k)
    hid |= across(answer.n, sizes, hide_group, k)
    hid |= across(
        body.events,
        [lambda i=i: groups[i]["events"] for i in range(len(groups))],
        lambda i: hide_keys(groups[i], _KM, k),
        k,
    )
    return replace(body, **{key: d[key] for key in ("responders", *_KM)}), groups, hid


def _ttr_cells(d: dict, responders: str, n: int, k: int) -> bool:
    """A median and range among `d[responders]` of `n` patients, as they may be shown."""
    d["min" if "min" in d else "minimum"] = Hidden(k)  # one patient's own time each
    d["max" if "max" in d else "maximum"] = Hidden(k)
    count = d[responders]
    if is_small(count, k):
        hide_keys(d, (responders, "median"), k)
    elif is_small(n - count, k):
        d[responders] = hidden_count(count, k)
    return True


def suppress_ttr(body: TimeToFirstResponse, answer: Answer, k: int):
    """`ttr`: no range, and no median of fewer than `k` responders."""
    d = body.json()
    hid = _ttr_cells(d, "responders", answer.n, k)
    groups = [dict(g) for g in answer.groups]
    for g in groups:
        if not g.get("suppressed"):
            _ttr_cells(g, "responders", g["n"], k)

    def hide(i: int) -> None:
        hide_keys(groups[i], ("responders", "median"), k)

    indices = range(len(groups))
    hid |= across(body.responders, [lambda i=i: groups[i]["responders"] for i in indices], hide, k)
    hid |= across(
        answer.n - body.responders,
        [lambda i=i: rest_of(groups[i], "responders") for i in indices],
        hide,
        k,
    )
    keys = ("responders", "median", "minimum", "maximum")
    return replace(body, **{key: d[key] for key in keys}), groups, hid
