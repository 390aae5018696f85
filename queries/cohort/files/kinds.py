"""Column kinds — identifier, category, code, number, date, event — and the SQL that types them.

Each column of a raw table is profiled once (files/profile.py: how many cells read as numbers,
whole numbers, ISO dates, day/month dates, event codes…); the kind follows from that profile
unless `cohort.toml` declares it. The typed value of a cell is then a SQL expression over its text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CODE_MAX_LEVELS",
    "DAY_MONTH",
    "KIND_NAMES",
    "Profile",
    "cleaned_select",
    "date_sql",
    "event_sql",
    "number_sql",
    "sql_text",
]

# A whole-number column with at most this many distinct values between 0 and 10 is a code
# (sex 1/2, ECOG 0–4, a yes/no 0/1): it can be grouped with by= and summarised as a category.
CODE_MAX_LEVELS = 6
KIND_NAMES = {
    "numeric": "number",
    "number": "number",
    "continuous": "number",
    "integer": "number",
    "categorical": "category",
    "category": "category",
    "text": "category",
    "string": "category",
    "code": "code",
    "ordinal": "code",
    "coded": "code",
    "date": "date",
    "identifier": "identifier",
    "id": "identifier",
}
_EVENT_WORDS = [
    "yes",
    "y",
    "true",
    "t",
    "dead",
    "deceased",
    "died",
    "death",
    "event",
    "progressed",
    "progression",
    "recurred",
    "relapsed",
    "recurrence",
    "relapse",
    "pd",
]
_CENSOR_WORDS = [
    "no",
    "n",
    "false",
    "f",
    "alive",
    "living",
    "censored",
    "censor",
    "diseasefree",
    "disease_free",
]
_ISO = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d")
DAY_MONTH = r"^\d{1,2}[/.-]\d{1,2}[/.-](\d{2}|\d{4})$"


def cleaned_select(cells: dict[str, str], source: str, missing: tuple[str, ...]) -> str:
    """SELECT from `source` of each cell's text (`cells`: name -> expression), trimmed, or NULL
    when it is one of the missing-value tokens (compared case-insensitively). The rule is one
    lambda over the row's cells as a list: bound once whatever the width (a `CASE … IN` per
    column costs DuckDB ~1 ms each to plan, ~20 ms for a 17-column file)."""
    if not cells:
        return f"SELECT 1 AS c0 FROM {source}"
    tokens = ", ".join(sql_text(t.lower()) for t in missing)
    rule = f"lambda x: CASE WHEN lower(trim(x)) IN ({tokens}) THEN NULL ELSE trim(x) END"
    out = ", ".join(f"_cells[{i}] AS {name}" for i, name in enumerate(cells, 1))
    return (
        f"SELECT {out} FROM (SELECT list_transform([{', '.join(cells.values())}], {rule}) "
        f"AS _cells FROM {source})"
    )


def sql_text(value: str) -> str:
    """A SQL string literal for text that comes from the cohort's own files or settings."""
    return "'" + str(value).replace("'", "''") + "'"


def number_sql(column: str, decimal_comma: bool) -> str:
    """A number from text. Where the separator is not a comma, a comma is the decimal mark;
    in comma files a quoted `48,5` is too (but `1,000`, a thousands separator, is not)."""
    if decimal_comma:
        return f"TRY_CAST(replace({column}, ',', '.') AS DOUBLE)"
    return (
        f"TRY_CAST(CASE WHEN {column} LIKE '%,%' AND regexp_full_match({column}, "
        f"'[+-]?\\d+,\\d{{1,2}}') THEN replace({column}, ',', '.') ELSE {column} END AS DOUBLE)"
    )


def event_sql(column: str, event: tuple[str, ...] = (), censored: tuple[str, ...] = ()) -> str:
    """1 = event, 0 = censored, NULL = not an event code; a declared coding replaces the guess."""
    if event or censored:
        bare = f"regexp_replace({column}, '\\.0+$', '')"
        ev = ", ".join(sql_text(v) for v in event) or "NULL"
        ce = ", ".join(sql_text(v) for v in censored) or "NULL"
        return f"(CASE WHEN {bare} IN ({ev}) THEN 1 WHEN {bare} IN ({ce}) THEN 0 END)"
    word = f"replace(lower(trim({column})), ' ', '_')"
    return (
        f"(CASE WHEN regexp_full_match({column}, '\\s*[01](\\.0+)?\\s*(:.*)?') "
        f"THEN CAST(substr(trim({column}), 1, 1) AS INTEGER) "
        f"WHEN {word} IN ({', '.join(map(sql_text, _EVENT_WORDS))}) THEN 1 "
        f"WHEN {word} IN ({', '.join(map(sql_text, _CENSOR_WORDS))}) THEN 0 END)"
    )


def date_sql(column: str, order: str = "iso", fmt: str | None = None, serial=False) -> str:
    """A DATE from text: ISO, day/month (`dmy`), month/day (`mdy`), a declared format, or
    an Excel serial number (days since 1899-12-30)."""
    if fmt:
        return f"CAST(TRY_STRPTIME({column}, {sql_text(fmt)}) AS DATE)"
    if serial:
        number = f"TRY_CAST({column} AS DOUBLE)"
        return (
            f"(CASE WHEN {number} BETWEEN 1 AND 2958465 "
            f"THEN DATE '1899-12-30' + CAST(floor({number}) AS INTEGER) END)"
        )
    if order in ("dmy", "mdy"):
        slash = f"regexp_replace({column}, '[.-]', '/', 'g')"
        first, second = ("%d", "%m") if order == "dmy" else ("%m", "%d")
        two = f"TRY_STRPTIME({slash}, '{first}/{second}/%y')"
        four = f"TRY_STRPTIME({slash}, '{first}/{second}/%Y')"
        return (
            f"CAST(CASE WHEN length(regexp_extract({column}, '(\\d+)$', 1)) = 2 "
            f"THEN {two} ELSE {four} END AS DATE)"
        )
    parsed = ", ".join(f"TRY_STRPTIME({column}, {sql_text(f)})" for f in _ISO)
    return f"CAST(COALESCE({parsed}) AS DATE)"


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What one column's cells look like, counted over the whole column."""

    present: int  # cells that are not missing
    numbers: int
    whole: int
    distinct: int
    low: float | None
    high: float | None
    iso: int
    day_month: int  # d/m/y or m/d/y shaped
    first_over_12: int  # d/m/y shaped with a first part > 12: must be day first
    second_over_12: int
    events: int
    declared_format: int

    @property
    def all_numbers(self) -> bool:
        return self.present > 0 and self.numbers == self.present

    def looks_like_code(self) -> bool:
        return (
            self.all_numbers
            and self.whole == self.present
            and self.distinct <= CODE_MAX_LEVELS
            and self.low is not None
            and self.low >= 0
            and self.high is not None
            and self.high <= 10
        )

    def date_order(self) -> str | None:
        """ "iso", "dmy", "mdy", "ambiguous" or None (not dates) for the present cells."""
        if self.present == 0:
            return None
        if self.iso == self.present:
            return "iso"
        if self.day_month == self.present:
            if self.first_over_12 and self.second_over_12:
                return None
            if self.first_over_12:
                return "dmy"
            if self.second_over_12:
                return "mdy"
            return "ambiguous"
        return None
