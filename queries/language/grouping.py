"""`by=`, `cuts=` and `strata=` → a Grouping: fields, a field cut at numbers or dates, several
fields crossed; and `ref=` read as one of its groups.

`by=stage` groups by the field's values; `by=age>=65` cuts a number (or date) in two, the
group below the cut first (the reference); `by=age cuts=50,65` in left-closed bins `<50`,
`50–<65`, `≥65` (R's `cut(…, right = FALSE)`); `by=trt,celltype` crosses fields, one group per
combination present (R's `survfit(~ trt + celltype)`). Every name is the catalog's and every
cut a number or date read here, so the SQL built from a Grouping never holds user text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re

from sts_queries.cohort.catalog import DATE, NUMERIC, Catalog, Field
from sts_queries.errors import UnknownValue, UsageError
from sts_queries.language.conditions import MAX_NUMBER, condition_filter, read_date
from sts_queries.language.parse import Condition
from sts_queries.query_spec import Grouping, GroupTerm
from sts_queries.sql.grouping import SEPARATOR

__all__ = ["MAX_CUTS", "grouping_option", "reference_in", "strata_option"]

MAX_CUTS = 9  # ten bins: past that a curve or a column each is unreadable
_TERM = re.compile(r"^(?P<field>[^<>≥≤=!]*?)\s*(?P<op>>=|≥|<=|≤|>|<|!=|≠|==|=)\s*(?P<value>.*)$")
_OPS = {">=": ">=", "≥": ">=", "<=": "<=", "≤": "<=", ">": ">", "<": "<"}
_EXAMPLES = "e.g. by=stage, by=age>=65, by=age cuts=50,65, by=trt,celltype"


def _field(typed: str, catalog: Catalog, text: str) -> Field:
    field = catalog.get(typed)
    if field is None:  # the filters' own error: the nearest names, and `fields`
        condition_filter(Condition(field=typed, op="=", value="x", text=text), catalog)
    return field


def show(value) -> str:
    """A cut as labels show it: 65, 2.5, 2020-01-01."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return format(value, ".15g")


def _cut(text: str, field: Field, where: str) -> float | int | dt.date:
    if field.kind == DATE:
        return read_date(text, field)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and abs(value) <= MAX_NUMBER):
        raise UsageError(
            f"`{where}`: `{field.name}` is cut at numbers, not `{text}`.",
            hint=f"e.g. by={field.name}>=65, or by={field.name} cuts=50,65",
        )
    return int(value) if value.is_integer() else value


def _cuttable(field: Field, where: str) -> None:
    if field.kind not in (NUMERIC, DATE):
        raise UsageError(
            f"`{where}`: `{field.name}` is a category; cut-points cut a number or a date.",
            hint=f"Group by its values with by={field.name}; cut numbers: by=age>=65.",
        )


def _at(field: Field, op: str, value) -> GroupTerm:
    """Two groups at one cut: `>=`/`<` put the cut in the upper group, `>`/`<=` in the lower;
    either way the group below the cut comes first."""
    c = show(value)
    right = op in (">", "<=")
    labels = (f"≤{c}", f">{c}") if right else (f"<{c}", f"≥{c}")
    return GroupTerm(field=field.name, cuts=(value,), right=right, labels=labels)


def _bins(field: Field, cuts: tuple) -> GroupTerm:
    shown = [show(c) for c in cuts]
    inner = [f"{a}–<{b}" for a, b in itertools.pairwise(shown)]
    labels = (f"<{shown[0]}", *inner, f"≥{shown[-1]}")
    return GroupTerm(field=field.name, cuts=cuts, labels=labels)


def _term_text(term: GroupTerm) -> str:
    if not term.cuts:
        return term.field
    if len(term.cuts) == 1:
        return f"{term.field}{term.labels[1][0]}{show(term.cuts[0])}"
    return f"{term.field} (cut at {', '.join(show(c) for c in term.cuts)})"


def _term(typed: str, catalog: Catalog, where: str) -> tuple[GroupTerm, Field]:
    match = _TERM.match(typed)
    if match is None:
        field = _field(typed, catalog, where)
        return GroupTerm(field=field.name), field
    name, op, value = match["field"].strip(), match["op"], match["value"].strip()
    if op not in _OPS:
        raise UsageError(
            f"`{where}`: by= names fields to group by, not a value (`{typed}`).",
            hint=f"Filter with {typed} and group with by=<field>; {_EXAMPLES}.",
        )
    if not name:
        raise UsageError(f"`{where}`: a cut needs its field before `{op}`.", hint=_EXAMPLES)
    field = _field(name, catalog, where)
    _cuttable(field, where)
    if not value:
        raise UsageError(
            f"`{where}` has no value after `{op}`.", hint=f"e.g. by={field.name}{op}65"
        )
    return _at(field, _OPS[op], _cut(value, field, where)), field


def _with_cuts(terms: list[tuple[GroupTerm, Field]], text: str) -> list[tuple[GroupTerm, Field]]:
    """`cuts=50,65` applied to the number or date field of by= (a code only when by= names
    no other number: `by=trt,age cuts=65` cuts age)."""
    where = f"cuts={text}"
    plain = [(i, f) for i, (t, f) in enumerate(terms) if not t.cuts and f.kind in (NUMERIC, DATE)]
    numbers = [(i, f) for i, f in plain if not f.groupable] or plain
    if len(numbers) > 1:
        raise UsageError(
            f"`{where}`: by= names several numbers ({', '.join(f.name for _, f in numbers)}); "
            "cuts= cuts one.",
            hint="Cut the others in by= itself: by=age,karno>=60 cuts=50,65",
        )
    if not numbers:
        if any(t.cuts for t, _ in terms):
            raise UsageError(
                f"`{where}`: by= already cuts its number; give the cut-points once.",
                hint="by=age>=65, or by=age cuts=50,65",
            )
        _cuttable(terms[0][1], where)
    i, field = numbers[0]
    typed = [t.strip() for t in text.split(",") if t.strip()]
    if not typed or len(typed) > MAX_CUTS:
        raise UsageError(
            f"`{where}`: give one to {MAX_CUTS} cut-points.", hint="e.g. by=age cuts=50,65"
        )
    cuts = tuple(sorted({_cut(t, field, where) for t in typed}))
    out = list(terms)
    out[i] = (_bins(field, cuts), field)
    return out


def grouping_option(by: str | None, cuts: str | None, catalog: Catalog) -> Grouping | None:
    """The grouping of `by=` (with `cuts=`), every field and cut checked against the catalog."""
    if by is None:
        if cuts is not None:
            raise UsageError(
                "`cuts=` cuts the field of by=, and there is no by=.",
                hint="e.g. /sts os by=age cuts=50,65",
            )
        return None
    typed = [t.strip() for t in by.split(",")]
    if not all(typed):
        raise UsageError(f"`by={by}` has an empty field between commas.", hint=_EXAMPLES)
    terms: list[tuple[GroupTerm, Field]] = []
    for word in typed:
        if terms and terms[-1][0].cuts and _cut_like(word):
            last = terms[-1][0]
            raise UsageError(
                f"`by={by}`: by= cuts a field at one point; several cut-points go in cuts=.",
                hint=f"e.g. by={last.field} cuts={show(last.cuts[0])},{word.lstrip('<>=≥≤')}",
            )
        terms.append(_term(word, catalog, f"by={by}"))
    if cuts is not None:
        terms = _with_cuts(terms, cuts)
    names = [t.field for t, _ in terms]
    repeated = {n for n in names if names.count(n) > 1}
    if repeated:
        raise UsageError(f"`by={by}` names {', '.join(sorted(repeated))} twice.", hint=_EXAMPLES)
    for term, field in terms:
        if not term.cuts and not field.groupable:
            raise UsageError(
                f"`by={field.name}`: groups need a category field, not a {field.kind} one.",
                hint=f"Cut it: by={field.name}>=… (two groups) or by={field.name} cuts=a,b "
                f"(bins); or group by a category, e.g. {_categories(catalog)}.",
            )
    grouped = tuple(t for t, _ in terms)
    text = " × ".join(_term_text(t) for t in grouped)
    return Grouping(terms=grouped, text=text)


def _categories(catalog: Catalog) -> str:
    some = [f.name for f in catalog.fields if f.groupable and f.name != "patient_id"][:3]
    return ", ".join(f"by={n}" for n in some) or "by=<category>"


def _cut_like(word: str) -> bool:
    return bool(re.fullmatch(r"[<>≥≤=]*\s*[-\d.:/]+", word))


def strata_option(text: str | None, grouping: Grouping | None, catalog: Catalog):
    """The fields of `strata=`: categories (or codes), none of them a field of by=."""
    if text is None:
        return None
    if grouping is None:
        raise UsageError(
            "`strata=` stratifies the comparison of groups, so it needs by=<field>.",
            hint="e.g. /sts os by=trt strata=celltype",
        )
    names: list[str] = []
    for typed in (t.strip() for t in text.split(",")):
        if not typed:
            raise UsageError(f"`strata={text}` has an empty field.", hint="e.g. strata=celltype")
        field = _field(typed, catalog, f"strata={text}")
        if field.name in grouping.fields:
            raise UsageError(
                f"`strata={typed}`: `{field.name}` already makes the groups (by=).",
                hint="Stratify by another field, e.g. /sts os by=trt strata=celltype",
            )
        if not field.groupable:
            raise UsageError(
                f"`strata={typed}`: strata are the values of a category field, not a "
                f"{field.kind} one.",
                hint="e.g. strata=celltype; a number stratifies once cut: filter or by= it.",
            )
        if field.name not in names:
            names.append(field.name)
    terms = tuple(GroupTerm(field=n) for n in names)
    return Grouping(terms=terms, text=" × ".join(names))


def reference_in(text: str | None, grouping: Grouping | None, catalog: Catalog) -> str | None:
    """`ref=` as one group of `grouping`: a field's value (case, synonyms, labels), a cut's
    group (`>=65` or `≥65`), or one of each, comma-separated, for crossed fields."""
    if text is None or grouping is None:
        return None
    parts = [p.strip() for p in text.split(",")] if len(grouping.terms) > 1 else [text]
    if len(parts) != len(grouping.terms):
        raise UnknownValue(
            f"`ref={text}`: a group of {grouping.text} names one value of each, in order.",
            hint=f"e.g. ref={','.join(_first(t, catalog) for t in grouping.terms)}",
        )
    return SEPARATOR.join(
        _reference_part(p, t, catalog, text) for p, t in zip(parts, grouping.terms, strict=True)
    )


def _first(term: GroupTerm, catalog: Catalog) -> str:
    return term.labels[0] if term.cuts else (catalog.get(term.field).values or ("…",))[0]


_TYPED_BIN = str.maketrans({"-": "–"})


def _reference_part(typed: str, term: GroupTerm, catalog: Catalog, text: str) -> str:
    if term.cuts:
        key = typed.replace(">=", "≥").replace("<=", "≤").replace(" ", "").translate(_TYPED_BIN)
        if key in term.labels:
            return key
        raise UnknownValue(
            f"`ref={text}`: `{typed}` is not a group of {term.field} here.",
            hint=f"Groups: {', '.join(term.labels)}.",
        )
    field = catalog.get(term.field)
    resolved = field.resolve(typed)
    if resolved is None or len(resolved) != 1:
        what = "is a group of several values of" if resolved else "is not a value of"
        raise UnknownValue(
            f"`ref={text}` {what} `{field.name}`; the reference is one group.",
            hint=f"Known values: {field.known_values_text(counts=False)}.",
        )
    return resolved[0]
