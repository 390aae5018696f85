"""What every plot shares: figure size and fonts, colour-blind-safe palettes, time ticks, PNG.

Only matplotlib's object API is used (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``,
and rcParams are never touched: every size and colour is passed explicitly, so renders in
concurrent threads do not share state.
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH_IN = 8.0
HEIGHT_IN = 5.5
DPI = 150

FONT_TITLE = 13
FONT_LABEL = 11
FONT_TICK = 10
FONT_SMALL = 9
NOTE_COLOR = "#555555"
GRID_COLOR = "#e3e3e3"

# Okabe & Ito (2008), the colour-blind-safe qualitative palette; yellow last (weak on white).
GROUP_COLORS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

# RECIST 1.1 best response, fixed so that a colour means the same thing on every plot.
RESPONSE_COLORS = {
    "CR": "#0072B2",
    "PR": "#56B4E9",
    "SD": "#E69F00",
    "PD": "#D55E00",
    "NE": "#9a9a9a",
}
RESPONSE_NAMES = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
}

# CTCAE grade 1-5, sequential light -> dark (ColorBrewer YlOrRd), grade 5 darkest.
GRADE_COLORS = {
    1: "#fee391",
    2: "#fdae61",
    3: "#f46d43",
    4: "#c2182b",
    5: "#5c0718",
}

SURGERY_COLOR = "#CC79A7"
PROGRESSION_COLOR = "#D55E00"

DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}

# Tick steps a clinician expects for each unit (3-monthly visits, weekly cycles, ...).
_TICK_STEPS = {
    "days": (1, 2, 5, 7, 10, 14, 20, 28, 30, 60, 90, 120, 180, 365, 730),
    "weeks": (1, 2, 4, 8, 12, 13, 26, 52, 104),
    "months": (1, 2, 3, 6, 12, 24, 36, 60, 120),
    "years": (1, 2, 5, 10, 20),
}


def new_figure(height: float = HEIGHT_IN) -> Figure:
    """A fixed-width figure with an Agg canvas attached, laid out by constrained layout."""
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.06, w_pad=0.06)
    return fig


def to_png(fig: Figure) -> bytes:
    """Render at the figure's own size (no tight bbox, so the pixel size is predictable)."""
    buf = io.BytesIO()
    # zlib level 1: a tenth of the encoding time for a file about a fifth larger.
    fig.savefig(
        buf,
        format="png",
        dpi=fig.dpi,
        metadata={"Software": None},
        pil_kwargs={"compress_level": 1},
    )
    return buf.getvalue()


def wrap_title(title: str, width: int = 72) -> str:
    return "\n".join(textwrap.wrap(title, width=width)) or title


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def fmt_number(value: float) -> str:
    """8.25 -> '8.25', 8.0 -> '8', 120.0 -> '120'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def time_ticks(tmax: float, unit: str, max_intervals: int = 10) -> np.ndarray:
    """Ticks from 0 that cover ``tmax`` in steps natural for the unit."""
    tmax = float(tmax) if tmax and tmax > 0 else 1.0
    for step in _TICK_STEPS.get(unit, ()):
        if tmax / step <= max_intervals:
            if tmax / step >= 3:
                return np.arange(math.ceil(tmax / step - 1e-9) + 1) * float(step)
            break
    ticks = MaxNLocator(nbins=max_intervals, steps=[1, 2, 2.5, 5, 10]).tick_values(0, tmax)
    ticks = ticks[ticks >= 0]
    if ticks[-1] < tmax:
        ticks = np.append(ticks, ticks[-1] + (ticks[1] - ticks[0]))
    return ticks


def style_axes(ax, *, grid_axis: str = "both") -> None:
    """Quiet frame, light grid behind the data, readable tick labels."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT_TICK)
    ax.set_axisbelow(True)
    if grid_axis:
        ax.grid(True, axis=grid_axis, color=GRID_COLOR, linewidth=0.8)


def text_color_on(hex_color: str) -> str:
    """Black or white, whichever reads better on the given fill."""
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.45 else "white"
