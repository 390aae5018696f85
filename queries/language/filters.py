"""The filter algebra: each operator is one object that owns its SQL and its description.

A filter holds a catalog column and canonical values, never user text; `sql(column)` returns a
condition over an already-quoted identifier with `?` for every value, and `describe()` the
words the answer echoes ("histology = LPS", "age ≥ 60"). What an operator means is written
here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = ["Between", "Compare", "EventFreePast", "Filter", "InValues", "NotInValues"]


@dataclass(frozen=True, kw_only=True)
class Filter(ABC):
    """A resolved condition on one column."""

    field: str  # the catalog column
    label: str  # how the echo names it
    text: str = ""  # the token as typed, for error messages

    @abstractmethod
    def sql(self, column: str) -> tuple[str, list]:
        """The condition over `column` (a quoted identifier) and its parameters."""

    @abstractmethod
    def describe(self) -> str:
        """The condition in words, as the answer's header echoes it."""

    @property
    @abstractmethod
    def values(self) -> tuple:
        """The canonical values the condition compares with."""


def _shown(values: tuple) -> str:
    return ", ".join(str(v) for v in values)


@dataclass(frozen=True, kw_only=True)
class InValues(Filter):
    """`field=a,b`, and hierarchy groups and synonyms (`stage=III` → IIIA, IIIB)."""

    members: tuple
    group: str = ""  # the group or synonym the user typed, for the echo

    @property
    def values(self) -> tuple:
        return self.members

    def sql(self, column: str) -> tuple[str, list]:
        return f"{column} IN ({', '.join('?' for _ in self.members)})", list(self.members)

    def describe(self) -> str:
        if self.group:
            return f"{self.label} = {self.group} ({_shown(self.members)})"
        return f"{self.label} = {_shown(self.members)}"


@dataclass(frozen=True, kw_only=True)
class NotInValues(Filter):
    """`field!=a`: keeps patients whose value is unknown, since they are not `a` either."""

    members: tuple
    group: str = ""  # the labels of coded values, for the echo

    @property
    def values(self) -> tuple:
        return self.members

    def sql(self, column: str) -> tuple[str, list]:
        marks = ", ".join("?" for _ in self.members)
        return f"({column} IS NULL OR {column} NOT IN ({marks}))", list(self.members)

    def describe(self) -> str:
        if self.group:
            return f"{self.label} ≠ {self.group} ({_shown(self.members)})"
        return f"{self.label} ≠ {_shown(self.members)}"


@dataclass(frozen=True, kw_only=True)
class Between(Filter):
    """`age=40..60`: both ends included."""

    low: object
    high: object

    @property
    def values(self) -> tuple:
        return (self.low, self.high)

    def sql(self, column: str) -> tuple[str, list]:
        return f"{column} BETWEEN ? AND ?", [self.low, self.high]

    def describe(self) -> str:
        return f"{self.label} {self.low}–{self.high}"


_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


@dataclass(frozen=True, kw_only=True)
class Compare(Filter):
    """`age>=60`, `age<40`, `start_date>=2019-10-01`."""

    op: str
    value: object

    def __post_init__(self) -> None:
        if self.op not in _SYMBOLS:
            raise ValueError(f"unknown comparison {self.op!r}")  # a bug, never user input

    @property
    def values(self) -> tuple:
        return (self.value,)

    def sql(self, column: str) -> tuple[str, list]:
        return f"{column} {self.op} ?", [self.value]

    def describe(self) -> str:
        return f"{self.label} {_SYMBOLS[self.op]} {self.value}"


@dataclass(frozen=True, kw_only=True)
class EventFreePast(Filter):
    """`given=90`: the patients still event-free and followed past a time (`time > t`), whom a
    conditional survival curve is about. `value` is the time in the column's (the cohort's)
    unit; `after` and `unit` are as asked, for the echo."""

    value: float
    after: float
    unit: str

    @property
    def values(self) -> tuple:
        return (self.value,)

    def sql(self, column: str) -> tuple[str, list]:
        return f"{column} > ?", [self.value]

    def describe(self) -> str:
        return f"given event-free past {self.after:g} {self.unit}"
