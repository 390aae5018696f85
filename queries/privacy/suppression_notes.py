"""What an answer with hidden cells may still say besides its body: its notes, without what
they say of the hidden cells (`suppress_notes`), and the chart that may still be drawn from its
shown cells alone (`public_chart`; None: no plot). Each dispatches on the type of the answer's
body; a type without a rule keeps its notes and loses its chart.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import singledispatch
from typing import Any

from sts_queries.charts import ForestChart
from sts_queries.metrics.response import ResponseDuration, TimeToFirstResponse
from sts_queries.metrics.survival.endpoints import Survival
from sts_queries.metrics.survival.forest import Forest
from sts_queries.metrics.survival.rmst import RestrictedMeanSurvival
from sts_queries.privacy.cells import Hidden, holds_hidden
from sts_queries.privacy.suppression_forest import FEW_SUBGROUPS
from sts_queries.result import Part

__all__ = ["public_chart", "suppress_notes"]


@singledispatch
def suppress_notes(body: Part, shown: Part, notes: list[str], k: int) -> list[str]:
    """`notes` without what they say of the cells `shown` hides (by the original body's type)."""
    return notes


@suppress_notes.register(ResponseDuration)
@suppress_notes.register(TimeToFirstResponse)
def _responder_notes(body, shown, notes: list[str], k: int) -> list[str]:
    if not isinstance(shown.responders, Hidden):
        return notes
    return [
        re.sub(r"\bRests on \d+ responders?\b", f"Rests on {shown.responders} responders", note)
        for note in notes
    ]


@suppress_notes.register(Forest)
def _forest_notes(body: Forest, shown: Forest, notes: list[str], k: int) -> list[str]:
    out = [n for n in notes if not n.startswith(("No hazard ratio in ", "No interaction test "))]
    missing = [
        f"{r['field']} {r['subgroup']}"
        for r in shown.rows
        if r.get("estimate") is None and not r.get("suppressed")
    ]
    if missing and body.measure != "rate":
        out.insert(
            0,
            f"No hazard ratio in {len(missing)} subgroup(s) ({', '.join(missing)}): one group is "
            "absent or has no events there (the --json rows say which).",
        )
    for test in shown.interactions:
        reason = test.get("reason")
        if isinstance(test.get("p"), Hidden):
            out.append(f"No interaction test over {test['field']}: {FEW_SUBGROUPS}.")
        elif reason and test.get("p") is None:
            out.append(
                f"No interaction test over {test['field']}: {reason[:1].lower()}{reason[1:]}"
            )
        elif isinstance(test.get("p"), Hidden):
            out.append(f"No interaction test over {test['field']}: {FEW_SUBGROUPS}.")
    withheld = sum(1 for r in shown.rows if r.get("suppressed"))
    if withheld:
        out.append(
            f"{withheld} subgroup(s) withheld: fewer than {k} patients, or they would give such a "
            "subgroup away by subtraction from the overall N."
        )
    return out


@suppress_notes.register(RestrictedMeanSurvival)
def _rmst_notes(body, shown, notes: list[str], k: int) -> list[str]:
    """A hidden default τ: the note that says where it came from (and what it is) goes."""
    if isinstance(shown.tau, Hidden):
        return [note for note in notes if not note.startswith("τ = ")]
    return notes


@singledispatch
def public_chart(body: Part, chart: Any, k: int) -> Any:
    """The chart an answer with hidden cells may still carry (drawn from its shown cells only);
    None: no plot."""
    return None


@public_chart.register(Survival)
def _survival_chart(body: Survival, chart: Any, k: int) -> Any:
    """Drawn when no curve's events are hidden (a hidden landmark or follow-up limit is not
    drawn anyway: the public plot is cut where few are at risk, suppression_plots.py)."""
    return None if isinstance(body.events, Hidden) else chart


@public_chart.register(Forest)
def _forest_chart(body: Forest, chart: ForestChart, k: int) -> ForestChart | None:
    if holds_hidden(body.overall):
        return None
    rows = tuple(r for r in body.rows if not holds_hidden(r))
    if not rows:
        return None
    interactions = tuple(
        {**t, "p": None} if isinstance(t.get("p"), Hidden) else t for t in body.interactions
    )
    left_out = len(body.rows) - len(rows)
    note = (
        f"{left_out} subgroup(s) not drawn: small cells (fewer than {k} patients), outside "
        "patient channels"
        if left_out
        else ""
    )
    return replace(
        chart, rows=rows, overall=body.overall, interactions=interactions, withheld_note=note
    )
