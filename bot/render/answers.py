"""Answer → Reply: the wording every surface shows (CLI, console, Slack, weekly post).

Each kind of answer body registers its words with `reply.sections`: counts, rates and
toxicity in `render/rates.py`, survival ones in `render/survival.py`, the weekly summary in
`render/summary.py`, and here the answers that are a table or lines (baseline, patient list and
card, fields, help). `compose` puts an answer's reply together. Nothing else decides what an
answer says.
"""

from __future__ import annotations

# Imported for their renderers, which register with `sections` on import.
from sts_bot.render import competing, measurements, rates, rmst, summary, survival  # noqa: F401
from sts_bot.render.card import card_sections
from sts_bot.render.reply import (
    Reply,
    Table,
    error_reply,
    fmt_p,
    more_methods,
    sections,
    to_text,
)
from sts_bot.render.reply import table as _table
from sts_queries.metrics.baseline import Baseline
from sts_queries.metrics.fields import Fields
from sts_queries.metrics.help import Help
from sts_queries.metrics.patients.patient_card import PatientCard
from sts_queries.metrics.patients.patient_list import PatientList
from sts_queries.metrics.patients.swimmer import Swimmer
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

__all__ = ["Reply", "Table", "compose", "error_reply", "fmt_p", "sections", "to_text"]


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
