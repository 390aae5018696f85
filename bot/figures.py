"""Answer → PNG plots, by the kind of plot the answer asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sts_queries.result import Answer

from .plots import SwimmerLane, km_plot, patient_timeline_plot, swimmer_plot, tox_plot
from .render import fmt_p

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
        test = spec.get("test")
        png = km_plot(
            spec["curves"],
            title=title,
            unit=spec["unit"],
            test_label=f"log-rank {fmt_p(test['p'])}" if test else None,
            method_note=answer.method or "",
        )
    elif kind == "tox":
        png = tox_plot(spec["rows"], n=spec["n"], title=title)
    elif kind == "swimmer":
        lanes = [SwimmerLane(**lane) for lane in spec["lanes"]]
        png = swimmer_plot(lanes, title=title, unit=spec["unit"])
    elif kind == "patient":
        png = patient_timeline_plot(**spec["args"])
    else:
        raise ValueError(f"unknown plot kind {kind!r}")
    return (Plot(filename=filename, title=title, png=png),)
