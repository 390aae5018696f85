"""The seed paper's numbers, reproduced from the demo cohort's data (never from constants).

Source: Ni et al., Discov Oncol 2024;15:598 — abstract, Results, Table 1.
"""

from __future__ import annotations

import pytest

from sts_queries.answer import ask


def test_orr_all_patients(demo):
    a = ask("orr", demo).as_json()
    assert (a["count"], a["n"]) == (5, 14)
    assert round(100 * a["rate"], 1) == 35.7
    # Exact Clopper–Pearson 95% CI for 5/14: 12.8%–64.9% (R: binom.test(5, 14)$conf.int).
    assert (round(100 * a["ci_low"], 1), round(100 * a["ci_high"], 1)) == (12.8, 64.9)
    assert a["breakdown"] == {"CR": 0, "PR": 5, "SD": 7, "PD": 2, "NE": 0}
    assert a["method"].startswith("exact Clopper–Pearson")


def test_dcr_among_patients_without_resection(demo):
    a = ask("dcr resection=no", demo).as_json()
    assert (a["count"], a["n"]) == (10, 12)
    assert round(100 * a["rate"], 1) == 83.3


def test_orr_liposarcoma(demo):
    a = ask("orr histology=LPS", demo).as_json()
    assert (a["count"], a["n"], round(100 * a["rate"], 1)) == (1, 4, 25.0)
    # R: binom.test(1, 4)$conf.int = 0.006309463 0.805879550
    assert a["ci_low"] == pytest.approx(0.006309463, abs=1e-8)
    assert a["ci_high"] == pytest.approx(0.805879550, abs=1e-8)
    assert ask("orr hist=liposarcoma", demo).as_json() == a | {"filters": ["histology = LPS"]}


def _counts(rows, field):
    row = next(r for r in rows if r["field"] == field)
    return {v["value"]: v["n"] for v in row["values"]}


def test_table1_counts_the_text_states(demo):
    rows = ask("baseline", demo).as_json()["rows"]
    assert _counts(rows, "sex") == {"M": 9, "F": 5}
    assert _counts(rows, "histology") == {
        "LPS": 4,
        "UPS": 3,
        "SS": 2,
        "EES": 1,
        "SCS": 1,
        "SMM": 1,
        "HS": 1,
        "FS": 1,
    }
    stage = _counts(rows, "stage")
    assert stage["IIIA"] + stage["IIIB"] == 9 and stage["IV"] == 5
    assert ask("count stage=III", demo).n == 9
    mets = _counts(rows, "metastatic_site")
    assert (mets["lung"], mets["peritoneum"]) == (4, 1)
    assert _counts(rows, "prior_surgery")["yes"] == 12
    assert _counts(rows, "prior_chemo")["yes"] == 4
    age = next(r for r in rows if r["field"] == "age")
    assert (age["min"], age["max"]) == (33, 81)


def test_response_breakdown_by_resection(demo):
    a = ask("orr by=resection", demo).as_json()
    groups = {g["label"]: (g["count"], g["n"]) for g in a["groups"]}
    assert groups == {"yes": (2, 2), "no": (3, 12)}
    assert a["test"]["name"].startswith("Fisher")
