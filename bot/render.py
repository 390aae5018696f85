"""Answer → Reply: the wording every surface shows (CLI, console, Slack, weekly post).

A Reply is surface-neutral: a header echoing what was understood, sections in Slack mrkdwn,
an optional monospace table, and a context line with the method and caveats. `to_text` and
`bot.blocks.to_blocks` render it; nothing else decides what an answer says.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import singledispatch

from sts_queries.endpoints import Survival
from sts_queries.forest import Forest
from sts_queries.help import Help
from sts_queries.privacy import is_hidden
from sts_queries.rates import Count, Rate
from sts_queries.response import ResponseDuration, TimeToFirstResponse
from sts_queries.result import Answer, Part
from sts_queries.summary import Summary
from sts_queries.swimmer import Swimmer
from sts_queries.tables import Baseline, Fields, PatientCard, PatientList
from sts_queries.toxicity import Toxicity

from .card import card_sections

__all__ = ["Reply", "Table", "compose", "fmt_p", "sections", "to_text"]


@dataclass(frozen=True, kw_only=True)
class Reply:
    header: str
    sections: tuple[str, ...] = ()
    table: Table | None = None  # monospace; a file in Slack when too wide or too long
    shareable: bool = True  # offer "Share in channel" (never for a patient's card)
    context: tuple[str, ...] = ()
    error: bool = False


def pct(value: float | None, digits: int = 1) -> str:
    if is_hidden(value):  # a suppressed cell (queries/privacy.py)
        return "–"
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 2, none: str = "NR") -> str:
    if is_hidden(value):
        return "–"
    return none if value is None else f"{value:.{digits}f}"


def plural(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _rate_line(d: dict) -> str:
    if is_hidden(d["count"]):
        return f"suppressed ({d['count']}/{d['n']})"
    return (
        f"{pct(d['rate'])} ({d['count']}/{d['n']}), 95% CI {pct(d['ci_low'])}–{pct(d['ci_high'])}"
    )


def _breakdown(d: dict) -> str:
    return " · ".join(f"{code} {k}" for code, k in d["breakdown"].items())


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table as monospace text and as CSV (what Slack attaches when it is too wide)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        cells = [self.header, *self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
        ]
        return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])

    @property
    def width(self) -> int:
        return max(len(line) for line in self.text.splitlines())

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()


def _table(header: list[str], rows: list[list[str]]) -> Table:
    return Table(
        header=tuple(str(c) for c in header), rows=tuple(tuple(str(c) for c in r) for r in rows)
    )


@singledispatch
def sections(body: Part, a: Answer) -> tuple[list[str], str | None]:
    """The sections and table of an answer, by the type of its body (one renderer a type)."""
    raise TypeError(f"no renderer for {type(body).__name__}")  # a registry test prevents it


@sections.register
def _rates(body: Rate, a: Answer) -> tuple[list[str], str | None]:
    d = body.json()
    sections = [f"*{a.title} {_rate_line({**d, 'n': a.n})}*", _breakdown(d)]
    table = None
    if a.groups:
        rows = [
            [
                g["label"],
                f"{g['count']}/{g['n']}",
                pct(g["rate"]),
                f"{pct(g['ci_low'])}–{pct(g['ci_high'])}",
            ]
            for g in a.groups
        ]
        table = _table([a.spec.by, "k/N", a.title, "95% CI"], rows)
    return sections, table


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
        return f"{num(d['median'])} {unit} (range {num(d['min'])}–{num(d['max'])})"

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
                f"{num(g['min'])}–{num(g['max'])}" if g["responders"] else "–",
            ]
            for g in a.groups
        ]
        table = _table([a.spec.by, "responders/N", f"median ({unit})", "range"], rows)
    return lines, table


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
        if r["estimate"] is None:
            return "not estimable"
        return f"{r['estimate']:.2f} ({r['ci_low']:.2f}–{r['ci_high']:.2f})"

    lines = [
        f"*{body.outcome.upper()} HR of {body.comparison} vs {body.reference} {hr(o)}* overall "
        f"({o['events']} events in {o['n']}); by subgroup below"
    ]
    p_of = {
        i["field"]: fmt_p(i["p"]) if i.get("p") is not None else "not estimable"
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


@sections.register
def _tox(body: Toxicity, a: Answer) -> tuple[list[str], str | None]:
    n = a.n
    rows = body.rows
    if not rows:
        where = f" at {', '.join(a.filters)}" if a.filters else ""
        return [f"No adverse events{where} among {n} patients."], None

    def cell(k: int) -> str:
        if is_hidden(k):  # a suppressed cell (queries/privacy.py)
            return str(k)
        return f"{k} ({100 * k / n:.0f}%)" if k else "0"

    grades = [g for g in ("1", "2", "3", "4", "5") if any(r["grades"][g] for r in rows)] or ["1"]
    # Under a grade filter "any grade" would only repeat the filtered grades: leave it out.
    graded = any(f.field == "worst_grade" for f in a.spec.ae_filters)
    table_rows = [
        [
            r["term"],
            *(str(r["grades"][g]) for g in grades),
            *([] if graded else [cell(r["any"])]),
            cell(r["grade3plus"]),
        ]
        for r in rows
    ]
    header = [
        "Toxicity",
        *(f"G{g}" for g in grades),
        *([] if graded else ["Any"]),
        "G≥3",
    ]
    terms = [t for f in a.spec.ae_filters if f.field == "term" for t in f.values]
    grade = " and ".join(f.describe() for f in a.spec.ae_filters if f.field != "term")
    what = " or ".join(terms) if terms else "an adverse event"
    summary = (
        f"*{body.patients_with_event} of {n} patients had {what}"
        f"{f' of {grade}' if grade else ''}* · "
        f"patients by worst grade per term; % of all N = {n}"
    )
    if a.groups:  # the table per group; the pooled one is the ungrouped question's answer
        return [summary], _tox_by_group(body, a)
    return [summary], _table(header, table_rows)


def _tox_by_group(body: Toxicity, a: Answer) -> Table:
    """Any grade / grade ≥3 per term in each group, as counts of that group's N."""
    terms = [r["term"] for r in body.rows]

    def cell(group: dict, term: str) -> str:
        if group.get("suppressed"):
            return str(group["n"])
        row = next((r for r in group["rows"] if r["term"] == term), None)
        return "0" if row is None else f"{row['any']}/{row['grade3plus']}"

    header = [f"any/≥3 by {a.spec.by}", *(f"{g['label']} ({g['n']})" for g in a.groups)]
    return _table(header, [[t, *(cell(g, t) for g in a.groups)] for t in terms])


@sections.register
def _baseline(body: Baseline, a: Answer) -> tuple[list[str], str | None]:
    def cells(rows: list[dict]) -> dict[str, str]:
        out = {}
        for r in rows:
            if "median" in r:
                out[r["label"]] = (
                    "–"
                    if r["median"] is None
                    else str(r["median"])
                    if is_hidden(r["median"])
                    else f"{r['median']:g}"
                    if is_hidden(r["min"])  # the range is two patients' own values
                    else f"{r['median']:g} ({r['min']:g}–{r['max']:g})"
                )
            else:
                for v in r["values"]:
                    shown = str(v["n"]) if is_hidden(v["n"]) else f"{v['n']} ({100 * v['pct']:.1f})"
                    out[f"{r['label']}: {v['label']}"] = shown
        return out

    overall = cells(body.rows)
    columns = [(f"All (N = {a.n})", overall)] + [
        (f"{g['label']} (n = {g['n']})", {} if g.get("suppressed") else cells(g["rows"]))
        for g in a.groups
    ]
    hidden = {
        name for (name, _), g in zip(columns[1:], a.groups, strict=True) if g.get("suppressed")
    }
    rows = [
        [key, *("–" if name in hidden else c.get(key, "0") for name, c in columns)]
        for key in overall
    ]
    return [], _table(["Characteristic", *(name for name, _ in columns)], rows)


@sections.register
def _count(body: Count, a: Answer) -> tuple[list[str], str | None]:
    what = " and ".join(a.filters) if a.filters else "in the cohort"
    sections = [f"*{a.n} of {body.of} patients* {'match ' + what if a.filters else what}"]
    if a.groups:
        sections.append(" · ".join(f"{g['label']} {g['n']}" for g in a.groups))
    return sections, None


@sections.register
def _patient(body: PatientCard, a: Answer) -> tuple[list[str], str | None]:
    return card_sections(body, a), None


@sections.register
def _patient_list(body: PatientList, a: Answer) -> tuple[list[str], str | None]:
    cols = body.columns
    rows = [["–" if p[c] is None else str(p[c]) for c in cols] for p in body.patients]
    return [], _table(cols, rows)


@sections.register(Fields)
@sections.register(Help)
def _lines(body: Fields | Help, a: Answer) -> tuple[list[str], str | None]:
    return ["\n".join(body.lines)], None


@sections.register
def _swimmer(body: Swimmer, a: Answer) -> tuple[list[str], str | None]:
    return [], None


def _move(now: dict | None, before: dict | None) -> str:
    if now is None or any(is_hidden(d.get("count")) for d in (now, before) if d):
        return ""
    if before is None:
        return "first week with patients"
    if (now["count"], now["n"]) == (before["count"], before["n"]):
        return "unchanged since last week"
    change = 100 * (now["rate"] - before["rate"])
    return f"{change:+.1f} points since last week ({before['count']}/{before['n']})"


@sections.register
def _summary(body: Summary, a: Answer) -> tuple[list[str], str | None]:
    b = body.json()
    start, end = b["period_start"], b["period_end"]
    lines = [
        f"*Week {b['period']}* ({start:%a %d %b} – {end:%a %d %b %Y}) · data as of {b['as_of']}"
    ]
    joined = b["joined"]
    # Case ids only where they may be read: outside patient places they are hidden (privacy.py).
    named = "" if any(is_hidden(j) for j in joined) else f" (case{'s' if len(joined) > 1 else ''} "
    new = (
        f"+{len(joined)} this week" + (f"{named}{', '.join(joined)})" if named else "")
        if joined
        else "no new patients this week"
    )
    lines.append(f"*Cohort: {b['size']} patients* · {new}")
    for key in ("orr", "dcr"):
        now = b[key]
        if now:
            move = _move(now, b[key + "_before"])
            lines.append(f"*{key.upper()} {_rate_line(now)}*" + (f" · {move}" if move else ""))
    if b["orr"] and b["orr"]["breakdown"]["NE"]:
        lines.append(f"{b['orr']['breakdown']['NE']} patient(s) not yet evaluable (NE).")
    pfs = b["pfs"]
    if pfs:
        ci = f"95% CI {num(pfs['ci_low'])}–{num(pfs['ci_high'])}"
        median = (
            f"suppressed (fewer than {pfs['median'].below} events)"
            if is_hidden(pfs["median"])
            else f"{num(pfs['median'])} {pfs['unit']} ({ci})"
            if pfs["median"] is not None
            else "not reached"
        )
        lines.append(f"*Median PFS {median}* · {plural(pfs['events'], 'event')} in {pfs['n']}")
    severe = b["new_grade3plus"]
    if severe:
        listed = ", ".join(f"{e['term']} ×{e['events']}" for e in severe)
        lines.append(f"*New grade ≥3 adverse events this week:* {listed}")
    else:
        lines.append("No new grade ≥3 adverse events this week.")
    return lines, None


@singledispatch
def more_methods(body: Part) -> tuple[str, ...]:
    """Methods a body adds to its answer's method line (the Cox model of a grouped answer)."""
    return ()


@more_methods.register
def _survival_methods(body: Survival) -> tuple[str, ...]:
    return (body.hr_method,) if body.hr_method else ()


def compose(a: Answer) -> Reply:
    """The reply to an answer, the same on every surface."""
    parts, table = sections(a.body, a)
    if a.test:  # the answer to "do the groups differ?" is part of the answer, not fine print
        parts = [*parts, f"*{a.test['name']}: {fmt_p(a.test['p'])}*"]
    context = list(a.spec.readings)
    if a.method:
        context.append(f"Method: {'; '.join([a.method, *more_methods(a.body)])}.")
    context.extend(a.notes)
    card = isinstance(a.body, PatientCard)
    header = a.title if card or isinstance(a.body, (Help, Fields)) else a.understood
    return Reply(
        header=header,
        sections=tuple(parts),
        table=table,
        context=tuple(context),
        shareable=not card,
    )


def error_reply(kind: str, message: str, hint: str = "") -> Reply:
    return Reply(header=message, sections=(hint,) if hint else (), error=True)


_BOLD = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")


def to_text(reply: Reply) -> str:
    """Plain text for a terminal: the same words, Slack's *bold* markers removed."""
    parts = [reply.header]
    parts.extend(_BOLD.sub(r"\1", s) for s in reply.sections if s)
    if reply.table:
        parts.append(reply.table.text)
    parts.extend(reply.context)
    return "\n".join(parts)
