"""The small-cell rule of each kind of answer: which of its cells to hide outside patient places.

`suppress_body(body, answer, k)` dispatches on the type of the answer's body (one rule a type,
as the renderer does) and returns the body and groups with their hidden cells, or None for a
body no rule covers yet — which the gateway then does not show publicly at all.
`suppress_groups` hides whole groups first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, replace
from functools import singledispatch
from typing import Any

from sts_queries.privacy.cells import (
    Hidden,
    across,
    complementary,
    hidden_count,
    hide_all,
    is_hidden,
    is_small,
    row_of,
)
from sts_queries.result import Answer, Part

__all__ = ["suppress_body", "suppress_groups"]


def _rate(d: Mapping, responders: tuple[str, ...], n: int, k: int) -> tuple[dict, bool]:
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


# A landmark's numbers: survival and its CI (old and contract names) and the number at risk.
_LANDMARK_CELLS = ("surv", "survival", "ci_low", "ci_high", "n_risk", "at_risk")


def _survival(d: Mapping, n: int, k: int) -> tuple[dict, bool]:
    d = dict(d)
    events = d.get("events")
    hid = False
    if is_small(events, k):  # a median of so few events is a patient's own time
        for key in ("events", "median", "ci_low", "ci_high"):
            d[key] = hidden_count(d[key], k)
        d["landmarks"] = [
            {**lm, **{key: hidden_count(lm[key], k) for key in _LANDMARK_CELLS if key in lm}}
            for lm in d.get("landmarks", ())
        ]
        return d, True
    if isinstance(events, int) and is_small(n - events, k):
        d["events"] = hidden_count(events, k)  # events/N would give the few censored patients
        hid = True
    landmarks = []
    for lm in d.get("landmarks", ()):
        # The number at risk, under both of its names (n_risk, and at_risk of the contract).
        small = [key for key in ("n_risk", "at_risk") if is_small(lm.get(key), k)]
        if small:
            lm = {**lm, **{key: hidden_count(lm[key], k) for key in small}}
            hid = True
        landmarks.append(lm)
    if "landmarks" in d:
        d["landmarks"] = landmarks
    return d, hid


def _tox_row(row: Mapping, n: int, k: int) -> tuple[dict, bool]:
    row, hid = _tox_cells(dict(row), n, k)
    for key in [key for key in row if key.endswith("_pct")]:  # a share gives its count back
        if is_hidden(row.get(key.removesuffix("_pct"))):
            row[key] = Hidden(k)
    return row, hid


def _tox_cells(row: dict, n: int, k: int) -> tuple[dict, bool]:
    grades = dict(row["grades"])
    any_ = row["any"]
    if is_small(any_, k) or is_small(n - any_, k):
        row["grades"] = {g: hidden_count(v, k) if v else 0 for g, v in grades.items()}
        row["any"] = hidden_count(any_, k)
        row["grade3plus"] = hidden_count(row["grade3plus"], k) if row["grade3plus"] else 0
        return row, True
    severe = row["grade3plus"]
    if is_small(severe, k) or is_small(any_ - severe, k):
        row["grades"] = {g: hidden_count(v, k) if v else 0 for g, v in grades.items()}
        row["grade3plus"] = hidden_count(severe, k)
        return row, True
    low = {g: v for g, v in grades.items() if g in ("1", "2")}
    high = {g: v for g, v in grades.items() if g not in ("1", "2")}
    hide = complementary(low, k) | complementary(high, k)
    row["grades"] = {g: hidden_count(v, k) if g in hide else v for g, v in grades.items()}
    return row, bool(hide)


def _tox_rows(rows, n: int, k: int) -> tuple[list[dict], bool]:
    out, hid = [], False
    for r in rows:
        r, h = _tox_row(r, n, k)
        out.append(r)
        hid |= h
    return out, hid


def _baseline_rows(rows, n: int, k: int) -> tuple[list[dict], bool]:
    out, hid = [], False
    for r in rows:
        r = dict(r)
        if "median" in r:
            # The range is the youngest and the oldest patient: never shown publicly.
            r["min"] = r["max"] = Hidden(k)
            hid = True
            if is_small(r["n"], k) or is_small(n - r["n"], k):
                r["n"], r["median"] = hidden_count(r["n"], k), Hidden(k)
        else:
            values = r["values"]
            hide = complementary({v["value"]: v["n"] for v in values}, k)
            r["values"] = [
                {**v, "n": hidden_count(v["n"], k), "pct": Hidden(k)}
                if v["value"] in hide
                else dict(v)
                for v in values
            ]
            hid |= bool(hide)
        out.append(r)
    return out, hid


@singledispatch
def suppress_body(body: Part, answer: Answer, k: int) -> tuple[Part, list[dict], bool] | None:
    """The body and shown groups with small cells hidden; None: a body with no rule yet."""
    return None


def suppress_groups(answer: Answer, k: int) -> tuple[list[dict], set[str]]:
    """Groups too small (or recoverable) hidden whole; returns groups and hidden labels."""
    sizes = {g["label"]: g["n"] for g in answer.groups}
    hidden = complementary(sizes, k)
    out = []
    for g in answer.groups:
        if g["label"] in hidden:
            out.append({**hide_all(g, k), "label": g["label"], "suppressed": True})
        else:
            out.append(dict(g))
    return out, hidden


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


def _hide_tox_row(row: dict, k: int) -> None:
    row["grades"] = {g: hidden_count(v, k) if v else 0 for g, v in row["grades"].items()}
    for key in [key for key in row if key != "term"]:
        if key != "grades" and row[key] != 0:
            row[key] = hidden_count(row[key], k)


def _register(body_type: type):
    def wrap(rule):
        suppress_body.register(body_type)(rule)
        return rule

    return wrap


def _rules() -> None:
    # Imported here: the metric modules import much of `queries`, this module little.
    from sts_queries.metrics.baseline import Baseline
    from sts_queries.metrics.count import Count
    from sts_queries.metrics.endpoints import Survival
    from sts_queries.metrics.fields import Fields
    from sts_queries.metrics.help import Help
    from sts_queries.metrics.rates import RESPONDERS, Rate
    from sts_queries.metrics.summary import CASE_LISTS, Summary
    from sts_queries.metrics.toxicity import Toxicity
    from sts_queries.privacy.suppression_effects import register_rules

    register_rules(_register)

    @_register(Rate)
    def _(body: Rate, answer: Answer, k: int):
        responders = RESPONDERS[answer.metric]
        d, hid = _rate({**body.json(), "count": body.count}, responders, answer.n, k)
        groups = []
        for g in answer.groups:
            if g.get("suppressed"):
                groups.append(g)
                continue
            g, h = _rate(g, responders, g["n"], k)
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

    @_register(Count)
    def _(body: Count, answer: Answer, k: int):
        return body, list(answer.groups), False

    @_register(Survival)
    def _(body: Survival, answer: Answer, k: int):
        d, hid = _survival(body.json(), body.n_analysed, k)
        groups = []
        for g in answer.groups:
            if not g.get("suppressed"):
                g, h = _survival(g, g["n"], k)
                hid |= h
            groups.append(g)
        hid |= across(
            d["events"],
            [lambda g=g: g["events"] for g in groups],
            lambda i: groups[i].update(events=hidden_count(groups[i]["events"], k)),
            k,
        )
        return replace(body, **{f.name: d[f.name] for f in fields(body)}), groups, hid

    @_register(Toxicity)
    def _(body: Toxicity, answer: Answer, k: int):
        rows, hid = _tox_rows(body.rows, answer.n, k)
        with_event = body.patients_with_event
        if is_small(with_event, k) or is_small(answer.n - with_event, k):
            with_event, hid = hidden_count(with_event, k), True
        groups = []
        for g in answer.groups:
            if not g.get("suppressed"):
                group_rows, h = _tox_rows(g["rows"], g["n"], k)
                g, hid = {**g, "rows": group_rows}, hid | h
            groups.append(g)
        for row in rows:  # each term's count, across the groups
            term = row["term"]
            for key in ("any", "grade3plus"):

                def cell(g, key=key, term=term):
                    found = row_of(g["rows"], "term", term)
                    return (
                        0
                        if found is None and isinstance(g["rows"], list)
                        else (found[key] if found is not None else g["rows"])
                    )

                def hide(i, term=term):
                    _hide_tox_row(row_of(groups[i]["rows"], "term", term), k)

                hid |= across(row[key], [lambda g=g: cell(g) for g in groups], hide, k)
        return replace(body, rows=rows, patients_with_event=with_event), groups, hid

    @_register(Baseline)
    def _(body: Baseline, answer: Answer, k: int):
        rows, hid = _baseline_rows(body.rows, answer.n, k)
        groups = []
        for g in answer.groups:
            if not g.get("suppressed"):
                group_rows, h = _baseline_rows(g["rows"], g["n"], k)
                g, hid = {**g, "rows": group_rows}, hid | h
            groups.append(g)
        for row in rows:  # each value's count, across the groups
            for value in row.get("values", ()):

                def cell(g, field=row["field"], v=value["value"]):
                    found = row_of(g["rows"], "field", field)
                    if found is None:
                        return g["rows"]  # a hidden group: all of it hidden
                    item = row_of(found["values"], "value", v)
                    return 0 if item is None else item["n"]

                def hide(i, field=row["field"], v=value["value"]):
                    item = row_of(row_of(groups[i]["rows"], "field", field)["values"], "value", v)
                    item.update(n=hidden_count(item["n"], k), pct=Hidden(k))

                hid |= across(value["n"], [lambda g=g: cell(g) for g in groups], hide, k)
        return replace(body, rows=rows), groups, hid

    @_register(Fields)
    def _(body: Fields, answer: Answer, k: int):
        rows, lines = [], []
        for row, line in zip(body.fields, body.lines, strict=True):
            row = dict(row)
            if "values" in row:
                counts = {v["value"]: v["n"] for v in row["values"]}
                hide = complementary(counts, k)
                row["values"] = [
                    {**v, "n": hidden_count(v["n"], k)} if v["value"] in hide else v
                    for v in row["values"]
                ]
                for value in hide:
                    shown = f"{value} ({hidden_count(counts[value], k)})"
                    line = re.sub(rf"(?<=[:,] ){re.escape(value)} \(\d+\)", shown, line)
            if "min" in row:  # the youngest and oldest patients
                row["min"] = row["max"] = Hidden(k)
                line = re.sub(r":\s*[-\d.]+–[-\d.]+$", f": {row['kind']}", line)
            rows.append(row)
            lines.append(line)
        return replace(body, fields=rows, lines=tuple(lines)), [], True

    @_register(Help)
    def _(body: Help, answer: Answer, k: int):
        return body, [], False

    @_register(Summary)
    def _(body: Summary, answer: Answer, k: int):
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
                changes[key], h = _rate(value, responders, value["n"], k)
                hid |= h
        if body.pfs:
            changes["pfs"], h = _survival(body.pfs, body.pfs["n"], k)
            hid |= h
        if body.pfs_before:
            if few_joined or is_small(len(body.progressed or ()), k):
                # …and last week's median beside this week's, the few progressions.
                changes["pfs_before"], hid = hide_all(body.pfs_before, k), True
            else:
                changes["pfs_before"], h = _survival(body.pfs_before, body.pfs_before["n"], k)
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


_rules()
