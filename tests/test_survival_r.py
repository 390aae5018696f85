"""Kaplan–Meier, its median and the log-rank test against R's survival package.

Every number below was printed by `Rscript tests/reference/km_reference.R` (R 4.2.2, survival
3.5.3) from the CSV files next to it; tests/reference/README.md says how to regenerate them.
R is not needed to run these tests. Floats are compared to 1e-9 relative: R prints 15
significant digits and the implementation follows R's arithmetic step by step.
"""

from __future__ import annotations

from math import inf, nan

import numpy as np
import pytest

from sts_queries.stats.survival import LogRankNotEstimable, kaplan_meier, logrank
from tests.reference_data import dataset, selection

REL = 1e-9


def same(value):
    """What R's value should equal here: None (R's NA, "not reached") stays None."""
    return None if value is None else pytest.approx(value, rel=REL, nan_ok=True)


def ids(rows, width: int) -> list[str]:
    """Test ids from the first `width` fields of each row, e.g. "lung-sex-2-log-log"."""
    return ["-".join(str(x) for x in row[:width] if x is not None) for row in rows]


# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/km_reference.R: R 4.2.2, survival 3.5.3
KM_MEDIANS = [
    ("lung", None, None, "log-log", 310, 284, 361),
    ("lung", None, None, "log", 310, 285, 363),
    ("lung", None, None, "plain", 310, 284, 361),
    ("lung", "sex", 1, "log-log", 270, 210, 306),
    ("lung", "sex", 1, "log", 270, 212, 310),
    ("lung", "sex", 1, "plain", 270, 212, 306),
    ("lung", "sex", 2, "log-log", 426, 345, 524),
    ("lung", "sex", 2, "log", 426, 348, 550),
    ("lung", "sex", 2, "plain", 426, 345, 524),
    ("lung", "ecog", 0, "log-log", 394, 340, 558),
    ("lung", "ecog", 0, "log", 394, 348, 574),
    ("lung", "ecog", 0, "plain", 394, 340, 558),
    ("lung", "ecog", 2, "log-log", 199, 153, 285),
    ("lung", "ecog", 2, "log", 199, 156, 288),
    ("lung", "ecog", 2, "plain", 199, 153, 285),
    ("waltons", None, None, "log-log", 56, 53, 58),
    ("waltons", None, None, "log", 56, 53, 58),
    ("waltons", None, None, "plain", 56, 53, 58),
    ("waltons", "group", "control", "log-log", 58, 56, 60),
    ("waltons", "group", "control", "log", 58, 56, 60),
    ("waltons", "group", "control", "plain", 58, 56, 60),
    ("waltons", "group", "miR-137", "log-log", 26, 19, 29),
    ("waltons", "group", "miR-137", "log", 26, 22, 29),
    ("waltons", "group", "miR-137", "plain", 26, 19, 29),
    ("rossi", None, None, "log-log", None, None, None),
    ("rossi", None, None, "log", None, None, None),
    ("rossi", None, None, "plain", None, None, None),
    ("rossi", "fin", 1, "log-log", None, None, None),
    ("rossi", "fin", 1, "log", None, None, None),
    ("rossi", "fin", 1, "plain", None, None, None),
    ("gbsg2", None, None, "log-log", 1807, 1528, 2018),
    ("gbsg2", None, None, "log", 1807, 1587, 2030),
    ("gbsg2", None, None, "plain", 1807, 1528, 2018),
    ("gbsg2", "horTh", "no", "log-log", 1528, 1280, 1814),
    ("gbsg2", "horTh", "no", "log", 1528, 1296, 1814),
    ("gbsg2", "horTh", "no", "plain", 1528, 1280, 1814),
    ("gbsg2", "horTh", "yes", "log-log", 2018, 1918, None),
    ("gbsg2", "horTh", "yes", "log", 2018, 1918, None),
    ("gbsg2", "horTh", "yes", "plain", 2018, 1918, None),
    ("gbsg2", "tgrade", "I", "log-log", None, 1990, None),
    ("gbsg2", "tgrade", "I", "log", None, 1990, None),
    ("gbsg2", "tgrade", "I", "plain", None, 1990, None),
    ("gbsg2", "tgrade", "III", "log-log", 1337, 956, 2034),
    ("gbsg2", "tgrade", "III", "log", 1337, 960, None),
    ("gbsg2", "tgrade", "III", "plain", 1337, 956, 2034),
    ("larynx", None, None, "log-log", 6, 3.8, 7),
    ("larynx", None, None, "log", 6, 4, 7.4),
    ("larynx", None, None, "plain", 6, 3.8, 7),
    ("larynx", "stage", 1, "log-log", 6.5, 4.3, None),
    ("larynx", "stage", 1, "log", 6.5, 5.3, None),
    ("larynx", "stage", 1, "plain", 6.5, 5.3, None),
    ("larynx", "stage", 4, "log-log", 1.5, 0.4, 3.6),
    ("larynx", "stage", 4, "log", 1.5, 0.8, None),
    ("larynx", "stage", 4, "plain", 1.5, 0.8, 3.6),
    ("leukemia", None, None, "log-log", 12, 8, 17),
    ("leukemia", None, None, "log", 12, 8, 22),
    ("leukemia", None, None, "plain", 12, 8, 17),
    ("leukemia", "Rx", 0, "log-log", 23, 13, None),
    ("leukemia", "Rx", 0, "log", 23, 16, None),
    ("leukemia", "Rx", 0, "plain", 23, 13, None),
    ("leukemia", "Rx", 1, "log-log", 8, 4, 11),
    ("leukemia", "Rx", 1, "log", 8, 4, 12),
    ("leukemia", "Rx", 1, "plain", 8, 4, 11),
]

LANDMARKS = [
    ("lung", None, None, "log-log", 0, 228, 1, 1, 1),
    ("lung", None, None, "log-log", 180, 160, 0.721670653409762, 0.658304528445661,
     0.775314690716979),
    ("lung", None, None, "log-log", 365, 65, 0.409241624460064, 0.338714269088323,
     0.478380767646914),
    ("lung", None, None, "log-log", 730, 13, 0.115693098344539, 0.0676321514888291,
     0.177825199700288),
    ("lung", None, None, "log-log", 1100, 0, 0.0503455680708105, 0.0178661710928527,
     0.108662176030919),
    ("lung", None, None, "log", 0, 228, 1, 1, 1),
    ("lung", None, None, "log", 180, 160, 0.721670653409762, 0.665542307130596, 0.782532569925231),
    ("lung", None, None, "log", 365, 65, 0.409241624460064, 0.344721581795827, 0.485837603547281),
    ("lung", None, None, "log", 730, 13, 0.115693098344539, 0.0716318249617963, 0.186856791819807),
    ("lung", None, None, "log", 1100, 0, 0.0503455680708105, 0.02068546019898, 0.122534195516598),
    ("lung", None, None, "plain", 0, 228, 1, 1, 1),
    ("lung", None, None, "plain", 180, 160, 0.721670653409762, 0.663239384959232,
     0.780101921860292),
    ("lung", None, None, "plain", 365, 65, 0.409241624460064, 0.339028583847676,
     0.479454665072453),
    ("lung", None, None, "plain", 730, 13, 0.115693098344539, 0.0602296507744505,
     0.171156545914628),
    ("lung", None, None, "plain", 1100, 0, 0.0503455680708105, 0.00556421507827679,
     0.0951269210633441),
    ("lung", "sex", 2, "log-log", 180, 71, 0.842401705587783, 0.748380916153333,
     0.903504304284832),
    ("lung", "sex", 2, "log-log", 365, 30, 0.526463030185906, 0.403579823266731,
     0.635316232824086),
    ("lung", "sex", 2, "log", 180, 71, 0.842401705587783, 0.769899809608012, 0.92173114569091),
    ("lung", "sex", 2, "log", 365, 30, 0.526463030185906, 0.421486340829101, 0.657585537902179),
    ("lung", "sex", 2, "plain", 180, 71, 0.842401705587783, 0.766588419194844, 0.918214991980722),
    ("lung", "sex", 2, "plain", 365, 30, 0.526463030185906, 0.40938094781491, 0.643545112556901),
    ("waltons", None, None, "log-log", 30, 134, 0.827223926380368, 0.759669398683744,
     0.877312813707239),
    ("waltons", None, None, "log-log", 60, 65, 0.311523659395592, 0.241659493551395,
     0.38375862020449),
    ("waltons", None, None, "log", 30, 134, 0.827223926380368, 0.771016933215619,
     0.887528399048513),
    ("waltons", None, None, "log", 60, 65, 0.311523659395592, 0.247577128799612,
     0.391986896502747),
    ("waltons", None, None, "plain", 30, 134, 0.827223926380368, 0.769016238788168,
     0.885431613972568),
    ("waltons", None, None, "plain", 60, 65, 0.311523659395592, 0.239950125610361,
     0.383097193180822),
    ("rossi", None, None, "log-log", 26, 381, 0.875, 0.839975405842812, 0.902803795661009),
    ("rossi", None, None, "log-log", 52, 322, 0.736111111111111, 0.691859715796487,
     0.775063183374674),
    ("rossi", None, None, "log", 26, 381, 0.875, 0.84436282181306, 0.906748829082752),
    ("rossi", None, None, "log", 52, 322, 0.736111111111111, 0.695701386766069, 0.778868029026131),
    ("rossi", None, None, "plain", 26, 381, 0.875, 0.843813599588396, 0.906186400411604),
    ("rossi", None, None, "plain", 52, 322, 0.736111111111111, 0.694549874939933,
     0.777672347282289),
    ("gbsg2", None, None, "log-log", 365, 602, 0.915558104285846, 0.891676778108072,
     0.934368714728581),
    ("gbsg2", None, None, "log-log", 1825, 123, 0.491644870294005, 0.445797223666159,
     0.53581418856747),
    ("gbsg2", None, None, "log", 365, 602, 0.915558104285846, 0.894634820725799,
     0.936970731413561),
    ("gbsg2", None, None, "log", 1825, 123, 0.491644870294005, 0.448563490645183,
     0.538863914534692),
    ("gbsg2", None, None, "plain", 365, 602, 0.915558104285846, 0.89439203436675,
     0.936724174204942),
    ("gbsg2", None, None, "plain", 1825, 123, 0.491644870294005, 0.446557882355902,
     0.536731858232108),
    ("larynx", None, None, "log-log", 2, 68, 0.733333333333333, 0.629093459149464,
     0.81256954403348),
    ("larynx", None, None, "log-log", 5, 34, 0.531260233636625, 0.41815427041834,
     0.632019549461707),
    ("larynx", None, None, "log", 2, 68, 0.733333333333333, 0.64743400243864, 0.830629493897712),
    ("larynx", None, None, "log", 5, 34, 0.531260233636625, 0.433643025065913, 0.650852013129329),
    ("larynx", None, None, "plain", 2, 68, 0.733333333333333, 0.641972108040869,
     0.824694558625797),
    ("larynx", None, None, "plain", 5, 34, 0.531260233636625, 0.423398303383534,
     0.639122163889716),
    ("leukemia", "Rx", 1, "log-log", 5.5, 12, 0.571428571428571, 0.337976953859493,
     0.749240709943216),
    ("leukemia", "Rx", 1, "log-log", 10, 8, 0.380952380952381, 0.183066548820394,
     0.577788677745831),
    ("leukemia", "Rx", 1, "log-log", 23, 1, 0, nan, nan),
    ("leukemia", "Rx", 1, "log", 5.5, 12, 0.571428571428571, 0.394548121478061, 0.827606556639137),
    ("leukemia", "Rx", 1, "log", 10, 8, 0.380952380952381, 0.22084536131823, 0.657132736169037),
    ("leukemia", "Rx", 1, "log", 23, 1, 0, nan, nan),
    ("leukemia", "Rx", 1, "plain", 5.5, 12, 0.571428571428571, 0.359772355847501,
     0.783084787009642),
    ("leukemia", "Rx", 1, "plain", 10, 8, 0.380952380952381, 0.173252705187498, 0.588652056717264),
    ("leukemia", "Rx", 1, "plain", 23, 1, 0, nan, nan),
]

LOGRANK = [
    ("lung", "sex", 10.3267419548856, 1, 0.00131116452035549),
    ("lung", "ecog", 21.962131682476, 3, 6.64253535580017e-05),
    ("waltons", "group", 122.249125573006, 1, 2.0359832222855e-28),
    ("rossi", "fin", 3.83756957654905, 1, 0.0501161174090057),
    ("gbsg2", "horTh", 8.56478085353896, 1, 0.00342728226474594),
    ("gbsg2", "tgrade", 21.0944345875009, 2, 2.62664711388025e-05),
    ("larynx", "stage", 22.7627570646482, 3, 4.52521122044581e-05),
    ("leukemia", "Rx", 16.7929409892165, 1, 4.16880910933453e-05),
]

EDGE_MEDIANS = [
    ("midpoint", "log-log", 6.5, 2, 9, 6.5, 2, 9),
    ("midpoint", "log", 6.5, 4, None, 6.5, 4, None),
    ("midpoint", "plain", 6.5, 4, 9, 6.5, 4, 9),
    ("never_half", "log-log", None, 1, None, None, 1, None),
    ("never_half", "log", None, 3, None, None, 3, None),
    ("never_half", "plain", None, 3, None, None, 3, None),
    ("upper_never_half", "log-log", 5.5, 1, None, 5.5, 1, None),
    ("upper_never_half", "log", 5.5, 3, None, 5.5, 3, None),
    ("upper_never_half", "plain", 5.5, 3, None, 5.5, 3, None),
    ("all_censored", "log-log", None, None, None, None, None, None),
    ("all_censored", "log", None, None, None, None, None, None),
    ("all_censored", "plain", None, None, None, None, None, None),
    ("tied_event_censor", "log-log", 4, 1, None, 4, 1, None),
    ("tied_event_censor", "log", 4, 2, None, 4, 2, None),
    ("tied_event_censor", "plain", 4, 2, None, 4, 2, None),
    ("single_event", "log-log", 7, None, None, 7, None, None),
    ("single_event", "log", 7, None, None, 7, None, None),
    ("single_event", "plain", 7, None, None, 7, None, None),
    ("single_censored", "log-log", None, None, None, None, None, None),
    ("single_censored", "log", None, None, None, None, None, None),
    ("single_censored", "plain", None, None, None, None, None, None),
    ("flat_half_then_drop", "log-log", 3, 1, None, 3, 1, None),
    ("flat_half_then_drop", "log", 3, 1, None, 3, 1, None),
    ("flat_half_then_drop", "plain", 3, 1, None, 3, 1, None),
    ("ends_at_half", "log-log", 1, 1, None, 3, 1, None),
    ("ends_at_half", "log", 1, 1, None, 3, 1, None),
    ("ends_at_half", "plain", 1, 1, None, 3, 1, None),
    ("event_at_zero", "log-log", 4, 0, None, 4, 0, None),
    ("event_at_zero", "log", 4, 2, None, 4, 2, None),
    ("event_at_zero", "plain", 4, 2, None, 4, 2, None),
]

EDGE_CURVES = {
    "midpoint": {
        "data_time": (2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
        "data_event": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
        "time": (2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
        "n_risk": (10, 9, 8, 7, 6, 5, 4, 3, 2, 1),
        "n_event": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
        "n_censor": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        "surv": (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0),
        "std_err": (0.105409255338946, 0.158113883008419, 0.207019667802706, 0.258198889747161,
            0.316227766016838, 0.387298334620742, 0.483045891539648, 0.632455532033676,
            0.948683298050514, inf),
        "lower log-log": (0.473009271362051, 0.408690781633404, 0.328716593279735,
            0.252668897003894, 0.183605590619015, 0.122693165782354, 0.0711344923230049,
            0.0309090243080196, 0.00572345637433474, nan),
        "upper log-log": (0.985281393367343, 0.945872645838912, 0.891949041224844,
            0.827220967028512, 0.75317407699823, 0.67020463742348, 0.577867330625236,
            0.474714690440547, 0.35812746050807, nan),
        "lower log": (0.732011642743993, 0.586817701233814, 0.466533226139489, 0.361719529254716,
            0.269027355063545, 0.187236731482291, 0.11639969608711, 0.0579005742179893,
            0.0155768383385261, nan),
        "upper log": (1, 1, 1, 0.995246236059581, 0.929273530347683, 0.854533182315957,
            0.773197895058476, 0.690839435363877, 0.641978801003991, nan),
        "lower plain": (0.714061490308632, 0.552081987078175, 0.415974234910675,
            0.296363685148402, 0.190102483847719, 0.0963636851484016, 0.0159742349106747, 0, 0,
            nan),
        "upper plain": (1, 1, 0.984025765089325, 0.903636314851598, 0.809897516152281,
            0.703636314851598, 0.584025765089325, 0.447918012921825, 0.285938509691368, nan),
    },
    "never_half": {
        "data_time": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        "data_event": (1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
        "time": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        "n_risk": (10, 9, 8, 7, 6, 5, 4, 3, 2, 1),
        "n_event": (1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
        "n_censor": (0, 0, 0, 1, 1, 1, 1, 1, 1, 1),
        "surv": (0.9, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7),
        "std_err": (0.105409255338946, 0.158113883008419, 0.207019667802706, 0.207019667802706,
            0.207019667802706, 0.207019667802706, 0.207019667802706, 0.207019667802706,
            0.207019667802706, 0.207019667802706),
        "lower log-log": (0.473009271362051, 0.408690781633404, 0.328716593279735,
            0.328716593279735, 0.328716593279735, 0.328716593279735, 0.328716593279735,
            0.328716593279735, 0.328716593279735, 0.328716593279735),
        "upper log-log": (0.985281393367343, 0.945872645838912, 0.891949041224844,
            0.891949041224844, 0.891949041224844, 0.891949041224844, 0.891949041224844,
            0.891949041224844, 0.891949041224844, 0.891949041224844),
        "lower log": (0.732011642743993, 0.586817701233814, 0.466533226139489, 0.466533226139489,
            0.466533226139489, 0.466533226139489, 0.466533226139489, 0.466533226139489,
            0.466533226139489, 0.466533226139489),
        "upper log": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
        "lower plain": (0.714061490308632, 0.552081987078175, 0.415974234910675,
            0.415974234910675, 0.415974234910675, 0.415974234910675, 0.415974234910675,
            0.415974234910675, 0.415974234910675, 0.415974234910675),
        "upper plain": (1, 1, 0.984025765089325, 0.984025765089325, 0.984025765089325,
            0.984025765089325, 0.984025765089325, 0.984025765089325, 0.984025765089325,
            0.984025765089325),
    },
    "upper_never_half": {
        "data_time": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        "data_event": (1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
        "time": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        "n_risk": (10, 9, 8, 7, 6, 5, 4, 3, 2, 1),
        "n_event": (1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
        "n_censor": (0, 0, 0, 0, 0, 0, 1, 1, 1, 1),
        "surv": (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4),
        "std_err": (0.105409255338946, 0.158113883008419, 0.207019667802706, 0.258198889747161,
            0.316227766016838, 0.387298334620742, 0.387298334620742, 0.387298334620742,
            0.387298334620742, 0.387298334620742),
        "lower log-log": (0.473009271362051, 0.408690781633404, 0.328716593279735,
            0.252668897003894, 0.183605590619015, 0.122693165782354, 0.122693165782354,
            0.122693165782354, 0.122693165782354, 0.122693165782354),
        "upper log-log": (0.985281393367343, 0.945872645838912, 0.891949041224844,
            0.827220967028512, 0.75317407699823, 0.67020463742348, 0.67020463742348,
            0.67020463742348, 0.67020463742348, 0.67020463742348),
        "lower log": (0.732011642743993, 0.586817701233814, 0.466533226139489, 0.361719529254716,
            0.269027355063545, 0.187236731482291, 0.187236731482291, 0.187236731482291,
            0.187236731482291, 0.187236731482291),
        "upper log": (1, 1, 1, 0.995246236059581, 0.929273530347683, 0.854533182315957,
            0.854533182315957, 0.854533182315957, 0.854533182315957, 0.854533182315957),
        "lower plain": (0.714061490308632, 0.552081987078175, 0.415974234910675,
            0.296363685148402, 0.190102483847719, 0.0963636851484016, 0.0963636851484016,
            0.0963636851484016, 0.0963636851484016, 0.0963636851484016),
        "upper plain": (1, 1, 0.984025765089325, 0.903636314851598, 0.809897516152281,
            0.703636314851598, 0.703636314851598, 0.703636314851598, 0.703636314851598,
            0.703636314851598),
    },
    "all_censored": {
        "data_time": (3, 5, 5, 8),
        "data_event": (0, 0, 0, 0),
        "time": (3, 5, 8),
        "n_risk": (4, 3, 1),
        "n_event": (0, 0, 0),
        "n_censor": (1, 2, 1),
        "surv": (1, 1, 1),
        "std_err": (0, 0, 0),
        "lower log-log": (nan, nan, nan),
        "upper log-log": (nan, nan, nan),
        "lower log": (1, 1, 1),
        "upper log": (1, 1, 1),
        "lower plain": (1, 1, 1),
        "upper plain": (1, 1, 1),
    },
    "tied_event_censor": {
        "data_time": (1, 1, 1, 2, 2, 3, 3, 3, 4, 5),
        "data_event": (1, 1, 0, 1, 0, 1, 0, 0, 1, 0),
        "time": (1, 2, 3, 4, 5),
        "n_risk": (10, 7, 5, 2, 1),
        "n_event": (2, 1, 1, 1, 0),
        "n_censor": (1, 1, 2, 0, 1),
        "surv": (0.8, 0.685714285714286, 0.548571428571429, 0.274285714285714, 0.274285714285714),
        "std_err": (0.158113883008419, 0.220928775422134, 0.314339822182179, 0.773827838611098,
            0.773827838611098),
        "lower log-log": (0.408690781633404, 0.304585074201847, 0.18725595404527,
            0.0153263655305884, 0.0153263655305884),
        "upper log-log": (0.945872645838912, 0.887148495027707, 0.806377491034268,
            0.669984859522085, 0.669984859522085),
        "lower log": (0.586817701233814, 0.444721660685212, 0.296255650635536,
            0.0601893617783942, 0.0601893617783942),
        "upper log": (1, 1, 1, 1, 1),
        "lower plain": (0.552081987078175, 0.388791467673654, 0.210599462189461, 0, 0),
        "upper plain": (1, 0.982637103754917, 0.886543394953396, 0.690287916044496,
            0.690287916044496),
    },
    "single_event": {
        "data_time": (7,),
        "data_event": (1,),
        "time": (7,),
        "n_risk": (1,),
        "n_event": (1,),
        "n_censor": (0,),
        "surv": (0,),
        "std_err": (inf,),
        "lower log-log": (nan,),
        "upper log-log": (nan,),
        "lower log": (nan,),
        "upper log": (nan,),
        "lower plain": (nan,),
        "upper plain": (nan,),
    },
    "single_censored": {
        "data_time": (7,),
        "data_event": (0,),
        "time": (7,),
        "n_risk": (1,),
        "n_event": (0,),
        "n_censor": (1,),
        "surv": (1,),
        "std_err": (0,),
        "lower log-log": (nan,),
        "upper log-log": (nan,),
        "lower log": (1,),
        "upper log": (1,),
        "lower plain": (1,),
        "upper plain": (1,),
    },
    "flat_half_then_drop": {
        "data_time": (1, 2, 3, 4),
        "data_event": (1, 1, 0, 1),
        "time": (1, 2, 3, 4),
        "n_risk": (4, 3, 2, 1),
        "n_event": (1, 1, 0, 1),
        "n_censor": (0, 0, 1, 0),
        "surv": (0.75, 0.5, 0.5, 0),
        "std_err": (0.288675134594813, 0.5, 0.5, inf),
        "lower log-log": (0.127946917595146, 0.0578470829951446, 0.0578470829951446, nan),
        "upper log-log": (0.960548642285078, 0.844861281190374, 0.844861281190374, nan),
        "lower log": (0.425932268497982, 0.187658928706588, 0.187658928706588, nan),
        "upper log": (1, 1, 1, nan),
        "lower plain": (0.325655349721436, 0.0100090038649866, 0.0100090038649866, nan),
        "upper plain": (1, 0.989990996135013, 0.989990996135013, nan),
    },
    "ends_at_half": {
        "data_time": (1, 5),
        "data_event": (1, 0),
        "time": (1, 5),
        "n_risk": (2, 1),
        "n_event": (1, 0),
        "n_censor": (0, 1),
        "surv": (0.5, 0.5),
        "std_err": (0.707106781186548, 0.707106781186548),
        "lower log-log": (0.00598308763914576, 0.00598308763914576),
        "upper log-log": (0.910410084836737, 0.910410084836737),
        "lower log": (0.125048826629953, 0.125048826629953),
        "upper log": (1, 1),
        "lower plain": (0, 0),
        "upper plain": (1, 1),
    },
    "event_at_zero": {
        "data_time": (0, 0, 2, 4, 4, 9),
        "data_event": (1, 0, 1, 1, 0, 1),
        "time": (0, 2, 4, 9),
        "n_risk": (6, 4, 3, 1),
        "n_event": (1, 1, 1, 1),
        "n_censor": (1, 0, 1, 0),
        "surv": (0.833333333333333, 0.625, 0.416666666666667, 0),
        "std_err": (0.182574185835055, 0.341565025531987, 0.532290647422377, inf),
        "lower log-log": (0.273122849928356, 0.141853389931655, 0.0559918648520529, nan),
        "upper log-log": (0.974712426690894, 0.893050604498578, 0.76652221955058, nan),
        "lower log": (0.58265479547714, 0.319992161862854, 0.146791915534471, nan),
        "upper log": (1, 1, 1, nan),
        "lower plain": (0.535134309380474, 0.206590532236752, 0, nan),
        "upper plain": (1, 1, 0.851362707606403, nan),
    },
}
# fmt: on


@pytest.mark.parametrize(
    ("name", "column", "value", "conf_type", "median", "low", "high"),
    KM_MEDIANS,
    ids=ids(KM_MEDIANS, 4),
)
def test_median_and_ci_match_r_print(name, column, value, conf_type, median, low, high):
    data = selection(name, column, value)
    fit = kaplan_meier(data.time, data.event, conf_type=conf_type)
    assert (fit.median, fit.median_low, fit.median_high) == (same(median), same(low), same(high))


@pytest.mark.parametrize(
    ("name", "column", "value", "conf_type", "t", "n_risk", "surv", "lower", "upper"),
    LANDMARKS,
    ids=ids(LANDMARKS, 5),
)
def test_landmark_matches_r_summary(name, column, value, conf_type, t, n_risk, surv, lower, upper):
    data = selection(name, column, value)
    fit = kaplan_meier(data.time, data.event, conf_type=conf_type)
    assert fit.at(t) == (same(surv), same(lower), same(upper))
    assert fit.n_at_risk(t) == n_risk


@pytest.mark.parametrize(("name", "column", "chisq", "df", "p"), LOGRANK, ids=ids(LOGRANK, 2))
def test_logrank_matches_r_survdiff(name, column, chisq, df, p):
    data = dataset(name)
    data = data[data[column].notna()]  # survdiff drops rows with a missing group
    result = logrank(data.time, data.event, data[column])
    assert (result.chi2, result.df, result.p) == (same(chisq), df, same(p))


@pytest.mark.parametrize(
    ("case", "conf_type", "median", "low", "high", "q_median", "q_low", "q_high"),
    EDGE_MEDIANS,
    ids=ids(EDGE_MEDIANS, 2),
)
def test_edge_case_median_matches_r_print(
    case, conf_type, median, low, high, q_median, q_low, q_high
):
    # print() and quantile() disagree only for "ends_at_half" (curve still at 0.5 at the last
    # follow-up): print says 1, quantile says 3, the midpoint to the last censoring. We follow
    # print, the number people read off R's output.
    curve = EDGE_CURVES[case]
    fit = kaplan_meier(curve["data_time"], curve["data_event"], conf_type=conf_type)
    assert (fit.median, fit.median_low, fit.median_high) == (same(median), same(low), same(high))
    if case != "ends_at_half":
        assert (median, low, high) == (q_median, q_low, q_high)


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
@pytest.mark.parametrize("case", EDGE_CURVES)
def test_edge_case_curve_matches_r(case, conf_type):
    curve = EDGE_CURVES[case]
    fit = kaplan_meier(curve["data_time"], curve["data_event"], conf_type=conf_type)
    for field in ("time", "n_risk", "n_event", "n_censor", "surv", "std_err"):
        np.testing.assert_allclose(getattr(fit, field), curve[field], rtol=REL, err_msg=field)
    for side in ("lower", "upper"):
        want = curve[f"{side} {conf_type}"]
        np.testing.assert_allclose(getattr(fit, side), want, rtol=REL, err_msg=side)
    assert fit.n == len(curve["data_time"])
    assert fit.events == sum(curve["data_event"])


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (1.5, (1.0, 1.0, 1.0)),  # before the first time: R's summary() reports 1, 1, 1
        (2, (0.9, same(0.473009271362051), same(0.985281393367343))),
        (6.99, (same(0.5), same(0.183605590619015), same(0.75317407699823))),
        (11, (0.0, same(nan), same(nan))),  # S = 0: log-log limits undefined, as R's NA
        (99, (0.0, same(nan), same(nan))),
    ],
)
def test_at_is_a_right_continuous_step(t, expected):
    # The "midpoint" case with the default log-log limits; values from EDGE_CURVES.
    fit = kaplan_meier(range(2, 12), [1] * 10)
    assert fit.at(t) == expected


@pytest.mark.parametrize(("t", "n_risk"), [(0, 10), (2, 10), (2.5, 9), (11, 1), (11.5, 0)])
def test_n_at_risk_counts_those_still_followed(t, n_risk):
    assert kaplan_meier(range(2, 12), [1] * 10).n_at_risk(t) == n_risk


def test_fit_is_immutable():
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    with pytest.raises(ValueError):
        fit.surv[0] = 0.5
    with pytest.raises(AttributeError):
        fit.median = 1.0


def test_events_may_be_booleans():
    assert kaplan_meier([2, 3, 4], [True, False, True]).events == 2


@pytest.mark.parametrize(
    ("time", "event", "kwargs", "error", "message"),
    [
        ([1, 2], [1, 0], {"conf_type": "logit"}, ValueError, "unknown conf_type"),
        ([1, 2], [1, 0], {"conf_level": 1.5}, ValueError, "conf_level"),
        ([-1, 2], [1, 0], {}, ValueError, "non-negative"),
        ([1, nan], [1, 0], {}, ValueError, "finite"),
        ([1, 2], [1, 2], {}, ValueError, "0 \\(censored\\) or 1"),
        ([1, 2], [1], {}, ValueError, "same length"),
        ([], [], {}, ValueError, "at least one patient"),
    ],
)
def test_kaplan_meier_rejects_bad_input(time, event, kwargs, error, message):
    with pytest.raises(error, match=message):
        kaplan_meier(time, event, **kwargs)


def test_unknown_conf_type_names_the_choices():
    """A caller's bug, not a user's: the command language only passes known types."""
    with pytest.raises(ValueError, match="log-log, log, plain"):
        kaplan_meier([1], [1], conf_type="arcsin")


def test_logrank_needs_two_groups():
    with pytest.raises(ValueError, match="at least two groups"):
        logrank([1, 2, 3], [1, 1, 0], ["a", "a", "a"])


def test_logrank_rejects_missing_groups():
    with pytest.raises(ValueError, match="missing values"):
        logrank([1, 2, 3], [1, 1, 0], ["a", None, "b"])


@pytest.mark.parametrize(
    ("time", "event", "group"),
    [
        # R: survdiff(Surv(c(1, 1), c(1, 1)) ~ c(1, 2)) stops with
        # "Lapack routine dgesv: system is exactly singular".
        ([1, 1], [1, 1], [1, 2]),
        # No events at all: R reports chisq 0 on -1 degrees of freedom, p = NA.
        ([1, 2, 3], [0, 0, 0], [1, 2, 2]),
    ],
)
def test_logrank_not_estimable(time, event, group):
    with pytest.raises(LogRankNotEstimable):
        logrank(time, event, group)


def test_logrank_with_one_informative_group_is_r_s_zero_on_zero_df():
    # Group 1 leaves before the only event. R: survdiff(Surv(c(1, 2, 3), c(0, 1, 0)) ~
    # c(1, 2, 2)) prints "Chisq= 0 on 0 degrees of freedom, p= 1".
    result = logrank([1, 2, 3], [0, 1, 0], [1, 2, 2])
    assert (result.chi2, result.df, result.p) == (0.0, 0, 1.0)


def test_logrank_group_without_expected_events_drops_out():
    # Group "c" is censored before any event, so its expected count is 0 and it drops out.
    # R: survdiff(Surv(c(2, 3, 4, 5, 1), c(1, 1, 0, 1, 0)) ~ c("a", "b", "a", "b", "c"))
    # gives chisq 0.0588235294117646 on 1 degree of freedom.
    result = logrank([2, 3, 4, 5, 1], [1, 1, 0, 1, 0], ["a", "b", "a", "b", "c"])
    assert (result.chi2, result.df) == (same(0.0588235294117646), 1)
