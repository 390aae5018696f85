"""The small-cell rule of a toxicity table (`tox`): per term, the patients with any grade and
with grade 3 or more, each grade's count, and each share that would give a hidden count back;
across groups, each term's counts as the groups add up to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sts_queries.metrics.toxicity import Toxicity
from sts_queries.privacy.cells import (
    Hidden,
    across,
    complementary,
    hidden_count,
    is_hidden,
    is_small,
    row_of,
)
from sts_queries.result import Answer

__all__ = ["suppress_toxicity"]


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


def _hide_tox_row(row: dict, k: int) -> None:
    row["grades"] = {g: hidden_count(v, k) if v else 0 for g, v in row["grades"].items()}
    for key in [key for key in row if key != "term"]:
        if key != "grades" and row[key] != 0:
            row[key] = hidden_count(row[key], k)


def suppress_toxicity(body: Toxicity, answer: Answer, k: int):
    """`tox`: each term's counts and each group's, hidden where small or recoverable."""
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
