"""Answer → PNG plots, by the type of chart the answer carries (`sts_queries.charts`).

matplotlib is imported by the first plot drawn, not by importing this module: a `count` asked
from the command line never pays for it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import singledispatch

from sts_queries.charts import (
    Chart,
    CumulativeIncidenceChart,
    ForestChart,
    KaplanMeierChart,
    SpiderChart,
    SwimmerChart,
    TimelineChart,
    ToxicityChart,
    WaterfallChart,
)
from sts_queries.result import Answer

__all__ = ["Plot", "draw", "plot_filename", "render_chart", "slug"]


@dataclass(frozen=True, kw_only=True)
class Plot:
    filename: str
    title: str
    png: bytes


# Comparisons spelled out, so that `os karno>=60` and `os karno<60` are two files, not one.
_OPERATORS = (
    (">=", " ge "), ("≥", " ge "), ("<=", " le "), ("≤", " le "), ("!=", " ne "), ("≠", " ne "),
    (">", " gt "), ("<", " lt "), ("..", " to "),
)  # fmt: skip


def slug(text: str, *, limit: int = 80, empty: str = "plot") -> str:
    """A file name's stem from any text: lower-case words joined by dashes, comparisons in
    words (`karno>=60` -> karno-ge-60)."""
    for operator, word in _OPERATORS:
        text = text.replace(operator, word)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or empty


def _stamp(chart: Chart, answer: Answer) -> str:
    """'Reconstructed demo data · data as of 2021-06-30', or what of it applies."""
    from sts_bot.plots.style import provenance_stamp

    # The answer's notes are where an answer says it rests on reconstructed values
    # (queries.common.provenance_notes); the plot repeats it because it travels alone.
    reconstructed = any("reconstructed" in note.lower() for note in answer.notes)
    return provenance_stamp(reconstructed=reconstructed, data_as_of=chart.data_as_of)


@singledispatch
def render_chart(chart: Chart, answer: Answer) -> bytes:
    """PNG bytes of one chart (one drawer per chart type)."""
    raise TypeError(f"no drawer for {type(chart).__name__}")  # a registry test prevents it


@render_chart.register
def _km(chart: KaplanMeierChart, answer: Answer) -> bytes:
    from sts_bot.plots.km.figure import km_plot
    from sts_bot.render.answers import fmt_p

    return km_plot(
        chart.curves,
        title=answer.understood,
        unit=chart.unit,
        # The weekly summary carries the PFS curve under its own metric name.
        endpoint=chart.endpoint or ("pfs" if answer.metric == "summary" else answer.metric),
        test_label=f"log-rank {fmt_p(chart.test['p'])}" if chart.test else None,
        method_note=answer.method or "",
        stamp=_stamp(chart, answer),
        marked=chart.marked,
        landmarks=chart.landmarks,
        followup=chart.followup,
        reference=chart.reference,
        hazards=chart.hazards,
        hr_test_label=_hr_test_label(chart.hr_test) if chart.hazards else None,
        start=chart.start,
        tau=chart.tau,
        min_at_risk=chart.min_at_risk,
    )


@render_chart.register
def _incidence(chart: CumulativeIncidenceChart, answer: Answer) -> bytes:
    from sts_bot.plots.km.incidence import incidence_plot
    from sts_bot.render.answers import fmt_p

    return incidence_plot(
        chart.curves,
        causes=chart.causes,
        title=answer.understood,
        unit=chart.unit,
        test_label=f"Gray's test {fmt_p(chart.test['p'])}" if chart.test else None,
        method_note=answer.method or "",
        stamp=_stamp(chart, answer),
        landmarks=chart.landmarks,
        reference=chart.reference,
        hazards=chart.hazards,
        min_at_risk=chart.min_at_risk,
    )


def _hr_test_label(test) -> str | None:
    """'Cox likelihood-ratio p = 0.030': the test of the hazard ratios, beside the log-rank p."""
    from sts_bot.render.answers import fmt_p

    if not test or test.get("p") is None:
        return None
    name = str(test.get("name", "")).removesuffix(" test") or "HR test"
    return f"{name} {fmt_p(test['p'])}"


@render_chart.register
def _forest(chart: ForestChart, answer: Answer) -> bytes:
    from sts_bot.plots.forest import forest_plot

    return forest_plot(
        chart.rows,
        overall=chart.overall,
        measure=chart.measure,
        outcome=chart.outcome,
        title=answer.understood,
        reference=chart.reference,
        comparison=chart.comparison,
        interactions=chart.interactions,
        method_note=" · ".join(t for t in (answer.method, chart.withheld_note) if t),
        stamp=_stamp(chart, answer),
    )


@render_chart.register
def _tox(chart: ToxicityChart, answer: Answer) -> bytes:
    from sts_bot.plots.tox import tox_plot

    return tox_plot(
        chart.rows,
        n=chart.n,
        title=answer.understood,
        groups=chart.groups,
        method_note=answer.method or "",
        stamp=_stamp(chart, answer),
    )


@render_chart.register
def _swimmer(chart: SwimmerChart, answer: Answer) -> bytes:
    from sts_bot.plots.patients.swimmer import SwimmerLane, swimmer_plot

    lanes = [SwimmerLane(**lane) for lane in chart.lanes]
    return swimmer_plot(
        lanes,
        title=answer.understood,
        unit=chart.unit,
        data_as_of=chart.data_as_of,
        method_note=answer.method or "",
        stamp=_stamp(chart, answer),
    )


@render_chart.register
def _waterfall(chart: WaterfallChart, answer: Answer) -> bytes:
    from sts_bot.plots.patients.waterfall import waterfall_plot

    return waterfall_plot(
        chart.bars,
        title=answer.understood,
        measured=chart.measured,
        by=chart.by,
        pr_line=chart.pr_line,
        pd_line=chart.pd_line,
        method_note=answer.method or "",
        stamp=_stamp(chart, answer),
    )


@render_chart.register
def _spider(chart: SpiderChart, answer: Answer) -> bytes:
    from sts_bot.plots.patients.spider import spider_plot

    return spider_plot(
        chart.lines,
        title=answer.understood,
        unit=chart.unit,
        by=chart.by,
        pr_line=chart.pr_line,
        pd_line=chart.pd_line,
        method_note=answer.method or "",
        stamp=_stamp(chart, answer),
    )


@render_chart.register
def _timeline(chart: TimelineChart, answer: Answer) -> bytes:
    from sts_bot.plots.patients.timeline import patient_timeline_plot

    # The timeline says its data cut in its subtitle; the stamp says what the data are.
    return patient_timeline_plot(**chart.course, stamp=_stamp(chart, answer))


def draw(answer: Answer) -> tuple[Plot, ...]:
    """The plots an answer comes with (none for most metrics)."""
    if answer.chart is None:
        return ()
    png = render_chart(answer.chart, answer)
    return (Plot(filename=plot_filename(answer), title=answer.understood, png=png),)


# A file name's stem past this length keeps its start and a hash of the whole.
_STEM_LIMIT = 80


def plot_filename(answer: Answer) -> str:
    """One name per question: the metric, the filters and every option that changes the plot
    (`os by=trt unit=days` and `os by=trt unit=weeks`, `ref=`, `adjust=`, `at=`, `ci=` are
    different files), so that answers written to one folder never overwrite each other."""
    spec = answer.spec
    words = [answer.metric, spec.outcome or "", spec.patient_id or "", *answer.filters]
    if spec.by:
        words.append(f"by {spec.by}")
    if spec.strata:
        words.append(f"strata {spec.strata.text}")
    if spec.reference:
        words.append(f"ref {spec.reference}")
    kinds = dict(spec.adjust_kinds)
    if spec.adjust:
        words.append("adjust " + " ".join(f"{a} {kinds.get(a, '')}" for a in spec.adjust))
    if spec.over:
        words.append("over " + " ".join(spec.over))
    if spec.at:
        words.append("at " + " ".join(f"{t:g}" for t in spec.at))
    if spec.tau is not None:
        words.append(f"tau {spec.tau:g}")
    if spec.unit != "months":
        words.append(spec.unit)
    if spec.ci_type != "log-log":
        words.append(f"ci {spec.ci_type}")
    if spec.as_of is not None:
        words.append(spec.as_of.isoformat())
    stem = slug(" ".join(words), limit=10**6)
    if len(stem) > _STEM_LIMIT:
        digest = hashlib.sha256(stem.encode()).hexdigest()[:8]
        stem = f"{stem[: _STEM_LIMIT - 9].rstrip('-')}-{digest}"
    return stem + ".png"
