"""The small-cell rule of a competing-risks answer (`cif`), the survival rule's sibling.

Few events of the endpoint hide those events and its incidence (each step of so few is a
patient's own time); few competing events hide those and the competing incidence; few
censored (the patients left when both counts are taken from N) hide the competing events, so
that the subtraction cannot be done. A landmark's small number at risk is hidden. Across
groups, a hidden group's events may not be worked out from the total's; once any group has a
hidden cell, Gray's test and the subdistribution hazard ratios, which lean on every group,
are withheld.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace

from sts_queries.metrics.survival.competing import Incidence
from sts_queries.privacy.cells import Hidden, across, hidden_count, holds_hidden, is_small
from sts_queries.result import Answer

__all__ = ["cif_cells", "suppress_cif"]

_POINT_CELLS = ("estimate", "ci_low", "ci_high", "at_risk")
_RATIOS = ("shr", "shr_ci_low", "shr_ci_high", "shr_p")


def _hide_points(points, k: int) -> list:
    return [{**p, **{key: hidden_count(p[key], k) for key in _POINT_CELLS}} for p in points]


def _small_at_risk(points, k: int) -> tuple[list, bool]:
    out, hid = [], False
    for p in points:
        if is_small(p.get("at_risk"), k):
            p = {**p, "at_risk": hidden_count(p["at_risk"], k)}
            hid = True
        out.append(p)
    return out, hid


def cif_cells(d: Mapping, n: int, k: int) -> tuple[dict, bool]:
    """A competing-risks answer's (or group's) cells over `n` patients, as they may be shown."""
    d = dict(d)
    hid = False
    events, competing = d.get("events"), d.get("competing_events")
    if is_small(events, k):
        d["events"] = hidden_count(events, k)
        d["cif"] = _hide_points(d["cif"], k)
        hid = True
    if is_small(competing, k):
        d["competing_events"] = hidden_count(competing, k)
        d["competing_cif"] = {c: _hide_points(p, k) for c, p in d["competing_cif"].items()}
        hid = True
    censored = (
        n - events - competing if isinstance(events, int) and isinstance(competing, int) else None
    )
    if censored is not None and is_small(censored, k) and not hid:
        d["competing_events"] = hidden_count(competing, k)
        hid = True
    d["cif"], small = _small_at_risk(d["cif"], k)
    hid |= small
    shown = {}
    for cause, points in d["competing_cif"].items():
        shown[cause], small = _small_at_risk(points, k)
        hid |= small
    d["competing_cif"] = shown
    return d, hid


def suppress_cif(body: Incidence, answer: Answer, k: int):
    """The answer and each group's, their hidden cells, whether any was hidden."""
    d, hid = cif_cells(body.json(), body.n_analysed, k)
    groups = []
    for g in answer.groups:
        if not g.get("suppressed"):
            g, h = cif_cells(g, g["n"], k)
            hid |= h
        groups.append(g)
    for key in ("events", "competing_events"):
        hid |= across(
            d[key],
            [lambda g=g, key=key: g[key] for g in groups],
            lambda i, key=key: groups[i].update({key: hidden_count(groups[i][key], k)}),
            k,
        )
    if any(g.get("suppressed") or holds_hidden(g) for g in groups):
        d["gray_test"] = None
        groups = [
            {**g, **{key: Hidden(k) for key in _RATIOS if g.get(key) is not None}} for g in groups
        ]
    return replace(body, **{f.name: d[f.name] for f in fields(body)}), groups, hid
