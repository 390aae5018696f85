"""The small-cell rule of a restricted mean survival time answer (`rmst`), the survival rule's
sibling.

Few events hide the events and the RMST (an area drawn by so few steps gives back their times);
few censored hide the events (events/N would give the censored patients). Across groups, a
hidden group's events may not be worked out from the total's, and a group's difference and
ratio are withheld when its RMST or the reference's is hidden. A default τ set by a hidden
group (its last patient's censoring time) is hidden too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sts_queries.metrics.survival.rmst import RestrictedMeanSurvival
from sts_queries.privacy.cells import Hidden, hidden_count, is_hidden, is_small, with_groups
from sts_queries.result import Answer

__all__ = ["rmst_cells", "suppress_rmst"]

_CONTRASTS = ("rmst_difference", "rmst_ratio")


def rmst_cells(d: Mapping, n: int, k: int) -> tuple[dict, bool]:
    """An RMST answer's (or group's) cells over `n` patients, as they may be shown."""
    d = dict(d)
    events = d.get("events")
    if is_small(events, k):
        d["events"] = hidden_count(events, k)
        d["rmst"] = {key: Hidden(k) for key in d["rmst"]}
        return d, True
    if isinstance(events, int) and is_small(n - events, k):
        d["events"] = hidden_count(events, k)
        return d, True
    return d, False


def _withheld(g: dict, reference_hidden: bool, k: int) -> dict:
    if g.get("suppressed") or not (reference_hidden or is_hidden(g["rmst"]["estimate"])):
        return g
    shown = {key: {c: Hidden(k) for c in g[key]} for key in _CONTRASTS if g.get(key)}
    return {**g, **shown}


def suppress_rmst(body: RestrictedMeanSurvival, answer: Answer, k: int):
    """The answer and each group's, their hidden cells, whether any was hidden."""
    d, groups, hid = with_groups(body.json(), body.n_analysed, answer.groups, k, rmst_cells)
    reference = next((g for g in groups if g["label"] == body.reference), None)
    reference_hidden = reference is not None and (
        bool(reference.get("suppressed")) or is_hidden(reference["rmst"]["estimate"])
    )
    groups = [_withheld(g, reference_hidden, k) for g in groups]
    tau = body.tau
    setter = next((g for g in groups if g["label"] == body.tau_from), None)
    if body.tau_default and setter is not None and _hidden_group(setter):
        tau, hid = Hidden(k), True
    return replace(body, events=d["events"], rmst=d["rmst"], tau=tau), groups, hid


def _hidden_group(g: Mapping) -> bool:
    return bool(g.get("suppressed")) or is_hidden(g["rmst"]["estimate"])
