"""The PNG plots: real PNGs at the promised size, and the drawn structure matches the data."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from sts_bot.plots import common as plots_common
from sts_bot.plots.common import GRADE_COLORS, RESPONSE_COLORS, fmt_number
from sts_bot.plots.drawings import SwimmerLane, km_plot
from sts_bot.plots.km.at_risk import AT_RISK_LABEL
from sts_bot.plots.km.figure import _km_figure, km_figure_height
from sts_bot.plots.patients.swimmer import _swimmer_figure, swimmer_figure_height
from sts_bot.plots.patients.timeline import _timeline_figure
from sts_bot.plots.tox import _tox_figure, tox_figure_height
from sts_queries.stats.survival import kaplan_meier
from tests.test_survival_answers import TABLE_2

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

TOX_ROWS = [
    {"term": term, "grades": {str(g): k for g, k in enumerate((*counts, 0), start=1)}}
    for term, counts in TABLE_2.items()
]

# A small hand-made cohort: 6 patients, censored at 2, 3, 5 and 8; S stays above 0.5 (NR).
SMALL_TIME = [1, 2, 2, 3, 5, 8]
SMALL_EVENT = [1, 0, 1, 0, 0, 0]

LANES = [
    SwimmerLane("Case 1", 2.8, 2.1, False, "PD", ((1.4, "SD"), (2.8, "PD")), 2.8, None),
    SwimmerLane("Case 4", 14.0, 2.6, False, "PR", ((1.4, "SD"), (2.8, "PR")), 12.6, None),
    SwimmerLane("Case 8", 4.5, 2.6, False, "PR", ((1.4, "SD"), (2.8, "PR")), None, 3.6),
    SwimmerLane("Case 11", 15.2, 4.7, True, "PR", ((1.4, "SD"), (2.8, "PR"), (4.2, "PR"))),
    SwimmerLane("Case 14", 13.1, 4.0, True, "SD", ((1.4, "SD"), (2.8, "SD"))),
    SwimmerLane("Case 9", 10.4, 3.3, False, "SD", ((1.4, "SD"),), 9.1, None),
]

TIMELINE = {
    "label": "Case 8 · SS IIIB · AIM + Endostar + Anlotinib",
    "start": "2019-09-17",
    "cycles": 4,
    "assessments": [(1.4, "SD"), (2.8, "PR")],
    "adverse_events": [
        (0.1, "Nausea/vomiting", 1),
        (0.5, "Neutropenia", 3),
        (0.8, "Nausea/vomiting", 1),
        (1.5, "Anemia", 2),
        (2.2, "Neutropenia", 4),
    ],
    "progression": None,
    "surgery": 3.4,
}


@pytest.fixture(scope="module")
def waltons():
    from lifelines.datasets import load_waltons  # not at collection: seconds per worker

    df = load_waltons()
    return {group: (d["T"].to_numpy(), d["E"].to_numpy()) for group, d in df.groupby("group")}


@pytest.fixture(scope="module")
def waltons_curves(waltons):
    return [(group, kaplan_meier(t, e)) for group, (t, e) in waltons.items()]


@pytest.fixture(scope="module")
def small_fit():
    return kaplan_meier(SMALL_TIME, SMALL_EVENT)


# Figures several tests read, each built once for the module: the checks read them, none
# changes what is drawn.


@pytest.fixture(scope="module")
def waltons_figure(waltons_curves):
    return _km_figure(waltons_curves, title="OS · by = group", unit="days", test_label="p < 0.001")


@pytest.fixture(scope="module")
def waltons_png(waltons_figure):
    """The PNG of `waltons_figure`: what `km_plot` gives for the same arguments (png_of), as
    test_concurrent_renders_are_identical checks against km_plot itself."""
    return plots_common.to_png(waltons_figure)


@pytest.fixture(scope="module")
def five_groups(small_fit):
    """Five curves: a taller figure, no bands (test_km_png_grows_with_groups renders it)."""
    return _km_figure([(f"Group {i}", small_fit) for i in range(5)], title="PFS")


@pytest.fixture(scope="module")
def paper_tox():
    return _tox_figure(TOX_ROWS, n=14, title="AEs · N = 14")


@pytest.fixture(scope="module")
def swimmer_figure():
    return _swimmer_figure(LANES, title="Swimmer")


@pytest.fixture(scope="module")
def swimmer_axes(swimmer_figure):
    return swimmer_figure.axes[0]


@pytest.fixture(scope="module")
def timeline_figure():
    return _timeline_figure(**TIMELINE)


def _image(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png))


def _by_gid(ax, gid: str, kind: str = "lines") -> list:
    return [a for a in getattr(ax, kind) if a.get_gid() == gid]


# --- every plot is a real PNG of the promised size -------------------------------------------


def test_km_png_size(waltons_png):
    assert _image(waltons_png).shape == (825, 1200, 4)


# The figures below are the `*_plot` functions' own (each is png_of(its figure): to_png of it).


def test_km_png_grows_with_groups(five_groups):
    height = km_figure_height(5)
    assert height > 5.5
    png = plots_common.to_png(five_groups)
    assert _image(png).shape == (round(height * 150), 1200, 4)


def test_tox_png_size(paper_tox):
    height = tox_figure_height(len(TOX_ROWS))
    png = plots_common.to_png(paper_tox)
    assert _image(png).shape == (round(height * 150), 1200, 4)


def test_swimmer_png_size(swimmer_figure):
    height = swimmer_figure_height(len(LANES))
    assert height == 5.5
    assert _image(plots_common.to_png(swimmer_figure)).shape == (825, 1200, 4)


def test_timeline_png(timeline_figure):
    image = _image(plots_common.to_png(timeline_figure))
    assert image.shape[1] == 1200 and image.shape[0] >= 3.2 * 150


def test_plots_never_touch_pyplot():
    # pyplot keeps global figure state; a server rendering concurrently must not use it.
    imports_pyplot = re.compile(r"^\s*(from|import)\s+matplotlib.*pyplot", re.MULTILINE)
    modules = sorted(Path(plots_common.__file__).parent.rglob("*.py"))
    assert len(modules) > 10  # the whole plots package, not a pattern that matches nothing
    for path in modules:
        assert not imports_pyplot.search(path.read_text()), path.name


def test_concurrent_renders_are_identical(waltons_curves, waltons_png):
    def render(_):
        return km_plot(waltons_curves, title="OS · by = group", unit="days", test_label="p < 0.001")

    with ThreadPoolExecutor(max_workers=4) as pool:  # against the one drawn alone, earlier
        assert all(png == waltons_png for png in pool.map(render, range(4)))


# --- Kaplan–Meier -------------------------------------------------------------------------


def test_km_one_step_curve_per_group_from_0_1(waltons_curves, waltons_figure):
    ax = waltons_figure.axes[0]
    lines = _by_gid(ax, "km-curve")
    assert [line.get_label() for line in lines] == ["control", "miR-137"]
    for line, (_, fit) in zip(lines, waltons_curves, strict=True):
        assert line.get_drawstyle() == "steps-post"
        assert (line.get_xdata()[0], line.get_ydata()[0]) == (0, 1)
        np.testing.assert_allclose(line.get_ydata()[1:], fit.surv)
    bands = _by_gid(ax, "km-band", "collections")
    assert len(bands) == 2  # one CI band per curve
    for band, (_, fit) in zip(bands, waltons_curves, strict=True):
        # The band runs to the last time even where the limit there is undefined (S = 0).
        reach = max(path.vertices[:, 0].max() for path in band.get_paths())
        assert reach == fit.time[-1]


def test_km_censor_marks_one_per_censored_time(waltons, waltons_curves, waltons_figure):
    ax = waltons_figure.axes[0]
    marks = _by_gid(ax, "km-censor")
    assert all(m.get_marker() == "+" for m in marks)
    censoring = [(t, e) for t, e in waltons.values() if (e == 0).any()]
    for mark, (t, e) in zip(marks, censoring, strict=True):
        censored_times = np.unique(t[e == 0])  # straight from the data, not from the fit
        np.testing.assert_allclose(mark.get_xdata(), censored_times)
    assert sum(len(m.get_xdata()) for m in marks) == sum(
        int((fit.n_censor > 0).sum()) for _, fit in waltons_curves
    )


def test_km_at_risk_table_matches_fit_and_data(waltons, waltons_curves, waltons_figure):
    ax, table = waltons_figure.axes
    assert table.get_label() == "at-risk"
    assert table.get_title(loc="left") == AT_RISK_LABEL
    assert [t.get_text() for t in table.get_yticklabels()] == ["control", "miR-137"]
    ticks = ax.get_xticks()
    rows: dict[float, dict[float, int]] = {}
    for text in _by_gid(table, "at-risk-count", "texts"):
        x, y = text.get_position()
        rows.setdefault(y, {})[x] = int(text.get_text())
    assert len(rows) == len(waltons_curves)
    for (_, counts), (group, fit) in zip(sorted(rows.items()), waltons_curves, strict=True):
        assert sorted(counts) == list(ticks)
        t, _ = waltons[group]
        for tick, count in counts.items():
            assert count == fit.n_at_risk(tick) == int((t >= tick).sum())


def test_km_labels_legend_and_test(waltons_curves):
    fig = _km_figure(
        waltons_curves,
        title="OS · by = group",
        unit="days",
        endpoint="os",
        test_label="log-rank p < 0.001",
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Overall survival"
    assert ax.get_xlabel() == "Time (days)"
    assert fig.get_suptitle() == "OS · by = group"
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] >= 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    # one entry per curve, then the band (two curves: bands drawn), then Censored if any
    censored = any(fit.n_censor.sum() > 0 for _, fit in waltons_curves)
    assert legend[len(waltons_curves)] == "95% CI (log-log)"
    assert (legend[-1] == "Censored") == censored
    for text, (label, fit) in zip(legend, waltons_curves, strict=False):
        assert text.startswith(f"{label}: n = {fit.n}, {fit.events} events, median ")
        assert f"median {fmt_number(fit.median)} days (95% CI " in text
    assert ax.get_legend().get_title().get_text() == "log-rank p < 0.001"
    # Each median is marked on the 50% line; a dashed drop only where the curve steps there.
    points = _by_gid(ax, "km-median-point")
    assert [p.get_xdata()[0] for p in points] == [fit.median for _, fit in waltons_curves]


def test_km_y_axis_names_the_endpoint():
    fit = kaplan_meier(SMALL_TIME, SMALL_EVENT)
    for endpoint, name in [
        ("pfs", "Progression-free survival"),
        ("os", "Overall survival"),
        ("dfs", "Disease-free survival"),
        ("ttf", "TTF"),
    ]:
        ax = _km_figure([("All", fit)], title="t", endpoint=endpoint).axes[0]
        assert ax.get_ylabel() == name


def test_km_not_reached_median(small_fit):
    assert small_fit.median is None
    fig = _km_figure([("All patients", small_fit)], title="PFS", endpoint="pfs")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "All patients: n = 6, 2 events, median not reached",
        "95% CI (log-log)",
        "Censored",
    ]
    assert _by_gid(ax, "km-median") == [] and _by_gid(ax, "km-median-point") == []
    assert list(_by_gid(ax, "km-censor")[0].get_xdata()) == [2, 3, 5, 8]
    assert ax.get_xlabel() == "Time (months)"


def test_km_no_censored_entry_when_nothing_is_censored():
    fit = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    ax = _km_figure([("All", fit)], title="PFS").axes[0]
    assert "Censored" not in [t.get_text() for t in ax.get_legend().get_texts()]
    assert _by_gid(ax, "km-censor") == []


def test_km_midpoint_median_drops_from_the_flat_run_at_half():
    # S = 0.5 exactly from 2 to 4: R's median is the midpoint 3, where the curve has no step;
    # its drop line comes down from the curve at 0.5, the stepping curve's from below it.
    midpoint = kaplan_meier([1, 2, 4, 5], [1, 1, 1, 1])
    stepping = kaplan_meier([1, 2, 3, 4, 5], [1, 1, 1, 1, 1])
    assert midpoint.median == 3 and stepping.median == 3
    ax = _km_figure([("mid", midpoint), ("step", stepping)], title="t").axes[0]
    drops = {line.get_color(): line for line in _by_gid(ax, "km-median")}
    assert set(drops) == {_hex(0), _hex(1)}
    assert list(drops[_hex(0)].get_xdata()) == [3, 3]
    assert list(drops[_hex(0)].get_ydata()) == [0, 0.5]
    assert list(drops[_hex(1)].get_ydata()) == [0, pytest.approx(0.4)]  # S after the step at 3
    assert len(_by_gid(ax, "km-median-point")) == 2


def test_km_ticks_at_the_units_natural_step():
    for tmax in (7.0, 9.5, 21.6, 23.9):
        fit = kaplan_meier([1, tmax], [1, 0])
        ticks = _km_figure([("All", fit)], title="t").axes[0].get_xticks()
        assert np.allclose(np.diff(ticks), 3) and ticks[-1] > tmax


def test_km_palette_has_no_yellow():
    from sts_bot.plots.style import GROUP_COLORS

    assert "#F0E442" not in GROUP_COLORS
    for color in GROUP_COLORS:  # every line colour reads on white (WCAG 3:1 for graphics)
        assert _contrast_on_white(color) >= 2.2, color


def test_km_three_or_more_groups_drop_bands_keep_rows(five_groups):
    ax, table = five_groups.axes
    assert len(_by_gid(ax, "km-curve")) == 5
    assert _by_gid(ax, "km-band", "collections") == []
    assert len({t.get_position()[1] for t in table.texts}) == 5


def test_km_needs_a_curve():
    with pytest.raises(ValueError):
        km_plot([], title="empty")


# --- toxicity -------------------------------------------------------------------------------


def test_tox_bars_one_row_per_term_in_the_tables_order(paper_tox):
    ax = paper_tox.axes[0]
    terms = [t.get_text() for t in ax.get_yticklabels()]
    assert terms == [row["term"] for row in TOX_ROWS]
    assert len({round(p.get_y(), 6) for p in ax.patches}) == len(TOX_ROWS)
    assert ax.get_xlabel() == "Patients, % of N = 14"
    assert [t.get_text() for t in _by_gid(ax, "tox-any-grade", "texts")] == [
        f"{sum(counts)} ({100 * sum(counts) / 14:.1f}%)" for counts in TABLE_2.values()
    ]
    # The axis runs to 100% of N, with ticks; the counts sit right of it.
    assert ax.get_xlim() == (0, 100) and list(ax.get_xticks()) == [0, 20, 40, 60, 80, 100]


def test_tox_segments_are_percent_of_n_coloured_by_grade(paper_tox):
    ax = paper_tox.axes[0]
    neutropenia = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 1e-9]
    widths = [p.get_width() for p in neutropenia]
    np.testing.assert_allclose(widths, [100 * k / 14 for k in TABLE_2["Neutropenia"]])
    for grade, patch in enumerate(neutropenia, start=1):
        assert patch.get_gid() == f"tox-grade-{grade}"
        assert np.allclose(patch.get_facecolor()[:3], _rgb(GRADE_COLORS[grade]))


def test_tox_legend_shows_only_grades_present(paper_tox):
    assert _legend_texts(paper_tox) == ["Grade 1", "Grade 2", "Grade 3", "Grade 4"]
    grade3 = [{"term": "Neutropenia", "grades": {"3": 2, "4": 3}}]
    fig = _tox_figure(grade3, n=14, title="AEs grade ≥ 3")
    assert _legend_texts(fig) == ["Grade 3", "Grade 4"]


def test_tox_grade_1_reads_on_white():
    assert GRADE_COLORS[1].upper() != "#FEE391"
    assert _contrast_on_white(GRADE_COLORS[1]) >= 1.8
    # light to dark with the grade
    lum = [_luminance(GRADE_COLORS[g]) for g in range(1, 6)]
    assert lum == sorted(lum, reverse=True)


def test_tox_by_group_draws_one_panel_per_group():
    # Each group holds at least the patients its rows count (14 with neutropenia): a bar past
    # 100% would be data no cohort gives, and collapses the layout.
    groups = [
        {"label": "AIM + Anlotinib", "n": 16, "rows": TOX_ROWS[:3]},
        {"label": "A + Anlotinib", "n": 14, "rows": [TOX_ROWS[0]]},
        {"label": "Paclitaxel + Anlotinib", "n": 2, "rows": []},
    ]
    fig = _tox_figure(TOX_ROWS, n=14, title="AEs by regimen", groups=groups)
    panels = [ax for ax in fig.axes if ax.get_gid() == "tox-panel"]
    assert [ax.get_title(loc="left") for ax in panels] == [
        "AIM + Anlotinib · n = 16",
        "A + Anlotinib · n = 14",
        "Paclitaxel + Anlotinib · n = 2",
    ]
    for ax, group in zip(panels, groups, strict=True):
        # every panel has every term's row (labelled on the left), bars in % of the group's N
        assert len(ax.get_yticks()) == len(TOX_ROWS)
        drawn = sum(p.get_width() for p in ax.patches)
        expected = sum(100 * k / group["n"] for r in group["rows"] for k in r["grades"].values())
        assert drawn == pytest.approx(expected)
        assert ax.get_xlim() == (0, 100)
    terms = [t.get_text() for t in panels[0].get_yticklabels()]
    assert terms == [r["term"] for r in TOX_ROWS]
    assert tox_figure_height(len(TOX_ROWS), 1) == tox_figure_height(len(TOX_ROWS))


def test_tox_no_adverse_events():
    fig = _tox_figure([], n=5, title="AEs")
    assert any("No adverse events" in t.get_text() for t in fig.axes[0].texts)
    assert _image(plots_common.to_png(fig)).shape[1] == 1200


# --- swimmer --------------------------------------------------------------------------------


def test_swimmer_one_lane_per_patient_longest_on_top(swimmer_axes):
    ax = swimmer_axes
    lanes = _by_gid(ax, "swimmer-lane", "patches")
    assert len(lanes) == len(LANES)
    order = [t.get_text() for t in ax.get_yticklabels()]
    assert order == ["Case 11", "Case 4", "Case 14", "Case 9", "Case 8", "Case 1"]
    assert ax.yaxis_inverted()  # first tick drawn at the top
    by_label = {lane.label: lane for lane in LANES}
    for patch, label in zip(sorted(lanes, key=lambda p: p.get_y()), order, strict=True):
        lane = by_label[label]
        assert patch.get_width() == lane.duration
        assert np.allclose(patch.get_facecolor()[:3], _rgb(RESPONSE_COLORS[lane.best_response]))
    treatment = _by_gid(ax, "swimmer-treatment", "patches")
    assert sorted(p.get_width() for p in treatment) == sorted(ln.on_treatment for ln in LANES)
    assert ax.get_xlabel() == "Time from start of treatment (months)"


def test_swimmer_markers(swimmer_axes):
    ax = swimmer_axes
    progression = [x for m in _by_gid(ax, "swimmer-progression") for x in m.get_xdata()]
    assert sorted(progression) == sorted(ln.progression for ln in LANES if ln.progression)
    assert len(_by_gid(ax, "swimmer-surgery")) == 1
    assert len(_by_gid(ax, "swimmer-first-response")) == 3  # the three PR patients
    assert len(_by_gid(ax, "swimmer-ongoing", "texts")) == sum(ln.ongoing for ln in LANES)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [entry.split()[0] for entry in legend[:3]] == ["PR", "SD", "PD"]  # present only
    assert {"Progression", "Surgery", "Followed at the data cut,\nno progression"} <= set(legend)
    assert "Censored: last seen long\nbefore the data cut" not in legend  # none censored here


def test_swimmer_groups_get_headers():
    grouped = [
        SwimmerLane(
            ln.label,
            ln.duration,
            ln.on_treatment,
            ln.ongoing,
            ln.best_response,
            ln.responses,
            ln.progression,
            ln.surgery,
            "LPS" if i < 3 else "UPS",
        )
        for i, ln in enumerate(LANES)
    ]
    ax = _swimmer_figure(grouped, title="by histology").axes[0]
    assert {"LPS", "UPS"} <= {t.get_text() for t in ax.texts}
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == ["Case 4", "Case 8", "Case 1"]


# --- patient timeline -----------------------------------------------------------------------


def test_timeline_structure(timeline_figure):
    ax = timeline_figure.axes[0]
    assert len(_by_gid(ax, "timeline-cycle", "patches")) == TIMELINE["cycles"]
    assert len(_by_gid(ax, "timeline-assessment")) == 2
    assert len(_by_gid(ax, "timeline-ae")) == len(TIMELINE["adverse_events"])
    assert len(_by_gid(ax, "timeline-surgery")) == 1 and not _by_gid(ax, "timeline-progression")
    # 4 cycles of 21 days end at day 84 (the drawing is in days from the start).
    ends = [p.get_x() for p in _by_gid(ax, "timeline-cycle", "patches")]
    np.testing.assert_allclose(ends[-1] + 21, 4 * 21)
    # The axis reads in dates: the first of each month from the start on 2019-09-17.
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Oct\n2019", "Nov"]
    assert ax.get_xticks()[0] == (dt.date(2019, 10, 1) - dt.date(2019, 9, 17)).days


def test_timeline_event_labels_do_not_overlap(timeline_figure):
    fig = timeline_figure
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if re.search(r" G\d$", t.get_text())]
    assert len(labels) == len(TIMELINE["adverse_events"])
    boxes = [t.get_window_extent() for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    axes_box = ax.get_window_extent()
    assert all(axes_box.x0 <= b.x0 and b.x1 <= axes_box.x1 + 1 for b in boxes)


def _rgb(hex_color: str) -> tuple[float, float, float]:
    return tuple(int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))


def _hex(i: int) -> str:
    from sts_bot.plots.style import group_style

    return group_style(i)["color"]


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast_on_white(hex_color: str) -> float:
    return 1.05 / (_luminance(hex_color) + 0.05)


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_timeline_draws_tumour_sizes_when_the_data_hold_them(timeline_figure):
    sized = {
        **TIMELINE,
        "measurements": [(1.4, 3.5), (2.8, 2.8)],
        "measure_label": "Tumour size (cm)",
    }
    ax = _timeline_figure(**sized).axes[0]
    assert "Tumour size (cm)" in [t.get_text() for t in ax.get_yticklabels()]
    assert len(_by_gid(ax, "timeline-measurement")) == 2
    assert {"3.5", "2.8"} <= {t.get_text() for t in ax.texts}
    # without them, no such row
    ax = timeline_figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Treatment",
        "Response",
        "Adverse events",
    ]


def test_km_rings_marked_events_and_names_them_in_the_legend():
    fit = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 1, 1, 0])
    ax = _km_figure([("All", fit)], title="Weekly", marked=[[3.0, 4.0, 2.0]]).axes[0]
    (rings,) = _by_gid(ax, "km-marked")
    assert list(rings.get_xdata()) == [3.0, 4.0]  # 2.0 is a censoring, not an event
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "New this week (2)" in legend
    ax = _km_figure([("All", fit)], title="PFS").axes[0]
    assert _by_gid(ax, "km-marked") == []
    assert not any(t.get_text().startswith("New") for t in ax.get_legend().get_texts())


# --- Kaplan–Meier: landmarks, hazard ratios, follow-up --------------------------------------


def test_km_landmarks_only_inside_the_axis_and_only_where_a_curve_reaches(small_fit):
    short = kaplan_meier([1, 2], [1, 0])  # followed to 2 only: no value at 6
    fig = _km_figure([("long", small_fit), ("short", short)], title="t", landmarks=[1.5, 6, 99])
    ax = fig.axes[0]
    assert [line.get_xdata()[0] for line in _by_gid(ax, "km-landmark")] == [1.5, 6]
    values = sorted(
        (t.get_text(), t.get_color()) for t in _by_gid(ax, "km-landmark-value", "texts")
    )
    # at 1.5 both curves show 83% / 50%; at 6 only the long one (67%); none at 99
    assert [v for v, _ in values] == ["50%", "67%", "83%"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Landmark survival at 1.5 and 6 months" in legend


def test_km_shared_landmark_value_gets_a_label_per_curve_in_its_colour(small_fit):
    ax = _km_figure([("a", small_fit), ("b", small_fit)], title="t", landmarks=[4]).axes[0]
    labels = _by_gid(ax, "km-landmark-value", "texts")
    assert [label.get_text() for label in labels] == ["67%", "67%"]
    assert [label.get_color() for label in labels] == [_hex(0), _hex(1)]
    first, second = (label.get_window_extent() for label in labels)
    assert not first.overlaps(second)


def test_km_hazard_ratios_follow_up_and_both_tests(waltons_curves):
    fig = _km_figure(
        waltons_curves,
        title="OS",
        unit="days",
        test_label="log-rank p < 0.001",
        hr_test_label="Cox likelihood-ratio p < 0.001",
        reference="control",
        hazards={"miR-137": (3.2061, 1.9882, 5.1702)},
        followup={"median": 51.0, "ci_low": 40.0, "ci_high": None},
    )
    ax = fig.axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[0].endswith("; HR 1 (reference)")
    assert texts[1].endswith("; HR 3.21 (95% CI 1.99–5.17)")
    assert legend.get_title().get_text() == "log-rank p < 0.001 · Cox likelihood-ratio p < 0.001"
    (lead,) = [t.get_text() for t in fig.texts if t.get_gid() == "plot-lead"]
    assert lead == "Median follow-up 51 days (95% CI 40–NR), reverse Kaplan–Meier"


def test_km_long_hazard_entry_wraps_and_the_figure_grows():
    label = "A rather long group name here"
    fit = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 0])
    curves = [("Reference", fit), (label, fit)]
    hazards = {label: (0.012345, 0.0001234, 123.456)}
    plain = _km_figure(curves, title="t")
    fig = _km_figure(curves, title="t", reference="Reference", hazards=hazards)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert (
        texts[0]
        == "Reference: n = 6, 4 events, median 3.50 months (95% CI 1.00–NR); HR 1 (reference)"
    )
    assert texts[1] == (
        f"{label}: n = 6, 4 events, median 3.50 months (95% CI 1.00–NR);\n"
        "HR 0.012 (95% CI <0.001–123)"
    )
    assert fig.get_figheight() == pytest.approx(plain.get_figheight() + 0.2)
    fig.canvas.draw()
    assert fig.axes[0].get_legend().get_window_extent().x1 <= fig.bbox.x1


def test_km_entry_for_a_group_without_hr(small_fit):
    curves = [("a", small_fit), ("b", small_fit), ("c", small_fit)]
    fig = _km_figure(curves, title="t", reference="a", hazards={"b": (2.0, 1.0, 4.0)})
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [t.split("; ")[-1] for t in texts[:3]] == [
        "HR 1 (reference)",
        "HR 2.00 (95% CI 1.00–4.00)",
        "no HR",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0936, "0.094"),
        (0.0297, "0.030"),
        (0.30, "0.30"),
        (0.49, "0.49"),
        (1.0787, "1.08"),
        (0.9962, "1.00"),  # not "1.0": the same form as 1.004 beside it
        (0.9949, "0.99"),
        (16.0425, "16.0"),
        (238.58, "239"),
        (1.2e-5, "<0.001"),
        (12345.6, ">999"),
    ],
)
def test_fmt_hr(value, text):
    from sts_bot.plots.common import fmt_hr

    assert fmt_hr(value) == text


def test_km_no_band_nor_ci_entry_for_a_curve_without_events():
    # dor on the demo cohort: 5 responders, no progression yet; the band would be S = 1 itself
    fit = kaplan_meier([1.4, 1.5, 3.4, 17.2, 18.9], [0, 0, 0, 0, 0])
    ax = _km_figure([("Responders", fit)], title="DOR").axes[0]
    assert _by_gid(ax, "km-band", "collections") == []
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Responders: n = 5, 0 events, median not reached", "Censored"]


# --- forest ---------------------------------------------------------------------------------

EXTREME_FOREST = {
    "rows": [
        {
            "field": "a_very_long_field_name_indeed_for_tests",
            "subgroup": "An extremely long subgroup name that goes on",
            "n": 10,
            "events": 5,
            "estimate": 0.0123,
            "ci_low": 0.00001234,
            "ci_high": 12345.6,
            "reason": None,
        },
        {
            "field": "a_very_long_field_name_indeed_for_tests",
            "subgroup": "b",
            "n": 3,
            "events": 1,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "reason": "something unforeseen",
        },
    ],
    "overall": {"estimate": 1.2, "ci_low": 0.5, "ci_high": 3.1, "n": 13, "events": 6},
}


def test_forest_extreme_labels_and_intervals_stay_on_the_canvas(monkeypatch):
    from sts_bot.plots import forest as plots_forest

    figures = []
    monkeypatch.setattr(plots_forest, "to_png", lambda fig: figures.append(fig) or b"")
    plots_forest.forest_plot(
        EXTREME_FOREST["rows"],
        overall=EXTREME_FOREST["overall"],
        measure="hazard ratio",
        outcome="pfs",
        title="t",
        reference="A",
        comparison="B",
        interactions=[{"field": "a_very_long_field_name_indeed_for_tests", "p": 0.0004}],
        method_note="m",
        stamp="Reconstructed demo data",
    )
    (fig,) = figures
    fig.canvas.draw()
    ax, numbers = fig.axes
    texts = {t.get_gid(): t.get_text() for t in numbers.texts}
    assert texts["forest-interaction"] == "interaction p < 0.001"
    assert [t.get_text() for t in numbers.texts if t.get_gid() == "forest-number"] == [
        "0.012 (<0.001–>999)",
        "not estimable",
        "1.20 (0.50–3.10)",
    ]
    canvas = fig.bbox
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_text().strip()):
        if not text.get_visible():
            continue
        box = text.get_window_extent()
        assert canvas.x0 - 1 <= box.x0 and box.x1 <= canvas.x1 + 1, text.get_text()
    # the tick labels of a narrow HR axis thin out rather than run into each other
    ticks = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert "1" in [t.get_text() for t in ax.get_xticklabels()]
    for left, right in itertools.pairwise(sorted(ticks, key=lambda b: b.x0)):
        assert left.x1 < right.x0


def _registry_curves(groups: int = 8, patients: int = 125_000):
    """Registry-sized curves (day-level times, thousands of censorings each), built from
    counts the way the survival answer builds them."""
    rng = np.random.default_rng(7)
    curves = []
    for g in range(groups):
        days = np.arange(1, 5001)
        at = rng.multinomial(patients, np.full(days.size, 1 / days.size))
        events = rng.binomial(at, 0.6)
        time = np.concatenate([days, days]) / 30.4375
        event = np.r_[np.ones(days.size, int), np.zeros(days.size, int)]
        weights = np.concatenate([events, at - events])
        curves.append((f"Histology {g}", kaplan_meier(time, event, weights=weights)))
    return curves


def test_a_registry_km_plot_stays_readable():
    curves = _registry_curves()
    hazards = {label: (0.9962, 0.9851, 1.0074) for label, _ in curves[1:]}
    fig = _km_figure(
        curves,
        title="PFS · by histology · n = 1000000",
        endpoint="pfs",
        landmarks=(6, 12),
        reference=curves[0][0],
        hazards=hazards,
        test_label="log-rank p = 0.459",
    )
    ax = fig.axes[0]
    # Thousands of censorings per curve would be one thick band over the curves: not drawn,
    # and the legend says so (with how many patients were censored).
    assert _by_gid(ax, "km-censor") == []
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    censored = sum(int(fit.n_censor.sum()) for _, fit in curves)
    assert legend[-1] == f"Censored: {censored:,} patients, not marked (too many to show)"
    assert "Censored" not in legend
    assert all("HR 1.00 (95% CI 0.99–1.01)" in t for t in legend[1 : len(curves)])
    # Long legend lines (six-digit counts, CIs and HRs) wrap rather than run off the canvas.
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for text in ax.get_legend().get_texts():
        box = text.get_window_extent(renderer)
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1, text.get_text()


def _counts_written(fig):
    renderer = fig.canvas.get_renderer()
    return [
        (t, t.get_window_extent(renderer))
        for ax in fig.axes
        for t in ax.texts
        if t.get_gid() == "tox-count"
    ]


def test_tox_counts_never_run_over_the_next_segment():
    n = 1_000_000
    rows = [
        {"term": term, "grades": {"1": 160589, "2": 88107, "3": 54379, "4": 28000, "5": 7000}}
        for term in ("Anemia", "Hypertension", "Neutropenia")
    ]
    fig = _tox_figure(rows, n=n, title="Toxicity · n = 1000000")
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    written = _counts_written(fig)
    assert {t.get_text() for t, _ in written} == {"160589", "88107"}  # 5.4% of the bar: too narrow
    segments = [p.get_window_extent(renderer) for p in fig.axes[0].patches]
    for text, box in written:
        (segment,) = [s for s in segments if s.x0 <= (box.x0 + box.x1) / 2 <= s.x1
                      and s.y0 <= (box.y0 + box.y1) / 2 <= s.y1]  # fmt: skip
        assert segment.x0 < box.x0 and box.x1 < segment.x1, text.get_text()


def test_tox_counts_of_the_paper_are_all_written(paper_tox):
    fig = paper_tox
    fig.draw_without_rendering()
    shown = sorted(int(t.get_text()) for t, _ in _counts_written(fig))
    wide = sorted(k for counts in TABLE_2.values() for k in counts if k and 100 * k / 14 >= 4.5)
    assert shown == wide
