"""Waterfall and spider: refused outside patient places, and drawn as a reader needs them (a bar
or a line per patient at its value, RECIST's lines, a legend of only what is drawn, nothing
cut off at the edge, at full size and at Slack's preview size)."""

from __future__ import annotations

import io

import pytest
from matplotlib.image import imread
from matplotlib.text import Text

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.plots.patients.spider import _spider_figure
from sts_bot.plots.patients.waterfall import _waterfall_figure
from sts_bot.service.service import Service

BOARD = "G0BOARD01"
PUBLIC = Asker(user="U0ASKER01", team="T0TEAM001", channel="C0PUBLIC1")
DM = Asker(user="U0ASKER01", team="T0TEAM001", channel="D0ASKER01", is_dm=True)
AT_BOARD = Asker(user="U0ASKER01", team="T0TEAM001", channel=BOARD)


@pytest.fixture(scope="module")
def gateway(demo):
    policy = Policy(patient_channels=frozenset({BOARD}), min_cell=5)
    return Gateway(service=Service.over(demo), policy=policy, audit=AuditLog(None))


@pytest.fixture(scope="module")
def at_board(gateway):
    """command -> what the gateway gives for it in the tumour boards' channel, asked once for
    the module (the plots are checked by several tests)."""
    done = {}

    def handle(command: str):
        if command not in done:
            done[command] = gateway.handle(command, AT_BOARD, surface="slash", with_plots=True)
        return done[command]

    return handle


@pytest.mark.parametrize(
    "command", ["waterfall", "spider", "waterfall by=histology", "spider share"]
)
@pytest.mark.parametrize("asker", [PUBLIC, DM], ids=["public", "dm"])
def test_refused_outside_patient_places_with_nothing_shown(gateway, command, asker):
    handled = gateway.handle(command, asker, surface="slash", with_plots=True)
    assert handled.refused and not handled.outcome.plots
    metric = command.split()[0]
    assert f"patient-level answers (`{metric}`) are not given here" in handled.outcome.text
    assert "−51.7" not in handled.outcome.text and "measured" not in handled.outcome.text


@pytest.mark.parametrize("command", ["waterfall", "spider"])
def test_given_in_the_tumor_boards_channel_with_its_plot(at_board, command):
    handled = at_board(command)
    assert not handled.refused and not handled.outcome.is_error
    (plot,) = handled.outcome.plots
    assert plot.filename == f"{command}.png" and plot.png.startswith(b"\x89PNG")
    assert "2 of 14 selected patients have tumour measurements" in handled.outcome.text


# --- the figures ----------------------------------------------------------------------------

BARS = [
    {"patient_id": "7", "best_change_pct": 240.0, "best_response": "PD", "new_lesion": True},
    {"patient_id": "3", "best_change_pct": 24.0, "best_response": "PD", "new_lesion": False},
    {"patient_id": "5", "best_change_pct": 4.0, "best_response": "SD", "new_lesion": True},
    {"patient_id": "1", "best_change_pct": -12.5, "best_response": "SD", "new_lesion": False},
    {"patient_id": "2", "best_change_pct": -44.0, "best_response": "PR", "new_lesion": False},
    {"patient_id": "4", "best_change_pct": -100.0, "best_response": "CR", "new_lesion": False},
]


def _by_gid(ax, gid: str, kind: str = "lines"):
    return [a for a in getattr(ax, kind) if a.get_gid() == gid]


def _inside(fig) -> None:
    fig.draw_without_rendering()  # constrained layout places the texts, no pixels needed
    renderer = fig.canvas.get_renderer()
    for text in fig.findobj(Text):
        if not text.get_text().strip() or not text.get_visible():
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= fig.bbox.x0 - 1 and box.x1 <= fig.bbox.x1 + 1, text.get_text()
        assert box.y0 >= fig.bbox.y0 - 1 and box.y1 <= fig.bbox.y1 + 1, text.get_text()


def test_a_bar_per_patient_at_its_value_with_the_recist_lines():
    fig = _waterfall_figure(BARS, title="Waterfall plot · n = 6", measured=7)
    ax = fig.axes[0]
    bars = _by_gid(ax, "waterfall-bar", "patches")
    heights = [b.get_height() for b in bars]
    low, high = ax.get_ylim()
    assert low <= -100 and high == 100.0  # +240% stops at the axis' top …
    assert heights == [100.0, 24.0, 4.0, -12.5, -44.0, -100.0]
    values = [t.get_text() for t in ax.texts if t.get_gid() == "waterfall-value"]
    assert "+240.0% ↑" in values and "−44.0%" in values  # … and says its value
    colours = {b.get_facecolor()[:3] for b in bars[:2]}
    assert len(colours) == 1  # both PD
    (pr,) = _by_gid(ax, "recist-pr-line")
    (pd,) = _by_gid(ax, "recist-pd-line")
    assert tuple(pr.get_ydata()) == (-30, -30) and tuple(pd.get_ydata()) == (20, 20)
    stars = _by_gid(ax, "waterfall-new-lesion")
    assert len(stars[0].get_xdata()) == 2  # patients 7 and 5
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "CR  Complete response",
        "PR  Partial response",
        "SD  Stable disease",
        "PD  Progressive disease",
        "New lesion",
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["7", "3", "5", "1", "2", "4"]
    assert "6 patients with a scan after baseline, of 7 measured" in ax.get_title(loc="left")
    _inside(fig)


def test_by_colours_the_groups_and_names_them():
    grouped = [{**b, "group": "LPS" if i % 2 else "UPS"} for i, b in enumerate(BARS)]
    ax = _waterfall_figure(grouped, title="by histology", measured=6, by="histology").axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["histology = UPS", "histology = LPS", "New lesion"]
    bars = _by_gid(ax, "waterfall-bar", "patches")
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    assert bars[0].get_facecolor() == bars[2].get_facecolor()


def test_a_line_per_patient_through_every_scan():
    lines = [
        {
            "patient_id": "8",
            "best_response": "PR",
            "points": [
                {"time": 0.0, "change_pct": 0.0, "new_lesion": False},
                {"time": 6.1, "change_pct": -39.7, "new_lesion": False},
                {"time": 12.4, "change_pct": -51.7, "new_lesion": False},
            ],
        },
        {
            "patient_id": "9",
            "best_response": "PD",
            "points": [
                {"time": -1.0, "change_pct": 0.0, "new_lesion": False},
                {"time": 6.0, "change_pct": 31.0, "new_lesion": True},
            ],
        },
    ]
    ax = _spider_figure(lines, title="Spider plot", unit="weeks").axes[0]
    drawn = _by_gid(ax, "spider-line")
    assert [list(d.get_ydata()) for d in drawn] == [[0.0, -39.7, -51.7], [0.0, 31.0]]
    assert list(drawn[1].get_xdata()) == [-1.0, 6.0] and ax.get_xlim()[0] == -1.0
    assert len(_by_gid(ax, "spider-new-lesion")) == 1
    assert ax.get_xlabel() == "Time from start of treatment (weeks)"
    assert {t.get_text() for t in ax.texts if t.get_gid() == "spider-name"} == {"8", "9"}
    _inside(ax.figure)


@pytest.mark.parametrize("command", ["waterfall", "waterfall by=histology", "spider"])
def test_the_demo_plots_at_full_and_preview_size(at_board, command):
    (plot,) = at_board(command).outcome.plots  # the demo's plot as the tumour board gets it
    image = imread(io.BytesIO(plot.png))
    assert image.shape[:2] == (825, 1200)  # 8 x 5.5 in at 150 dpi, as every plot
    # Slack's preview is ~400 px wide: the bars still cover a visible share of the image.
    ink = (image[:, :, :3] < 0.9).any(axis=2).mean()
    assert 0.03 < ink < 0.6
