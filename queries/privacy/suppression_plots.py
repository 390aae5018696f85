"""A Kaplan–Meier plot as it may be shown outside patient places, decided from what it draws.

A curve and its number-at-risk table show individual patients where few are left: each step
is one patient's event, each tick one patient's censoring, and the table's last columns count
the last few. In public, so the plot carries no more than the text:

- each curve stops where fewer than the minimum cell size are still at risk (the axis ends
  there too: the longest follow-up is one patient's own time);
- no censor ticks;
- the at-risk table shows a count under the minimum as `<5` (`min_at_risk` on the chart);
- no landmark line past the cut; the follow-up without its limits (each one patient's time).

The median and its limits stay as the text gives them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sts_queries.charts import CumulativeIncidenceChart, KaplanMeierChart
from sts_queries.stats.aalen_johansen import CumulativeIncidence
from sts_queries.stats.survival import KMFit

__all__ = ["public_chart_of", "public_fit", "public_km_chart"]


_KM_ROWS = ("time", "n_risk", "n_event", "surv", "std_err", "lower", "upper")
_CIF_ROWS = ("time", "n_risk", "n_event", "incidence", "std_err", "lower", "upper")


def public_fit(fit: KMFit | CumulativeIncidence, k: int) -> KMFit | CumulativeIncidence:
    """`fit` up to the last time at least `k` patients were at risk, with no censorings."""
    few = np.flatnonzero(np.asarray(fit.n_risk) < k)
    cut = int(few[0]) if few.size else len(fit.time)
    rows = _CIF_ROWS if isinstance(fit, CumulativeIncidence) else _KM_ROWS
    kept = {name: np.asarray(getattr(fit, name))[:cut] for name in rows}
    kept["n_censor"] = np.zeros(cut, dtype=np.asarray(fit.n_censor).dtype)
    return replace(fit, **kept)


def public_km_chart(chart: KaplanMeierChart, k: int) -> KaplanMeierChart:
    """The chart with every curve cut, unticked and its table masked (see the module doc)."""
    curves = tuple((label, public_fit(fit, k)) for label, fit in chart.curves)
    ends = [float(fit.time[-1]) for _, fit in curves if len(fit.time)]
    end = min(ends) if ends else 0.0
    followup = chart.followup
    if followup is not None:
        followup = {"median": followup.get("median")}  # each limit is one patient's time
    marked = tuple(tuple(t for t in times if t <= end) for times in chart.marked)
    return replace(
        chart,
        curves=curves,
        landmarks=tuple(t for t in chart.landmarks if t <= end),
        followup=followup,
        marked=marked,
        min_at_risk=k,
    )


def public_chart_of(chart, k: int):
    """Any chart with curves and an at-risk table, as it may be shown in public; others as
    they are."""
    if isinstance(chart, KaplanMeierChart):
        return public_km_chart(chart, k)
    if isinstance(chart, CumulativeIncidenceChart):
        curves = tuple((label, public_fit(fit, k)) for label, fit in chart.curves)
        ends = [float(fit.time[-1]) for _, fit in curves if len(fit.time)]
        end = min(ends) if ends else 0.0
        landmarks = tuple(t for t in chart.landmarks if t <= end)
        return replace(chart, curves=curves, landmarks=landmarks, min_at_risk=k)
    return chart
