"""Answer → PNG plots, by the kind of plot the answer asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sts_queries.result import Answer

__all__ = ["Plot", "draw"]


@dataclass(frozen=True, kw_only=True)
class Plot:
    filename: str
    title: str
    png: bytes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "plot"


def draw(answer: Answer) -> tuple[Plot, ...]:
    """The plots an answer comes with (none for most metrics)."""
    spec = answer.plot
    if not spec:
        return ()
    title = answer.understood
    words = [answer.metric, answer.spec.patient_id or "", *answer.filters]
    if answer.spec.by:
        words.append(f"by {answer.spec.by}")
    filename = _slug(" ".join(words)) + ".png"
    kind = spec["kind"]
    if kind == "km":
        from .plots_km import km_plot

        test = spec.get("test")
        label = None
        if test:
            from .render import fmt_p

            label = f"log-rank {fmt_p(test['p'])}"
        png = km_plot(
            spec["curves"],
            title=title,
            unit=spec["unit"],
            test_label=label,
            method_note=answer.method or "",
        )
    elif kind == "tox":
        from .plots_tox import tox_plot

        png = tox_plot(spec["rows"], n=spec["n"], title=title)
    elif kind == "swimmer":
        from .plots_swimmer import SwimmerLane, swimmer_plot

        lanes = [SwimmerLane(**lane) for lane in spec["lanes"]]
        png = swimmer_plot(lanes, title=title, unit=spec["unit"])
    elif kind == "patient":
        from .plots_timeline import patient_timeline_plot

        png = patient_timeline_plot(**spec["args"])
    else:
        raise ValueError(f"unknown plot kind {kind!r}")
    return (Plot(filename=filename, title=title, png=png),)
