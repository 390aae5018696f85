"""The small-cell rule of a response rate (`orr`, `dcr`, and the weekly summary's rates).

A rate's count, CI and breakdown are hidden when the count or its complement (the
non-responders) is a small cell; otherwise the responders' and the others' breakdowns are each
hidden complementarily. Across groups, neither the responders nor the non-responders of a
hidden group may be worked out from the total and the other groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace

from sts_queries.metrics.rates import RESPONDERS, Rate
from sts_queries.privacy.cells import across, complementary, hidden_count, is_hidden, is_small
from sts_queries.result import Answer

__all__ = ["rate_cells", "suppress_rate"]


def rate_cells(d: Mapping, responders: tuple[str, ...], n: int, k: int) -> tuple[dict, bool]:
    """A rate's count, CI and breakdown: hidden when it or its complement is a small cell."""
    d = dict(d)
    count = d["count"]
    breakdown = dict(d.get("breakdown") or {})
    if is_small(count, k) or is_small(n - count, k):
        for key in ("count", "rate", "ci_low", "ci_high"):
            d[key] = hidden_count(d[key], k)
        d["breakdown"] = {c: hidden_count(v, k) if v else 0 for c, v in breakdown.items()}
        return d, True
    yes = {c: v for c, v in breakdown.items() if c in responders}
    no = {c: v for c, v in breakdown.items() if c not in responders}
    hide = complementary(yes, k) | complementary(no, k)
    d["breakdown"] = {c: hidden_count(v, k) if c in hide else v for c, v in breakdown.items()}
    return d, bool(hide)


def _others(g: Mapping) -> int | None:
    """A group's patients outside its count (non-responders), when both are shown."""
    n, count = g.get("n"), g.get("count")
    if is_hidden(n) or is_hidden(count) or not isinstance(n, int) or not isinstance(count, int):
        return None
    return n - count


def _hide_rate(d: dict, k: int) -> None:
    for key in ("count", "rate", "ci_low", "ci_high"):
        d[key] = hidden_count(d[key], k)
    d["breakdown"] = {
        c: hidden_count(v, k) if v else 0 for c, v in (d.get("breakdown") or {}).items()
    }


def suppress_rate(body: Rate, answer: Answer, k: int):
    """`orr`/`dcr`: the rate and each group's, their hidden cells, whether any was hidden."""
    responders = RESPONDERS[answer.metric]
    d, hid = rate_cells({**body.json(), "count": body.count}, responders, answer.n, k)
    groups = []
    for g in answer.groups:
        if g.get("suppressed"):
            groups.append(g)
            continue
        g, h = rate_cells(g, responders, g["n"], k)
        groups.append(g)
        hid |= h
    hid |= across(
        d["count"],
        [lambda g=g: g["count"] for g in groups],
        lambda i: _hide_rate(groups[i], k),
        k,
    )
    # The same for the non-responders: a group whose few non-responders hide its count
    # (†) must not get it back from the total's and the other groups' shown counts.
    hid |= across(
        answer.n - body.count,
        [lambda g=g: _others(g) for g in groups],
        lambda i: _hide_rate(groups[i], k),
        k,
    )
    return replace(body, **{f.name: d[f.name] for f in fields(body)}), groups, hid
