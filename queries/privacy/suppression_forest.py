"""The small-cell rule of a forest plot, which rests on few patients by nature (every subgroup
of every field).

Each field's subgroups are a partition of the selection: small subgroups, and those that would
give one back by subtraction from the overall N, are withheld (the row stays, its numbers
hidden); a rate hides k/N as `orr` does; a hazard ratio is shown only where both `by=` groups in
the subgroup have `k` patients or more and their events and censored are not small cells (as a
grouped survival answer's HRs), and the interaction p only for a field whose rows are all shown.
The per-group counts (`arms`) stay in patient places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sts_queries.metrics.survival.forest import Forest
from sts_queries.privacy.cells import (
    Hidden,
    across,
    complementary,
    hide_all,
    hide_keys,
    holds_hidden,
    is_small,
    rest_of,
)
from sts_queries.result import Answer

__all__ = ["FEW_SUBGROUPS", "suppress_forest"]


_REST = object()  # the patients of a partition no row shows (none, as the rows are built)


FEW_SUBGROUPS = "it would rest on subgroups too small to show here"


_ESTIMATE = ("estimate", "ci_low", "ci_high")


def _arms_small(d: Mapping, k: int) -> bool:
    """Is any `by=` group in this subgroup (or overall) a small cell, or its events or
    censored? Then its hazard ratio rests on it."""
    for arm in d.get("arms") or ():
        n, events = arm["n"], arm["events"]
        if is_small(n, k) or is_small(events, k) or is_small(n - events, k):
            return True
    return False


def _forest_cells(d: dict, count: str, k: int) -> bool:
    """One row (or the overall): its count as a rate's or as a survival answer's, its HR as
    a grouped survival answer's."""
    hid = False
    c, n = d.get(count), d.get("n")
    if is_small(c, k) or (isinstance(c, int) and is_small(n - c, k)):
        hide_keys(d, (count, *_ESTIMATE), k)  # an estimate with its N gives the count back
        hid = True
    if count == "events" and _arms_small(d, k) and d.get("estimate") is not None:
        hide_keys(d, _ESTIMATE, k)
        hid = True
    d.pop("arms", None)  # per group within a subgroup: patient places only
    return hid


def suppress_forest(body: Forest, answer: Answer, k: int):
    """A forest plot with its small or recoverable subgroups withheld, and the HRs and
    interaction tests that rest on them."""
    count = "count" if body.measure == "rate" else "events"
    overall = dict(body.overall)
    total_n, total_c = overall.get("n"), overall.get(count)
    hid = _forest_cells(overall, count, k)
    rows = [dict(r) for r in body.rows]
    withheld_fields = set()
    for field in body.fields:
        mine = [i for i, r in enumerate(rows) if r["field"] == field]
        sizes: dict[Any, int] = {i: rows[i]["n"] for i in mine}
        rest = total_n - sum(sizes.values())
        if rest > 0:
            sizes[_REST] = rest
        hidden = complementary(sizes, k)
        for i in mine:
            if i in hidden:
                row = {"field": field, "subgroup": rows[i]["subgroup"], "n": rows[i]["n"]}
                row |= {key: rows[i][key] for key in (count, *_ESTIMATE)}
                rows[i] = {**hide_all(row, k), "field": field, "subgroup": row["subgroup"]}
                if "reason" in body.rows[i]:
                    rows[i]["reason"] = None
                rows[i]["suppressed"] = True
                hid = True
            else:
                hid |= _forest_cells(rows[i], count, k)

        def hide(j: int, mine=mine) -> None:
            row = rows[mine[j]]
            hide_keys(row, (count, *_ESTIMATE), k)

        hid |= across(total_c, [lambda i=i: rows[i][count] for i in mine], hide, k)
        if isinstance(total_c, int):
            hid |= across(
                total_n - total_c, [lambda i=i: rest_of(rows[i], count) for i in mine], hide, k
            )
        if any(holds_hidden(rows[i]) for i in mine):
            withheld_fields.add(field)
    interactions = []
    for test in body.interactions:
        test = dict(test)
        if test["field"] in withheld_fields and (test.get("p") is not None or test["reason"]):
            test = {
                **{key: Hidden(k) for key in test if key not in ("field", "name")},
                "field": test["field"],
                "name": test["name"],
                "reason": f"No interaction test here: {FEW_SUBGROUPS}.",
            }
            hid = True
        interactions.append(test)
    shown = replace(body, overall=overall, rows=rows, interactions=interactions)
    return shown, list(answer.groups), hid
