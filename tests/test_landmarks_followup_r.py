"""Landmark survival and median follow-up against R's survival package.

Every number below was printed by `Rscript tests/reference/landmark_followup_reference.R`
(R 4.2.2, survival 3.5.3) from the CSV files next to it; tests/reference/README.md says how
to regenerate them. R is not needed to run these tests. Landmark survival and limits are
compared to 1e-6 absolute (R prints 15 significant digits; the arithmetic is R's, step by
step), the number at risk and the median follow-up exactly.
"""

from __future__ import annotations

import pytest

from sts_queries.stats.followup import median_followup
from sts_queries.stats.landmarks import landmarks
from sts_queries.stats.survival import kaplan_meier
from tests.reference_data import dataset, selection

ABS = 1e-6


def near(value):
    return None if value is None else pytest.approx(value, abs=ABS)


def ids(rows, width: int) -> list[str]:
    return ["-".join(str(x) for x in row[:width] if x is not None) for row in rows]


# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/landmark_followup_reference.R: R 4.2.2, survival 3.5.3
LANDMARKS = [
    ("g3", None, None, "log-log", 6, 17,
     1, 1, 1),
    ("g3", None, None, "log-log", 12, 16,
     0.941176470588235, 0.650178901855579, 0.99149910556615),
    ("g3", None, None, "log-log", 24, 15,
     0.882352941176471, 0.605978899529097, 0.969209296936186),
    ("g3", None, None, "log-log", 36, 11,
     0.69683257918552, 0.416840837782078, 0.861480344207977),
    ("g3", None, None, "log-log", 48, 11,
     0.69683257918552, 0.416840837782078, 0.861480344207977),
    ("g3", None, None, "log-log", 60, 2,
     0.597285067873303, 0.298093258247797, 0.802969813045627),
    ("g3", None, None, "log", 6, 17,
     1, 1, 1),
    ("g3", None, None, "log", 12, 16,
     0.941176470588235, 0.835717288846709, 1),
    ("g3", None, None, "log", 24, 15,
     0.882352941176471, 0.741751890629762, 1),
    ("g3", None, None, "log", 36, 11,
     0.69683257918552, 0.506203353884529, 0.959250150533593),
    ("g3", None, None, "log", 48, 11,
     0.69683257918552, 0.506203353884529, 0.959250150533593),
    ("g3", None, None, "log", 60, 2,
     0.597285067873303, 0.384668200503067, 0.927421221296332),
    ("g3", None, None, "plain", 6, 17,
     1, 1, 1),
    ("g3", None, None, "plain", 12, 16,
     0.941176470588235, 0.829326802343736, 1),
    ("g3", None, None, "plain", 24, 15,
     0.882352941176471, 0.729196475309016, 1),
    ("g3", None, None, "plain", 36, 11,
     0.69683257918552, 0.47412021379489, 0.919544944576151),
    ("g3", None, None, "plain", 48, 11,
     0.69683257918552, 0.47412021379489, 0.919544944576151),
    ("g3", None, None, "plain", 60, 2,
     0.597285067873303, 0.334471661735366, 0.86009847401124),
    ("g3", "group", "Control", "log-log", 12, 5,
     0.833333333333333, 0.273122849928356, 0.974712426690894),
    ("g3", "group", "Control", "log-log", 24, 4,
     0.666666666666667, 0.194616636806235, 0.904434164322516),
    ("g3", "group", "Control", "log-log", 36, 2,
     0.333333333333333, 0.0460822434120451, 0.675564357969301),
    ("g3", "group", "Control", "log", 12, 5,
     0.833333333333333, 0.58265479547714, 1),
    ("g3", "group", "Control", "log", 24, 4,
     0.666666666666667, 0.378606460887095, 1),
    ("g3", "group", "Control", "log", 36, 2,
     0.333333333333333, 0.107507139169089, 1),
    ("g3", "group", "Control", "plain", 12, 5,
     0.833333333333333, 0.535134309380474, 1),
    ("g3", "group", "Control", "plain", 24, 4,
     0.666666666666667, 0.28947142197461, 1),
    ("g3", "group", "Control", "plain", 36, 2,
     0.333333333333333, 0, 0.71052857802539),
    ("g3", "group", "RIT", "log-log", 12, 11,
     1, 1, 1),
    ("g3", "group", "RIT", "log-log", 24, 11,
     1, 1, 1),
    ("g3", "group", "RIT", "log-log", 53, 7,
     0.779220779220779, 0.354399522243107, 0.941772798908929),
    ("g3", "group", "RIT", "log-log", 60, 2,
     0.779220779220779, 0.354399522243107, 0.941772798908929),
    ("g3", "group", "RIT", "log", 12, 11,
     1, 1, 1),
    ("g3", "group", "RIT", "log", 24, 11,
     1, 1, 1),
    ("g3", "group", "RIT", "log", 53, 7,
     0.779220779220779, 0.546091646834306, 1),
    ("g3", "group", "RIT", "log", 60, 2,
     0.779220779220779, 0.546091646834306, 1),
    ("g3", "group", "RIT", "plain", 12, 11,
     1, 1, 1),
    ("g3", "group", "RIT", "plain", 24, 11,
     1, 1, 1),
    ("g3", "group", "RIT", "plain", 53, 7,
     0.779220779220779, 0.502201865184759, 1),
    ("g3", "group", "RIT", "plain", 60, 2,
     0.779220779220779, 0.502201865184759, 1),
    ("lymphoma", None, None, "log-log", 12, 73,
     0.9125, 0.82520649555507, 0.957296713386746),
    ("lymphoma", None, None, "log-log", 24, 66,
     0.8, 0.694468650356464, 0.87234885537556),
    ("lymphoma", None, None, "log-log", 60, 45,
     0.596505583365422, 0.479943399828833, 0.695140432157655),
    ("lymphoma", None, None, "log-log", 120, 32,
     0.443911131806826, 0.330227115664328, 0.551407431400385),
    ("lymphoma", None, None, "log-log", 346, 1,
     0.272364437407401, 0.173133167079001, 0.381139097346715),
    ("lymphoma", None, None, "log", 12, 73,
     0.9125, 0.852635128767041, 0.976568079248704),
    ("lymphoma", None, None, "log", 24, 66,
     0.8, 0.716978898639313, 0.892634359553113),
    ("lymphoma", None, None, "log", 60, 45,
     0.596505583365422, 0.497512109618178, 0.715196482873953),
    ("lymphoma", None, None, "log", 120, 32,
     0.443911131806826, 0.344934395695586, 0.571288614301965),
    ("lymphoma", None, None, "log", 346, 1,
     0.272364437407401, 0.184639110356006, 0.401769628445552),
    ("lymphoma", None, None, "plain", 12, 73,
     0.9125, 0.850581053211194, 0.974418946788806),
    ("lymphoma", None, None, "plain", 24, 66,
     0.8, 0.712347745942342, 0.887652254057658),
    ("lymphoma", None, None, "plain", 60, 45,
     0.596505583365422, 0.488258487948374, 0.70475267878247),
    ("lymphoma", None, None, "plain", 120, 32,
     0.443911131806826, 0.331925605213104, 0.555896658400547),
    ("lymphoma", None, None, "plain", 346, 1,
     0.272364437407401, 0.166486072173125, 0.378242802641676),
    ("lymphoma", "stage", 2, "log-log", 12, 55,
     0.901639344262295, 0.794095589017805, 0.954564434573645),
    ("lymphoma", "stage", 2, "log-log", 24, 49,
     0.770491803278688, 0.643468306459757, 0.857112050512784),
    ("lymphoma", "stage", 2, "log-log", 60, 32,
     0.553734061930783, 0.419966738194676, 0.668520137316703),
    ("lymphoma", "stage", 2, "log", 12, 55,
     0.901639344262295, 0.829920000700553, 0.979556471027943),
    ("lymphoma", "stage", 2, "log", 24, 49,
     0.770491803278688, 0.671871829643741, 0.883587602168752),
    ("lymphoma", "stage", 2, "log", 60, 32,
     0.553734061930783, 0.441354446520416, 0.694728270576472),
    ("lymphoma", "stage", 2, "plain", 12, 55,
     0.901639344262295, 0.826906707005333, 0.976371981519257),
    ("lymphoma", "stage", 2, "plain", 24, 49,
     0.770491803278688, 0.664964148810865, 0.876019457746512),
    ("lymphoma", "stage", 2, "plain", 60, 32,
     0.553734061930783, 0.428127102359685, 0.679341021501881),
    ("kidney", None, None, "log-log", 1, 863,
     1, None, None),
    ("kidney", None, None, "log-log", 30, 839,
     0.987141967845925, 0.976902063293322, 0.992858815992725),
    ("kidney", None, None, "log-log", 365, 667,
     0.919703895328078, 0.898693470059743, 0.936511286391555),
    ("kidney", None, None, "log-log", 1825, 294,
     0.823529082659118, 0.791444486801021, 0.851148203884995),
    ("kidney", None, None, "log-log", 3000, 67,
     0.742919327730314, 0.694751716542304, 0.784685224084002),
    ("kidney", None, None, "log", 1, 863,
     1, 1, 1),
    ("kidney", None, None, "log", 30, 839,
     0.987141967845925, 0.979621083421242, 0.994720592659712),
    ("kidney", None, None, "log", 365, 667,
     0.919703895328078, 0.901125688552543, 0.938665122775843),
    ("kidney", None, None, "log", 1825, 294,
     0.823529082659118, 0.794287034556633, 0.853847690418284),
    ("kidney", None, None, "log", 3000, 67,
     0.742919327730314, 0.699342842527199, 0.789211090687319),
    ("kidney", None, None, "plain", 1, 863,
     1, 1, 1),
    ("kidney", None, None, "plain", 30, 839,
     0.987141967845925, 0.979592286826484, 0.994691648865367),
    ("kidney", None, None, "plain", 365, 667,
     0.919703895328078, 0.900935480916668, 0.938472309739487),
    ("kidney", None, None, "plain", 1825, 294,
     0.823529082659118, 0.793755241428937, 0.853302923889299),
    ("kidney", None, None, "plain", 3000, 67,
     0.742919327730314, 0.698012555097325, 0.787826100363302),
    ("kidney", "group", "black female", "log-log", 365, 44,
     0.891246684350132, 0.773303747823725, 0.949744350077518),
    ("kidney", "group", "black female", "log-log", 1825, 15,
     0.745793743141223, 0.578570063664714, 0.85451849495344),
    ("kidney", "group", "black female", "log", 365, 44,
     0.891246684350132, 0.812514439465927, 0.977608044587144),
    ("kidney", "group", "black female", "log", 1825, 15,
     0.745793743141223, 0.621133778002726, 0.895472645356853),
    ("kidney", "group", "black female", "plain", 365, 44,
     0.891246684350132, 0.808817447986395, 0.97367592071387),
    ("kidney", "group", "black female", "plain", 1825, 15,
     0.745793743141223, 0.609386131438521, 0.882201354843926),
    ("dd", None, None, "log-log", 1, 1808,
     0.72179203539823, 0.700522352472905, 0.741840502612846),
    ("dd", None, None, "log-log", 2, 1253,
     0.601973405419913, 0.578804804654128, 0.62430814177945),
    ("dd", None, None, "log-log", 5, 632,
     0.334007941627749, 0.311202849885075, 0.356951576067172),
    ("dd", None, None, "log-log", 10, 250,
     0.181349877646085, 0.161884376274037, 0.20172261221279),
    ("dd", None, None, "log-log", 20, 71,
     0.090994209623627, 0.0751010545605788, 0.108692604104281),
    ("dd", None, None, "log-log", 47, 2,
     0.0150716816231943, 0.00260868859591692, 0.0519171307185229),
    ("dd", None, None, "log", 1, 1808,
     0.72179203539823, 0.701429100792131, 0.742746118996157),
    ("dd", None, None, "log", 2, 1253,
     0.601973405419913, 0.57964094414333, 0.625166293882858),
    ("dd", None, None, "log", 5, 632,
     0.334007941627749, 0.311884148757083, 0.357701106372347),
    ("dd", None, None, "log", 10, 250,
     0.181349877646085, 0.162470844268446, 0.202422645554242),
    ("dd", None, None, "log", 20, 71,
     0.090994209623627, 0.0756512541908134, 0.109448895112092),
    ("dd", None, None, "log", 47, 2,
     0.0150716816231943, 0.00348129264297917, 0.0652503567630386),
    ("dd", None, None, "plain", 1, 1808,
     0.72179203539823, 0.701136345727163, 0.742447725069297),
    ("dd", None, None, "plain", 2, 1253,
     0.601973405419913, 0.579216151616625, 0.6247306592232),
    ("dd", None, None, "plain", 5, 632,
     0.334007941627749, 0.311117385633237, 0.356898497622262),
    ("dd", None, None, "plain", 10, 250,
     0.181349877646085, 0.161414153555648, 0.201285601736523),
    ("dd", None, None, "plain", 20, 71,
     0.090994209623627, 0.0741910500779858, 0.107797369169268),
    ("dd", None, None, "plain", 47, 2,
     0.0150716816231943, 0, 0.0371579336706702),
    ("dd", "continent", "Oceania", "log-log", 1, 108,
     0.814814814814815, 0.727838069898326, 0.876320502361677),
    ("dd", "continent", "Oceania", "log-log", 5, 33,
     0.298088896315375, 0.208289694907897, 0.393054569199527),
    ("dd", "continent", "Oceania", "log-log", 10, 8,
     0.114482621682626, 0.0562079956077004, 0.195585881081095),
    ("dd", "continent", "Oceania", "log", 1, 108,
     0.814814814814815, 0.744751404658607, 0.891469526997458),
    ("dd", "continent", "Oceania", "log", 5, 33,
     0.298088896315375, 0.217764816981286, 0.408041075405465),
    ("dd", "continent", "Oceania", "log", 10, 8,
     0.114482621682626, 0.0618830568118963, 0.211790938304259),
    ("dd", "continent", "Oceania", "plain", 1, 108,
     0.814814814814815, 0.74155449812579, 0.88807513150384),
    ("dd", "continent", "Oceania", "plain", 5, 33,
     0.298088896315375, 0.204496109418583, 0.391681683212166),
    ("dd", "continent", "Oceania", "plain", 10, 8,
     0.114482621682626, 0.0440555903127922, 0.18490965305246),
]

PAST_END = [  # (dataset, column, value, time): asked for, but summary() has no row
    ("g3", None, None, 80),
    ("g3", "group", "Control", 60),
    ("lymphoma", None, None, 400),
]

FOLLOWUP = [
    ("g3", None, None, "log-log", 54, 50, 58),
    ("g3", None, None, "log", 54, 50, None),
    ("g3", None, None, "plain", 54, 50, 58),
    ("g3", "group", "Control", "log-log", 49, 48, None),
    ("g3", "group", "Control", "log", 49, 48, None),
    ("g3", "group", "Control", "plain", 49, 48, None),
    ("g3", "group", "RIT", "log-log", 57, 28, 61),
    ("g3", "group", "RIT", "log", 57, 51, None),
    ("g3", "group", "RIT", "plain", 57, 51, 61),
    ("lymphoma", None, None, "log-log", 284, 235, 304),
    ("lymphoma", None, None, "log", 284, 247, 310),
    ("lymphoma", None, None, "plain", 284, 247, 304),
    ("lymphoma", "stage", 1, "log-log", 270, 169, 316),
    ("lymphoma", "stage", 1, "log", 270, 211, None),
    ("lymphoma", "stage", 1, "plain", 270, 211, 316),
    ("lymphoma", "stage", 2, "log-log", 290, 235, 304),
    ("lymphoma", "stage", 2, "log", 290, 247, None),
    ("lymphoma", "stage", 2, "plain", 290, 247, 302),
    ("kidney", None, None, "log-log", 1611, 1457, 1717),
    ("kidney", None, None, "log", 1611, 1457, 1717),
    ("kidney", None, None, "plain", 1611, 1457, 1717),
    ("kidney", "group", "black female", "log-log", 1291, 899, 1736),
    ("kidney", "group", "black female", "log", 1291, 903, 1942),
    ("kidney", "group", "black female", "plain", 1291, 899, 1739),
    ("dd", None, None, "log-log", 18, 16, 21),
    ("dd", None, None, "log", 18, 17, 22),
    ("dd", None, None, "plain", 18, 16, 21),
    ("dd", "continent", "Oceania", "log-log", 36, 36, None),
    ("dd", "continent", "Oceania", "log", 36, 36, None),
    ("dd", "continent", "Oceania", "plain", 36, 36, None),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "column", "value", "conf_type", "t", "n_risk", "surv", "lower", "upper"),
    LANDMARKS,
    ids=ids(LANDMARKS, 5),
)
def test_landmark_matches_r_summary_times(
    name, column, value, conf_type, t, n_risk, surv, lower, upper
):
    data = selection(name, column, value)
    fit = kaplan_meier(data.time, data.event, conf_type=conf_type)
    (landmark,) = landmarks(fit, [t])
    assert landmark.time == t
    assert (landmark.survival, landmark.ci_low, landmark.ci_high) == (
        near(surv),
        near(lower),
        near(upper),
    )
    assert landmark.at_risk == n_risk


@pytest.mark.parametrize(("name", "column", "value", "t"), PAST_END, ids=ids(PAST_END, 4))
def test_landmark_past_the_last_follow_up_is_empty(name, column, value, t):
    data = selection(name, column, value)
    (landmark,) = landmarks(kaplan_meier(data.time, data.event), [t])
    assert (landmark.survival, landmark.ci_low, landmark.ci_high, landmark.at_risk) == (
        None,
        None,
        None,
        0,
    )


def test_landmarks_keep_the_order_asked_for():
    data = dataset("g3")
    fit = kaplan_meier(data.time, data.event)
    assert [lm.time for lm in landmarks(fit, [48, 12, 80, 24])] == [48, 12, 80, 24]
    with pytest.raises(ValueError, match="landmark"):
        landmarks(fit, [-1])


@pytest.mark.parametrize(
    ("name", "column", "value", "conf_type", "median", "low", "high"),
    FOLLOWUP,
    ids=ids(FOLLOWUP, 4),
)
def test_median_followup_matches_r_reverse_km(name, column, value, conf_type, median, low, high):
    data = selection(name, column, value)
    followup = median_followup(data.time, data.event, conf_type=conf_type)
    assert (followup.median, followup.ci_low, followup.ci_high) == (median, low, high)
    assert followup.n == len(data)
    assert followup.censored == int((data.event == 0).sum())
    assert "reverse Kaplan–Meier" in followup.method


def test_reverse_km_median_is_not_the_median_of_follow_up_times():
    # Early deaths shorten the plain median of follow-up times, not the reverse KM median.
    followup = median_followup([1, 1, 2, 2, 3, 10, 11, 12], [1, 1, 1, 1, 1, 0, 0, 0])
    assert followup.median == 11
