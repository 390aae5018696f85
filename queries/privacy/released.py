"""Which sets of patients an answer shows numbers of: what `trackers.py` remembers and checks.

An answer over a selection shows numbers of the selected patients, of each group of `by=`
(the group key the SQL gives, so cut-points and several fields count as they are drawn), and,
in a forest plot, of each subgroup of its `over=` fields. The weekly summary shows the cohort
as it stood at the end of its week. Groups smaller than the minimum cell size are shown only
as `<5`: no number of theirs is remembered. Metrics over no selection (`help`, `fields`) show
none.
"""

from __future__ import annotations

from dataclasses import replace

from sts_queries.cohort.cohort import Cohort
from sts_queries.metrics.metric import Metric
from sts_queries.metrics.summary import Summary
from sts_queries.privacy.trackers import PatientSet
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer
from sts_queries.sql.statement import statement

__all__ = ["released_sets"]

_ROWS = "SELECT p.rowid AS r, s.group_key AS g FROM selected s JOIN patients p USING (patient_id)"


def released_sets(
    spec: QuerySpec, metric: Metric, answer: Answer, cohort: Cohort, min_cell: int
) -> tuple[PatientSet, ...]:
    """The patient sets `answer` (to `spec`) shows a number of."""
    n = cohort.rows()
    if isinstance(answer.body, Summary):
        day = answer.body.as_of
        rows = cohort.query("SELECT rowid AS r FROM patients WHERE start_date <= ?", [day])
        # Undefined by conditions: the cohort as it stood, whose size every summary shows.
        return (PatientSet.of(rows["r"].to_numpy(), n),)
    if not (metric.filterable or metric.groupable):
        return ()
    splits = [spec.by] if spec.by else []
    splits += [f for f in spec.over if f != spec.by]
    if not splits:
        frame = _frame(replace(spec, by=None), cohort)
        return (_selection(spec, frame, n),)
    # A split's rows are the selection's, each with its group (NULL outside every group): the
    # first split's frame gives the selection too, one statement fewer.
    frames = [_frame(replace(spec, by=split), cohort) for split in splits]
    sets = [_selection(spec, frames[0], n)]
    for split, frame in zip(splits, frames, strict=True):
        sets.extend(_groups(replace(spec, by=split), frame, n, min_cell))
    return tuple(sets)


def _frame(spec: QuerySpec, cohort: Cohort):
    sql, params = statement(spec, cohort.catalog, _ROWS, columns={})
    return cohort.query(sql, params)


def _definition(conditions: list[str]) -> str:
    """The conditions in one canonical text: sorted, without spaces (`age ≥ 60` = `age≥60`)."""
    return "; ".join(sorted("".join(c.split()) for c in conditions))


def _group_condition(spec: QuerySpec, key: str) -> str:
    """A group of `by=` as the condition a filter would write: `sex = M`, and for a cut
    `age≥60` (its bin's label after the field's name)."""
    grouping = spec.grouping
    if grouping is not None and len(grouping.terms) == 1 and grouping.terms[0].cuts:
        return f"{grouping.terms[0].field}{key}"
    return f"{spec.by} = {key}"


def _conditions(spec: QuerySpec) -> list[str]:
    """Each filter in words under its field's name (not the label it was typed or shown by),
    so that `sex=M` and the `M` group of `by=sex` are one definition."""
    return [replace(f, label=f.field).describe() for f in spec.filters]


def _selection(spec: QuerySpec, frame, n: int) -> PatientSet:
    """The selected patients: every row of `frame` (of the selection, grouped or not)."""
    return PatientSet.of(frame["r"].to_numpy(), n, _definition(_conditions(spec)))


def _groups(spec: QuerySpec, frame, n: int, min_cell: int) -> list[PatientSet]:
    """The groups of `spec.by` of at least `min_cell` patients, from `frame` (its rows)."""
    words = _conditions(spec)
    out = []
    for key, rows in frame.dropna(subset=["g"]).groupby("g", sort=True)["r"]:
        if len(rows) >= min_cell:
            definition = _definition([*words, _group_condition(spec, str(key))])
            out.append(PatientSet.of(rows.to_numpy(), n, definition))
    return out
