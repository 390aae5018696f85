"""Every problem in a folder at once: grouped by value, with file, sheet, lines and column.

Checks are SQL over a whole column (never a Python call per cell). A problem in a column an
answer uses blocks the folder; one in a column nothing uses is a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sts_queries.errors import CohortDataError
from sts_queries.sql.identifiers import quote_identifier as _quote

__all__ = ["RESPONSES", "Problems", "TableReport"]

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


@dataclass
class TableReport:
    """Problems of one table, found by SQL, turned into lines once at the end."""

    con: object  # duckdb connection
    view: str  # the cleaned view: _rec plus one text column per field
    file: str
    lines: Callable[[list[int]], dict[int, int]]
    originals: dict[str, str] = field(default_factory=dict)  # columns named as the file does
    issues: list[_Issue] = field(default_factory=list)
    pending: list[tuple] = field(default_factory=list)

    def by_value(
        self,
        column: str,
        condition: str,
        message: Callable[[str], str],
        *,
        error: bool = True,
        hint: str = "",
        source: str | None = None,
    ) -> None:
        """One problem per distinct offending value (checked in one batch at `flush`)."""
        self.pending.append(("value", column, condition, message, error, hint, source))

    def rows(self, column: str, condition: str, message: str, *, error: bool = True) -> None:
        """One problem for every row matching `condition` (say, an empty identifier)."""
        self.pending.append(("rows", column, condition, message, error, "", None))

    def _run_pending(self) -> None:
        # One scan counts every check; only the checks that fail are looked at again.
        plain = [c for c in self.pending if c[6] is None]
        counts = (
            self.con.execute(
                "SELECT "
                + ", ".join(f"count(*) FILTER (WHERE {c[2]})" for c in plain)
                + f" FROM {self.view}"
            ).fetchone()
            if plain
            else ()
        )
        failing = [c for c, n in zip(plain, counts, strict=True) if n]
        failing += [c for c in self.pending if c[6] is not None]
        for how, column, condition, message, error, hint, source in failing:
            if how == "value":
                self._values(column, condition, message, error, hint, source or self.view)
            else:
                self._rows(column, condition, message, error)
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
        self._run_pending()
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
