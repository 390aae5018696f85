"""The curves of a Kaplan–Meier plot: each step curve with its CI band, censor marks and median
mark, and the rings around the events a weekly post names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.lines import Line2D

if TYPE_CHECKING:
    from sts_queries.stats.survival import KMFit

__all__ = ["BAND_ALPHA", "RING", "draw_curve", "has_band", "ring_events"]

BAND_ALPHA = 0.15


def has_band(fit: KMFit) -> bool:
    """True when the CI band has a width somewhere (it is the point itself while S = 1)."""
    surv, low, high = (np.asarray(a, float) for a in (fit.surv, fit.lower, fit.upper))
    with np.errstate(invalid="ignore"):
        return bool(np.any((surv < 1) & (high > low)))


# A ring around an event the reader is pointed to (the weekly post's new progressions).
RING = {
    "marker": "o",
    "markersize": 13,
    "markerfacecolor": "none",
    "markeredgewidth": 2,
    "linestyle": "none",
}


def ring_events(ax, fit: KMFit, times: Sequence[float], color: str) -> int:
    """Ring the curve's drops at ``times`` (only times where the curve has an event)."""
    event_times = np.asarray(fit.time, float)[np.asarray(fit.n_event) > 0]
    at = [t for t in times if np.isclose(event_times, t).any()]
    if not at:
        return 0
    index = [int(np.flatnonzero(np.isclose(fit.time, t))[0]) for t in at]
    before = [float(fit.surv[i - 1]) if i else 1.0 for i in index]
    after = [float(fit.surv[i]) for i in index]
    # At the middle of the drop: the step is what happened.
    ax.plot(
        at,
        [(b + a) / 2 for b, a in zip(before, after, strict=True)],
        color=color,
        clip_on=False,
        zorder=4,
        gid="km-marked",
        **RING,
    )
    return len(at)


def _median_drop_top(fit: KMFit) -> float:
    """Where a median's drop line starts: the curve's value after its step across 0.5, or 0.5
    itself at R's midpoint median (the curve flat at exactly 0.5 over an interval, the median
    halfway along it: the line is then a guide down from the curve, not a step)."""
    at = np.flatnonzero(np.isclose(np.asarray(fit.time, float), fit.median))
    if at.size and float(fit.surv[at[0]]) < 0.5:
        return float(fit.surv[at[0]])
    return 0.5


def draw_curve(
    ax,
    label: str,
    fit: KMFit,
    entry: str,
    *,
    color: str,
    linestyle: str,
    band: bool,
    marks: bool = True,
) -> Line2D:
    """Draw one curve (band, steps, censor marks, median); its legend handle, named ``entry``."""
    time = np.concatenate([[0.0], np.asarray(fit.time, float)])
    surv = np.concatenate([[1.0], np.asarray(fit.surv, float)])
    # Before the first event the band is the point itself (R reports 1 .. 1 there).
    lower = np.concatenate([[1.0], np.where(surv[1:] >= 1, 1.0, fit.lower)])
    upper = np.concatenate([[1.0], np.where(surv[1:] >= 1, 1.0, fit.upper)])

    if band:
        # Explicit steps rather than step="post": an undefined limit (NaN, e.g. log-log where
        # S reaches 0) then blanks only its own interval, not the one before it as well.
        xs = np.repeat(time, 2)[1:]
        xs = np.append(xs, time[-1])
        ax.fill_between(
            xs,
            np.repeat(lower, 2),
            np.repeat(upper, 2),
            color=color,
            alpha=BAND_ALPHA,
            linewidth=0,
            gid="km-band",
        )
    (line,) = ax.plot(
        time, surv, drawstyle="steps-post", color=color, linestyle=linestyle, lw=2, label=label
    )
    line.set_gid("km-curve")

    censored = np.asarray(fit.n_censor) > 0
    if marks and censored.any():
        # Unclipped: a censoring at the last time or at 100% sits on the axis edge.
        (marks,) = ax.plot(
            np.asarray(fit.time, float)[censored],
            np.asarray(fit.surv, float)[censored],
            linestyle="none",
            marker="+",
            markersize=9,
            markeredgewidth=1.5,
            color=color,
            label="_nolegend_",
            clip_on=False,
        )
        marks.set_gid("km-censor")

    if fit.median is not None:
        # The 50% gridline is the horizontal guide (one for all curves, so none overlap); each
        # curve marks its median on it and drops from there to the axis.
        ax.plot(
            [fit.median],
            [0.5],
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor=color,
            markeredgewidth=1.5,
            linestyle="none",
            zorder=3,
            gid="km-median-point",
        )
        ax.plot(
            [fit.median, fit.median],
            [0, _median_drop_top(fit)],
            color=color,
            linestyle=(0, (4, 3)),
            linewidth=1.1,
            alpha=0.8,
            gid="km-median",
        )

    return Line2D([], [], color=color, linestyle=linestyle, lw=2, label=entry)
