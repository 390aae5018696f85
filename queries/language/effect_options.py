"""The options that shape effect sizes: `ref=`, `adjust=`, `at=`, `over=`, `tau=`, `given=`,
and the words (`hr`, `cox`) that ask for hazard ratios. Each is resolved against the catalog
here, so a spec holds only catalog fields, canonical values and numbers."""

from __future__ import annotations

from sts_queries.cohort.catalog import CATEGORICAL, DATE, Catalog
from sts_queries.cohort.meta import TIME_UNITS
from sts_queries.errors import UnknownField, UsageError
from sts_queries.language.filters import EventFreePast

__all__ = [
    "EFFECT_OPTIONS",
    "HAZARD_WORDS",
    "OPTION_HINTS",
    "adjust_option",
    "fields_option",
    "given_filter",
    "time_option",
    "times_option",
]

EFFECT_OPTIONS = ("ref", "adjust", "at", "over", "tau", "given")
# Words for "hazard ratio" that lead to the grouped survival answer (see registry.resolve).
HAZARD_WORDS = ("hr", "cox", "hazard", "hazards", "hazard_ratio", "hazard_ratios")
_MAX_LANDMARKS = 8

OPTION_HINTS = {
    "ref": "ref= picks the reference group of a grouped survival answer: /sts pfs by=stage ref=IV",
    "adjust": "adjust= adjusts hazard ratios: /sts pfs by=stage adjust=age,stage (age:linear, "
    "stage:factor say how one enters)",
    "at": "at= asks for landmark survival: /sts pfs at=3,6,12",
    "over": "over= names a forest plot's subgroups: /sts forest orr over=sex,stage",
    "tau": "tau= is the horizon of a restricted mean survival time: /sts rmst os tau=12",
    "given": "given= conditions a survival answer on being event-free at a time: "
    "/sts os given=3 at=12",
}


def fields_option(
    text: str | None,
    option: str,
    catalog: Catalog,
    *,
    exclude: str | None = None,
    categorical: bool = False,
) -> tuple[str, ...]:
    """Catalog fields named in `adjust=` or `over=` (aliases, any case), each once."""
    if text is None:
        return ()
    names: list[str] = []
    for typed in (t.strip() for t in text.split(",") if t.strip()):
        field = catalog.get(typed)
        if field is None:
            near = catalog.nearest(typed)
            hint = f"Did you mean {' or '.join(f'`{n}`' for n in near)}? " if near else ""
            raise UnknownField(
                f"Unknown field `{typed}`.",
                hint=hint + "`/sts fields` lists every field with its values.",
            )
        if field.name == exclude:
            raise UsageError(
                f"`{option}={typed}`: `{field.name}` already splits the groups (by=).",
                hint=f"Name other fields in {option}=, e.g. {option}=age.",
            )
        if categorical and not field.groupable:
            raise UsageError(
                f"`{option}={typed}`: subgroups need a category field, not a {field.kind} one.",
                hint="e.g. over=sex,stage,histology",
            )
        if field.kind == DATE:
            raise UsageError(
                f"`{option}={typed}`: a date cannot be a covariate.", hint="e.g. adjust=age,stage"
            )
        if field.name not in names:
            names.append(field.name)
    if not names:
        raise UsageError(f"`{option}=` names no field.", hint=OPTION_HINTS[option])
    return tuple(names)


# How a covariate may be asked to enter the Cox model (`adjust=age:linear`, `stage:factor`).
_KIND_WORDS = {
    "linear": "linear",
    "number": "linear",
    "numeric": "linear",
    "factor": "factor",
    "category": "factor",
    "categories": "factor",
    "categorical": "factor",
}


def adjust_option(
    text: str | None, catalog: Catalog, *, exclude: str | None = None
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """`adjust=node4,extent:factor,age:linear`: the fields (as `fields_option`), and the kinds
    asked for (field, "linear" | "factor"); a field without one enters as its kind says."""
    if text is None:
        return (), ()
    typed, asked = [], []
    for part in (t.strip() for t in text.split(",") if t.strip()):
        name, _, kind = part.partition(":")
        typed.append(name.strip())
        if not _:
            continue
        word = _KIND_WORDS.get(kind.strip().lower())
        if word is None:
            raise UsageError(
                f"`adjust={text}`: `{kind}` is not a way a covariate enters.",
                hint=f"{name}:linear (per unit of a number) or {name}:factor (categories).",
            )
        asked.append((name.strip(), word))
    names = fields_option(",".join(typed), "adjust", catalog, exclude=exclude)
    kinds: dict[str, str] = {}
    for name, kind in asked:
        field = catalog.get(name)
        if kind == "linear" and field.kind == CATEGORICAL:
            raise UsageError(
                f"`adjust={name}:linear`: `{field.name}` holds words, not numbers; it enters as "
                "categories.",
                hint=f"adjust={field.name}",
            )
        kinds[field.name] = kind
    return names, tuple(kinds.items())


def times_option(text: str | None) -> tuple[float, ...]:
    """`at=3,6,12`: landmark times (the answer's unit), sorted, each once."""
    if text is None:
        return ()
    times: set[float] = set()
    for typed in (t.strip() for t in text.split(",") if t.strip()):
        try:
            value = float(typed)
        except ValueError:
            value = float("nan")
        if not (value >= 0 and value < float("inf")):
            raise UsageError(
                f"`at={text}`: landmark times are numbers of the answer's unit, not `{typed}`.",
                hint="e.g. at=3,6,12 (months), or unit=days at=90,180",
            )
        times.add(value)
    if not times or len(times) > _MAX_LANDMARKS:
        raise UsageError(
            f"`at=` takes one to {_MAX_LANDMARKS} times.", hint="e.g. /sts pfs at=3,6,12"
        )
    return tuple(sorted(times))


def time_option(text: str | None, option: str) -> float | None:
    """`tau=12`, `given=3`: one time (the answer's unit), greater than 0."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if not (value > 0 and value < float("inf")):
        raise UsageError(
            f"`{option}={text}`: {option}= takes one time greater than 0, in the answer's unit.",
            hint=OPTION_HINTS[option] + " (months), or with unit=days",
        )
    return value


def given_filter(
    text: str | None,
    endpoint: str,
    *,
    unit: str,
    time_unit: str,
    at: tuple[float, ...],
    catalog: Catalog,
) -> EventFreePast | None:
    """`given=3`: the patients still event-free and followed past 3 (of `unit`), as a filter
    on the endpoint's time column (in the cohort's `time_unit`): R's
    `survfit(..., subset = time > 3)`, the survival conditional on reaching 3."""
    after = time_option(text, "given")
    if after is None:
        return None
    column = f"{endpoint}_time"
    if column not in catalog.names():
        raise UsageError(
            f"This cohort has no `{endpoint}` endpoint (no {column} column).",
            hint="given= conditions a survival endpoint: /sts os given=3",
        )
    early = [t for t in at if t <= after]
    if early:
        raise UsageError(
            f"`at={','.join(f'{t:g}' for t in early)}` is not after `given={after:g}`: "
            "survival conditional on reaching a time is 100% up to it.",
            hint=f"Ask for times after it, e.g. given={after:g} at={2 * after:g}.",
        )
    return EventFreePast(
        field=column,
        label=endpoint,
        text=f"given={text}",
        value=after * TIME_UNITS[unit] / TIME_UNITS[time_unit],
        after=after,
        unit=unit,
    )
