"""One exception tree: every error a user can cause carries a message and a hint.

Errors are raised deep inside and turned into a reply once, at the edge (CLI, console, Slack).
"""

from __future__ import annotations

__all__ = [
    "CohortDataError",
    "EmptySelection",
    "InternalError",
    "StsError",
    "UnknownField",
    "UnknownMetric",
    "UnknownValue",
    "UsageError",
]


class StsError(Exception):
    """Base of every error whose message is meant for the person who asked."""

    kind = "error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint}


class UsageError(StsError):
    """A token or command that does not follow `/sts <metric> [filters] [by=field] [options]`."""

    kind = "usage"


class UnknownMetric(UsageError):
    kind = "unknown_metric"


class UnknownField(StsError):
    kind = "unknown_field"


class UnknownValue(StsError):
    kind = "unknown_value"


class EmptySelection(StsError):
    kind = "empty_selection"


class InternalError(StsError):
    """A bug, told to the user only as a reference the log files the traceback under."""

    kind = "internal"


class CohortDataError(StsError):
    """A cohort folder that fails validation; the message names file, row and column."""

    kind = "data"

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        row: int | None = None,
        column: str = "",
        hint="",
        lines: tuple[int, ...] = (),
        more: int = 0,
    ) -> None:
        where = file
        if row is not None:
            where += f", line {row}"
        elif lines:
            word = "line" if len(lines) == 1 and not more else "lines"
            where += (
                f", {word} " + ", ".join(map(str, lines)) + (f" and {more} more" if more else "")
            )
        if column:
            where += f", column `{column}`"
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.file = file
        self.row = row
        self.column = column
        self.problems: list[str] = [self.message]  # every problem found, for `sts check`
