"""How a competing-risks answer (`cif`) reads: the cumulative incidence at each landmark with
its CI and number at risk, beside the competing endpoints'; grouped, a table with each group's
incidence and Fine–Gray subdistribution hazard ratio (Gray's test is the answer's test)."""

from __future__ import annotations

from collections.abc import Mapping

from sts_bot.render.reply import pct, sections
from sts_bot.render.reply import table as _table
from sts_queries.metrics.survival.competing import Incidence
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

__all__: list[str] = []  # the renderer registers with `sections`

_UNIT_SHORT = {"days": "d", "weeks": "wk", "months": "mo", "years": "yr"}


def _label(point: Mapping, unit: str) -> str:
    time = f"{point['time']:.0f}" if unit == "days" else f"{point['time']:g}"
    return f"{time}-{_UNIT_SHORT.get(unit, unit)}"


def _point(point: Mapping, unit: str, *, at_risk: bool = True) -> str:
    """`240-mo 10.0% (8.2%–12.1%, 57 at risk)`; past the last follow-up said so."""
    label = _label(point, unit)
    if point["estimate"] is None:
        return f"{label}: beyond follow-up"
    if is_hidden(point["estimate"]):
        return f"{label} {point['estimate']}"
    risk = f", {point['at_risk']} at risk" if at_risk else ""
    if point["ci_low"] is None or point["ci_high"] is None:
        return f"{label} {pct(point['estimate'])} (CI not estimable{risk})"
    return (
        f"{label} {pct(point['estimate'])} ({pct(point['ci_low'])}–{pct(point['ci_high'])}{risk})"
    )


def _count(value, word: str) -> str:
    return f"{value} {word}"


def _ratio(g: Mapping, reference: str | None) -> str:
    if g["label"] == reference:
        return "reference"
    if is_hidden(g.get("shr")):
        return "withheld"
    if g.get("shr") is None:
        return "–"
    return f"{g['shr']:.2f} ({g['shr_ci_low']:.2f}–{g['shr_ci_high']:.2f})"


def _cell(point: Mapping) -> str:
    if point["estimate"] is None:
        return "–"
    if is_hidden(point["estimate"]):
        return str(point["estimate"])
    return pct(point["estimate"])


@sections.register
def _incidence(body: Incidence, a: Answer) -> tuple[list[str], str | None]:
    unit, name = body.unit, body.endpoint.upper()
    competing = " or ".join(body.competing)
    lines = [
        f"*Cumulative incidence of {name} " + " · ".join(_point(p, unit) for p in body.cif) + "*",
        f"{_count(body.events, body.endpoint)} first, {_count(body.competing_events, competing)} "
        f"first (competing), in {body.n_analysed} patients",
    ]
    for cause, points in body.competing_cif.items():
        lines.append(
            f"Competing: {cause} " + " · ".join(_point(p, unit, at_risk=False) for p in points)
        )
    table = None
    if a.groups:
        reference = body.reference
        times = [_label(p, unit) for p in body.cif]
        rows = [
            [
                str(g["label"]),
                str(g["n"]),
                str(g["events"]),
                str(g["competing_events"]),
                *(_cell(p) for p in g["cif"]),
                _ratio(g, reference),
            ]
            for g in a.groups
        ]
        header = [a.spec.by or "", "N", body.endpoint, competing, *times, "SHR (95% CI)"]
        table = _table(header, rows)
        if reference is not None:
            line = f"Subdistribution hazard ratios (Fine–Gray) against *{reference}*"
            if not any(g.get("shr") is not None for g in a.groups):
                line += ": not estimable here (see below)"
            lines.append(line)
    return lines, table
