"""How survival answers read: Kaplan–Meier, hazard ratios, response duration, forest plots."""

from __future__ import annotations

from collections.abc import Mapping

from sts_bot.render.reply import fmt_p, more_methods, num, pct, plural, sections
from sts_bot.render.reply import table as _table
from sts_queries.metrics.response import ResponseDuration, TimeToFirstResponse
from sts_queries.metrics.survival.endpoints import Survival
from sts_queries.metrics.survival.forest import Forest
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

# The renderers register with `sections`.
__all__ = ["FEW_AT_RISK_WORDS", "few_at_risk", "median_words", "time_text"]

FEW_AT_RISK_WORDS = " — rests on fewer than three patients at risk, read with care"


def few_at_risk(d: dict) -> str:
    """The flag on a median shown as a number that rests on fewer than three patients at risk."""
    shown = d["median"] is not None and not is_hidden(d["median"])
    return FEW_AT_RISK_WORDS if shown and d.get("median_few_at_risk") else ""


_UNIT_SHORT = {"days": "d", "weeks": "wk", "months": "mo", "years": "yr"}


def time_text(value, unit: str) -> str:
    """A time as the answer shows it, in text and on the plot alike: days whole ("251"), but a
    median halfway between two days as R prints it ("52.5", not a rounded "52"); other units
    to two decimals ("7.50 weeks")."""
    if unit != "days" or not isinstance(value, float) or is_hidden(value):
        return num(value, 2 if unit != "days" else 0)
    halves = value * 2
    midpoint = abs(halves - round(halves)) < 1e-9 and round(halves) % 2 == 1
    return f"{value:.1f}" if midpoint else num(value, 0)


def _landmark_label(lm: dict, unit: str) -> str:
    time = f"{lm['time']:.0f}" if unit == "days" else f"{lm['time']:g}"
    return f"{time}-{_UNIT_SHORT.get(unit, unit)}"


def _limit(d: dict, which: str, unit: str) -> str:
    """One limit of a median's CI: a number, NR (its curve stays above 0.5) or NE (it cannot
    be computed), the README's rule."""
    value = d.get(f"ci_{which}")
    if value is not None:
        return time_text(value, unit)
    return "NE" if d.get(f"ci_{which}_status") == "not estimable" else "NR"


def _median_ci(d: dict, unit: str) -> str:
    return f"{_limit(d, 'low', unit)}–{_limit(d, 'high', unit)}"


def median_words(d: dict, unit: str) -> str:
    """`5.78 months (95% CI 1.45–NE)`, `not reached`, or why it is not shown."""
    if is_hidden(d["median"]):
        return f"withheld (it would rest on fewer than {d['median'].below} patients)"
    if d["median"] is None:
        return "not reached"
    if is_hidden(d.get("ci_low")) and is_hidden(d.get("ci_high")):  # each one patient's time
        return f"{time_text(d['median'], unit)} {unit} (limits withheld here)"
    return f"{time_text(d['median'], unit)} {unit} (95% CI {_median_ci(d, unit)})"


def _landmark_words(lm: dict, unit: str) -> str:
    """`6-mo 40% (5%–75%, 2 at risk)`; 0% once the curve is at 0; a CI that cannot be
    computed (survival still 1, or 0) said in words; past the last follow-up said so."""
    label = _landmark_label(lm, unit)
    at_risk = lm.get("n_risk", lm["at_risk"])
    if lm["survival"] is None:
        return f"{label}: beyond follow-up"
    survival = lm["survival"]
    if is_hidden(survival):
        return f"{label} {pct(survival, 0)}"
    if survival in (0, 1) or lm["ci_low"] is None or lm["ci_high"] is None:
        return f"{label} {pct(survival, 0)} (CI not estimable, {at_risk} at risk)"
    ci = f"{pct(lm['ci_low'], 0)}–{pct(lm['ci_high'], 0)}"
    return f"{label} {pct(survival, 0)} ({ci}, {at_risk} at risk)"


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
        return median_words(d, unit)

    first = f"*Median {a.title} {median(b)}*{few_at_risk(b)}"
    sections = [
        first,
        " · ".join(
            [
                f"{plural(b['events'], 'event')} in {b['n_analysed']} patients",
                *(_landmark_words(lm, unit) for lm in b["landmarks"]),
            ]
        ),
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
                f"{time_text(g['median'], unit)} ({_median_ci(g, unit)})",
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
