"""The words of the waterfall and spider answers: who was measured, and each patient's changes
(the plots carry the picture; the table carries the numbers a reader may want to quote)."""

from __future__ import annotations

from sts_bot.render.reply import Table, plural, sections, table
from sts_queries.metrics.patients.spider import Spider
from sts_queries.metrics.patients.waterfall import Waterfall
from sts_queries.result import Answer

__all__ = ["change"]


def change(pct: float) -> str:
    """'−51.7%', '+12.0%', '0.0%': signed, with a true minus sign."""
    text = f"{pct:+.1f}%" if round(pct, 1) else "0.0%"
    return text.replace("-", "−")


def _measured(measured: int, n: int) -> str:
    return f"*{measured} of {n}* selected patients have tumour measurements"


@sections.register
def _waterfall(body: Waterfall, a: Answer) -> tuple[list[str], Table]:
    words = _measured(body.measured, a.n)
    if body.baseline_only:
        words += f"; {plural(body.baseline_only, 'patient')} only at baseline (no bar)"
    header = ["Patient", "Best change", "Best response"]
    if a.spec.by:
        header.append(a.spec.by)
    rows = []
    for p in body.patients:
        row = [p["patient_id"], change(p["best_change_pct"]), p["best_response"] or "–"]
        if p["new_lesion"]:
            row[2] += " (new lesion)"
        if a.spec.by:
            row.append(p["group"])
        rows.append(row)
    return [words + "."], table(header, rows)


@sections.register
def _spider(body: Spider, a: Answer) -> tuple[list[str], Table]:
    header = ["Patient", "Best response", f"% change at each scan ({body.unit} from start)"]
    rows = [
        [
            p["patient_id"],
            p["best_response"] or "–",
            ", ".join(f"{change(x['change_pct'])} ({x['time']:.1f})" for x in p["points"]),
        ]
        for p in body.patients
    ]
    return [_measured(body.measured, a.n) + "."], table(header, rows)
