"""Forest plot: one row per subgroup, its estimate as a square sized by the subgroup's N and its
95% CI as a line; a rate on a linear axis against the overall rate, or a hazard ratio on a log
axis against 1 and the overall HR, with the numbers written in a column beside the axis."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, NullLocator, PercentFormatter

from sts_bot.plots.common import (
    DPI,
    FONT_LABEL,
    FONT_SMALL,
    FONT_TITLE,
    GRID_COLOR,
    GROUP_COLORS,
    NOTE_COLOR,
    WIDTH_IN,
    add_footer,
    fmt_hr,
    footer_height,
    new_figure,
    shorten,
    style_axes,
    to_png,
    wrap_title,
)

__all__ = ["forest_plot"]

_ROW_IN = 0.27  # height of one row
_FRAME_IN = 1.75  # title, column heads, axis and its two-line label (the footer is added)
_FONT = FONT_LABEL  # rows and numbers: 11 pt, so that a 400 px thumbnail still reads
_INDENT = "    "  # a subgroup under its field's heading
_TICK_LABEL_IN = 0.34  # room one HR tick label ('1/64') needs
_COLUMN_GAP_PT = 14  # between the count column and the estimate column
_HR_LIMITS = (1 / 64, 64)  # beyond this a CI is drawn as an arrow to the edge
_MARKER = "#0072B2"
_OVERALL = GROUP_COLORS[1]


def forest_plot(
    rows: Sequence[Mapping],
    *,
    overall: Mapping,
    measure: str,
    outcome: str,
    title: str,
    reference: str | None = None,
    comparison: str | None = None,
    interactions: Sequence[Mapping] = (),
    method_note: str = "",
    stamp: str = "",
) -> bytes:
    """PNG of a forest plot of `rows` (field, subgroup, n, estimate, ci_low, ci_high, and count
    or events); `measure` is "rate" or "hazard ratio". Under it the method and ``stamp``
    (what the data are), as on every plot."""
    lines = _layout(rows, interactions)
    hazard = measure != "rate"
    heads = ("events/N" if hazard else "k/N", f"{'HR' if hazard else outcome.upper()} (95% CI)")
    cells = _cells(lines, overall, hazard, heads)
    height = _FRAME_IN + _ROW_IN * (len(lines) + 1) + footer_height(method_note, stamp)
    fig = new_figure(math.ceil(height * DPI) / DPI)  # a whole number of pixels
    # The number panel as wide as its widest line, the axis the rest of what the row labels
    # leave (a fixed ratio cut long intervals off at the canvas edge).
    labels_in = (max(_width_pt(line["label"], bold=True) for line in lines) + 8) / 72
    numbers_in = cells["width_pt"] / 72 + 0.15
    axis_in = max(WIDTH_IN - 0.35 - labels_in - numbers_in, 1.5)
    ax, ax_text = fig.subplots(
        1, 2, sharey=True, gridspec_kw={"width_ratios": [axis_in, numbers_in]}
    )
    style_axes(ax, grid_axis="x")
    y_of = {}
    labels = []
    for y, line in enumerate(lines):
        labels.append(line["label"])
        if line["row"] is not None:
            y_of[id(line["row"])] = y
    n_max = max((r["n"] for r in rows), default=1) or 1
    for r in rows:
        y = y_of[id(r)]
        if r.get("estimate") is None:
            continue
        low, high = r["ci_low"], r["ci_high"]
        if hazard:
            low, high = max(low, _HR_LIMITS[0]), min(high, _HR_LIMITS[1])
            if r["ci_low"] < _HR_LIMITS[0] or r["ci_high"] > _HR_LIMITS[1]:
                _arrows(ax, y, r)
        ax.plot([low, high], [y, y], color=_MARKER, lw=1.4, solid_capstyle="butt", gid="ci")
        size = 4 + 8 * math.sqrt(r["n"] / n_max)
        ax.plot(
            [r["estimate"]],
            [y],
            marker="s",
            ms=size,
            color=_MARKER,
            ls="none",
            gid="estimate",
            clip_on=False,
        )

    y_overall = len(lines)
    labels.append("Overall")
    if overall.get("estimate") is not None:
        _diamond(ax, y_overall, overall)
        ax.axvline(overall["estimate"], color=_OVERALL, ls=(0, (4, 3)), lw=1.1, gid="overall")
        # Named where it starts, above the first heading (a heading line has no marker).
        ax.text(
            overall["estimate"],
            -0.45,
            " overall",
            color=_OVERALL,
            fontsize=FONT_SMALL,
            ha="left",
            va="center",
            gid="overall-label",
        )
    if hazard:
        ax.axvline(1.0, color="#333333", lw=1.0, gid="null-line")
        _hazard_axis(ax, rows, overall, reference, comparison, width_in=axis_in)
    else:
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_locator(FixedLocator(np.linspace(0, 1, 6)))
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        ax.set_xlabel(f"{outcome.upper()} (95% CI, exact)", fontsize=FONT_LABEL)

    ax.set_ylim(len(lines) + 0.8, -0.8)
    _row_labels(ax, labels, [*lines, {"row": None, "header": True}])
    ax.axhline(len(lines) - 0.5, color=GRID_COLOR, lw=0.8)

    _numbers(ax_text, cells)
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    add_footer(fig, method_note, stamp)
    return to_png(fig)


def _row_labels(ax, labels: list[str], lines: list[dict]) -> None:
    """Headings flush left in bold, subgroups indented under them, all in one left-aligned
    column (right-aligned tick labels would set a heading and its subgroups side by side)."""
    ax.yaxis.set_major_locator(FixedLocator(range(len(labels))))
    ax.set_yticklabels(labels, fontsize=_FONT)
    widest = max(
        _width_pt(label, bold=bool(line.get("header")))
        for label, line in zip(labels, lines, strict=True)
    )
    for tick, line in zip(ax.get_yticklabels(), lines, strict=True):
        tick.set_horizontalalignment("left")
        if line.get("header"):
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, pad=widest + 8)


def _width_pt(text: str, *, bold: bool = False) -> float:
    font = FontProperties(size=_FONT, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return width


def field_heading(field: str) -> str:
    """'metastatic_site' -> 'Metastatic site'; a name already in capitals stays as it is."""
    words = str(field).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words[:1].islower() else words


def _layout(rows: Sequence[Mapping], interactions: Sequence[Mapping]) -> list[dict]:
    """A header line per field (with its interaction p) and a line per subgroup under it."""
    tested = {i["field"]: i for i in interactions}
    lines: list[dict] = []
    for r in rows:
        if not lines or lines[-1]["field"] != r["field"]:
            lines.append(
                {
                    "field": r["field"],
                    "label": shorten(field_heading(r["field"]), 32),
                    "row": None,
                    "header": True,
                    "interaction": tested.get(r["field"]),
                }
            )
        lines.append(
            {
                "field": r["field"],
                "label": _INDENT + shorten(str(r["subgroup"]), 28),
                "row": r,
                "header": False,
            }
        )
    return lines


def _interval(r: Mapping, hazard: bool) -> str:
    if r.get("estimate") is None:
        return _why_none(r)
    if hazard:
        return f"{fmt_hr(r['estimate'])} ({fmt_hr(r['ci_low'])}–{fmt_hr(r['ci_high'])})"
    return f"{100 * r['estimate']:.0f}% ({100 * r['ci_low']:.0f}–{100 * r['ci_high']:.0f})"


def _fmt_p(p: float) -> str:
    """'p = 0.95', 'p = 0.004', 'p < 0.001'."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _why_none(r: Mapping) -> str:
    """A few words for a subgroup without an estimate: 'only M', 'no events in F', else 'not
    estimable' (the answer's notes say it in full)."""
    if r.get("suppressed"):
        return "withheld (small numbers)"
    reason = str(r.get("reason") or "")
    if reason.startswith("only ") and reason.endswith(" in this subgroup"):
        return reason.removesuffix(" in this subgroup")
    if "has no events" in reason and reason.count("`") == 2:
        return f"no events in {reason.split('`')[1]}"
    if "no events" in reason:
        return "no events"
    return "not estimable"


def _cells(lines: list[dict], overall: Mapping, hazard: bool, heads: tuple[str, str]) -> dict:
    """What the number panel writes, line by line, and how wide it is: k/N (or events/N), then
    the estimate with its CI starting a fixed gap after the widest count."""
    key = "events" if hazard else "count"
    out = []
    for y, line in enumerate([*lines, {"row": overall, "header": False}]):
        r = line["row"]
        if r is None:
            if line.get("interaction") is not None:
                p = line["interaction"].get("p")
                words = "no interaction test" if p is None else f"interaction {_fmt_p(p)}"
                out.append((y, 1, words, {"color": NOTE_COLOR, "style": "italic"}, "interaction"))
            continue
        bold = {"fontweight": "bold"} if r is overall else {}
        count = "–" if r.get(key) is None or r.get("n") is None else f"{r[key]}/{r['n']}"
        out.append((y, 0, count, bold, "count"))
        grey = {"color": NOTE_COLOR} if r.get("estimate") is None else {}
        out.append((y, 1, _interval(r, hazard), {**bold, **grey}, "number"))
    shift = _COLUMN_GAP_PT + max(
        _width_pt(heads[0], bold=True), *(_width_pt(t, bold=True) for _, c, t, *_ in out if c == 0)
    )
    widest = max(
        _width_pt(heads[1], bold=True), *(_width_pt(t, bold=True) for _, c, t, *_ in out if c == 1)
    )
    return {"heads": heads, "lines": out, "shift": shift, "width_pt": shift + widest}


def _numbers(ax, cells: dict) -> None:
    ax.axis("off")
    at = ax.get_yaxis_transform()
    for column, head in enumerate(cells["heads"]):
        ax.annotate(
            head,
            xy=(0.0, 1.0),
            xycoords=ax.transAxes,
            xytext=(cells["shift"] * column, 0),
            textcoords="offset points",
            va="bottom",
            fontsize=_FONT,
            fontweight="bold",
            gid="forest-head",
        )
    for y, column, text, style, kind in cells["lines"]:
        ax.annotate(
            text,
            xy=(0.0, y),
            xycoords=at,
            xytext=(cells["shift"] * column, 0),
            textcoords="offset points",
            va="center",
            fontsize=_FONT,
            gid=f"forest-{kind}",
            **style,
        )


def _diamond(ax, y: float, overall: Mapping) -> None:
    low, mid, high = overall["ci_low"], overall["estimate"], overall["ci_high"]
    ax.fill([low, mid, high, mid], [y, y - 0.3, y, y + 0.3], color=_OVERALL, gid="overall-diamond")


def _arrows(ax, y: float, r: Mapping) -> None:
    if r["ci_low"] < _HR_LIMITS[0]:
        ax.annotate(
            "",
            xy=(_HR_LIMITS[0], y),
            xytext=(_HR_LIMITS[0] * 1.8, y),
            arrowprops={"arrowstyle": "->", "color": _MARKER},
        )
    if r["ci_high"] > _HR_LIMITS[1]:
        ax.annotate(
            "",
            xy=(_HR_LIMITS[1], y),
            xytext=(_HR_LIMITS[1] / 1.8, y),
            arrowprops={"arrowstyle": "->", "color": _MARKER},
        )


def _hazard_axis(ax, rows, overall, reference, comparison, *, width_in: float) -> None:
    values = [
        v
        for r in [*rows, overall]
        if r.get("estimate") is not None
        for v in (r["ci_low"], r["ci_high"])
    ]
    low = max(min(values, default=0.5), _HR_LIMITS[0])
    high = min(max(values, default=2.0), _HR_LIMITS[1])
    exp_low = math.floor(math.log2(min(low, 0.5)))
    exp_high = math.ceil(math.log2(max(high, 2.0)))
    ax.set_xscale("log", base=2)
    ax.set_xlim(2.0**exp_low / 1.15, 2.0**exp_high * 1.15)
    # Powers of 2 that are multiples of the step (so 1 is always one), as many as fit the
    # axis's width with room between them.
    fit = max(3, int(width_in / _TICK_LABEL_IN))
    step = next((s for s in (1, 2, 4, 8) if exp_high // s - math.ceil(exp_low / s) + 1 <= fit), 16)
    ticks = [2.0**k for k in range(exp_low - exp_low % step, exp_high + 1, step)]
    ticks = [t for t in ticks if 2.0**exp_low <= t] + ([1.0] if 1.0 not in ticks else [])
    ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" if t >= 1 else f"1/{1 / t:g}" for t in sorted(ticks)])
    ax.set_xlabel(
        f"HR (95% CI, log scale)\n← favours {comparison}     favours {reference} →",
        fontsize=FONT_LABEL,
    )
