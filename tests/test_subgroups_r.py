"""The grouping forms of by= (a cut, cut-points, crossed fields) and strata=, against R.

R's own trials as R exports them (tests/fixtures/r_exports/: veteran, colon, rotterdam, mgus2),
each drafted by `sts init` with no hand edit, asked as a person would; every group's KM median
and log-log CI, the log-rank test, the hazard ratios and the Cox likelihood-ratio test compared
with R 4.2.2 / survival 3.5.3 (survfit, survdiff, coxph, with `strata()` for strata=).
tests/reference/subgroups_reference.R printed SUBGROUPS below; R's level names (`[-Inf,65)`)
are the bot's labels (`<65`) in LABELS, in the same order: the reference first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sts_bot.cli import main
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.metrics.shared.groups import MISSING

EXPORTS = Path(__file__).parent / "fixtures" / "r_exports"
REL = 1e-9  # Kaplan–Meier and log-rank: closed forms
COX_REL = 1e-3  # Cox: as test_cox_r, both sides stop an iterative fit at a tolerance

# Rscript tests/reference/subgroups_reference.R: R 4.2.2, survival 3.5.3
SUBGROUPS = {
    "os by=age>=65 unit=days": {
        "groups": [
            (93, 86, 95, 52, 117),
            (44, 42, 56.5, 31, 99),
        ],
        "logrank": (3.19931100259669, 1, 0.0736692999705927),
        "hr": [
            (1.40567565975072, 0.964857578022968, 2.04789194324862),
        ],
        "lr_test": (3.02905402973397, 1, 0.0817856867003374),
        "r_levels": ["[-Inf,65)", "[65, Inf)"],
    },
    "os by=age>65 unit=days": {
        "groups": [
            (100, 93, 92, 52, 117),
            (37, 35, 54, 42, 99),
        ],
        "logrank": (2.7859446390715, 1, 0.0950946056150311),
        "hr": [
            (1.39762905282059, 0.940664679201263, 2.07658160498469),
        ],
        "lr_test": (2.61621078019209, 1, 0.105776761031716),
        "r_levels": ["(-Inf,65]", "(65, Inf]"],
    },
    "os by=karno<50 unit=days": {
        "groups": [
            (38, 37, 20, 15, 25),
            (99, 91, 111, 92, 139),
        ],
        "logrank": (44.4950194317333, 1, 2.55005109880232e-11),
        "hr": [
            (0.270291383447343, 0.179942602963302, 0.406004085540423),
        ],
        "lr_test": (33.3575741735193, 1, 7.66786003923637e-09),
        "r_levels": ["[-Inf,50)", "[50, Inf)"],
    },
    "os by=karno cuts=50,70 unit=days": {
        "groups": [
            (38, 37, 20, 15, 25),
            (41, 39, 72, 44, 111),
            (58, 52, 132, 110, 162),
        ],
        "logrank": (48.3299537341366, 2, 3.20098685953298e-11),
        "hr": [
            (0.356525628407532, 0.223650356564327, 0.568344829241645),
            (0.224694029806491, 0.143424572895555, 0.352013647392532),
        ],
        "lr_test": (37.8514937134341, 2, 6.03465677323837e-09),
        "r_levels": ["[-Inf,50)", "[50,70)", "[70, Inf)"],
    },
    "os by=trt,celltype unit=days": {
        "groups": [
            (9, 9, 92, 3, 132),
            (15, 14, 177, 103, 250),
            (30, 28, 53, 22, 117),
            (15, 13, 110, 11, 144),
            (18, 17, 49.5, 24, 80),
            (12, 12, 82, 19, 231),
            (18, 17, 27, 20, 80),
            (20, 18, 201, 30, 389),
        ],
        "logrank": (34.5982990739847, 7, 1.33058816248668e-05),
        "hr": [
            (0.338704254121067, 0.144146461551162, 0.795861171514022),
            (0.74944894542475, 0.350284888883567, 1.60347688302639),
            (0.506808621382266, 0.214135629247508, 1.19949669099909),
            (1.15331457562074, 0.511510362092966, 2.60040579607555),
            (0.546060026836302, 0.227047716400034, 1.31329906169635),
            (1.49414631389357, 0.659414682555292, 3.38553760839947),
            (0.239623877849577, 0.100102833599134, 0.573606168488774),
        ],
        "lr_test": (34.0736748981161, 7, 1.6686327878627e-05),
        "r_levels": [
            "1, adeno",
            "1, large",
            "1, smallcell",
            "1, squamous",
            "2, adeno",
            "2, large",
            "2, smallcell",
            "2, squamous",
        ],
    },
    "os by=trt strata=celltype unit=days": {
        "groups": [
            (69, 64, 103, 54, 126),
            (68, 64, 52.5, 43, 90),
        ],
        "logrank": (0.701743346844319, 1, 0.402198523780674),
        "hr": [
            (1.18419581742785, 0.802943641881816, 1.74647342711011),
        ],
        "lr_test": (0.727166313409043, 1, 0.39380324147158),
        "r_levels": ["1", "2"],
    },
    "etype_2 by=nodes>=4 unit=days": {
        "groups": [
            (595, 231, None, 2789, None),
            (316, 210, 1037, 901, 1246),
        ],
        "logrank": (88.5181363351553, 1, 5.03709318227245e-21),
        "hr": [
            (2.39591148789037, 1.9858498463295, 2.89064748194086),
        ],
        "lr_test": (79.7288940330136, 1, 4.29473896996831e-19),
        "r_levels": ["[-Inf,4)", "[4, Inf)"],
    },
    "etype_2 by=rx,sex unit=days": {
        "groups": [
            (133, 63, None, 1568, None),
            (177, 98, 1839, 1112, 2718),
            (163, 75, None, 1767, None),
            (141, 48, None, 2725, None),
            (149, 77, 2213, 1327, None),
            (166, 91, 1884, 1437, 2789),
        ],
        "logrank": (18.4383891037221, 5, 0.00244431032338187),
        "hr": [
            (1.27463343958566, 0.928776389017233, 1.74928047754219),
            (0.978713876598945, 0.700075153479946, 1.36825431881975),
            (0.646078230559943, 0.443775984883546, 0.94060312910579),
            (1.13648678038793, 0.814607009519473, 1.58555252643655),
            (1.22346424189486, 0.887269897947381, 1.68704557052846),
        ],
        "lr_test": (19.8324439354446, 5, 0.00134350758801542),
        "r_levels": ["Lev, 0", "Lev, 1", "Lev+5FU, 0", "Lev+5FU, 1", "Obs, 0", "Obs, 1"],
    },
    "etype_2 by=rx ref=Obs strata=differ,extent unit=days": {
        "groups": [
            (315, 168, 2083, 1548, 2552),
            (310, 161, 2152, 1509, None),
            (304, 123, None, 2725, None),
        ],
        "logrank": (9.23939195563831, 2, 0.00985579198512378),
        "hr": [
            (0.975442929378699, 0.782196472150661, 1.216432114375),
            (0.715281103181761, 0.565264352584877, 0.905111129384538),
        ],
        "lr_test": (9.56704608185828, 2, 0.00836647156315571),
        "r_levels": ["Obs", "Lev", "Lev+5FU"],
    },
    "death by=age cuts=50,65 unit=days": {
        "groups": [
            (1123, 414, 5845, 4673, None),
            (1086, 430, 4590, 4059, 5186),
            (773, 428, 3075, 2714, 3368),
        ],
        "logrank": (88.3456915480943, 2, 6.54601250126685e-20),
        "hr": [
            (1.13231466034653, 0.989313874616587, 1.29598555416255),
            (1.83170523245526, 1.59961334110765, 2.09747191548223),
        ],
        "lr_test": (81.2839771427971, 2, 2.23567479119423e-18),
        "r_levels": ["[-Inf,50)", "[50,65)", "[65, Inf)"],
    },
    "death by=size,hormon unit=days": {
        "groups": [
            (1283, 384, 5675, 4983, 6051),
            (104, 30, None, 3932, None),
            (1119, 560, 3542, 3175, 3792),
            (172, 86, 2866, 2450, 3429),
            (241, 169, 1996, 1563, 2220),
            (63, 43, 1686, 1186, 2072),
        ],
        "logrank": (292.454155700642, 5, 4.19507587432708e-61),
        "hr": [
            (1.31364114326168, 0.905404182350494, 1.90594773793724),
            (1.93600292559622, 1.70008624764905, 2.20465716554095),
            (2.40839548991149, 1.90464700558096, 3.04537734227387),
            (3.62740529716338, 3.02533099725406, 4.3492990359838),
            (4.81184753613885, 3.50442563550301, 6.6070389613852),
        ],
        "lr_test": (255.361599188014, 5, 3.88666874478687e-53),
        "r_levels": ["<=20, 0", "<=20, 1", "20-50, 0", "20-50, 1", ">50, 0", ">50, 1"],
    },
    "recur by=hormon strata=size unit=days": {
        "groups": [
            (2643, 1336, 3099, 2854, 3338),
            (339, 182, 1858, 1532, 2433),
        ],
        "logrank": (1.40996656607253, 1, 0.235061943539881),
        "hr": [
            (1.09966686789498, 0.93991117771548, 1.28657606060731),
        ],
        "lr_test": (1.3753978063869, 1, 0.240886626491091),
        "r_levels": ["0", "1"],
    },
    "death by=hgb>=12 unit=days": {
        "groups": [
            (311, 268, 52, 44, 63),
            (1060, 689, 112, 105, 123),
        ],
        "logrank": (132.68284069458, 1, 1.06073334301132e-30),
        "hr": [
            (0.439296330922164, 0.380604763412619, 0.507038494818999),
        ],
        "lr_test": (111.319396623439, 1, 5.03659958260262e-26),
        "r_levels": ["[-Inf,12)", "[12, Inf)"],
    },
    "death by=sex,age>=70 unit=days": {
        "groups": [
            (240, 109, 215, 175, 252),
            (391, 314, 82, 74, 93),
            (334, 184, 158, 138, 183),
            (419, 356, 61, 54, 69),
        ],
        "logrank": (269.979051284531, 3, 3.11888077393583e-58),
        "hr": [
            (3.25422795233755, 2.60291901226924, 4.06850905305065),
            (1.42406130396844, 1.12269098667612, 1.80633016700734),
            (4.33513415416076, 3.47161872801617, 5.41343667232446),
        ],
        "lr_test": (272.485710416395, 3, 8.94698799000457e-59),
        "r_levels": ["F, [-Inf,70)", "F, [70, Inf)", "M, [-Inf,70)", "M, [70, Inf)"],
    },
    "pstat by=age cuts=60,70,80 strata=sex unit=days": {
        "groups": [
            (237, 25, 373, 312, None),
            (337, 37, None, 275, None),
            (479, 40, None, 228, None),
            (331, 13, None, None, None),
        ],
        "logrank": (2.85067995654139, 3, 0.415224901583691),
        "hr": [
            (1.2969813192184, 0.777818935854807, 2.16266339743046),
            (1.4959635758617, 0.889338976446551, 2.51637123703578),
            (1.06213970416405, 0.528317963393181, 2.13534429894467),
        ],
        "lr_test": (2.87476653484919, 3, 0.411339437724268),
        "r_levels": ["[-Inf,60)", "[60,70)", "[70,80)", "[80, Inf)"],
    },
}

# The bot's labels of R's levels, in R's order.
LABELS = {
    "os by=age>=65 unit=days": ["<65", "≥65"],
    "os by=age>65 unit=days": ["≤65", ">65"],
    "os by=karno<50 unit=days": ["<50", "≥50"],
    "os by=karno cuts=50,70 unit=days": ["<50", "50–<70", "≥70"],
    "os by=trt,celltype unit=days": [
        "1, adeno",
        "1, large",
        "1, smallcell",
        "1, squamous",
        "2, adeno",
        "2, large",
        "2, smallcell",
        "2, squamous",
    ],
    "os by=trt strata=celltype unit=days": ["1", "2"],
    "etype_2 by=nodes>=4 unit=days": ["<4", "≥4"],
    "etype_2 by=rx,sex unit=days": [
        "Lev, 0",
        "Lev, 1",
        "Lev+5FU, 0",
        "Lev+5FU, 1",
        "Obs, 0",
        "Obs, 1",
    ],
    "etype_2 by=rx ref=Obs strata=differ,extent unit=days": ["Obs", "Lev", "Lev+5FU"],
    "death by=age cuts=50,65 unit=days": ["<50", "50–<65", "≥65"],
    "death by=size,hormon unit=days": [
        "<=20, 0",
        "<=20, 1",
        "20-50, 0",
        "20-50, 1",
        ">50, 0",
        ">50, 1",
    ],
    "recur by=hormon strata=size unit=days": ["0", "1"],
    "death by=hgb>=12 unit=days": ["<12", "≥12"],
    "death by=sex,age>=70 unit=days": ["F, <70", "F, ≥70", "M, <70", "M, ≥70"],
    "pstat by=age cuts=60,70,80 strata=sex unit=days": ["<60", "60–<70", "70–<80", "≥80"],
}


@pytest.fixture(scope="module")
def trials(tmp_path_factory):
    cohorts = {}
    root = tmp_path_factory.mktemp("trials")
    for name in ("veteran", "colon", "rotterdam", "mgus2"):
        folder = root / name
        folder.mkdir()
        shutil.copy(EXPORTS / f"{name}.csv", folder / f"{name}.csv")
        assert main(["init", str(folder)]) == 0
        cohorts[name] = load_cohort(folder)
    return cohorts


_DATA = {"os": "veteran", "etype_2": "colon", "recur": "rotterdam"}


def _trial(command: str) -> str:
    endpoint = command.split()[0]
    if endpoint in _DATA:
        return _DATA[endpoint]
    return (
        "mgus2"
        if "hgb" in command or ("sex" in command and "age" in command) or "pstat" in command
        else "rotterdam"
    )


def close(value, rel=REL):
    return None if value is None else pytest.approx(value, rel=rel)


@pytest.mark.parametrize("command", list(SUBGROUPS))
def test_groups_agree_with_r(trials, command):
    r = SUBGROUPS[command]
    got = ask(command, trials[_trial(command)]).as_json()
    groups = [g for g in got["groups"] if g["label"] != MISSING]
    assert [g["label"] for g in groups] == LABELS[command]
    assert got["reference"] == LABELS[command][0]
    for g, (n, events, median, low, high) in zip(groups, r["groups"], strict=True):
        assert (g["n"], g["events"]) == (n, events), g["label"]
        assert (g["median"], g["ci_low"], g["ci_high"]) == (close(median), close(low), close(high))
    chi2, df, p = r["logrank"]
    assert (got["test"]["chi2"], got["test"]["df"], got["test"]["p"]) == (close(chi2), df, close(p))
    hrs = [(g["hr"], g["hr_ci_low"], g["hr_ci_high"]) for g in groups[1:]]
    assert hrs == [tuple(close(x, COX_REL) for x in row) for row in r["hr"]]
    chi2, df, p = r["lr_test"]
    test = got["hr_test"]
    assert (test["chi2"], test["df"], test["p"]) == (close(chi2, COX_REL), df, close(p, COX_REL))
