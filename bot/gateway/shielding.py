"""An outcome as it may be shown outside patient places: small cells as <5, no plot with them
unless the plot can be drawn from the shown cells alone.

The gateway uses it for every answer outside a patient place, the weekly post for a summary
channel that is not one. The rules themselves live in `sts_queries.privacy`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sts_bot.gateway.access import NotAllowed, Policy
from sts_bot.plots.figures import Plot, draw
from sts_bot.render.answers import compose
from sts_bot.service.service import Outcome
from sts_queries.privacy.reveal import Shielded, public_json, shield
from sts_queries.result import Answer

__all__ = ["public_outcome", "shielded_outcome"]


def shielded_outcome(
    outcome: Outcome,
    min_cell: int,
    *,
    dms: bool = False,
    draw_with: Callable[[Answer], tuple[Plot, ...]] | None = None,
) -> tuple[Outcome, bool] | None:
    """(`outcome` with small cells hidden, whether any was); None: no rule covers its answer.

    `draw_with` draws the plots of the shown answer when `outcome` was computed without them
    (the gateway asks for none in public places, so each plot is drawn once, as shown)."""
    if outcome.is_error or outcome.answer is None:
        return outcome, False
    shielded = shield(outcome.answer, min_cell, dms=dms)
    if shielded is None:
        return None
    answer = shielded.answer
    reply = compose(answer)
    # What the service adds under every answer (which data it comes from) stays.
    stamp = tuple(line for line in outcome.reply.context if line not in reply.context)
    data = public_json(answer)
    data.update({k: outcome.json[k] for k in ("data_version", "data_as_of") if k in outcome.json})
    shown = Outcome(
        reply=replace(reply, context=(*reply.context, *stamp[-1:])),
        json=data,
        plots=_plots(outcome, shielded, draw_with),
        answer=answer,
    )
    return shown, shielded.suppressed


def public_outcome(outcome: Outcome, metric: str, policy: Policy, draw_with) -> tuple:
    """(outcome, refused, suppressed) of an answer given outside patient places."""
    shown = shielded_outcome(outcome, policy.min_cell, dms=policy.patient_dms, draw_with=draw_with)
    if shown is None:  # a body no small-cell rule covers yet: not shown publicly
        refusal = NotAllowed(
            f"Sorry, `{metric}` answers are not yet checked for small cells, so they are given "
            "only where patient-level answers are.",
            hint=policy.where_hint(),
        )
        return Outcome.from_error(refusal), True, False
    return shown[0], False, shown[1]


def _plots(outcome: Outcome, shielded: Shielded, draw_with) -> tuple[Plot, ...]:
    """The plots as drawn when the shown chart is the one drawn; else drawn again from what
    may be shown (a forest plot of the shown subgroups, a Kaplan–Meier plot cut where few are
    at risk); none when the rule gives no chart or none was asked for."""
    chart = shielded.answer.chart
    if chart is None:
        return ()
    if outcome.plots and outcome.answer is not None and chart is outcome.answer.chart:
        return outcome.plots
    if draw_with is not None:
        return draw_with(shielded.answer)
    return draw(shielded.answer) if outcome.plots else ()
