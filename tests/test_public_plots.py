"""Plots outside patient places carry no more than the text (issue 19: `pfs at=1` drew the
at-risk row `14 11 8 4 3 3 3 1 0` with every step and censor tick).

Drawn for real (matplotlib) from the chart the public rule gives, read artist by artist.
"""

from __future__ import annotations

import numpy as np
import pytest

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.plots.km.figure import _km_figure
from sts_bot.service.service import Service
from sts_queries.answer import ask
from sts_queries.charts import KaplanMeierChart
from sts_queries.privacy.reveal import shield

K = 5


def drawn(chart: KaplanMeierChart):
    return _km_figure(
        chart.curves,
        title="t",
        unit=chart.unit,
        landmarks=chart.landmarks,
        followup=chart.followup,
        min_at_risk=chart.min_at_risk,
    )


def gid_artists(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


@pytest.mark.parametrize("text", ["pfs at=1", "pfs", "pfs by=sex", "pfs stage=III"])
def test_a_public_km_plot_masks_small_numbers_at_risk_and_draws_no_ticks(demo, text):
    full = ask(text, demo)
    assert full.chart is not None
    # In a patient place the plot shows every count and tick: the rule has something to do.
    raw = drawn(full.chart)
    counts = [t.get_text() for t in gid_artists(raw, "at-risk-count")]
    assert any(c.isdigit() and int(c) < K for c in counts)
    shown = shield(full, K)
    chart = shown.answer.chart
    if chart is None:  # withheld whole (a group too small): nothing drawn at all
        return
    assert chart.min_at_risk == K
    fig = drawn(chart)
    counts = [t.get_text() for t in gid_artists(fig, "at-risk-count")]
    assert counts and all(c == f"<{K}" or int(c) >= K for c in counts)
    assert not gid_artists(fig, "km-censor")
    for (_, fit), (_, cut) in zip(full.chart.curves, chart.curves, strict=True):
        # Each curve stops at its last time with at least K at risk.
        last = float(np.asarray(fit.time)[np.asarray(fit.n_risk) >= K][-1])
        assert float(cut.time[-1]) == last and cut.n_censor.sum() == 0
        line_x = max(
            float(np.max(line.get_xdata()))
            for line in gid_artists(fig, "km-curve")
            if line.get_color() is not None
        )
        assert line_x <= max(float(c.time[-1]) for _, c in chart.curves)
    assert "ci_low" not in (chart.followup or {})  # the follow-up's limits: patients' times


def test_public_pfs_is_drawn_now_with_its_follow_up_limits_withheld(demo):
    gateway = Gateway(service=Service.over(demo), policy=Policy(min_cell=K), audit=AuditLog(None))
    asker = Asker(user="U0PLOTS01", team="T0TEAM001", channel="C0PUBLIC9")
    outcome = gateway.handle("pfs", asker, surface="slash").outcome
    assert len(outcome.plots) == 1  # once withheld for the 12-month landmark's 3 at risk
    assert "Median follow-up (reverse Kaplan–Meier) 18.63 months (limits withheld here)" in (
        outcome.text
    )
    assert "3.19" not in outcome.text  # case 8's censoring time
    assert outcome.json["followup"]["ci_low"] is None
    assert outcome.json["followup"]["suppressed"] is True


def test_a_public_incidence_plot_is_cut_and_masked_the_same_way(tmp_path):
    from sts_bot.plots.km.incidence import _incidence_figure
    from sts_queries.cohort.cohort import load_cohort
    from tests.test_competing_cohort import mgus2

    cohort = load_cohort(mgus2(tmp_path / "m"))
    full = ask("cif pcm by=sex", cohort)
    chart = shield(full, K).answer.chart
    assert chart is not None and chart.min_at_risk == K
    for (_, fit), (_, cut) in zip(full.chart.curves, chart.curves, strict=True):
        assert int(np.min(fit.n_risk)) < K  # the full curve runs down to a few at risk
        last = float(np.asarray(fit.time)[np.asarray(fit.n_risk) >= K][-1])
        assert float(cut.time[-1]) == last and int(np.min(cut.n_risk)) >= K
    fig = _incidence_figure(
        chart.curves, causes=chart.causes, title="t", min_at_risk=chart.min_at_risk
    )
    counts = [t.get_text() for t in fig.axes[1].texts if t.get_gid() == "at-risk-count"]
    assert counts and all(c == f"<{K}" or int(c) >= K for c in counts)
