"""Forest plot: one row per subgroup, its estimate as a square sized by the subgroup's N and its
95% CI as a line; a rate on a linear axis against the overall rate, or a hazard ratio on a log
axis against 1 and the overall HR, with the numbers written in a column beside the axis."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator, PercentFormatter

from sts_bot.plots_common import (
    FONT_LABEL,
    FONT_SMALL,
    FONT_TICK,
    FONT_TITLE,
    GRID_COLOR,
    GROUP_COLORS,
    NOTE_COLOR,
    new_figure,
    shorten,
    style_axes,
    to_png,
    wrap_title,
)

__all__ = ["forest_plot"]

_ROW_IN = 0.27  # height of one row
_FRAME_IN = 1.9  # title, axis label, note
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
) -> bytes:
    """PNG of a forest plot of `rows` (field, subgroup, n, estimate, ci_low, ci_high, and count
    or events); `measure` is "rate" or "hazard ratio"."""
    lines = _layout(rows, interactions)
    fig = new_figure(_FRAME_IN + _ROW_IN * (len(lines) + 1))
    ax, ax_text = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    style_axes(ax, grid_axis="x")
    hazard = measure != "rate"
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
    if hazard:
        ax.axvline(1.0, color="#333333", lw=1.0, gid="null-line")
        _hazard_axis(ax, rows, overall, reference, comparison)
    else:
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_locator(FixedLocator(np.linspace(0, 1, 6)))
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        ax.set_xlabel(f"{outcome.upper()} (95% CI, exact)", fontsize=FONT_LABEL)

    ax.set_ylim(len(lines) + 0.8, -0.8)
    ax.yaxis.set_major_locator(FixedLocator(range(len(labels))))
    ax.set_yticklabels(labels, fontsize=FONT_TICK)
    for tick, line in zip(
        ax.get_yticklabels(), [*lines, {"row": None, "header": True}], strict=True
    ):
        if line.get("header"):
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.axhline(len(lines) - 0.5, color=GRID_COLOR, lw=0.8)

    _numbers(ax_text, lines, overall, hazard)
    name = "HR" if hazard else outcome.upper()
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=FONT_TITLE, fontweight="bold")
    if method_note:
        note = wrap_title(method_note, width=140)
        fig.text(0.01, 0.008, note, fontsize=FONT_SMALL - 1, color=NOTE_COLOR, ha="left")
        reserved = (0.06 + 0.16 * (note.count("\n") + 1)) / fig.get_figheight()
        fig.get_layout_engine().set(rect=(0, reserved, 1, 1 - reserved))
    ax_text.set_title(
        ("events/N" if hazard else "k/N") + f"    {name} (95% CI)",
        loc="left",
        fontsize=FONT_TICK,
        fontweight="bold",
    )
    return to_png(fig)


def _layout(rows: Sequence[Mapping], interactions: Sequence[Mapping]) -> list[dict]:
    """A header line per field (with its interaction p) and a line per subgroup under it."""
    p_of = {i["field"]: i.get("p") for i in interactions}
    lines: list[dict] = []
    for r in rows:
        if not lines or lines[-1]["field"] != r["field"]:
            p = p_of.get(r["field"])
            extra = f"  (interaction p = {p:.2f})" if p is not None else ""
            lines.append(
                {"field": r["field"], "label": f"{r['field']}{extra}", "row": None, "header": True}
            )
        lines.append(
            {
                "field": r["field"],
                "label": "   " + shorten(str(r["subgroup"]), 28),
                "row": r,
                "header": False,
            }
        )
    return lines


def _interval(r: Mapping, hazard: bool) -> str:
    if r.get("estimate") is None:
        return "not estimable"
    if hazard:
        return f"{r['estimate']:.2f} ({r['ci_low']:.2f}–{r['ci_high']:.2f})"
    return f"{100 * r['estimate']:.0f}% ({100 * r['ci_low']:.0f}–{100 * r['ci_high']:.0f})"


def _numbers(ax, lines: list[dict], overall: Mapping, hazard: bool) -> None:
    ax.axis("off")
    key = "events" if hazard else "count"
    for y, line in enumerate([*lines, {"row": overall, "header": False}]):
        r = line["row"]
        if r is None:
            continue
        bold = "bold" if r is overall else "normal"
        ax.text(
            0.0,
            y,
            f"{r[key]}/{r['n']}",
            va="center",
            fontsize=FONT_TICK,
            fontweight=bold,
            transform=ax.get_yaxis_transform(),
        )
        ax.text(
            0.3,
            y,
            _interval(r, hazard),
            va="center",
            fontsize=FONT_TICK,
            fontweight=bold,
            transform=ax.get_yaxis_transform(),
            gid="forest-number",
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


def _hazard_axis(ax, rows, overall, reference, comparison) -> None:
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
    step = 1 if exp_high - exp_low <= 8 else 2  # at most about eight labels
    ticks = [2.0**k for k in range(exp_low - exp_low % step, exp_high + 1, step)]
    ticks = [t for t in ticks if 2.0**exp_low <= t] + ([1.0] if 1.0 not in ticks else [])
    ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" if t >= 1 else f"1/{1 / t:g}" for t in sorted(ticks)])
    ax.set_xlabel(
        f"HR (95% CI, log scale)\n← favours {comparison}     favours {reference} →",
        fontsize=FONT_LABEL,
    )
