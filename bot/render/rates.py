"""How counts, rates and adverse-event tables read: patients with k of N, the rate with its
exact CI, the response breakdown, and per term the worst grades, pooled or by group."""

from __future__ import annotations

from sts_bot.render.reply import Table, pct, sections
from sts_bot.render.reply import table as _table
from sts_queries.metrics.count import Count
from sts_queries.metrics.rates import Rate
from sts_queries.metrics.toxicity import Toxicity
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

__all__ = ["rate_line"]  # the renderers register with `sections`


def rate_line(d: dict) -> str:
    """'40.0% (4/10), 95% CI 12.2%–73.8%', or 'suppressed (…)' where the count is hidden."""
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
    sections = [f"*{a.title} {rate_line({**d, 'n': a.n})}*", _breakdown(d)]
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
def _count(body: Count, a: Answer) -> tuple[list[str], str | None]:
    what = " and ".join(a.filters) if a.filters else "in the cohort"
    sections = [f"*{a.n} of {body.of} patients* {'match ' + what if a.filters else what}"]
    if a.groups:
        sections.append(" · ".join(f"{g['label']} {g['n']}" for g in a.groups))
    return sections, None
