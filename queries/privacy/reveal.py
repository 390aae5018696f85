"""What an answer may show outside the places set up for patient-level questions.

Two questions, both answered from the spec and the answer's own counts before anything is sent:

- `reveals_patients`: would this answer show one identifiable patient? (a patient-level
  metric, a filter or `by=` on an identifier, a selection smaller than the minimum cell size,
  or a selection that differs from a one-filter-looser one by fewer than that many patients:
  the differencing of a group against its complement);
- `shield`: the answer with every cell of fewer than `min_cell` patients shown as `<5`
  (a `Hidden`, see cells.py), plus the cells that would let someone recover it from a total
  and the other cells of the same answer, shown as `†` (complementary suppression; the rule
  of each kind of answer is in suppression.py). Tests and hazard ratios over groups with a
  hidden cell are withheld, and so are plots of an answer with any hidden cell unless its rule
  can draw them from the shown cells alone (a forest plot of the shown subgroups).

Nothing here knows Slack.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sts_queries.charts import KaplanMeierChart
from sts_queries.cohort.catalog import CATEGORICAL, Catalog
from sts_queries.cohort.cohort import Cohort
from sts_queries.language.filters import Filter
from sts_queries.metrics.metric import Metric
from sts_queries.privacy.cells import (
    DEFAULT_MIN_CELL,
    Hidden,
    complementary,
    holds_hidden,
    is_hidden,
    is_small,
)
from sts_queries.privacy.suppression import suppress_body, suppress_groups
from sts_queries.privacy.suppression_notes import public_chart, suppress_notes
from sts_queries.privacy.suppression_plots import public_chart_of
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, jsonable
from sts_queries.sql.statement import statement

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
    return cohort.count(sql, params)


def reveals_patients(spec: QuerySpec, metric: Metric, cohort: Cohort, min_cell: int) -> str | None:
    """Why an answer to `spec` would show individual patients, or None when it would not."""
    if metric.patient_level:
        return f"`{metric.name}` shows individual patients"
    ids = identifier_fields(cohort.catalog)
    for name in spec.by_fields:
        if name in ids:
            return f"`by={name}` makes a group of each patient"
    for f in spec.filters:
        if f.field in ids:
            return f"a filter on `{f.field}` selects individual patients"
    # One refusal, worded without the count: "none match", "a few match" and "a few are left
    # out" read alike, or each extra filter would be a yes/no question answered from the data
    # (issue 19: a patient's day of death found by bisecting os_time).
    refused = small_selection(min_cell)
    n = _count(spec, cohort, spec.filters)
    if n < min_cell:  # none is a small cell too
        return refused
    # Differencing: this answer and the one without a filter would single out the patients
    # that filter leaves out (`count` of a group and of its complement).
    for i in range(len(spec.filters)):
        looser = _count(spec, cohort, spec.filters[:i] + spec.filters[i + 1 :])
        if is_small(looser - n, min_cell):
            return refused
    if _tau_against_small_group(spec, cohort, min_cell):
        return (
            f"`tau=` is checked against each group's last follow-up, and a group here has "
            f"fewer than {min_cell} patients: whether tau is refused would tell that "
            "group's last time (leave tau out: the default is shown as far as it may be)"
        )
    return None


def _tau_against_small_group(spec: QuerySpec, cohort: Cohort, min_cell: int) -> bool:
    """rmst with tau= and by=: is a group of the patients analysed smaller than `min_cell`?
    (tau past a group's censored follow-up is refused, a yes/no answer about its last time.)"""
    column = f"{spec.outcome}_time"
    if spec.metric != "rmst" or spec.tau is None or not spec.by:
        return False
    if column not in cohort.catalog.names():
        return False  # not an endpoint: the answer says so, and reveals nothing
    sql, params = statement(
        spec,
        cohort.catalog,
        "SELECT count(*) AS n FROM selected WHERE time IS NOT NULL GROUP BY group_key",
        columns={"time": column},
    )
    return any(is_small(int(n), min_cell) for n in cohort.query(sql, params)["n"])


def small_selection(min_cell: int) -> str:
    """Why a selection is refused in public, the same whatever its size and whatever the rule
    (a small selection, a one-filter complement, a tracker's step: trackers.py)."""
    return (
        f"the selection is too close to a handful of patients (under {min_cell}: by itself, "
        "against the same question without one of its filters, or against an answer already "
        "shown to you or in this channel)"
    )


# --- Small cells ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Shielded:
    answer: Answer
    suppressed: bool  # some cell is hidden: a note says so; `answer.chart` is what may be drawn


_NOTE = (
    "Counts of fewer than {k} patients are shown as <{k}, and those that would give one away "
    "by subtraction as †; {plots}: small numbers can identify a patient. The full "
    "answer is given in the channels set up for patient-level questions{dm}."
)
_NO_PLOT = "plots are withheld"
_SHOWN_PLOT = "the plot draws only what is shown"


def shield(answer: Answer, min_cell: int, *, dms: bool = False) -> Shielded | None:
    """`answer` as it may be shown outside patient places; None when no rule covers its body."""
    k = min_cell
    groups, hidden_groups = suppress_groups(answer, k)
    grouped = replace(answer, groups=tuple(groups))
    ruled = suppress_body(answer.body, grouped, k)
    if ruled is None:
        return None
    body, groups, hid = ruled
    suppressed = hid or bool(hidden_groups)
    test, method = answer.test, answer.method
    notes = suppress_notes(answer.body, body, [mask_text(note, k) for note in answer.notes], k)
    if hidden_groups:  # notes that name a hidden group (its size, its events) go
        labels = [re.escape(str(label)) for label in hidden_groups]
        # Not \b: a cut's labels (`≥70`, `<65`) begin with no word character to border on.
        named = re.compile(rf"(?<!\w)({'|'.join(labels)})(?!\w)")
        notes = [note for note in notes if not named.search(note)]
    cells_hidden = bool(hidden_groups) or any(holds_hidden(g) for g in groups)
    if test is not None and cells_hidden:
        # A test over a table with a hidden cell (Fisher's p and the margins) can give it back.
        test = None
        notes = [note for note in notes if "test" not in note]  # what it said of the test
        if method:
            method = "; ".join(p for p in method.split("; ") if " test" not in p)
        notes.append("No test: it would rest on groups too small to show here.")
    if cells_hidden:  # hazard ratios lean on every group, the reference too
        if getattr(body, "hr_test", None) is not None:
            body = replace(body, hr_test=None, ph_test=None)
        groups = [
            {
                key: Hidden(k) if key.startswith("hr") and v is not None else v
                for key, v in g.items()
            }
            for g in groups
        ]
    chart = answer.chart
    if suppressed and chart is not None:  # drawn from the cells it may show, if any
        chart = public_chart(body, chart, k)
        if hidden_groups or any(is_hidden(g.get("events")) for g in groups):
            chart = None if isinstance(chart, KaplanMeierChart) else chart  # a curve too few
    chart = public_chart_of(chart, k)  # curves cut where few are at risk, no ticks, <5
    if suppressed:
        dm = " (or a direct message with me)" if dms else ""
        plots = _SHOWN_PLOT if chart is not None else _NO_PLOT
        notes.append(_NOTE.format(k=k, dm=dm, plots=plots))
    shielded = replace(
        answer,
        body=body,
        groups=tuple(groups),
        test=test,
        method=method,
        notes=tuple(notes),
        chart=chart,
    )
    return Shielded(answer=shielded, suppressed=suppressed)


_OF = re.compile(r"\b(\d+) of (\d+)\b")
_PAREN = re.compile(r"\((\d+)\)")
_COUNTED = re.compile(r"\b(\d+)(?= (?:selected )?(?:patients?|events?|cases?)\b)")


def mask_text(text: str, min_cell: int) -> str:
    """Small counts in prose (`2 of 14 …`, `LPS (3)`, `2 selected patients`) shown as `<5`."""

    def of(m: re.Match) -> str:
        return f"<{min_cell} of {m[2]}" if 0 < int(m[1]) < min_cell else m[0]

    def paren(m: re.Match) -> str:
        return f"(<{min_cell})" if 0 < int(m[1]) < min_cell else m[0]

    def counted(m: re.Match) -> str:
        return f"<{min_cell}" if 0 < int(m[1]) < min_cell else m[0]

    return _COUNTED.sub(counted, _PAREN.sub(paren, _OF.sub(of, text)))


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
