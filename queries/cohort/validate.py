"""Every problem in a folder at once: grouped by value, with file, sheet, lines and column.

Checks are SQL over a whole column (never a Python call per cell). A problem in a column an
answer uses blocks the folder; one in a column nothing uses is a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sts_queries.errors import CohortDataError
from sts_queries.sql.identifiers import quote_identifier as _quote

__all__ = ["RESPONSES", "Problems", "TableReport", "flush_reports"]

RESPONSES = ("CR", "PR", "SD", "PD", "NE")
_SHOWN_LINES = 5
_SHOWN_VALUES = 20


@dataclass
class Problems:
    """Collects every error and warning in a folder so `sts check` can list them all at once."""

    items: list[CohortDataError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(
        self,
        message: str,
        *,
        file: str,
        row: int | None = None,
        column: str = "",
        lines: tuple[int, ...] = (),
        more: int = 0,
        hint: str = "",
    ) -> None:
        self.items.append(
            CohortDataError(
                message, file=file, row=row, column=column, lines=lines, more=more, hint=hint
            )
        )

    def warn(self, message: str, *, file: str, column: str = "", lines=(), more=0) -> None:
        self.warnings.append(
            CohortDataError(message, file=file, column=column, lines=lines, more=more).message
        )

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        more = len(self.items) - 1
        hint = (
            f"{more} more problem(s) in this folder; `sts check DIR` lists them all."
            if more
            else ""
        )
        error = CohortDataError(first.message, hint=hint or first.hint)
        error.problems = [p.message + (f" ({p.hint})" if p.hint else "") for p in self.items]
        error.warnings = list(self.warnings)
        raise error from None


@dataclass(frozen=True)
class _Issue:
    column: str
    message: str
    records: tuple[int, ...]
    count: int
    error: bool
    hint: str


@dataclass(frozen=True)
class _Check:
    how: str  # "value": a problem per offending value; "rows": one for all offending rows
    column: str
    condition: str  # SQL: the offending rows
    message: Callable[[str], str] | str
    error: bool
    hint: str = ""
    source: str | None = None  # rows to look in, when not the view's
    counted: str | None = None  # an aggregate over the view counting the offending rows
    known: bool | None = None  # whether any row offends, when already known

    @property
    def count(self) -> str | None:
        """What counts its offending rows in the scan of the view (None: not counted there)."""
        if self.known is not None:
            return None
        if self.source is None:
            return f"count(*) FILTER (WHERE {self.condition})"
        return self.counted


@dataclass
class TableReport:
    """Problems of one table, found by SQL, turned into lines once at the end."""

    con: object  # duckdb connection
    view: str  # the cleaned view: _rec plus one text column per field
    file: str
    lines: Callable[[list[int]], dict[int, int]]
    originals: dict[str, str] = field(default_factory=dict)  # columns named as the file does
    issues: list[_Issue] = field(default_factory=list)
    pending: list[_Check] = field(default_factory=list)

    def by_value(
        self,
        column: str,
        condition: str,
        message: Callable[[str], str],
        *,
        error: bool = True,
        hint: str = "",
        source: str | None = None,
        counted: str | None = None,
        known: bool | None = None,
    ) -> None:
        """One problem per distinct offending value (checked in one batch at `flush`). With a
        `source` (rows to look in other than the view's), `counted` is an aggregate over the
        view that counts the offending rows, else they are looked for every time. `known`:
        whether any row offends, when the column's profile says so already."""
        self.pending.append(
            _Check("value", column, condition, message, error, hint, source, counted, known)
        )

    def rows(self, column: str, condition: str, message: str, *, error: bool = True) -> None:
        """One problem for every row matching `condition` (say, an empty identifier)."""
        self.pending.append(_Check("rows", column, condition, message, error))

    def counts(self) -> list[str]:
        """The aggregates over the view that count the offending rows of the checks that are
        counted there, in the order of `pending`."""
        return [c.count for c in self.pending if c.count]

    def _run_pending(self, counts: list[int]) -> None:
        """Look again at the checks that fail (`counts`: what `counts()` counted): the ones
        over the view first, then those with rows of their own to look in."""
        counted = iter(counts)
        found = [next(counted) if c.count else c.known for c in self.pending]
        checks = list(zip(self.pending, found, strict=True))
        failing = [c for c, n in checks if c.source is None and n]
        failing += [c for c, n in checks if c.source is not None and n != 0]
        for c in failing:
            if c.how == "value":
                self._values(
                    c.column, c.condition, c.message, c.error, c.hint, c.source or self.view
                )
            else:
                self._rows(c.column, c.condition, c.message, c.error)
        self.pending.clear()

    def _values(self, column, condition, message, error, hint, source) -> None:
        rows = self.con.execute(
            f"SELECT {_quote(column)} AS v, count(*) AS n, "
            f"list(_rec ORDER BY _rec)[1:{_SHOWN_LINES}] FROM {source} WHERE {condition} "
            f"GROUP BY v ORDER BY min(_rec) LIMIT {_SHOWN_VALUES + 1}"
        ).fetchall()
        for v, n, recs in rows[:_SHOWN_VALUES]:
            text = message("" if v is None else str(v))
            if n > 1:
                text = f"{n} rows: {text}"
            self.issues.append(_Issue(column, text, tuple(recs), n, error, hint))
        if len(rows) > _SHOWN_VALUES:
            self.issues.append(_Issue(column, "… and more values like these", (), 0, error, hint))

    def _rows(self, column, condition, message, error) -> None:
        n, recs = self.con.execute(
            f"SELECT count(*), list(_rec ORDER BY _rec)[1:{_SHOWN_LINES}] "
            f"FROM {self.view} WHERE {condition}"
        ).fetchone()
        if n:
            text = f"{n} rows: {message}" if n > 1 else message
            self.issues.append(_Issue(column, text, tuple(recs), n, error, ""))

    def whole(self, column: str, message: str, *, error: bool = True, hint: str = "") -> None:
        """A problem of the column as a whole (its kind, its coding)."""
        self.issues.append(_Issue(column, message, (), 0, error, hint))

    def flush(self, problems: Problems) -> None:
        flush_reports([self], problems)

    def _report(self, problems: Problems) -> None:
        wanted = sorted({r for issue in self.issues for r in issue.records})
        line_of = self.lines(wanted) if wanted else {}
        for issue in self.issues:
            column = self.originals.get(issue.column) or issue.column
            lines = tuple(line_of.get(r, r) for r in issue.records)
            more = max(0, issue.count - len(lines))
            if issue.error:
                problems.add(
                    issue.message,
                    file=self.file,
                    row=lines[0] if len(lines) == 1 and not more else None,
                    lines=lines if len(lines) > 1 or more else (),
                    more=more,
                    column=column,
                    hint=issue.hint,
                )
            else:
                problems.warn(
                    issue.message + (f" ({issue.hint})" if issue.hint else ""),
                    file=self.file,
                    column=column,
                    lines=lines,
                    more=more,
                )
        self.issues.clear()


def flush_reports(reports: list[TableReport], problems: Problems) -> None:
    """The reports' problems into `problems`, each report's in turn. One scan of each table,
    all in one statement, counts every check; only the checks that fail are looked at again."""
    counts = [report.counts() for report in reports]
    scans = [
        f"(SELECT {', '.join(f'{c} AS n{j}_{i}' for i, c in enumerate(mine))} FROM {r.view})"
        for j, (r, mine) in enumerate(zip(reports, counts, strict=True))
        if mine
    ]
    row = (
        list(reports[0].con.execute(f"SELECT * FROM {', '.join(scans)}").fetchone())
        if scans
        else []
    )
    for report, mine in zip(reports, counts, strict=True):
        report._run_pending([row.pop(0) for _ in mine])
        report._report(problems)
