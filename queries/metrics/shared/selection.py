"""A metric's SQL over the selection, and the selection's size."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import EmptySelection
from sts_queries.language.filters import Filter
from sts_queries.query_spec import QuerySpec
from sts_queries.sql.statement import statement

__all__ = ["run", "selected_n"]


def run(
    spec: QuerySpec,
    cohort: Cohort,
    body: str,
    *,
    columns: Mapping[str, str] | None = None,
    result_filters: tuple[Filter, ...] = (),
    then: str | None = None,
) -> pd.DataFrame:
    """A metric's SQL over the selection; see `sql.statement`."""
    sql, params = statement(
        spec, cohort.catalog, body, columns=columns, result_filters=result_filters, then=then
    )
    return cohort.query(sql, params)


def selected_n(spec: QuerySpec, cohort: Cohort) -> int:
    """How many patients the filters select; an empty selection is an error worth saying."""
    sql, params = statement(spec, cohort.catalog, "SELECT count(*) AS n FROM selected", columns={})
    n = cohort.count(sql, params)
    if n == 0:
        what = " and ".join(spec.describe_filters()) or "this cohort"
        raise EmptySelection(
            f"No patients match {what}.",
            hint="Loosen a filter; `/sts fields` shows every value with its count.",
        )
    return n
