"""The small-cell rules of the descriptive tables: `baseline` (Table 1) and `fields`.

A numeric characteristic's range is the youngest and the oldest patient: never shown publicly.
A categorical one's values are hidden complementarily, within the table and across groups; the
words of `fields` say what its rows hide.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sts_queries.metrics.baseline import Baseline
from sts_queries.metrics.fields import Fields
from sts_queries.privacy.cells import Hidden, across, complementary, hidden_count, is_small, row_of
from sts_queries.result import Answer

__all__ = ["suppress_baseline", "suppress_fields"]


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


def suppress_baseline(body: Baseline, answer: Answer, k: int):
    """Table 1 and each group's, with no range and no small or recoverable count."""
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


def suppress_fields(body: Fields, answer: Answer, k: int):
    """`fields` without ranges or small counts, in its rows and in its words."""
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
