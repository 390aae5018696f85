"""What an answer may show outside the places set up for patient-level questions.

Two questions, both answered from the spec and the answer's own counts before anything is sent:

- `reveals_patients`: would this answer show one identifiable patient? (a patient-level
  metric, a filter or `by=` on an identifier, a selection smaller than the minimum cell size,
  or a selection that differs from a one-filter-looser one by fewer than that many patients:
  the differencing of a group against its complement);
- `shield`: the answer with every cell of fewer than `min_cell` patients shown as `<5`
  (a `Hidden`), plus the cells that would let someone recover it from a total and the other
  cells of the same answer (complementary suppression). Tests of groups with a hidden cell and
  plots of an answer with any hidden cell are withheld.

Zero is shown: it counts nobody. Nothing here knows Slack.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, fields, replace
from functools import singledispatch
from typing import Any

from .catalog import CATEGORICAL, Catalog
from .cohort import Cohort
from .filters import Filter
from .metric import Metric
from .result import Answer, Part, jsonable
from .spec import QuerySpec
from .sql import statement

__all__ = [
    "DEFAULT_MIN_CELL",
    "Hidden",
    "Shielded",
    "complementary",
    "identifier_fields",
    "is_hidden",
    "mask_text",
    "public_json",
    "reveals_patients",
    "shield",
]

DEFAULT_MIN_CELL = 5  # OHDSI's and most registries'; CMS uses 11


@dataclass(frozen=True)
class Hidden:
    """A suppressed cell: `null` (with `suppressed: true`) in JSON; shown as `<5` when it is a
    small count, as `†` when it is hidden only so that a small one cannot be worked out."""

    below: int
    small: bool = False

    def __str__(self) -> str:
        return f"<{self.below}" if self.small else "†"  # not *: Slack's bold

    def __format__(self, spec: str) -> str:
        return str(self)


def is_hidden(value: Any) -> bool:
    return isinstance(value, Hidden)


def _h(value: Any, k: int) -> Hidden:
    """A count hidden: `<5` if it is one of the small ones, `†` if hidden to protect them."""
    small = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < k
    return Hidden(k, small=small)


def _small(value: Any, k: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < k


def complementary(cells: Mapping[Hashable, int], k: int) -> set[Hashable]:
    """The cells of a partition to hide so that none under `k` can be read or recovered.

    Every cell in 1..k-1 is hidden; then, while the hidden cells could be recovered from the
    partition's total and the shown cells (a single hidden cell, or hidden cells adding up to
    fewer than `k`), the smallest shown non-zero cell is hidden too.
    """
    hidden = {key for key, v in cells.items() if _small(v, k)}
    while hidden:
        if len(hidden) >= 2 and sum(cells[h] for h in hidden) >= k:
            break
        rest = sorted(
            ((v, str(key), key) for key, v in cells.items() if key not in hidden and v > 0),
            key=lambda t: (t[0], t[1]),
        )
        if not rest:
            break
        hidden.add(rest[0][2])
    return hidden


# --- Does the answer show one patient? ------------------------------------------------------


def identifier_fields(catalog: Catalog) -> frozenset[str]:
    """`patient_id` and any category whose every value belongs to a single patient."""
    ids = {"patient_id"}
    for f in catalog.fields:
        if f.kind == CATEGORICAL and len(f.counts) > 1 and all(n == 1 for _, n in f.counts):
            ids.add(f.name)
    return frozenset(ids)


def _count(spec: QuerySpec, cohort: Cohort, filters: tuple[Filter, ...]) -> int:
    sql, params = statement(
        replace(spec, filters=filters, by=None),
        cohort.catalog,
        "SELECT count(*) AS n FROM selected",
        columns={},
    )
    return int(cohort.query(sql, params)["n"].iloc[0])


def reveals_patients(spec: QuerySpec, metric: Metric, cohort: Cohort, min_cell: int) -> str | None:
    """Why an answer to `spec` would show individual patients, or None when it would not."""
    if metric.patient_level:
        return f"`{metric.name}` shows individual patients"
    ids = identifier_fields(cohort.catalog)
    if spec.by in ids:
        return f"`by={spec.by}` makes a group of each patient"
    for f in spec.filters:
        if f.field in ids:
            return f"a filter on `{f.field}` selects individual patients"
    n = _count(spec, cohort, spec.filters)
    if _small(n, min_cell):
        return f"fewer than {min_cell} patients match"
    # Differencing: this answer and the one without a filter would single out the patients
    # that filter leaves out (`count` of a group and of its complement).
    for i, f in enumerate(spec.filters):
        looser = _count(spec, cohort, spec.filters[:i] + spec.filters[i + 1 :])
        if _small(looser - n, min_cell):
            return (
                f"fewer than {min_cell} patients are left out by `{f.describe()}`, so comparing "
                "with the answer without it would single them out"
            )
    return None


# --- Small cells ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Shielded:
    answer: Answer
    suppressed: bool  # some cell is hidden: a note says so, plots are withheld


def _hide_all(value: Any, k: int) -> Any:
    """Every number in `value` hidden (labels and zero-free structure kept)."""
    if isinstance(value, Mapping):
        return {
            key: v
            if key in ("label", "term", "value", "field", "months", "time")
            else _hide_all(v, k)
            for key, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_hide_all(v, k) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return _h(value, k)
    if value is None or isinstance(value, float):
        return Hidden(k)  # "not reached" says something of a group too
    return value


def _rate(d: Mapping, responders: tuple[str, ...], n: int, k: int) -> tuple[dict, bool]:
    """A rate's count, CI and breakdown: hidden when it or its complement is a small cell."""
    d = dict(d)
    count = d["count"]
    breakdown = dict(d.get("breakdown") or {})
    if _small(count, k) or _small(n - count, k):
        for key in ("count", "rate", "ci_low", "ci_high"):
            d[key] = _h(d[key], k)
        d["breakdown"] = {c: _h(v, k) if v else 0 for c, v in breakdown.items()}
        return d, True
    yes = {c: v for c, v in breakdown.items() if c in responders}
    no = {c: v for c, v in breakdown.items() if c not in responders}
    hide = complementary(yes, k) | complementary(no, k)
    d["breakdown"] = {c: _h(v, k) if c in hide else v for c, v in breakdown.items()}
    return d, bool(hide)


def _survival(d: Mapping, n: int, k: int) -> tuple[dict, bool]:
    d = dict(d)
    events = d.get("events")
    hid = False
    if _small(events, k):  # a median of so few events is a patient's own time
        for key in ("events", "median", "ci_low", "ci_high"):
            d[key] = _h(d[key], k)
        d["landmarks"] = [
            {**lm, **{key: _h(lm[key], k) for key in ("surv", "ci_low", "ci_high", "n_risk")}}
            for lm in d.get("landmarks", ())
        ]
        return d, True
    if isinstance(events, int) and _small(n - events, k):
        d["events"] = _h(events, k)  # events/N would give the few censored patients
        hid = True
    landmarks = []
    for lm in d.get("landmarks", ()):
        if _small(lm.get("n_risk"), k):
            lm = {**lm, "n_risk": _h(lm["n_risk"], k)}
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
    if _small(any_, k) or _small(n - any_, k):
        row["grades"] = {g: _h(v, k) if v else 0 for g, v in grades.items()}
        row["any"] = _h(any_, k)
        row["grade3plus"] = _h(row["grade3plus"], k) if row["grade3plus"] else 0
        return row, True
    severe = row["grade3plus"]
    if _small(severe, k) or _small(any_ - severe, k):
        row["grades"] = {g: _h(v, k) if v else 0 for g, v in grades.items()}
        row["grade3plus"] = _h(severe, k)
        return row, True
    low = {g: v for g, v in grades.items() if g in ("1", "2")}
    high = {g: v for g, v in grades.items() if g not in ("1", "2")}
    hide = complementary(low, k) | complementary(high, k)
    row["grades"] = {g: _h(v, k) if g in hide else v for g, v in grades.items()}
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
            if _small(r["n"], k) or _small(n - r["n"], k):
                r["n"], r["median"] = _h(r["n"], k), Hidden(k)
        else:
            values = r["values"]
            hide = complementary({v["value"]: v["n"] for v in values}, k)
            r["values"] = [
                {**v, "n": _h(v["n"], k), "pct": Hidden(k)} if v["value"] in hide else dict(v)
                for v in values
            ]
            hid |= bool(hide)
        out.append(r)
    return out, hid


@singledispatch
def _body(body: Part, answer: Answer, k: int) -> tuple[Part, list[dict], bool] | None:
    """The body and shown groups with small cells hidden; None: a body with no rule yet."""
    return None


def _groups(answer: Answer, k: int) -> tuple[list[dict], set[str]]:
    """Groups too small (or recoverable) hidden whole; returns groups and hidden labels."""
    sizes = {g["label"]: g["n"] for g in answer.groups}
    hidden = complementary(sizes, k)
    out = []
    for g in answer.groups:
        if g["label"] in hidden:
            out.append({**_hide_all(g, k), "label": g["label"], "suppressed": True})
        else:
            out.append(dict(g))
    return out, hidden


def _across(total: Any, cells: list, hide, k: int) -> bool:
    """Across groups: while a total minus the groups' shown cells is a small number (the
    hidden cells, together), hide the smallest shown cell too. `hide(i)` hides group i's."""
    hid = False
    while isinstance(total, int) and not is_hidden(total):
        values = [cell() for cell in cells]
        rest = total - sum(v for v in values if isinstance(v, int) and not is_hidden(v))
        shown = [(v, i) for i, v in enumerate(values) if isinstance(v, int) and v > 0]
        if not _small(rest, k) or not shown:
            break
        hide(min(shown)[1])
        hid = True
    return hid


def _row_of(rows: Any, key: str, name: str) -> dict | None:
    if not isinstance(rows, list):
        return None
    return next((r for r in rows if r.get(key) == name), None)


def _hide_rate(d: dict, k: int) -> None:
    for key in ("count", "rate", "ci_low", "ci_high"):
        d[key] = _h(d[key], k)
    d["breakdown"] = {c: _h(v, k) if v else 0 for c, v in (d.get("breakdown") or {}).items()}


def _hide_tox_row(row: dict, k: int) -> None:
    row["grades"] = {g: _h(v, k) if v else 0 for g, v in row["grades"].items()}
    for key in [key for key in row if key != "term"]:
        if key != "grades" and row[key] != 0:
            row[key] = _h(row[key], k)


def _register(body_type: type):
    def wrap(rule):
        _body.register(body_type)(rule)
        return rule

    return wrap


def _rules() -> None:
    # Imported here: the metric modules import much of `queries`, this module little.
    from .endpoints import Survival
    from .help import Help
    from .rates import RESPONDERS, Count, Rate
    from .summary import Summary
    from .tables import Baseline, Fields
    from .toxicity import Toxicity

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
        hid |= _across(
            d["count"],
            [lambda g=g: g["count"] for g in groups],
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
        hid |= _across(
            d["events"],
            [lambda g=g: g["events"] for g in groups],
            lambda i: groups[i].update(events=_h(groups[i]["events"], k)),
            k,
        )
        return replace(body, **{f.name: d[f.name] for f in fields(body)}), groups, hid

    @_register(Toxicity)
    def _(body: Toxicity, answer: Answer, k: int):
        rows, hid = _tox_rows(body.rows, answer.n, k)
        with_event = body.patients_with_event
        if _small(with_event, k) or _small(answer.n - with_event, k):
            with_event, hid = _h(with_event, k), True
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
                    found = _row_of(g["rows"], "term", term)
                    return (
                        0
                        if found is None and isinstance(g["rows"], list)
                        else (found[key] if found is not None else g["rows"])
                    )

                def hide(i, term=term):
                    _hide_tox_row(_row_of(groups[i]["rows"], "term", term), k)

                hid |= _across(row[key], [lambda g=g: cell(g) for g in groups], hide, k)
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
                    found = _row_of(g["rows"], "field", field)
                    if found is None:
                        return g["rows"]  # a hidden group: all of it hidden
                    item = _row_of(found["values"], "value", v)
                    return 0 if item is None else item["n"]

                def hide(i, field=row["field"], v=value["value"]):
                    item = _row_of(_row_of(groups[i]["rows"], "field", field)["values"], "value", v)
                    item.update(n=_h(item["n"], k), pct=Hidden(k))

                hid |= _across(value["n"], [lambda g=g: cell(g) for g in groups], hide, k)
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
                    {**v, "n": _h(v["n"], k)} if v["value"] in hide else v for v in row["values"]
                ]
                for value in hide:
                    shown = f"{value} ({_h(counts[value], k)})"
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
        hid = bool(body.joined)
        changes: dict[str, Any] = {"joined": tuple(Hidden(k) for _ in body.joined)}
        few_joined = _small(body.size - body.size_before, k)
        for key in ("orr", "dcr", "orr_before", "dcr_before"):
            value = getattr(body, key)
            if value and few_joined and key.endswith("_before"):
                # Last week's rate beside this week's would give the few new patients' responses.
                changes[key], hid = _hide_all(value, k), True
            elif value:
                responders = RESPONDERS[key.split("_")[0]]
                changes[key], h = _rate(value, responders, value["n"], k)
                hid |= h
        if body.pfs:
            changes["pfs"], h = _survival(body.pfs, body.pfs["n"], k)
            hid |= h
        severe = []
        for e in body.new_grade3plus:
            if _small(e.get("events"), k) or _small(e.get("patients"), k):
                e, hid = {**e, "events": _h(e["events"], k), "patients": _h(e["patients"], k)}, True
            severe.append(e)
        changes["new_grade3plus"] = severe
        return replace(body, **changes), [], hid


_rules()

_NOTE = (
    "Counts of fewer than {k} patients are shown as <{k}, and those that would give one away "
    "by subtraction as †; plots are withheld: small numbers can identify a patient. The full "
    "answer is given in the channels set up for patient-level questions{dm}."
)


def shield(answer: Answer, min_cell: int, *, dms: bool = False) -> Shielded | None:
    """`answer` as it may be shown outside patient places; None when no rule covers its body."""
    k = min_cell
    groups, hidden_groups = _groups(answer, k)
    grouped = replace(answer, groups=tuple(groups))
    ruled = _body(answer.body, grouped, k)
    if ruled is None:
        return None
    body, groups, hid = ruled
    suppressed = hid or bool(hidden_groups)
    test, method = answer.test, answer.method
    notes = [mask_text(note, k) for note in answer.notes]
    if hidden_groups:  # notes that name a hidden group (its size, its events) go
        labels = [re.escape(str(label)) for label in hidden_groups]
        named = re.compile(rf"\b({'|'.join(labels)})\b")
        notes = [note for note in notes if not named.search(note)]
    cells_hidden = bool(hidden_groups) or any(_holds_hidden(g) for g in groups)
    if test is not None and cells_hidden:
        # A test over a table with a hidden cell (Fisher's p and the margins) can give it back.
        test = None
        notes = [note for note in notes if "test" not in note]  # what it said of the test
        if method:
            method = "; ".join(p for p in method.split("; ") if " test" not in p)
        notes.append("No test: it would rest on groups too small to show here.")
    if cells_hidden:  # hazard ratios lean on every group, the reference too
        groups = [
            {
                key: Hidden(k) if key.startswith("hr") and v is not None else v
                for key, v in g.items()
            }
            for g in groups
        ]
    if suppressed:
        notes.append(_NOTE.format(k=k, dm=" (or a direct message with me)" if dms else ""))
    shielded = replace(
        answer,
        body=body,
        groups=tuple(groups),
        test=test,
        method=method,
        notes=tuple(notes),
        chart=None if suppressed else answer.chart,
    )
    return Shielded(answer=shielded, suppressed=suppressed)


def _holds_hidden(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_holds_hidden(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_hidden(v) for v in value)
    return is_hidden(value)


_OF = re.compile(r"\b(\d+) of (\d+)\b")
_PAREN = re.compile(r"\((\d+)\)")


def mask_text(text: str, min_cell: int) -> str:
    """Small counts in prose (`2 of 14 …`, `LPS (3)`) shown as `<5`."""

    def of(m: re.Match) -> str:
        return f"<{min_cell} of {m[2]}" if 0 < int(m[1]) < min_cell else m[0]

    def paren(m: re.Match) -> str:
        return f"(<{min_cell})" if 0 < int(m[1]) < min_cell else m[0]

    return _PAREN.sub(paren, _OF.sub(of, text))


def _unhide(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {key: _unhide(v) for key, v in value.items()}
        if any(is_hidden(v) or _has_hidden_list(v) for v in value.values()):
            out["suppressed"] = True
        return out
    if isinstance(value, (list, tuple)):
        return [_unhide(v) for v in value]
    return None if is_hidden(value) else value


def _has_hidden_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and any(is_hidden(v) for v in value)


def public_json(answer: Answer) -> dict[str, Any]:
    """A shielded answer as `--json`: each hidden cell `null`, `suppressed: true` beside it."""
    return _unhide(jsonable(answer.as_json()))
