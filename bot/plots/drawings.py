"""PNG plots for replies and tumor-board cards: plain data in, PNG bytes out.

Each plot lives in its own module (``plots_km``, ``plots_tox``, ``plots_swimmer``,
``plots_timeline``) and draws with matplotlib's object API only, so a server may render
several at once. Every figure is 8 in wide at 150 dpi; its height is 5.5 in unless the number
of groups, terms or patients needs more (see each module's ``*_figure_height``).
"""

from __future__ import annotations

from sts_bot.plots.km.figure import km_plot
from sts_bot.plots.patients.swimmer import SwimmerLane, swimmer_plot
from sts_bot.plots.patients.timeline import patient_timeline_plot
from sts_bot.plots.tox import tox_plot

__all__ = ["SwimmerLane", "km_plot", "patient_timeline_plot", "swimmer_plot", "tox_plot"]
