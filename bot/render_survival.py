"""How survival answers read: Kaplan–Meier, hazard ratios, response duration, forest plots."""

from __future__ import annotations

from collections.abc import Mapping

from sts_queries.endpoints import Survival
from sts_queries.forest import Forest
from sts_queries.privacy import is_hidden
from sts_queries.response import ResponseDuration, TimeToFirstResponse
from sts_queries.result import Answer

from .reply import fmt_p, more_methods, num, pct, plural, sections
from .reply import table as _table

__all__: list[str] = []  # renderers register themselves with `sections`


_UNIT_SHORT = {"days": "d", "weeks": "wk", "months": "mo", "years": "yr"}


def _landmark_label(lm: dict, unit: str) -> str:
    return f"{lm['time']:g}-{_UNIT_SHORT.get(unit, unit)}"


def _hr(g: dict, reference: str | None) -> str:
    if g["label"] == reference:
        return "reference"
    if g.get("hr") is None:
        return "–"
    return f"{_ratio(g['hr'])} ({_ratio(g['hr_ci_low'])}–{_ratio(g['hr_ci_high'])})"


def _ratio(x) -> str:
    """A hazard ratio to three significant figures at most: 0.14, 2.24, 16.0, 239."""
    if not isinstance(x, (int, float)):  # a suppressed cell shows as itself
        return str(x)
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


@sections.register
def _survival(body: Survival, a: Answer) -> tuple[list[str], str | None]:
    b = body.json()
    unit = b["unit"]

    def median(d: dict) -> str:
        if is_hidden(d["median"]):
            return f"suppressed (fewer than {d['median'].below} events)"
        if d["median"] is None:
            return "not reached"
        return f"{num(d['median'])} {unit} (95% CI {num(d['ci_low'])}–{num(d['ci_high'])})"

    def landmarks(d: dict) -> str:
        parts = []
        for lm in d["landmarks"]:
            if lm["survival"] is None:
                parts.append(f"{_landmark_label(lm, unit)}: beyond follow-up")
            else:
                ci = f"{pct(lm['ci_low'], 0)}–{pct(lm['ci_high'], 0)}"
                parts.append(
                    f"{_landmark_label(lm, unit)} {pct(lm['survival'], 0)} ({ci}, "
                    f"{lm['at_risk']} at risk)"
                )
        return " · ".join(parts)

    sections = [
        f"*Median {a.title} {median(b)}*",
        f"{plural(b['events'], 'event')} in {b['n_analysed']} patients · {landmarks(b)}",
        f"Median follow-up (reverse Kaplan–Meier) {median(b['followup'])}",
    ]
    table = None
    if a.groups:
        reference = b["reference"]
        at = [_landmark_label(lm, unit) for lm in b["landmarks"]] if a.spec.at else []

        def survival_at(lm: dict) -> str:
            return "–" if lm["survival"] is None else pct(lm["survival"], 0)

        rows = [
            [
                g["label"],
                str(g["n"]),
                str(g["events"]),
                f"{num(g['median'])} ({num(g['ci_low'])}–{num(g['ci_high'])})",
                _hr(g, reference),
                *(survival_at(lm) for lm in g["landmarks"][: len(at)]),
            ]
            for g in a.groups
        ]
        header = [a.spec.by, "N", "events", f"median, {unit} (95% CI)", "HR (95% CI)", *at]
        table = _table(header, rows)
        adjusted = f", adjusted for {', '.join(b['adjusted_for'])}" if b["adjusted_for"] else ""
        line = f"Hazard ratios against *{reference}*{adjusted}"
        if not any(g.get("hr") is not None for g in a.groups):
            line += ": not estimable here (see below)"
        elif b["hr_test"]:
            line += f" · {b['hr_test']['name']}: {fmt_p(b['hr_test']['p'])}"
        sections.append(line)
    return sections, table


@sections.register
def _dor(body: ResponseDuration, a: Answer) -> tuple[list[str], str | None]:
    unit = body.unit

    def median(d: dict) -> str:
        ci = f"95% CI {num(d['ci_low'])}–{num(d['ci_high'])} {unit}"
        if d["median"] is None:
            return "not reached" + (f" ({ci})" if d["ci_low"] is not None else "")
        return f"{num(d['median'])} {unit} ({ci})"

    b = body.json()
    lines = [
        f"*Median DOR {median(b)}*",
        f"{plural(body.events, 'event')} (progression or death) among "
        f"{plural(body.responders, 'responder')} (CR/PR) of {a.n} patients",
    ]
    table = None
    if a.groups:
        rows = [
            [
                g["label"],
                str(g["n"]),
                str(g["events"]),
                num(g["median"]),
                f"{num(g['ci_low'])}–{num(g['ci_high'])}" if g["n"] else "–",
            ]
            for g in a.groups
        ]
        table = _table([a.spec.by, "responders", "events", f"median ({unit})", "95% CI"], rows)
    return lines, table


@sections.register
def _ttr(body: TimeToFirstResponse, a: Answer) -> tuple[list[str], str | None]:
    unit = body.unit

    def spread(d: dict) -> str:
        if not d["responders"]:
            return "no responders"
        return f"{num(d['median'])} {unit} ({_range(d)})"

    overall = {"responders": body.responders, "median": body.median}
    overall |= {"min": body.minimum, "max": body.maximum}
    lines = [
        f"*Median TTR {spread(overall)}*",
        f"among {plural(body.responders, 'responder')} (CR/PR) of {a.n} patients",
    ]
    table = None
    if a.groups:
        rows = [
            [
                g["label"],
                f"{g['responders']}/{g['n']}",
                num(g["median"], none="–"),
                _range(g).removeprefix("range ") if g["responders"] else "–",
            ]
            for g in a.groups
        ]
        table = _table([a.spec.by, "responders/N", f"median ({unit})", "range"], rows)
    return lines, table


def _range(d: dict) -> str:
    if is_hidden(d["min"]):  # the earliest and latest responders' own times (queries/privacy)
        return "range withheld"
    return f"range {num(d['min'])}–{num(d['max'])}"


@sections.register
def _forest(body: Forest, a: Answer) -> tuple[list[str], str | None]:
    o = body.overall
    if body.measure == "rate":
        name = body.outcome.upper()
        lines = [
            f"*{name} {pct(o['estimate'])} ({o['count']}/{o['n']}), 95% CI "
            f"{pct(o['ci_low'])}–{pct(o['ci_high'])}* overall; by subgroup below"
        ]
        rows = [
            [
                r["field"],
                r["subgroup"],
                f"{r['count']}/{r['n']}",
                pct(r["estimate"]),
                f"{pct(r['ci_low'])}–{pct(r['ci_high'])}",
            ]
            for r in body.rows
        ]
        return lines, _table(["field", "subgroup", "k/N", name, "95% CI"], rows)

    def hr(r: Mapping) -> str:
        if is_hidden(r["estimate"]):
            return "withheld"
        if r["estimate"] is None:
            return "not estimable"
        return f"{r['estimate']:.2f} ({r['ci_low']:.2f}–{r['ci_high']:.2f})"

    lines = [
        f"*{body.outcome.upper()} HR of {body.comparison} vs {body.reference} {hr(o)}* overall "
        f"({o['events']} events in {o['n']}); by subgroup below"
    ]
    p_of = {
        i["field"]: "withheld"
        if is_hidden(i.get("p"))
        else fmt_p(i["p"])
        if i.get("p") is not None
        else "not estimable"
        for i in body.interactions
    }
    rows, previous = [], None
    for r in body.rows:
        first = r["field"] != previous
        previous = r["field"]
        rows.append(
            [
                r["field"] if first else "",
                r["subgroup"],
                f"{r['events']}/{r['n']}",
                hr(r),
                p_of.get(r["field"], "") if first else "",
            ]
        )
    return lines, _table(["field", "subgroup", "events/N", "HR (95% CI)", "interaction"], rows)


@more_methods.register
def _survival_methods(body: Survival) -> tuple[str, ...]:
    return (body.hr_method,) if body.hr_method else ()
