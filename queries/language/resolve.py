"""Tokens + catalog → a typed, immutable QuerySpec: the options and the spec built of them.

Each filter's field and values are resolved in `conditions.py`. A spec holds only catalog
identifiers and canonical values, so the SQL built from it never contains user text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sts_queries.cohort.catalog import DATE, Catalog, Field
from sts_queries.errors import UnknownValue, UsageError
from sts_queries.language.conditions import (
    bare_value_filter,
    condition_filter,
    grade_filter,
    read_date,
    term_filter,
)
from sts_queries.language.effect_options import (
    EFFECT_OPTIONS,
    HAZARD_WORDS,
    OPTION_HINTS,
    adjust_option,
    fields_option,
    given_filter,
    time_option,
    times_option,
)
from sts_queries.language.filters import Filter, InValues
from sts_queries.language.grouping import grouping_option, reference_in, strata_option
from sts_queries.language.parse import Command, Condition
from sts_queries.query_spec import QuerySpec

if TYPE_CHECKING:
    from sts_queries.metrics.metric import Metric

__all__ = [
    "CI_TYPES",
    "UNITS",
    "build_spec",
]

# "symmetric" is SPSS's median ± z·SE, which the seed paper reports; see median_se.py.
CI_TYPES = ("log-log", "log", "plain", "symmetric")
_CI_ALIASES = {"loglog": "log-log", "log_log": "log-log", "linear": "plain", "spss": "symmetric"}
UNITS = ("days", "weeks", "months", "years")
_OPTIONS = ("by", "cuts", "strata", "ci", "unit", "grade", "as_of", *EFFECT_OPTIONS)
_PATIENT_WORDS = {"case", "patient", "pt", "id", "no", "no."}


def _no_repeats(conditions: tuple[Condition, ...]) -> None:
    """`by=` once; a field once per kind of condition (`age>=40 age<60` is a range, fine)."""
    seen: dict[tuple[str, str], str] = {}
    for cond in conditions:
        kind = cond.op if cond.op in ("=", "!=") else cond.op[0]  # >= and > are one kind
        key = (cond.field.lower(), kind)
        if key in seen:
            what = "`by=`" if key[0] == "by" else f"`{cond.field}`"
            raise UsageError(
                f"{what} is given twice (`{seen[key]}` and `{cond.text}`).",
                hint="Give it once; several values go in one filter, e.g. histology=LPS,UPS.",
            )
        seen[key] = cond.text


def build_spec(
    command: Command,
    metric: Metric,
    catalog: Catalog,
    terms: tuple[str, ...] = (),
    *,
    time_unit: str = "months",
) -> QuerySpec:
    """Resolve a parsed command, whose metric is `metric`, against the cohort's catalog.

    `terms` are the cohort's adverse-event terms, which `tox` may filter on; `time_unit` is the
    unit of its survival columns (what `given=` compares in).
    """
    options: dict[str, object] = {}
    filters: list[Filter] = []
    ae_filters: list[Filter] = []
    readings: list[str] = []
    _no_repeats(command.conditions)
    for cond in command.conditions:
        key = cond.field.lower()
        if key == "term" and "term" not in catalog and "grade" in metric.options:
            found = term_filter(cond.value, cond.text, terms)
            if found is None or cond.op != "=":
                raise UnknownValue(
                    f"No adverse event is recorded as `{cond.value}`.",
                    hint=f"Known terms: {', '.join(terms) or 'none'}.",
                )
            ae_filters.append(found)
            continue
        if key in _OPTIONS and key not in catalog:
            if key == "grade":
                if "grade" not in metric.options:
                    raise UsageError(
                        "`grade` filters adverse events; it works with `tox`.",
                        hint="e.g. /sts tox grade>=3",
                    )
                ae_filters.append(grade_filter(cond))
            elif key in ("by", "cuts"):
                options[key] = cond.value
            elif key == "strata":
                if "strata" not in metric.options:
                    raise UsageError(
                        f"`strata=` does not apply to `{metric.name}`.",
                        hint="strata= stratifies a grouped survival answer: "
                        "/sts os by=trt strata=celltype",
                    )
                options[key] = cond.value
            elif key == "ci":
                ci = _CI_ALIASES.get(cond.value.lower(), cond.value.lower())
                if ci not in CI_TYPES:
                    raise UsageError(
                        f"Unknown confidence interval type `{cond.value}`.",
                        hint="ci=log-log (default), ci=log (R's default), ci=plain, "
                        "ci=spss (median ± 1.96·SE).",
                    )
                options["ci"] = ci
            elif key == "as_of":
                if "as_of" not in metric.options:
                    raise UsageError(
                        "`as_of` replays the weekly summary.",
                        hint="/sts summary as_of=2019-10-14",
                    )
                options["as_of"] = read_date(
                    cond.value, Field(name="as_of", label="as_of", kind=DATE)
                )
            elif key in EFFECT_OPTIONS:
                if key not in metric.options:
                    raise UsageError(
                        f"`{key}=` does not apply to `{metric.name}`.", hint=OPTION_HINTS[key]
                    )
                options[key] = cond.value
            elif key == "unit":
                unit = cond.value.lower().rstrip("s") + "s"
                if unit not in UNITS:
                    raise UsageError(
                        f"Unknown time unit `{cond.value}`.", hint=f"unit={'|'.join(UNITS)}"
                    )
                options["unit"] = unit
            continue
        filters.append(condition_filter(cond, catalog))
    if options.get("by") and not metric.groupable:
        raise UsageError(
            f"`by=` does not apply to `{metric.name}`.",
            hint="by= splits orr, dcr, survival, tox, count, baseline and swimmer; "
            f"filter instead, e.g. /sts {metric.name} {_as_filter(options['by'])}",
        )
    grouping = grouping_option(options.get("by"), options.get("cuts"), catalog)
    if grouping is not None and grouping.plain_field is None and metric.name == "forest":
        raise UsageError(
            f"`by={options['by']}`: a forest plot compares the two arms of one field.",
            hint="e.g. /sts forest pfs by=sex; cut-points and crossed fields group the other "
            "answers (/sts os by=age>=65).",
        )
    strata = strata_option(options.get("strata"), grouping, catalog)
    if command.metric in HAZARD_WORDS and not options.get("by"):
        raise UsageError(
            f"`{command.metric}` compares groups: name them with by=<field>.",
            hint=f"e.g. /sts {command.metric} by=stage, /sts {command.metric} by=sex adjust=age",
        )
    if (options.get("adjust") or options.get("ref")) and not options.get("by"):
        raise UsageError(
            "`ref=` and `adjust=` shape the hazard ratios of groups, so they need by=<field>.",
            hint="e.g. /sts pfs by=stage ref=IIIA adjust=age",
        )
    patient_id = topic = outcome = None
    if metric.args == "patient":
        # `patient 8`, `patient case 8`, `patient #8`: the id is the one word that is not a label.
        words = [a.lstrip("#") for a in command.args if a.lower() not in _PATIENT_WORDS]
        if len(words) != 1 or not words[0]:
            raise UsageError("Which patient?", hint="e.g. /sts patient 8")
        patient_id = words[0]
    elif metric.args == "topic":
        topic = command.args[0].lower() if command.args else None
    elif metric.args == "metric":
        if len(command.args) != 1:
            raise UsageError(
                f"`{metric.name}` needs the metric to show, e.g. /sts {metric.examples[0]}.",
                hint=f"Examples: {', '.join('/sts ' + e for e in metric.examples)}",
            )
        outcome = command.args[0].lower()
    elif command.args:
        named = {f.field for f in (*filters, *ae_filters) if isinstance(f, InValues)}
        for word in command.args:
            found = bare_value_filter(word, catalog, terms if "grade" in metric.options else ())
            if found.field in named:
                raise UsageError(
                    f"`{word}` names {found.field} again; give it once.",
                    hint=f"Several values go in one filter, e.g. {found.field}=a,b.",
                )
            named.add(found.field)
            (ae_filters if found.field == "term" else filters).append(found)
            readings.append(f"Read `{word}` as {found.describe()}.")
    unit = options.get("unit", "months")
    at = times_option(options.get("at"))
    given = given_filter(
        options.get("given"),
        metric.name,
        unit=unit,
        time_unit=time_unit,
        at=at,
        catalog=catalog,
    )
    if given is not None:
        filters.append(given)
    if filters and not metric.filterable:
        raise UsageError(
            f"`{metric.name}` takes no filters.", hint=f"e.g. /sts {metric.examples[0]}"
        )
    return QuerySpec(
        metric=metric.name,
        filters=tuple(filters),
        ae_filters=tuple(ae_filters),
        by=grouping.text if grouping else None,
        grouping=grouping,
        strata=strata,
        ci_type=options.get("ci", "log-log"),
        unit=unit,
        share="share" in command.flags,
        patient_id=patient_id,
        topic=topic,
        as_of=options.get("as_of"),
        reference=reference_in(options.get("ref"), grouping, catalog),
        **_adjustment(options.get("adjust"), catalog, grouping),
        at=at,
        tau=time_option(options.get("tau"), "tau"),
        over=fields_option(options.get("over"), "over", catalog, categorical=True),
        outcome=outcome,
        readings=tuple(readings),
    )


def _adjustment(text: str | None, catalog: Catalog, grouping) -> dict:
    """`adjust=`'s fields and kinds; none of them a field whose values make the groups."""
    adjust, kinds = adjust_option(text, catalog, exclude=grouping.plain_field if grouping else None)
    plain = {t.field for t in grouping.terms if not t.cuts} if grouping else set()
    for name in adjust:
        if name in plain:
            raise UsageError(
                f"`adjust={name}`: `{name}` already splits the groups (by=).",
                hint="Name other fields in adjust=, e.g. adjust=age.",
            )
    return {"adjust": adjust, "adjust_kinds": kinds}


def _as_filter(by: str) -> str:
    """What a `by=` would be as a filter: `age>=60` as it is, `stage` as `stage=...`."""
    return by if any(op in by for op in "<>≥≤") else f"{by.split(',')[0]}=..."
