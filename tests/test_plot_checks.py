"""Every plot kind, drawn from the demo cohort's answers the way a user gets them, checked for
what a reader would notice: text cut off at the edge, legend entries for things not drawn (or
drawn things without one), the wrong axis name, a missing data stamp, a patient shown as
followed who was last seen long before the data cut."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.text import Text

from sts_bot.plots import common as plots_common
from sts_bot.plots import forest as plots_forest
from sts_bot.plots import tox as plots_tox
from sts_bot.plots.figures import draw
from sts_bot.plots.km import figure as plots_km
from sts_bot.plots.patients import swimmer as plots_swimmer
from sts_bot.plots.patients import timeline as plots_timeline
from sts_queries.answer import ask
from sts_queries.cohort.cohort import demo_path, load_cohort

PLOTS = [
    "pfs",
    "pfs by=histology",
    "pfs by=sex",
    "pfs stage=IV",
    "pfs resection=no ci=spss",
    "pfs by=stage ref=IIIA",
    "pfs at=3,6",
    "pfs given=6 at=12",
    "pfs given=3 by=sex",
    "rmst pfs tau=12",
    "rmst pfs by=stage ref=IV",
    "dor",
    "tox",
    "tox by=regimen",
    "tox by=sex",
    "tox grade>=3",
    "swimmer",
    "swimmer by=histology",
    "patient 1",
    "patient 4",
    "patient 8",
    "summary",
]


# Forest plots rest on published values (orr) or reconstructed ones (pfs): checked apart.
FORESTS = ["forest orr", "forest pfs by=sex", "forest orr over=sex,stage", "forest dcr"]


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(demo_path())


@pytest.fixture(scope="module")
def drawn(cohort):
    """command -> (answer, the matplotlib Figure behind its PNG, the PNG), each drawn once for
    the module: the checks read the figure, none changes it."""
    done: dict[str, tuple] = {}

    def render(command: str):
        if command in done:
            return done[command]
        figures = []
        # Each drawer renders through plots_common.to_png (png_of) or its own import of it.
        modules = (plots_common, plots_km, plots_tox, plots_swimmer, plots_timeline, plots_forest)
        with pytest.MonkeyPatch.context() as patch:
            for module in [m for m in modules if hasattr(m, "to_png")]:
                original = module.to_png

                def keep(fig, original=original):
                    figures.append(fig)
                    return original(fig)

                patch.setattr(module, "to_png", keep)
            answer = ask(command, cohort)
            (plot,) = draw(answer)
        (fig,) = figures
        done[command] = (answer, fig, plot.png)
        return done[command]

    return render


def _visible_texts(fig) -> list[Text]:
    return [
        t
        for t in fig.findobj(Text)
        if t.get_text().strip() and t.get_visible() and (t.axes is None or t.axes.get_visible())
    ]


@pytest.mark.parametrize("command", PLOTS + FORESTS)
def test_no_text_falls_outside_the_canvas(drawn, command):
    _, fig, png = drawn(command)
    image = imread(io.BytesIO(png))
    assert image.shape[1] == 1200
    assert image.shape[0] == round(fig.get_figheight() * 150)
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    for text in _visible_texts(fig):
        box = text.get_window_extent(renderer)
        assert box.x0 >= canvas.x0 - 1 and box.x1 <= canvas.x1 + 1, text.get_text()
        assert box.y0 >= canvas.y0 - 1 and box.y1 <= canvas.y1 + 1, text.get_text()


@pytest.mark.parametrize("command", PLOTS)
def test_reconstructed_data_is_stamped_on_the_image(drawn, command):
    answer, fig, _ = drawn(command)
    stamps = [t.get_text() for t in fig.texts if t.get_gid() == "plot-stamp"]
    uses_reconstructed = any("reconstructed" in note.lower() for note in answer.notes)
    assert uses_reconstructed  # every demo plot rests on reconstructed values
    assert len(stamps) == 1 and stamps[0].startswith("Reconstructed demo data")


@pytest.mark.parametrize("command", ["tox", "tox by=regimen", "swimmer"])
def test_data_as_of_is_stamped(drawn, command):
    _, fig, _ = drawn(command)
    (stamp,) = [t.get_text() for t in fig.texts if t.get_gid() == "plot-stamp"]
    assert stamp.endswith("data as of 2021-06-30")


# --- Kaplan–Meier ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["pfs", "pfs by=histology", "summary", "pfs by=stage ref=IIIA", "pfs at=3,6"]
)
def test_km_names_the_endpoint_and_legend_matches_drawing(drawn, command):
    _, fig, _ = drawn(command)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Progression-free survival"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    curves = [line for line in ax.lines if line.get_gid() == "km-curve"]
    bands = [c for c in ax.collections if c.get_gid() == "km-band"]
    censored = [line for line in ax.lines if line.get_gid() == "km-censor"]
    landmarks = [line for line in ax.lines if line.get_gid() == "km-landmark"]
    assert len(legend) == len(curves) + sum(map(bool, (bands, censored, landmarks)))
    assert ("Censored" in legend) == bool(censored)
    assert any(text.startswith("Landmark survival at ") for text in legend) == bool(landmarks)
    assert any(text.startswith("95% CI") for text in legend) == bool(bands)
    for text, line in zip(legend, curves, strict=False):
        assert text.startswith(f"{line.get_label()}: n = ")
    # the median with its CI as the text prints it: 8.25 (95% CI 4.50–NR, log-log over all 14)
    if command == "pfs":
        assert legend[0] == "All: n = 14, 7 events, median 8.25 months (95% CI 4.50–NR)"


@pytest.mark.parametrize("command", ["pfs", "pfs by=histology", "pfs stage=IV"])
def test_km_censor_marks_are_inside_the_axis(drawn, command):
    _, fig, _ = drawn(command)
    ax = fig.axes[0]
    right = ax.get_xlim()[1]
    for line in ax.lines:
        if line.get_gid() == "km-censor":
            assert max(line.get_xdata()) < right  # the last tick lies past the last time
            assert not line.get_clip_on()  # a mark at 100% sits on the top edge, whole


def test_km_ticks_every_3_months_plot_to_plot(drawn):
    for command in ("pfs", "pfs stage=IV", "pfs by=histology"):
        _, fig, _ = drawn(command)
        assert np.allclose(np.diff(fig.axes[0].get_xticks()), 3), command


@pytest.mark.parametrize("command", ["pfs given=6 at=12", "pfs given=3 by=sex"])
def test_km_given_starts_at_the_time_given(drawn, command):
    answer, fig, _ = drawn(command)
    given = answer.body.conditional_on
    ax, ax_risk = fig.axes[:2]
    assert ax.get_xlim()[0] == given and ax.get_xticks()[0] == given
    assert ax.get_ylabel() == f"Progression-free survival\ngiven event-free at {given:g} months"
    # Everyone counted is still at risk at the start: the first column is each group's n.
    first = [
        t for t in ax_risk.texts if t.get_gid() == "at-risk-count" and t.get_position()[0] == given
    ]
    groups = answer.groups or [{"n": answer.body.n_analysed}]
    assert [int(t.get_text()) for t in first] == [g["n"] for g in groups]
    censored = [x for line in ax.lines if line.get_gid() == "km-censor" for x in line.get_xdata()]
    assert all(x > given for x in censored)


def test_km_by_histology_medians_do_not_pile_up(drawn):
    _, fig, _ = drawn("pfs by=histology")
    ax = fig.axes[0]
    # No horizontal median guides at all (the 50% gridline serves every curve) ...
    for line in ax.lines:
        if line.get_gid() == "km-median":
            assert line.get_xdata()[0] == line.get_xdata()[1]  # vertical only
    # ... and LPS's midpoint median (7.65, S = 0.5 from 5.78 to 9.53) drops from the curve's
    # flat run at 0.5, where the others drop from below their step across it.
    drops = {
        round(line.get_xdata()[0], 2): line.get_ydata()[1]
        for line in ax.lines
        if line.get_gid() == "km-median"
    }
    assert drops[7.65] == 0.5 and set(drops) == {4.5, 7.0, 7.65, 8.25}
    assert "#F0E442" not in {line.get_color() for line in ax.lines}


# --- toxicity -------------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "panels"), [("tox by=regimen", 4), ("tox by=sex", 2)])
def test_tox_by_is_faceted_per_group(drawn, command, panels):
    answer, fig, _ = drawn(command)
    drawn_panels = [ax for ax in fig.axes if ax.get_gid() == "tox-panel"]
    assert len(drawn_panels) == panels == len(answer.groups)
    assert [ax.get_title(loc="left") for ax in drawn_panels] == [
        f"{g['label']} · n = {g['n']}" for g in answer.groups
    ]


def test_tox_bars_in_the_tables_declared_order(drawn, cohort):
    answer, fig, _ = drawn("tox")
    terms = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert terms == [row["term"] for row in answer.body.rows]
    assert terms == list(cohort.meta.term_order)


# --- swimmer --------------------------------------------------------------------------------


def test_swimmer_cases_6_and_14_are_censored_not_ongoing(cohort):
    lanes = {lane["label"]: lane for lane in ask("swimmer", cohort).chart.lanes}
    for case in ("Case 6", "Case 14"):  # last scans 2020-03-11 and 2020-10-29
        assert lanes[case]["censored"] and not lanes[case]["ongoing"]
    for case in ("Case 4", "Case 9", "Case 11"):  # scanned in June 2021, cut 2021-06-30
        assert lanes[case]["ongoing"] and not lanes[case]["censored"]
    for case in ("Case 8", "Case 12", "Case 1"):  # surgery, progression
        assert not lanes[case]["ongoing"] and not lanes[case]["censored"]


def test_swimmer_draws_censored_ongoing_and_the_data_cut(drawn):
    answer, fig, _ = drawn("swimmer")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    y_of = dict(zip(labels, ax.get_yticks(), strict=True))
    censored_y = sorted(
        line.get_ydata()[0] for line in ax.lines if line.get_gid() == "swimmer-censored"
    )
    assert censored_y == sorted([y_of["Case 6"], y_of["Case 14"]])
    arrows = [t for t in ax.texts if t.get_gid() == "swimmer-ongoing"]
    assert sorted(a.xy[1] for a in arrows) == sorted(
        y_of[c] for c in ("Case 4", "Case 9", "Case 11")
    )
    cuts = [line for line in ax.lines if line.get_gid() == "swimmer-data-cut"]
    assert len(cuts) == len(answer.chart.lanes)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Data cut (2021-06-30)" in legend
    assert "Censored: last seen long\nbefore the data cut" in legend
    # the on/off-treatment swatches carry the bars' colours, not grey
    handles = ax.get_legend().legend_handles
    on = handles[legend.index("On treatment")]
    assert on is not None


def test_swimmer_surgery_does_not_cover_the_preop_assessment(drawn):
    _, fig, _ = drawn("swimmer")
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    surgery = [line for line in ax.lines if line.get_gid() == "swimmer-surgery"]
    assessments = [line for line in ax.lines if line.get_gid() == "swimmer-assessment"]
    assert len(surgery) == 2
    for mark in surgery:
        box = mark.get_window_extent(renderer)
        for other in assessments:
            xy = other.get_transform().transform(np.column_stack(other.get_data()))
            inside = (
                (xy[:, 0] > box.x0)
                & (xy[:, 0] < box.x1)
                & (xy[:, 1] > box.y0)
                & (xy[:, 1] < box.y1)
            )
            assert not inside.any()


# --- patient timeline -----------------------------------------------------------------------


def test_timeline_in_dates_with_context_and_first_marker_whole(drawn):
    _, fig, _ = drawn("patient 4")
    ax = fig.axes[0]
    assert fig.get_suptitle().startswith("Case 4 · LPS · stage IIIA · AIM + Anlotinib")
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "Oct\n2019" and "Jan\n2020" in ticks
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    for line in ax.lines:
        if line.get_gid() == "timeline-ae":
            box = line.get_window_extent(renderer)
            assert box.x0 >= axes_box.x0 - 0.5, "an adverse-event marker is clipped"


# --- Kaplan–Meier: landmarks, hazard ratios, follow-up -------------------------------------


def _landmark_labels(ax) -> list[Text]:
    return [t for t in ax.texts if t.get_gid() == "km-landmark-value"]


@pytest.mark.parametrize(
    ("command", "times"),
    [("pfs", [6, 12]), ("pfs at=3,6", [3, 6]), ("pfs by=stage ref=IIIA", [6, 12])],
)
def test_km_landmarks_are_dashed_lines_with_the_answers_values(drawn, command, times):
    answer, fig, _ = drawn(command)
    ax = fig.axes[0]
    lines = [line for line in ax.lines if line.get_gid() == "km-landmark"]
    assert sorted(line.get_xdata()[0] for line in lines) == times
    assert all(line.get_linestyle() == "--" for line in lines)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"Landmark survival at {times[0]} and {times[1]} months" in legend
    # The values written are the answer's own landmarks (--json), per group when grouped;
    # groups showing the same percentage at a time share one label.
    groups = answer.groups or [{"landmarks": answer.body.landmarks}]
    expected = {
        (float(mark["time"]), f"{100 * mark['survival']:.0f}%")
        for group in groups
        for mark in group["landmarks"]
        if mark["survival"] is not None
    }
    written = set()
    for label in _landmark_labels(ax):
        x, _ = label.get_position()
        time = min(times, key=lambda t: abs(t - x))  # placed just beside its line
        written.add((float(time), label.get_text()))
    assert written == expected


@pytest.mark.parametrize(
    "command", ["pfs", "pfs at=3,6", "pfs by=stage ref=IIIA", "pfs by=histology"]
)
def test_km_landmark_labels_cover_nothing(drawn, command):
    """No landmark value sits on another, on a curve (flat runs and drops), a mark, the legend,
    or outside the plotting area, in the image as saved."""
    _, fig, _ = drawn(command)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for t in _landmark_labels(ax)]
    assert labels
    for i, box in enumerate(labels):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1
        assert not box.overlaps(legend)
        for other in labels[i + 1 :]:
            assert not box.overlaps(other)
    px = renderer.points_to_pixels(1)
    for line in ax.lines:
        if line.get_gid() not in ("km-curve", "km-censor", "km-median-point", "km-median"):
            continue
        x, y = (np.asarray(v, float) for v in line.get_data())
        if line.get_gid() == "km-curve":  # steps-post: each flat run, then its drop
            x, y = np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]
        xy = ax.transData.transform(np.column_stack([x, y]))
        if line.get_linestyle() == "None":  # markers: a square of the marker's size each
            half = line.get_markersize() * px / 2
            spans = [((x0 - half, y0 - half), (x0 + half, y0 + half)) for x0, y0 in xy]
        else:
            spans = list(itertools.pairwise(xy))
        for box in labels:
            for (x0, y0), (x1, y1) in spans:
                hit = (
                    min(x0, x1) < box.x1 and box.x0 < max(x0, x1)
                    and min(y0, y1) < box.y1 and box.y0 < max(y0, y1)
                )  # fmt: skip
                assert not hit, (line.get_gid(), box)


def test_km_hazard_ratios_in_the_legend_with_the_reference_named(drawn):
    answer, fig, _ = drawn("pfs by=stage ref=IIIA")
    ax = fig.axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[0] == "IIIA: n = 4, 1 event, median not reached; HR 1 (reference)"
    by_label = {g["label"]: g for g in answer.groups}
    for text in texts[1:3]:
        label = text.split(":")[0]
        group = by_label[label]
        assert plots_km.fmt_hr(group["hr"]) in text
        hr_ci = (
            f"(95% CI {plots_km.fmt_hr(group['hr_ci_low'])}–{plots_km.fmt_hr(group['hr_ci_high'])})"
        )
        assert text.endswith(hr_ci)
    assert texts[2].endswith("; HR 16.0 (95% CI 1.08–239)")  # Cox, Efron, as R coxph
    # the HR test p beside the log-rank p
    # (the HR test's name is the answer's; its p is what the plot must carry)
    log_rank, hr_test = legend.get_title().get_text().split(" · ")
    assert log_rank == "log-rank p = 0.026" and hr_test.endswith(" p = 0.030")
    assert hr_test.removesuffix(" p = 0.030") in answer.body.hr_test["name"]
    assert answer.body.hr_test["p"] == pytest.approx(0.02955, abs=1e-5)


@pytest.mark.parametrize("command", ["pfs", "pfs at=3,6", "pfs by=histology"])
def test_km_no_hazard_ratio_where_the_answer_has_none(drawn, command):
    _, fig, _ = drawn(command)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert not any("HR" in text for text in texts)


@pytest.mark.parametrize("command", ["pfs", "pfs by=stage ref=IIIA", "pfs at=3,6"])
def test_km_median_follow_up_in_the_footer(drawn, command):
    answer, fig, _ = drawn(command)
    (lead,) = [t.get_text() for t in fig.texts if t.get_gid() == "plot-lead"]
    followup = answer.body.followup
    assert followup["median"] == 18.63 and followup["ci_high"] is None
    assert lead == "Median follow-up 18.63 months (95% CI 3.19–NR), reverse Kaplan–Meier"


# --- forest ---------------------------------------------------------------------------------


def _forest_texts(fig, kind: str) -> list[Text]:
    return [t for ax in fig.axes for t in ax.texts if t.get_gid() == f"forest-{kind}"]


@pytest.mark.parametrize("command", FORESTS)
def test_forest_numbers_stand_in_their_columns_clear_of_the_axis(drawn, command):
    _, fig, _ = drawn(command)
    renderer = fig.canvas.get_renderer()
    axis = fig.axes[0].get_window_extent(renderer)
    counts = [t.get_window_extent(renderer) for t in _forest_texts(fig, "count")]
    numbers = [
        t.get_window_extent(renderer)
        for kind in ("number", "interaction")
        for t in _forest_texts(fig, kind)
    ]
    heads = [t.get_window_extent(renderer) for t in _forest_texts(fig, "head")]
    assert len(heads) == 2 and not heads[0].overlaps(heads[1])
    assert counts and numbers
    # each column starts at its head, left-aligned; the estimates start after every count
    assert {round(b.x0) for b in counts} == {round(heads[0].x0)}
    assert {round(b.x0) for b in numbers} == {round(heads[1].x0)}
    assert max(b.x1 for b in [*counts, heads[0]]) < heads[1].x0
    assert axis.x1 < min(b.x0 for b in counts)


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        ("forest orr", {"Sex", "Metastatic site", "Prior chemo"}),
        ("forest pfs by=sex", {"Histology", "Metastatic site", "Prior surgery"}),
    ],
)
def test_forest_headings_flush_left_subgroups_indented_legible_at_a_third(drawn, command, fields):
    _, fig, _ = drawn(command)
    ax = fig.axes[0]
    ticks = ax.get_yticklabels()
    renderer = fig.canvas.get_renderer()
    headings = [t for t in ticks if t.get_fontweight() == "bold"]
    subgroups = [t for t in ticks if t.get_fontweight() != "bold"]
    assert {t.get_text() for t in headings} >= {*fields, "Overall"}  # 'metastatic_site' …
    # one left-aligned column: headings flush left, subgroups indented under them
    assert all(t.get_horizontalalignment() == "left" for t in ticks)
    assert len({round(t.get_window_extent(renderer).x0) for t in ticks}) == 1
    assert all(t.get_text().startswith("    ") for t in subgroups)
    assert not any(t.get_text().startswith(" ") for t in headings)
    # 11 pt rows: a 400 px thumbnail (a third of the image) keeps them readable
    assert all(t.get_fontsize() >= 11 for t in ticks)
    assert all(t.get_fontsize() >= 11 for t in _forest_texts(fig, "number"))
    assert all(t.get_fontsize() >= 11 for t in fig.texts if t.get_gid() == "plot-method")


def test_forest_hr_says_why_a_subgroup_has_none_and_the_interaction_p(drawn):
    _, fig, _ = drawn("forest pfs by=sex")
    numbers = [t.get_text() for t in _forest_texts(fig, "number")]
    assert numbers[-1] == "0.49 (0.094–2.58)"  # the overall HR, F vs M
    assert {"only M", "only F", "no events in F", "no events"} <= set(numbers)
    interactions = [t.get_text() for t in _forest_texts(fig, "interaction")]
    assert "interaction p = 0.95" in interactions  # prior chemo
    assert interactions.count("no interaction test") == 5
    (stamp,) = [t.get_text() for t in fig.texts if t.get_gid() == "plot-stamp"]
    assert stamp.startswith("Reconstructed demo data")
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "overall-label"] == [
        " overall"
    ]
