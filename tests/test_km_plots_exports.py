"""Words and plots agree, on R's own exports (tests/fixtures/r_exports/) read after `sts init`:
the legend's median is the text's (52.5 days, as R prints it), a labelled code's groups carry
their hazard ratios into the legend, landmarks are at whole days or weeks in the asked unit and
scaled to the follow-up, their labels coloured as their curves, a midpoint median has its drop
line, and every question writes its own plot file.

The numbers are R's (R 4.2.2, survival 3.5.3): `survfit(Surv(time, status) ~ trt, veteran,
conf.type = "log-log")` and `summary(…, times = c(183, 365))`; `coxph(Surv(time, status) ~
factor(trt))` HR 1.018 (0.714–1.450) as in tests/reference/cox_zph_reference.R; rotterdam's
`summary(survfit(Surv(dtime, death) ~ 1), times = 365.25 * c(1, 5, 10))`: 98.0%, 74.4%, 55.2%.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sts_bot.cli import main
from sts_bot.plots import common as plots_common
from sts_bot.plots.figures import draw, plot_filename
from sts_bot.plots.style import GROUP_COLORS
from sts_bot.render.answers import compose, to_text
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort

EXPORTS = Path(__file__).parent / "fixtures" / "r_exports"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """veteran (trt labelled standard/test) and rotterdam, each after `sts init`."""
    root = tmp_path_factory.mktemp("exports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STS_STATE_DIR", str(root / "state"))
        for name in ("veteran", "rotterdam"):
            (root / name).mkdir()
            shutil.copy(EXPORTS / f"{name}.csv", root / name)
            assert main(["init", str(root / name)]) == 0
    toml = root / "veteran" / "cohort.toml"
    toml.write_text(
        toml.read_text().replace(
            '# labels = { 1 = "…", 2 = "…" }  # make the codes readable',
            'labels = { 1 = "standard", 2 = "test" }',
            1,  # the first coded field is trt
        )
    )
    return {name: load_cohort(root / name) for name in ("veteran", "rotterdam")}


@pytest.fixture(scope="module")
def drawn(folders):
    """(command, cohort name) -> (answer, the Figure behind its PNG), each drawn once for the
    module: the checks read the figure, none changes it."""
    done: dict[tuple[str, str], tuple] = {}

    def render(command: str, name: str):
        if (command, name) in done:
            return done[command, name]
        figures = []
        with pytest.MonkeyPatch.context() as patch:
            original = plots_common.to_png

            def keep(fig):
                figures.append(fig)
                return original(fig)

            patch.setattr(plots_common, "to_png", keep)
            answer = ask(command, folders[name])
            draw(answer)
        (fig,) = figures
        done[command, name] = (answer, fig)
        return done[command, name]

    return render


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_legend_says_what_the_text_says_with_the_labelled_groups_hazard_ratio(drawn):
    answer, fig = drawn("os by=trt unit=days", "veteran")
    legend = _legend(fig)
    assert legend[0] == (
        "standard: n = 69, 64 events, median 103 days (95% CI 54–126); HR 1 (reference)"
    )
    assert legend[1] == (
        "test: n = 68, 64 events, median 52.5 days (95% CI 43–90); HR 1.02 (95% CI 0.71–1.45)"
    )
    (test,) = [g for g in answer.groups if g["label"] == "test"]
    assert (test["hr"], test["hr_ci_low"], test["hr_ci_high"]) == pytest.approx(
        (1.01790090393894, 0.714375526106933, 1.45038878345424), rel=1e-4
    )


def test_a_midpoint_median_has_its_drop_line_from_the_curve_at_half(drawn):
    _, fig = drawn("os by=trt unit=days", "veteran")
    drops = {
        line.get_xdata()[0]: list(line.get_ydata())
        for line in fig.axes[0].lines
        if line.get_gid() == "km-median"
    }
    assert drops[52.5] == [0, 0.5]  # R: S = 0.5 from day 51 to day 54
    assert set(drops) == {103.0, 52.5}


@pytest.mark.parametrize(
    ("unit", "times", "said", "short"),
    [
        ("days", [183.0, 365.0], "183 and 365 days", "183-d"),
        ("weeks", [26.0, 52.0], "26 and 52 weeks", "26-wk"),
    ],
)
def test_default_landmarks_are_whole_in_the_asked_unit(drawn, unit, times, said, short):
    answer, fig = drawn(f"os by=trt unit={unit}", "veteran")
    ax = fig.axes[0]
    assert sorted(line.get_xdata()[0] for line in ax.lines if line.get_gid() == "km-landmark") == (
        times
    )
    assert f"Landmark survival at {said}" in _legend(fig)
    assert [lm["time"] for lm in answer.body.landmarks] == times
    assert [lm["months"] for lm in answer.body.landmarks] == [6, 12]  # nominal
    assert all([lm["time"] for lm in g["landmarks"]] == times for g in answer.groups)
    assert f"· {short} " in to_text(compose(answer))


def test_veteran_landmarks_at_day_183_equal_r(drawn):
    answer, _ = drawn("os by=trt unit=days", "veteran")
    r = {  # summary(survfit(...), times = c(183, 365)): survival, lower, upper, n.risk
        "standard": [(0.21242678924, 0.12193242490, 0.3196668504, 12),
                     (0.07080892975, 0.02322870761, 0.1551486409, 4)],
        "test": [(0.23285294118, 0.13836002769, 0.3417077508, 14),
                 (0.10977352941, 0.04638808667, 0.2040098438, 6)],
    }  # fmt: skip
    for g in answer.groups:
        marks = g["landmarks"]
        got = [(lm["survival"], lm["ci_low"], lm["ci_high"], lm["at_risk"]) for lm in marks]
        assert got == [pytest.approx(x, rel=1e-6) for x in r[g["label"]]]


def test_landmark_labels_are_coloured_as_their_curves(drawn):
    answer, fig = drawn("os by=trt unit=days", "veteran")
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "km-landmark-value"]
    expected = {
        (lm["time"], f"{100 * lm['survival']:.0f}%", GROUP_COLORS[i].lower())
        for i, g in enumerate(answer.groups)
        for lm in g["landmarks"]
    }
    written = set()
    for label in labels:
        x, _ = label.get_position()
        time = min((183.0, 365.0), key=lambda t: abs(t - x))
        written.add((time, label.get_text(), label.get_color().lower()))
    assert written == expected


def test_a_long_registry_is_read_at_1_5_and_10_years(drawn):
    answer, fig = drawn("death by=size", "rotterdam")  # 19.3 years of follow-up
    assert [lm["time"] for lm in answer.body.landmarks] == [12, 60, 120]
    assert [lm["survival"] for lm in answer.body.landmarks] == pytest.approx(
        [0.9801750411, 0.7435351160, 0.5521583976], rel=1e-6
    )
    assert "Landmark survival at 12, 60 and 120 months" in _legend(fig)


def test_every_question_has_its_own_plot_file(folders):
    veteran = folders["veteran"]
    names = [
        plot_filename(ask(command, veteran))
        for command in (
            "os by=trt",
            "os by=trt unit=days",
            "os by=trt unit=weeks",
            "os by=trt ref=test",
            "os by=trt adjust=karno",
            "os by=trt adjust=karno:factor",
            "os by=trt at=3,6",
            "os by=trt ci=log",
            "os karno>=60",
            "os karno<60",
        )
    ]
    assert len(set(names)) == len(names), names
    assert names[1] == "os-by-trt-days.png"
    long = "os by=trt adjust=karno,diagtime,age,prior,celltype at=1,2,3,4,5,6,7,8 ci=plain"
    assert len(plot_filename(ask(long, veteran))) <= 84


def test_a_forest_of_a_labelled_code_favours_its_groups_by_name(folders):
    answer = ask("forest os by=trt", folders["veteran"])
    assert (answer.body.reference, answer.body.comparison) == ("standard", "test")
    assert (answer.chart.reference, answer.chart.comparison) == ("standard", "test")
    assert "HR of test vs standard" in answer.method
    assert all(a["label"] in ("standard", "test") for r in answer.body.rows for a in r["arms"])
    (plot,) = draw(answer)
    assert plot.png.startswith(b"\x89PNG")


def test_the_patient_card_names_a_code_by_its_label(folders):
    answer = ask("patient 5", folders["veteran"])
    assert answer.body.labels == {"trt": "standard"}
    assert "trt: standard" in to_text(compose(answer))
