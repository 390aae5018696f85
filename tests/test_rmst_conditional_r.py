"""Restricted mean survival time and conditional survival against R, on public trials.

Every number below was printed by `Rscript tests/reference/rmst_conditional_reference.R`
(R 4.2.2, survival 3.5.3) from R's own exports of veteran, colon (etype 2: death), rotterdam
(dtime/death) and mgus2 (futime/death, months) in tests/fixtures/r_exports/; the script says
what each constant is. R is not needed to run these tests. survRM2 is not in Debian: the script
writes out its unadjusted rmst2 from survfit's pieces (and checks its RMST and SE equal R's own
`summary(survfit, rmean = tau)$table`).

The statistics are checked on their own (`sts_queries.stats.rmst`) and through the whole
path: `sts init` on the export as R wrote it, then the command a statistician would type.
Estimates and limits agree to 1e-9 relative (R prints 15 significant digits), counts exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sts_bot.cli import main
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import UsageError
from sts_queries.stats.rmst import largest_tau, restricted_mean, rmst_contrasts
from sts_queries.stats.survival import kaplan_meier

EXPORTS = Path(__file__).parent / "fixtures" / "r_exports"
REL = 1e-9

# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/rmst_conditional_reference.R: R 4.2.2, survival 3.5.3
RMST = [
    ("veteran", None, None, 365, 115.659215552334, 9.88315099942787),
    ("veteran", None, None, 553, 124.51064954692, 12.0219051403349),
    ("veteran", None, None, 999, 132.77679034756, 15.3078930878055),
    ("veteran", "trt", "1", 365, 118.971541579343, 13.020378321428),
    ("veteran", "trt", "2", 365, 112.404133193277, 14.8747662066403),
    ("veteran", "trt", "1", 365.25, 118.989243811779, 13.0257735296053),
    ("veteran", "trt", "2", 365.25, 112.43157657563, 14.8821418748039),
    ("veteran", "trt", "1", 553, 123.92816666153, 14.8435180438941),
    ("veteran", "trt", "2", 553, 125.265931722689, 18.9342750768064),
    ("veteran", "trt", "1", 999, 123.92816666153, 14.8435180438941),
    ("veteran", "trt", "2", 999, 142.061281722689, 26.8107096797804),
    ("colon", "rx", "Lev", 1825, 1322.41028107904, 34.1797869430199),
    ("colon", "rx", "Lev+5FU", 1825, 1449.8804792065, 32.9984722063238),
    ("colon", "rx", "Obs", 1825, 1338.54892286242, 33.4412787772236),
    ("colon", "rx", "Lev", 3214, 1969.1427240381, 70.6740360779912),
    ("colon", "rx", "Lev+5FU", 3214, 2266.7324915608, 68.5760645805755),
    ("colon", "rx", "Obs", 3214, 1966.73794682736, 68.5698316360283),
    ("rotterdam", "hormon", "0", 3650, 2821.348325225, 22.5242801244852),
    ("rotterdam", "hormon", "1", 3650, 2494.39521831516, 68.8033861130835),
    ("rotterdam", "hormon", "0", 6270, 3956.22784540513, 52.5126893107379),
    ("rotterdam", "hormon", "1", 6270, 3399.50025456091, 167.213425432745),
    ("mgus2", "sex", "F", 120, 84.6586007548178, 1.69516278352056),
    ("mgus2", "sex", "M", 120, 76.020903377831, 1.62807209110618),
    ("mgus2", "sex", "F", 394, 141.385299628157, 5.78771447708806),
    ("mgus2", "sex", "M", 394, 122.331959612575, 5.18256915807861),
]

CONTRASTS = [
    ("veteran", "trt", "1", "2", 365,
     -6.56740838606584, -45.3127248629395, 32.1779080908079, 0.739724801779894,
     0.944798492993503, 0.674787299427346, 1.32285268723986, 0.740896328881832),
    ("veteran", "trt", "1", "2", 999,
     18.133115061159, -41.9308816402405, 78.1971117625586, 0.55404719688028,
     1.14631956196596, 0.739673892554868, 1.77652415662129, 0.541252206392588),
    ("colon", "rx", "Obs", "Lev", 1825,
     -16.1386417833751, -109.860524173877, 77.5832406071273, 0.735739840462011,
     0.987943181225783, 0.920732722969102, 1.06005978171721, 0.735784442416688),
    ("colon", "rx", "Obs", "Lev+5FU", 1825,
     111.331556344079, 19.2504063432191, 203.412706344939, 0.0178019278864877,
     1.08317331883993, 1.01375017268116, 1.15735066712113, 0.0180762308686985),
    ("rotterdam", "hormon", "0", "1", 3650,
     -326.953106909837, -468.847584335814, -185.058629483859, 6.29749655997093e-06,
     0.884114590181359, 0.835730092719317, 0.935300302551238, 1.79236755235998e-05),
    ("mgus2", "sex", "F", "M", 120,
     -8.63769737698679, -13.2443197732015, -4.03107498077207, 0.000237801194742209,
     0.897970232203546, 0.847824080798155, 0.951082372140903, 0.000241954656906591),
]

TAU = [  # (dataset, group column, default tau = the largest allowed)
    ("veteran", None, 999),
    ("veteran", "trt", 999),
    ("colon", "rx", 3214),
    ("rotterdam", "hormon", 6270),
    ("mgus2", "sex", 394),
]

CONDITIONAL = [
    ("veteran", None, None, 90, "log-log", 180, 27,
     0.479295728405291, 0.345677935411158, 0.600992158871597),
    ("veteran", None, None, 90, "log-log", 365, 10,
     0.194046853605381, 0.101347397876672, 0.308999891966842),
    ("veteran", None, None, 90, "log-log", 500, 4,
     0.0776187414421524, 0.0250732778098742, 0.169930239924373),
    ("veteran", None, None, 90, "log", 180, 27,
     0.479295728405291, 0.365736963850407, 0.628113693647656),
    ("veteran", None, None, 90, "log", 365, 10,
     0.194046853605381, 0.112271413001712, 0.335385298781035),
    ("veteran", None, None, 90, "log", 500, 4,
     0.0776187414421524, 0.0304492221775098, 0.19785953769005),
    ("veteran", None, None, 90, "plain", 180, 27,
     0.479295728405291, 0.349692535301277, 0.608898921509304),
    ("veteran", None, None, 90, "plain", 365, 10,
     0.194046853605381, 0.0878682238321003, 0.300225483378662),
    ("veteran", None, None, 90, "plain", 500, 4,
     0.0776187414421524, 0.00498712352442575, 0.150250359359879),
    ("veteran", "trt", "1", 90, "log-log", 180, 13,
     0.388529039149444, 0.228116999441121, 0.546211226405818),
    ("veteran", "trt", "1", 90, "log-log", 365, 4,
     0.129509679716481, 0.041495151405636, 0.269034300194919),
    ("veteran", "trt", "1", 90, "log", 180, 13,
     0.388529039149444, 0.254674781677614, 0.592735618611345),
    ("veteran", "trt", "1", 90, "log", 365, 4,
     0.129509679716481, 0.0524029915153349, 0.320072512183914),
    ("veteran", "trt", "1", 90, "plain", 180, 13,
     0.388529039149444, 0.224421930429861, 0.552636147869027),
    ("veteran", "trt", "1", 90, "plain", 365, 4,
     0.129509679716481, 0.0123303646438346, 0.246688994789128),
    ("veteran", "trt", "2", 90, "log-log", 180, 14,
     0.6125, 0.386755246406732, 0.776499304739195),
    ("veteran", "trt", "2", 90, "log-log", 365, 6,
     0.28875, 0.120772250506672, 0.481923489590519),
    ("veteran", "trt", "2", 90, "log", 180, 14,
     0.6125, 0.442849490621298, 0.847141654094877),
    ("veteran", "trt", "2", 90, "log", 365, 6,
     0.28875, 0.149182775172218, 0.558888667969537),
    ("veteran", "trt", "2", 90, "plain", 180, 14,
     0.6125, 0.413854624509608, 0.811145375490392),
    ("veteran", "trt", "2", 90, "plain", 365, 6,
     0.28875, 0.0980626679806767, 0.479437332019323),
    ("colon", "rx", "Lev", 365, "log-log", 730, 236,
     0.836298932384342, 0.787603440982375, 0.874720129246961),
    ("colon", "rx", "Lev", 365, "log-log", 1825, 164,
     0.590622463632391, 0.530715979056012, 0.645530259689662),
    ("colon", "rx", "Lev", 365, "log", 730, 236,
     0.836298932384342, 0.794137348301066, 0.88069891915226),
    ("colon", "rx", "Lev", 365, "log", 1825, 164,
     0.590622463632391, 0.535826402595574, 0.651022220736826),
    ("colon", "rx", "Lev", 365, "plain", 730, 236,
     0.836298932384342, 0.793037443885432, 0.879560420883252),
    ("colon", "rx", "Lev", 365, "plain", 1825, 164,
     0.590622463632391, 0.533115461466923, 0.648129465797859),
    ("colon", "rx", "Lev+5FU", 365, "log-log", 730, 244,
     0.874551971326165, 0.829660972005235, 0.908265478190896),
    ("colon", "rx", "Lev+5FU", 365, "log-log", 1825, 187,
     0.690826038468018, 0.632855051496208, 0.741551097200195),
    ("colon", "rx", "Lev+5FU", 365, "log", 730, 244,
     0.874551971326165, 0.836536866616288, 0.914294612793564),
    ("colon", "rx", "Lev+5FU", 365, "log", 1825, 187,
     0.690826038468018, 0.638569766785552, 0.74735861333956),
    ("colon", "rx", "Lev+5FU", 365, "plain", 730, 244,
     0.874551971326165, 0.835685893009626, 0.913418049642703),
    ("colon", "rx", "Lev+5FU", 365, "plain", 1825, 187,
     0.690826038468018, 0.636487663901945, 0.745164413034091),
    ("colon", "rx", "Obs", 365, "log-log", 730, 239,
     0.824281587728472, 0.77539407547037, 0.863468926841826),
    ("colon", "rx", "Obs", 365, "log-log", 1825, 160,
     0.569022634982064, 0.509944481079578, 0.62371649672966),
    ("colon", "rx", "Obs", 365, "log", 730, 239,
     0.824281587728472, 0.781637063546518, 0.869252710184124),
    ("colon", "rx", "Obs", 365, "log", 1825, 160,
     0.569022634982064, 0.514785821310281, 0.628973731828508),
    ("colon", "rx", "Obs", 365, "plain", 730, 239,
     0.824281587728472, 0.78049436127551, 0.868068814181435),
    ("colon", "rx", "Obs", 365, "plain", 1825, 160,
     0.569022634982064, 0.512024047099148, 0.62602122286498),
    ("mgus2", "sex", "F", 60, "log-log", 120, 223,
     0.646097210657862, 0.596517218162484, 0.691216576771949),
    ("mgus2", "sex", "F", 60, "log-log", 240, 34,
     0.285954401991758, 0.227736181424494, 0.346697191872602),
    ("mgus2", "sex", "F", 60, "log", 120, 223,
     0.646097210657862, 0.600415744455816, 0.695254262524738),
    ("mgus2", "sex", "F", 60, "log", 240, 34,
     0.285954401991758, 0.231985479268414, 0.352478613214639),
    ("mgus2", "sex", "F", 60, "plain", 120, 223,
     0.646097210657862, 0.598720420100391, 0.693474001215333),
    ("mgus2", "sex", "F", 60, "plain", 240, 34,
     0.285954401991758, 0.22614487008939, 0.345763933894126),
    ("mgus2", "sex", "M", 60, "log-log", 120, 215,
     0.610343002248392, 0.560032103983395, 0.656736649557269),
    ("mgus2", "sex", "M", 60, "log-log", 240, 27,
     0.27900567957218, 0.221065553986404, 0.339714426279152),
    ("mgus2", "sex", "M", 60, "log", 120, 215,
     0.610343002248392, 0.563810400644581, 0.660716049167761),
    ("mgus2", "sex", "M", 60, "log", 240, 27,
     0.27900567957218, 0.225294940410466, 0.345521160358548),
    ("mgus2", "sex", "M", 60, "plain", 120, 215,
     0.610343002248392, 0.561940927200164, 0.658745077296619),
    ("mgus2", "sex", "M", 60, "plain", 240, 27,
     0.27900567957218, 0.219348197341524, 0.338663161802837),
    ("rotterdam", None, None, 1825, "log-log", 3650, 687,
     0.742612400832701, 0.719392284239998, 0.764236682794102),
    ("rotterdam", None, None, 1825, "log", 3650, 687,
     0.742612400832701, 0.720532597639222, 0.765368811456101),
    ("rotterdam", None, None, 1825, "plain", 3650, 687,
     0.742612400832701, 0.720197697560355, 0.765027104105048),
]

COND_MEDIANS = [
    ("veteran", None, None, 90, "log-log", 61, 55, 164, 143, 231),
    ("veteran", None, None, 90, "log", 61, 55, 164, 144, 242),
    ("veteran", None, None, 90, "plain", 61, 55, 164, 143, 231),
    ("veteran", "trt", "1", 90, "log-log", 37, 33, 156, 132, 216),
    ("veteran", "trt", "1", 90, "log", 37, 33, 156, 139, 228),
    ("veteran", "trt", "1", 90, "plain", 37, 33, 156, 132, 216),
    ("veteran", "trt", "2", 90, "log-log", 24, 22, 231, 133, 357),
    ("veteran", "trt", "2", 90, "log", 24, 22, 231, 140, 389),
    ("veteran", "trt", "2", 90, "plain", 24, 22, 231, 140, 357),
    ("colon", "rx", "Lev", 365, "log-log", 281, 132, 2718, 2079, None),
    ("colon", "rx", "Lev", 365, "log", 281, 132, 2718, 2128, None),
    ("colon", "rx", "Lev", 365, "plain", 281, 132, 2718, 2079, None),
    ("colon", "rx", "Lev+5FU", 365, "log-log", 279, 98, None, None, None),
    ("colon", "rx", "Lev+5FU", 365, "log", 279, 98, None, None, None),
    ("colon", "rx", "Lev+5FU", 365, "plain", 279, 98, None, None, None),
    ("colon", "rx", "Obs", 365, "log-log", 291, 144, 2351, 1896, None),
    ("colon", "rx", "Obs", 365, "log", 291, 144, 2351, 1907, None),
    ("colon", "rx", "Obs", 365, "plain", 291, 144, 2351, 1907, None),
    ("mgus2", "sex", "F", 60, "log-log", 440, 244, 149, 139, 167),
    ("mgus2", "sex", "F", 60, "log", 440, 244, 149, 139, 170),
    ("mgus2", "sex", "F", 60, "plain", 440, 244, 149, 139, 170),
    ("mgus2", "sex", "M", 60, "log-log", 447, 252, 149, 136, 158),
    ("mgus2", "sex", "M", 60, "log", 447, 252, 149, 137, 162),
    ("mgus2", "sex", "M", 60, "plain", 447, 252, 149, 136, 162),
    ("rotterdam", None, None, 1825, "log-log", 2084, 519, 5675, 5186, 6051),
    ("rotterdam", None, None, 1825, "log", 2084, 519, 5675, 5266, None),
    ("rotterdam", None, None, 1825, "plain", 2084, 519, 5675, 5186, 6233),
]
# fmt: on

# What each dataset is in the script: the time and status columns, and the endpoint the bot
# drafts for them (`sts init`), with the unit the times are in.
DATASETS = {
    "veteran": ("time", "status", "os", "days"),
    "colon": ("time", "status", "etype_2", "days"),
    "rotterdam": ("dtime", "death", "death", "days"),
    "mgus2": ("futime", "death", "death", "months"),
}


def near(value):
    return None if value is None else pytest.approx(value, rel=REL, abs=1e-12)


def frame(name: str) -> pd.DataFrame:
    data = pd.read_csv(EXPORTS / f"{name}.csv")
    return data[data["etype"] == 2] if name == "colon" else data


def fit_of(name: str, column: str | None, group: str | None):
    time, status, _, _ = DATASETS[name]
    data = frame(name)
    if column is not None:
        data = data[data[column].astype(str) == group]
    return kaplan_meier(data[time], data[status])


# --- The statistics -----------------------------------------------------------------------


@pytest.mark.parametrize("row", RMST, ids=lambda r: "-".join(str(x) for x in r[:4]))
def test_rmst_and_its_se_are_r_survmean(row):
    name, column, group, tau, rmean, se = row
    got = restricted_mean(fit_of(name, column, group), tau)
    assert (got.estimate, got.se) == (near(rmean), near(se))
    z = 1.959963984540054
    assert (got.ci_low, got.ci_high) == (near(rmean - z * se), near(rmean + z * se))


@pytest.mark.parametrize("row", CONTRASTS, ids=lambda r: "-".join(str(x) for x in r[:5]))
def test_differences_and_ratios_are_survrm2_unadjusted(row):
    name, column, reference, group, tau, *want = row
    difference, ratio = rmst_contrasts(
        restricted_mean(fit_of(name, column, group), tau),
        restricted_mean(fit_of(name, column, reference), tau),
    )
    got = [difference.estimate, difference.ci_low, difference.ci_high, difference.p]
    got += [ratio.estimate, ratio.ci_low, ratio.ci_high, ratio.p]
    assert got == [near(w) for w in want]


@pytest.mark.parametrize("row", TAU, ids=lambda r: f"{r[0]}-{r[1]}")
def test_the_default_tau_is_survrm2s(row):
    name, column, tau = row
    data = frame(name)
    groups = [None] if column is None else sorted(data[column].astype(str).unique())
    assert largest_tau([fit_of(name, column, g) for g in groups])[0] == tau


def test_tau_at_an_event_time_and_before_any_time():
    # 553 is trt 1's last event (its curve drops to 0 there): the area stops at it, and
    # tau past it adds nothing (RMST rows at 553 and 999 are equal in R's table).
    fit = fit_of("veteran", "trt", "1")
    assert restricted_mean(fit, 553).estimate == near(restricted_mean(fit, 999).estimate)
    # Before the first time the curve is 1: the area is tau, with no variance.
    early = restricted_mean(fit, 0.5)
    assert (early.estimate, early.se) == (0.5, 0.0)
    difference, ratio = rmst_contrasts(early, restricted_mean(fit_of("veteran", "trt", "2"), 0.5))
    assert difference.estimate == 0 and difference.p is None and ratio.ci_low is None


def test_a_group_ending_censored_caps_tau_and_one_ending_in_an_event_does_not():
    short_event = kaplan_meier([1, 2, 3], [1, 0, 1])  # ends in an event at 3: 0 after it
    long_censored = kaplan_meier([1, 5, 9], [1, 1, 0])
    assert largest_tau([short_event, long_censored]) == (9.0, None)
    short_censored = kaplan_meier([1, 2, 3], [1, 1, 0])
    assert largest_tau([short_censored, long_censored]) == (3.0, 0)
    # Ties at the last time: censored if any patient there is (survRM2's min(status)).
    tied = kaplan_meier([1, 3, 3], [1, 1, 0])
    assert largest_tau([tied, long_censored]) == (3.0, 0)
    both = kaplan_meier([1, 3, 3], [1, 1, 1])
    assert largest_tau([both, long_censored]) == (9.0, None)
    with pytest.raises(ValueError):
        restricted_mean(short_event, 0)


# --- Through the whole path ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    """Each export in a folder of its own after `sts init`, as a data manager would drop it;
    mgus2's times are months, which the draft cannot tell from its numbers and says to check."""
    out = {}
    root = tmp_path_factory.mktemp("exports")
    mp = pytest.MonkeyPatch()
    mp.setenv("STS_STATE_DIR", str(root / "state"))
    for name, (_, _, _, unit) in DATASETS.items():
        folder = root / name
        folder.mkdir()
        shutil.copy(EXPORTS / f"{name}.csv", folder / f"{name}.csv")
        assert main(["init", str(folder)]) == 0
        toml = folder / "cohort.toml"
        text = toml.read_text()
        toml.write_text(text.replace('time_unit = "days"', f'time_unit = "{unit}"', 1))
        out[name] = load_cohort(folder)
    mp.undo()
    return out


def _answer(cohorts, name: str, command: str) -> dict:
    return ask(command, cohorts[name]).as_json()


def _groups(data: dict, column: str | None) -> dict:
    if column is None:
        return {None: data}
    return {g["label"]: g for g in data["groups"]}


CONDITIONAL_ASKS = list(dict.fromkeys((r[0], r[1], r[3], r[4]) for r in CONDITIONAL))


@pytest.mark.parametrize("case", CONDITIONAL_ASKS, ids=lambda c: "-".join(map(str, c)))
def test_given_is_r_survfit_on_the_patients_past_it(cohorts, case):
    name, column, given, conf_type = case
    _, _, endpoint, unit = DATASETS[name]
    rows = [r for r in CONDITIONAL if (r[0], r[1], r[3], r[4]) == case]
    times = sorted({r[5] for r in rows})
    by = f" by={column}" if column else ""
    command = (
        f"{endpoint} given={given:g} at={','.join(f'{t:g}' for t in times)} unit={unit} "
        f"ci={conf_type}{by}"
    )
    data = _answer(cohorts, name, command)
    assert data["conditional_on"] == given
    groups = _groups(data, column)
    for _, _, group, _, _, time, n_risk, surv, low, high in rows:
        (landmark,) = [lm for lm in groups[group]["landmarks"] if lm["time"] == time]
        assert landmark["at_risk"] == n_risk
        got = (landmark["survival"], landmark["ci_low"], landmark["ci_high"])
        assert got == (near(surv), near(low), near(high))
    for _, _, group, _, _, n, events, median, low, high in (
        r for r in COND_MEDIANS if (r[0], r[1], r[3], r[4]) == case
    ):
        g = groups[group]
        assert (g.get("n", data["n"]), g["events"]) == (n, events)
        assert (g["median"], g["ci_low"], g["ci_high"]) == (near(median), near(low), near(high))


def test_given_is_a_filter_of_the_selection_and_echoed(cohorts):
    data = _answer(cohorts, "veteran", "os given=90 unit=days at=365")
    assert data["n"] == 61  # R: n.start of survfit(..., subset = time > 90)
    assert data["filters"] == ["given event-free past 90 days"]
    assert any("S(t)/S(90)" in note for note in data["notes"])
    # given= in months over a cohort in days: 3 months is 91.3125 days.
    months = _answer(cohorts, "veteran", "os given=3")
    assert months["n"] == int((frame("veteran")["time"] > 3 * 30.4375).sum())
    assert [lm["months"] for lm in months["landmarks"]] == [6, 12]
    # The default landmarks before the time given are left out, and the answer says why.
    late = _answer(cohorts, "veteran", "os given=8")
    assert [lm["months"] for lm in late["landmarks"]] == [12]
    assert "conditional_on" not in _answer(cohorts, "veteran", "os at=12")


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("os given=90 at=30 unit=days", "`at=30` is not after `given=90`"),
        ("os given=0", "given= takes one time greater than 0"),
        ("os given=soon", "given= takes one time greater than 0"),
        ("count given=3", "`given=` does not apply to `count`"),
    ],
)
def test_given_refusals_say_why(cohorts, command, says):
    with pytest.raises(UsageError) as refused:
        ask(command, cohorts["veteran"])
    assert says in refused.value.message


def test_the_conditional_curve_is_the_whole_curve_divided(cohorts):
    # S(t | 90) = S(t) / S(90): the identity the R script checks, here on the bot's answers.
    whole = _answer(cohorts, "veteran", "os unit=days at=90,180,365")
    given = _answer(cohorts, "veteran", "os given=90 unit=days at=180,365")
    s = {lm["time"]: lm["survival"] for lm in whole["landmarks"]}
    got = [lm["survival"] for lm in given["landmarks"]]
    assert got == [near(s[180] / s[90]), near(s[365] / s[90])]
    assert np.isclose(got[1], 0.194046853605381)


def _rmst_rows(name: str, column: str | None, tau: float) -> dict:
    return {r[2]: r for r in RMST if r[:2] == (name, column) and r[3] == tau}


@pytest.mark.parametrize("case", CONTRASTS, ids=lambda r: "-".join(str(x) for x in r[:5]))
def test_rmst_by_a_group_is_r_and_survrm2_through_the_whole_path(cohorts, case):
    name, column, reference, group, tau, *want = case
    _, _, endpoint, unit = DATASETS[name]
    data = _answer(
        cohorts, name, f"rmst {endpoint} by={column} ref={reference} tau={tau:g} unit={unit}"
    )
    assert (data["tau"], data["tau_default"], data["reference"]) == (tau, False, reference)
    groups = {g["label"]: g for g in data["groups"]}
    for label, (*_, rmean, se) in _rmst_rows(name, column, tau).items():
        assert (groups[label]["rmst"]["estimate"], groups[label]["rmst"]["se"]) == (
            near(rmean),
            near(se),
        )
    difference, ratio = groups[group]["rmst_difference"], groups[group]["rmst_ratio"]
    got = [difference[k] for k in ("estimate", "ci_low", "ci_high", "p")]
    got += [ratio[k] for k in ("estimate", "ci_low", "ci_high", "p")]
    assert got == [near(w) for w in want]
    assert groups[reference]["rmst_difference"] is None and groups[reference]["rmst_ratio"] is None


@pytest.mark.parametrize("row", TAU, ids=lambda r: f"{r[0]}-{r[1]}")
def test_without_tau_the_answer_takes_survrm2s_default_and_says_so(cohorts, row):
    name, column, tau = row
    _, _, endpoint, unit = DATASETS[name]
    by = f" by={column}" if column else ""
    data = _answer(cohorts, name, f"rmst {endpoint}{by} unit={unit}")
    assert (data["tau"], data["tau_default"]) == (tau, True)
    assert any(f"τ = {tau:g} {unit}, not given" in note for note in data["notes"])
    # R's RMST at that τ where the script printed it (mgus2: F's censored 394 months).
    for label, (*_, rmean, se) in _rmst_rows(name, column, tau).items():
        got = data if column is None else {g["label"]: g for g in data["groups"]}[label]
        assert (got["rmst"]["estimate"], got["rmst"]["se"]) == (near(rmean), near(se))


def test_tau_past_a_group_censored_follow_up_is_refused_with_the_reason(cohorts):
    # mgus2 by sex: F's last patient is censored at 394 months, M's died at 424 (survRM2's
    # case 3: tau stops at 394).
    with pytest.raises(UsageError) as refused:
        ask("rmst death by=sex tau=400 unit=months", cohorts["mgus2"])
    message = refused.value.message
    assert "`tau=400` is past the follow-up of F" in message and "censored at 394" in message
    assert "tau=394" in refused.value.hint
    assert _answer(cohorts, "mgus2", "rmst death by=sex tau=394 unit=months")["tau"] == 394
    # veteran: both arms end in a death (survRM2's case 1), so tau may reach the longer one,
    # 999 days, past trt 1's last death at 553 (its curve is 0 there: known).
    assert _answer(cohorts, "veteran", "rmst os by=trt tau=999 unit=days")["tau"] == 999
    with pytest.raises(UsageError, match="past the longest follow-up, 999 days"):
        ask("rmst os by=trt tau=1000 unit=days", cohorts["veteran"])


def test_tau_in_another_unit_is_the_same_area_rescaled(cohorts):
    # tau=12 months over a cohort in days is 365.25 days; R's rmean there, in months.
    data = _answer(cohorts, "veteran", "rmst os by=trt tau=12")
    assert data["unit"] == "months" and data["tau"] == 12
    for label, (*_, rmean, se) in _rmst_rows("veteran", "trt", 365.25).items():
        got = {g["label"]: g for g in data["groups"]}[label]["rmst"]
        assert (got["estimate"], got["se"]) == (near(rmean / 30.4375), near(se / 30.4375))
