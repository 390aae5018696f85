"""Small-cell rules for the answers that rest on few patients by nature: duration of and time
to response (only the responders) and forest plots (every subgroup of every field).

- `dor`: fewer than `k` responders hide the median, its CI and the events (a Kaplan–Meier
  median of so few is a patient's own time); otherwise the survival rule (few events hide the
  median; few censored hide the events). Responders are a count out of the selection, so a
  small complement hides them too.
- `ttr`: the range is the earliest and the latest responder's own times: never shown; fewer
  than `k` responders hide the median.
- `forest`: each field's subgroups are a partition of the selection: small subgroups, and those
  that would give one back by subtraction from the overall N, are withheld (the row stays,
  its numbers hidden); a rate hides k/N as `orr` does; a hazard ratio is shown only where
  both `by=` groups in the subgroup have `k` patients or more and their events and censored
  are not small cells (as a grouped survival answer's HRs), and the interaction p only for a
  field whose rows are all shown. The per-group counts (`arms`) stay in patient places.

Registered into `suppression.suppress_body` by type; `suppress_notes` rewrites what the notes
say of hidden cells, `public_chart` gives the chart that may still be drawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import singledispatch
from typing import Any

from sts_queries.charts import ForestChart
from sts_queries.metrics.forest import Forest
from sts_queries.metrics.response import ResponseDuration, TimeToFirstResponse
from sts_queries.privacy.cells import (
    Hidden,
    across,
    complementary,
    hidden_count,
    hide_all,
    holds_hidden,
    is_small,
)
from sts_queries.result import Answer, Part

__all__ = ["public_chart", "register_rules", "suppress_notes"]

_REST = object()  # the patients of a partition no row shows (none, as the rows are built)
_FEW = "it would rest on subgroups too small to show here"


def _hide(d: dict, keys: tuple[str, ...], k: int) -> None:
    for key in keys:
        if key in d:
            d[key] = hidden_count(d[key], k)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _complement(d: Mapping, count: str) -> int | None:
    n, c = _int(d.get("n")), _int(d.get(count))
    return None if n is None or c is None else n - c


# --- dor ----------------------------------------------------------------------------------------

_KM = ("events", "median", "ci_low", "ci_high")


def _km_cells(d: dict, size: int, k: int) -> bool:
    """The survival rule over `size` responders: few events hide the median, few censored
    the events."""
    events = d.get("events")
    if is_small(events, k):
        _hide(d, _KM, k)
        return True
    if isinstance(events, int) and is_small(size - events, k):
        d["events"] = hidden_count(events, k)
        return True
    return False


def _dor(body: ResponseDuration, answer: Answer, k: int):
    d = body.json()
    hid = False
    if is_small(body.responders, k):  # a median of so few is a patient's own time
        _hide(d, ("responders", *_KM), k)
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
        lambda i: _hide(groups[i], _KM, k),
        k,
    )
    return replace(body, **{key: d[key] for key in ("responders", *_KM)}), groups, hid


# --- ttr ----------------------------------------------------------------------------------------


def _ttr_cells(d: dict, responders: str, n: int, k: int) -> bool:
    """A median and range among `d[responders]` of `n` patients, as they may be shown."""
    d["min" if "min" in d else "minimum"] = Hidden(k)  # one patient's own time each
    d["max" if "max" in d else "maximum"] = Hidden(k)
    count = d[responders]
    if is_small(count, k):
        _hide(d, (responders, "median"), k)
    elif is_small(n - count, k):
        d[responders] = hidden_count(count, k)
    return True


def _ttr(body: TimeToFirstResponse, answer: Answer, k: int):
    d = body.json()
    hid = _ttr_cells(d, "responders", answer.n, k)
    groups = [dict(g) for g in answer.groups]
    for g in groups:
        if not g.get("suppressed"):
            _ttr_cells(g, "responders", g["n"], k)

    def hide(i: int) -> None:
        _hide(groups[i], ("responders", "median"), k)

    indices = range(len(groups))
    hid |= across(body.responders, [lambda i=i: groups[i]["responders"] for i in indices], hide, k)
    hid |= across(
        answer.n - body.responders,
        [lambda i=i: _complement(groups[i], "responders") for i in indices],
        hide,
        k,
    )
    keys = ("responders", "median", "minimum", "maximum")
    return replace(body, **{key: d[key] for key in keys}), groups, hid


# --- forest -------------------------------------------------------------------------------------

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
        _hide(d, (count, *_ESTIMATE), k)  # an estimate with its N gives the count back
        hid = True
    if count == "events" and _arms_small(d, k) and d.get("estimate") is not None:
        _hide(d, _ESTIMATE, k)
        hid = True
    d.pop("arms", None)  # per group within a subgroup: patient places only
    return hid


def _forest(body: Forest, answer: Answer, k: int):
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
            _hide(row, (count, *_ESTIMATE), k)

        hid |= across(total_c, [lambda i=i: rows[i][count] for i in mine], hide, k)
        if isinstance(total_c, int):
            hid |= across(
                total_n - total_c, [lambda i=i: _complement(rows[i], count) for i in mine], hide, k
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
                "reason": f"No interaction test here: {_FEW}.",
            }
            hid = True
        interactions.append(test)
    shown = replace(body, overall=overall, rows=rows, interactions=interactions)
    return shown, list(answer.groups), hid


# --- what the notes and the plot may still say -------------------------------------------------


@singledispatch
def suppress_notes(body: Part, shown: Part, notes: list[str], k: int) -> list[str]:
    """`notes` without what they say of the cells `shown` hides (by the original body's type)."""
    return notes


def _responder_notes(body, shown, notes: list[str], k: int) -> list[str]:
    if not isinstance(shown.responders, Hidden):
        return notes
    return [
        re.sub(r"\bRests on \d+ responders?\b", f"Rests on {shown.responders} responders", note)
        for note in notes
    ]


def _forest_notes(body: Forest, shown: Forest, notes: list[str], k: int) -> list[str]:
    out = [n for n in notes if not n.startswith(("No hazard ratio in ", "No interaction test "))]
    missing = [
        f"{r['field']} {r['subgroup']}"
        for r in shown.rows
        if r.get("estimate") is None and not r.get("suppressed")
    ]
    if missing and body.measure != "rate":
        out.insert(
            0,
            f"No hazard ratio in {len(missing)} subgroup(s) ({', '.join(missing)}): one group is "
            "absent or has no events there (the --json rows say which).",
        )
    for test in shown.interactions:
        reason = test.get("reason")
        if isinstance(test.get("p"), Hidden):
            out.append(f"No interaction test over {test['field']}: {_FEW}.")
        elif reason and test.get("p") is None:
            out.append(
                f"No interaction test over {test['field']}: {reason[:1].lower()}{reason[1:]}"
            )
        elif isinstance(test.get("p"), Hidden):
            out.append(f"No interaction test over {test['field']}: {_FEW}.")
    withheld = sum(1 for r in shown.rows if r.get("suppressed"))
    if withheld:
        out.append(
            f"{withheld} subgroup(s) withheld: fewer than {k} patients, or they would give such a "
            "subgroup away by subtraction from the overall N."
        )
    return out


@singledispatch
def public_chart(body: Part, chart: Any, k: int) -> Any:
    """The chart an answer with hidden cells may still carry (drawn from its shown cells only);
    None: no plot."""
    return None


def _forest_chart(body: Forest, chart: ForestChart, k: int) -> ForestChart | None:
    if holds_hidden(body.overall):
        return None
    rows = tuple(r for r in body.rows if not holds_hidden(r))
    if not rows:
        return None
    interactions = tuple(
        {**t, "p": None} if isinstance(t.get("p"), Hidden) else t for t in body.interactions
    )
    left_out = len(body.rows) - len(rows)
    note = (
        f"{left_out} subgroup(s) not drawn: small cells (fewer than {k} patients), outside "
        "patient channels"
        if left_out
        else ""
    )
    return replace(
        chart, rows=rows, overall=body.overall, interactions=interactions, withheld_note=note
    )


def register_rules(register) -> None:
    """Add these rules to `suppress_body` (through its `register`)."""
    register(ResponseDuration)(_dor)
    register(TimeToFirstResponse)(_ttr)
    register(Forest)(_forest)
    suppress_notes.register(ResponseDuration)(_responder_notes)
    suppress_notes.register(TimeToFirstResponse)(_responder_notes)
    suppress_notes.register(Forest)(_forest_notes)
    public_chart.register(Forest)(_forest_chart)
