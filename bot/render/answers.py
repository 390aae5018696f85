"""Answer → Reply: the wording every surface shows (CLI, console, Slack, weekly post).

Each kind of answer body registers its words with `reply.sections` (survival ones in
`render/survival.py`); `compose` puts an answer's reply together. Nothing else decides what an
answer says.
"""

from __future__ import annotations

from sts_bot.render.card import card_sections
from sts_bot.render.reply import (
    Reply,
    Table,
    error_reply,
    fmt_p,
    more_methods,
    num,
    pct,
    plural,
    sections,
    to_text,
)
from sts_bot.render.reply import table as _table
from sts_bot.render.survival import few_at_risk, median_words  # also registers its renderers
from sts_queries.metrics.baseline import Baseline
from sts_queries.metrics.count import Count
from sts_queries.metrics.fields import Fields
from sts_queries.metrics.help import Help
from sts_queries.metrics.patient_card import PatientCard
from sts_queries.metrics.patient_list import PatientList
from sts_queries.metrics.rates import Rate
from sts_queries.metrics.summary import Summary
from sts_queries.metrics.swimmer import Swimmer
from sts_queries.metrics.toxicity import Toxicity
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

__all__ = ["Reply", "Table", "compose", "error_reply", "fmt_p", "sections", "to_text"]


def _rate_line(d: dict) -> str:
    if is_hidden(d["count"]):
        return f"suppressed ({d['count']}/{d['n']})"
    return (
        f"{pct(d['rate'])} ({d['count']}/{d['n']}), 95% CI {pct(d['ci_low'])}–{pct(d['ci_high'])}"
    )


def _breakdown(d: dict) -> str:
    return " · ".join(f"{code} {k}" for code, k in d["breakdown"].items())


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


@sections.register
def _tox(body: Toxicity, a: Answer) -> tuple[list[str], str | None]:
    n = a.n
    rows = body.rows
    if not rows:
        where = f" at {', '.join(a.filters)}" if a.filters else ""
        return [f"No adverse events{where} among {n} patients."], None

    def cell(k: int) -> str:
        if is_hidden(k):  # a suppressed cell (queries/privacy/reveal.py)
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


def _cases(ids: list | None, one: str, many: str) -> str | None:
    """`1 new response (case 6)`, `no deaths`, `<5 progressions` where cases are hidden;
    None when the cohort cannot tell."""
    if ids is None:
        return None
    if not ids:
        return f"no {many}"
    hidden = [i for i in ids if is_hidden(i)]
    count = str(hidden[0]) if hidden and hidden[0].small else str(len(ids))
    word = one if count == "1" else many
    if hidden:  # outside patient places: no case named (privacy.py)
        return f"{count} {word}"
    return f"{count} {word} (case{'s' if len(ids) > 1 else ''} {', '.join(ids)})"


def _pfs_line(b: dict) -> str:
    pfs, before = b["pfs"], b.get("pfs_before")
    line = (
        f"*Median PFS {median_words(pfs, pfs['unit'])}*{few_at_risk(pfs)} · "
        f"{plural(pfs['events'], 'event')} in {pfs['n']}"
    )
    if before is None or is_hidden(pfs["median"]) or is_hidden(before["median"]):
        return line
    if before["median"] == pfs["median"]:
        return line
    # A median that moves says why: the week's progressions (or its new patients).
    was = "not reached" if before["median"] is None else f"{num(before['median'])}"
    why = _cases(b.get("progressed"), "progression or death", "progressions or deaths")
    because = (
        f"with this week's {why.removeprefix('1 ')}"
        if why and not why.startswith("no ")
        else "with this week's new patients and follow-up"
    )
    return f"{line} · was {was} a week before; it moved {because}"


@sections.register
def _summary(body: Summary, a: Answer) -> tuple[list[str], str | None]:
    b = body.json()
    start, end = b["period_start"], b["period_end"]
    lines = [
        f"*Week {b['period']}* ({start:%a %d %b} – {end:%a %d %b %Y}) · data as of {b['as_of']}"
    ]
    cut = b["data_as_of"]
    after_cut = cut is not None and start > cut
    if after_cut:
        lines.append(
            f"The data end at the cohort's cut-off, {cut}: nothing after it is known, so this "
            "is where the cohort stood then."
        )
    joined = b["joined"]
    # Case ids only where they may be read: outside patient places they are hidden (privacy.py).
    named = "" if any(is_hidden(j) for j in joined) else f" (case{'s' if len(joined) > 1 else ''} "
    new = (
        f"+{len(joined)} this week" + (f"{named}{', '.join(joined)})" if named else "")
        if joined
        else "no new patients this week"
    )
    lines.append(f"*Cohort: {b['size']} patients* · {new}")
    if not after_cut:
        changed = [
            _cases(b.get("responded"), "new response (CR/PR)", "new responses (CR/PR)"),
            _cases(b.get("progressed"), "progression or death", "progressions or deaths"),
            _cases(b.get("died"), "death", "deaths"),
        ]
        lines.append("*This week:* " + " · ".join(c for c in changed if c))
    for key in ("orr", "dcr"):
        now = b[key]
        if now:
            move = _move(now, b[key + "_before"])
            lines.append(f"*{key.upper()} {_rate_line(now)}*" + (f" · {move}" if move else ""))
    if b["orr"] and b["orr"]["breakdown"]["NE"]:
        lines.append(f"{b['orr']['breakdown']['NE']} patient(s) not yet evaluable (NE).")
    if b["pfs"]:
        lines.append(_pfs_line(b))
    severe = b["new_grade3plus"]
    if severe:
        listed = ", ".join(f"{e['term']} ×{e['events']}" for e in severe)
        lines.append(f"*New grade ≥3 adverse events this week:* {listed}")
    else:
        lines.append("No new grade ≥3 adverse events this week.")
    return lines, None


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
