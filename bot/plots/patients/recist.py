"""What the waterfall and spider plots share: the RECIST lines, the y axis of % change (capped,
so that one tumour that tripled does not flatten every other bar), colours by best response or
by group, and a legend of what was drawn."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sts_bot.plots.common import (
    FONT_SMALL,
    FONT_TICK,
    REFERENCE_COLOR,
    RESPONSE_COLORS,
    RESPONSE_NAMES,
    group_style,
)
from sts_bot.render.measurements import change

__all__ = [
    "NEW_LESION",
    "Colours",
    "capped_limits",
    "draw_recist_lines",
    "pct_axis",
    "recist_legend",
]

# Above this the axis stops and a bar or point says its value in words: a waterfall is read
# for shrinkage, and a +400% outlier would squeeze every other bar into a sliver.
Y_CAP = 100.0
NEW_LESION = {
    "marker": "*",
    "color": "black",
    "markersize": 10,
    "markeredgewidth": 0.5,
    "linestyle": "none",
}
_LINE = {"color": REFERENCE_COLOR, "linewidth": 1.2, "linestyle": (0, (5, 3))}


def capped_limits(values: Sequence[float]) -> tuple[float, float]:
    """The y range: down to −100% (a tumour can vanish, no further) and up past the +20% line,
    at most Y_CAP."""
    top = max([0.0, *values])
    return -105.0, min(Y_CAP, max(35.0, top + 12.0))


def pct_axis(ax, low: float, high: float) -> None:
    """The % change axis from `low` to `high`, ticked every 20% from −100%."""
    ax.set_ylim(low, high)
    ax.set_yticks([t for t in range(-100, int(high) + 1, 20)])


def draw_recist_lines(ax, pr_line: float, pd_line: float) -> None:
    """0, and RECIST 1.1's −30% (partial response) and +20% (progression) lines, named at the
    right edge."""
    ax.axhline(0, color="black", linewidth=0.9, zorder=2)
    for value, name, gid in (
        (pr_line, "PR", "recist-pr-line"),
        (pd_line, "PD", "recist-pd-line"),
    ):
        ax.axhline(value, zorder=3, gid=gid, **_LINE)
        ax.annotate(
            f"{change(value).replace('.0', '')} {name}",
            xy=(1, value),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=FONT_SMALL,
            color=REFERENCE_COLOR,
            zorder=8,  # over the bars and lines it names, on a white ground
            bbox={
                "boxstyle": "square,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
            gid=f"{gid}-label",
        )


class Colours:
    """Each patient's colour: by best response (RECIST's fixed colours), or by `by=` group."""

    def __init__(self, items: Sequence[dict], by: str | None) -> None:
        self.by = by
        groups = list(dict.fromkeys(str(i.get("group")) for i in items)) if by else []
        self.groups = {g: group_style(k)["color"] for k, g in enumerate(groups)}
        self.seen: list[str] = []

    @staticmethod
    def code(item: dict) -> str:
        code = str(item.get("best_response") or "NE").upper()
        return code if code in RESPONSE_COLORS else "NE"

    def of(self, item: dict) -> str:
        key = str(item.get("group")) if self.by else self.code(item)
        if key not in self.seen:
            self.seen.append(key)
        return self.groups[key] if self.by else RESPONSE_COLORS[key]


def recist_legend(
    ax, colours: Colours, *, new_lesion: bool, loc: str, gid: str, outside: bool = False
) -> None:
    """The colours drawn (responses in RECIST order, or groups in order) and the new-lesion
    mark when one was drawn; `outside` puts it right of the axes (lines cross every corner)."""
    handles, labels = [], []
    if colours.by:
        for group in colours.seen:
            handles.append(Patch(facecolor=colours.groups[group]))
            labels.append(f"{colours.by} = {group}")
    else:
        for code in RESPONSE_COLORS:
            if code in colours.seen:
                handles.append(Patch(facecolor=RESPONSE_COLORS[code]))
                labels.append(f"{code}  {RESPONSE_NAMES[code]}")
    if new_lesion:
        handles.append(Line2D([], [], **NEW_LESION))
        labels.append("New lesion")
    placed = {"loc": "upper left", "bbox_to_anchor": (1.01, 1), "borderaxespad": 0}
    ax.legend(
        handles,
        labels,
        **(placed if outside else {"loc": loc}),
        fontsize=FONT_SMALL if len(handles) > 4 or outside else FONT_TICK,
        frameon=not outside,
        framealpha=0.92,
        edgecolor="#dddddd",
    ).set_gid(gid)
