"""The small-cell rule of a toxicity table (`tox`): per term, the patients with any grade and
with grade 3 or more, each grade's count, and each share that would give a hidden count back;
across groups, each term's counts as the groups add up to them.

Whether a row appears must not tell either (issue 19: `tox age>=71 grade>=5` listed Pneumonitis,
`age>=72` did not): every term the cohort records is listed, one with no patient in the
selection as a hidden row like one with a few, and in a hidden row a grade's 0 reads `<5` as
1-4 do. The shown rows keep their order; the hidden ones follow in the cohort's term order, so
a row's place does not tell its count either.
"""

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


def _every_term(rows, terms, n: int) -> list[dict]:
    """`rows` with a row of zeros for each of `terms` the selection has none of."""
    present = {r["term"] for r in rows}
    extra = [
        {
            "term": t,
            "grades": dict.fromkeys(("1", "2", "3", "4", "5"), 0),
            "any": 0,
            "grade3plus": 0,
            "any_pct": 0.0,
            "grade3plus_pct": 0.0,
        }
        for t in terms
        if t not in present
    ]
    return [dict(r) for r in rows] + extra


def _none_told(rows: list[dict], terms, k: int) -> list[dict]:
    """Hidden rows with every cell hidden (a 0 too), after the shown ones, in term order."""
    shown = [r for r in rows if not is_hidden(r["any"])]
    hidden = {r["term"]: dict(r) for r in rows if is_hidden(r["any"])}
    for r in hidden.values():
        r["grades"] = {
            g: v if is_hidden(v) else Hidden(k, small=True) for g, v in r["grades"].items()
        }
        if not is_hidden(r["grade3plus"]):
            r["grade3plus"] = Hidden(k, small=True)
        for key in ("any_pct", "grade3plus_pct"):
            r[key] = Hidden(k)
    order = [t for t in terms if t in hidden] + sorted(t for t in hidden if t not in terms)
    return shown + [hidden[t] for t in order]


def suppress_toxicity(body: Toxicity, answer: Answer, k: int):
    """`tox`: each term's counts and each group's, hidden where small or recoverable."""
    rows, hid = _tox_rows(_every_term(body.rows, body.terms, answer.n), answer.n, k)
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
    if body.terms:
        rows = _none_told(rows, body.terms, k)
        groups = [
            {**g, "rows": _none_told(_every_term(g["rows"], body.terms, g["n"]), body.terms, k)}
            if not g.get("suppressed") and isinstance(g.get("rows"), list)
            else g
            for g in groups
        ]
    return replace(body, rows=rows, patients_with_event=with_event), groups, hid
