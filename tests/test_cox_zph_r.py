"""How covariates enter the Cox model, and R's test of proportional hazards, against R.

R's numbers below were printed by `Rscript tests/reference/cox_zph_reference.R` (R 4.2.2,
survival 3.5.3) from R's own exports of veteran, colon, rotterdam and mgus2
(tests/fixtures/r_exports/): `coxph` with each covariate as `factor(x)` or as a number, and
`cox.zph(fit)$table`, the score test of survival 3.x with the "km" time transform (not the
approximation of survival 2.x, whose p-values differ: veteran's `~ celltype` gave 0.070 there,
0.031 here). Both Cox backends are checked: the counts fitter iterates as coxph does and lands
on R's point (1e-9), lifelines to its own tolerance (1e-3, as tests/test_cox_r.py).
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from sts_bot.cli import main
from sts_queries.answer import understand
from sts_queries.cohort.cohort import load_cohort
from sts_queries.metrics.survival.forest import _fields as forest_fields
from sts_queries.stats.cox import hazard_ratios

EXPORTS = Path(__file__).parent / "fixtures" / "r_exports"
TOLERANCE = {"counts": 1e-9, "lifelines": 1e-3}

# R output: `# fmt: off` keeps R's layout so a regenerated block can be pasted over it whole.
# fmt: off
# Rscript tests/reference/cox_zph_reference.R: R 4.2.2, survival 3.5.3
ZPH_MODELS = [
    ("veteran-celltype", "veteran", None, "time", "status", "celltype", "adeno",
     [], 137, 128,
     [
        ("large", 0.399489610694712, 0.227187741338304, 0.702467255111997),
        ("smallcell", 0.863760408309806, 0.529899916068337, 1.40796784513419),
        ("squamous", 0.317361734744824, 0.178753362201119, 0.563449377623028),
     ],
     [
        ("groups", 8.87355648614485, 3, 0.0310201278705638),
        ("GLOBAL", 8.87355648614485, 3, 0.0310201278705638),
     ]),
    ("veteran-trt", "veteran", None, "time", "status", "trt", "1",
     [], 137, 128,
     [
        ("2", 1.01790090393894, 0.714375526106933, 1.45038878345424),
     ],
     [
        ("groups", 3.53697278233405, 1, 0.0600149002726887),
        ("GLOBAL", 3.53697278233405, 1, 0.0600149002726887),
     ]),
    ("veteran-trt-adjusted", "veteran", None, "time", "status", "trt", "1",
     [("karno", "linear"), ("celltype", "factor")], 137, 128,
     [
        ("2", 1.29919402321595, 0.876290290019792, 1.92619401262785),
     ],
     [
        ("groups", 0.206307412064431, 1, 0.649677141169156),
        ("karno", 12.8133255911155, 1, 0.000344159278028016),
        ("celltype", 14.5317103964704, 3, 0.00226389031729808),
        ("GLOBAL", 22.8596852749873, 5, 0.000359064543553456),
     ]),
    ("colon-rfs-adjusted", "colon", ("etype", 1), "time", "status", "rx", "Obs",
     [("node4", "factor"), ("extent", "factor"), ("differ", "factor")], 906, 458,
     [
        ("Lev", 0.965965107080338, 0.779868066143284, 1.19646979868168),
        ("Lev+5FU", 0.593589450740823, 0.469550426476266, 0.750395306154839),
     ],
     [
        ("groups", 0.154323077918106, 2, 0.925740298403167),
        ("node4", 11.0896208828793, 1, 0.000868122303924112),
        ("extent", 1.63767489884567, 3, 0.650877778180446),
        ("differ", 18.4983190403237, 2, 9.61924659236193e-05),
        ("GLOBAL", 29.9625256352403, 8, 0.000214626894401799),
     ]),
    ("colon-rfs-linear", "colon", ("etype", 1), "time", "status", "rx", "Obs",
     [("node4", "linear"), ("extent", "linear"), ("differ", "linear")], 906, 458,
     [
        ("Lev", 0.978907046814025, 0.791176765947866, 1.21118193499289),
        ("Lev+5FU", 0.601034941383213, 0.475621106596504, 0.759518439685194),
     ],
     [
        ("groups", 0.143707537810154, 2, 0.930666978312464),
        ("node4", 11.2980576139082, 1, 0.0007758821918376),
        ("extent", 0.0611548049036174, 1, 0.804679947033883),
        ("differ", 13.0408086021406, 1, 0.000304776479461824),
        ("GLOBAL", 22.6942677982635, 5, 0.000386150775467133),
     ]),
    ("colon-os", "colon", ("etype", 2), "time", "status", "rx", "Obs",
     [], 929, 452,
     [
        ("Lev", 0.973714184581391, 0.784405383174977, 1.20871087015922),
        ("Lev+5FU", 0.689553994104623, 0.546367289536905, 0.87026569835221),
     ],
     [
        ("groups", 1.48071471759895, 2, 0.476943445126333),
        ("GLOBAL", 1.48071471759895, 2, 0.476943445126333),
     ]),
    ("rotterdam-size", "rotterdam", None, "dtime", "death", "size", "<=20",
     [], 2982, 1272,
     [
        (">50", 3.74452667866659, 3.17077991058171, 4.42209186467108),
        ("20-50", 1.95244212768292, 1.72562194016817, 2.20907614421006),
     ],
     [
        ("groups", 9.05358211733032, 2, 0.0108153261951819),
        ("GLOBAL", 9.05358211733032, 2, 0.0108153261951819),
     ]),
    ("rotterdam-size-adjusted", "rotterdam", None, "rtime", "recur", "size", "<=20",
     [("age", "linear"), ("grade", "factor"), ("nodes", "linear")], 2982, 1518,
     [
        (">50", 1.84114715041488, 1.55129746569652, 2.18515333418587),
        ("20-50", 1.43250389741743, 1.27900929735231, 1.60441946775848),
     ],
     [
        ("groups", 27.861320355721, 2, 8.91232787773496e-07),
        ("age", 0.186669101159756, 1, 0.665703476601433),
        ("grade", 3.92807733240711, 1, 0.0474862057490746),
        ("nodes", 6.68863572011965, 1, 0.00970294309965035),
        ("GLOBAL", 30.2371310979475, 5, 1.32451972341407e-05),
     ]),
    ("mgus2-sex", "mgus2", None, "futime", "death", "sex", "F",
     [("age", "linear"), ("hgb", "linear")], 1371, 957,
     [
        ("M", 1.63701043405949, 1.43397898059157, 1.86878831383855),
     ],
     [
        ("groups", 0.647093416901675, 1, 0.42115377963145),
        ("age", 28.7604188455725, 1, 8.19080881543655e-08),
        ("hgb", 4.77175483869035, 1, 0.0289303227537465),
        ("GLOBAL", 39.871147309149, 3, 1.13466906554722e-08),
     ]),
    ("mgus2-sex-pstat", "mgus2", None, "ptime", "pstat", "sex", "F",
     [], 1384, 115,
     [
        ("M", 0.942345181048229, 0.6528865477234, 1.36013591234389),
     ],
     [
        ("groups", 0.18638957943821, 1, 0.6659386822537),
        ("GLOBAL", 0.18638957943821, 1, 0.6659386822537),
     ]),
]
# fmt: on


@cache
def export(name: str) -> pd.DataFrame:
    return pd.read_csv(EXPORTS / f"{name}.csv")


@pytest.mark.parametrize("fitter", ["counts", "lifelines"])
@pytest.mark.parametrize("model", ZPH_MODELS, ids=[m[0] for m in ZPH_MODELS])
def test_hazard_ratios_and_ph_tests_match_r(model, fitter):
    _, name, rows, time, event, group, ref, kinds, n, nevent, hrs, zph = model
    data = export(name)
    if rows is not None:
        data = data[data[rows[0]] == rows[1]]
    covariates = data[[c for c, _ in kinds]] if kinds else None
    result = hazard_ratios(
        data[time],
        data[event],
        data[group].astype(str),
        reference=ref,
        covariates=covariates,
        covariate_kinds=dict(kinds),
        fitter=fitter,
    )
    rel = TOLERANCE[fitter]
    assert (result.n, result.events) == (n, nevent)
    assert result.adjusted_kinds == tuple(kinds)
    got = {g.label: (g.hr, g.ci_low, g.ci_high) for g in result.groups[1:]}
    assert got == {label: pytest.approx(tuple(r), rel=rel) for label, *r in hrs}
    *terms, (_, chi2, df, p) = zph
    assert (result.ph_test.chi2, result.ph_test.df, result.ph_test.p) == (
        pytest.approx(chi2, rel=rel),
        df,
        pytest.approx(p, rel=rel),
    )
    assert result.ph_term_p == tuple((term, pytest.approx(p, rel=rel)) for term, _, _, p in terms)
    doubt = any("Proportional hazards are in doubt" in note for note in result.notes)
    assert doubt == (p < 0.05)


def _ask(folder: Path, command: str, capsys) -> dict:
    status = main(["ask", command, "--data", str(folder), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0, data
    return data


@pytest.fixture
def colon(tmp_path, monkeypatch, capsys) -> Path:
    """R's colon export after `sts init`, its endpoints named and its codes labelled."""
    monkeypatch.setenv("STS_STATE_DIR", str(tmp_path / "state"))
    folder = tmp_path / "colon"
    folder.mkdir()
    shutil.copy(EXPORTS / "colon.csv", folder)
    assert main(["init", str(folder)]) == 0
    capsys.readouterr()
    toml = (folder / "cohort.toml").read_text()
    toml = toml.replace("[endpoints.etype_1]", "[endpoints.rfs]")
    toml = toml.replace("[endpoints.etype_2]", "[endpoints.os]")
    (folder / "cohort.toml").write_text(toml)
    return folder


def test_codes_enter_as_categories_and_the_answer_says_so(colon, capsys):
    # R: coxph(Surv(time, status) ~ rx + factor(node4) + factor(extent) + factor(differ),
    # subset(colon, etype == 1)), rx against Obs: Lev+5FU 0.594 (0.470-0.750).
    answer = _ask(colon, "rfs by=rx ref=Obs adjust=node4,extent,differ", capsys)
    (hr,) = [g for g in answer["groups"] if g["label"] == "Lev+5FU"]
    assert (hr["hr"], hr["hr_ci_low"], hr["hr_ci_high"]) == pytest.approx(
        (0.593589450740823, 0.469550426476266, 0.750395306154839), rel=1e-4
    )
    assert answer["adjusted_for"] == ["node4", "extent", "differ"]
    assert answer["adjustment"] == [
        {"field": "node4", "kind": "factor", "reference": "0"},
        {"field": "extent", "kind": "factor", "reference": "1"},
        {"field": "differ", "kind": "factor", "reference": "1"},
    ]
    assert (
        "adjusted for node4 (categories), extent (categories), differ (categories)"
        in (answer["hr_method"])
    )
    # R's global cox.zph of that model: p = 0.000215, so the warning.
    assert answer["ph_test"]["p"] == pytest.approx(0.000214626894401799, rel=1e-4)
    assert any("Proportional hazards are in doubt" in note for note in answer["notes"])


def test_a_code_can_be_asked_to_enter_linearly(colon, capsys):
    # R with extent and differ as numbers: Lev+5FU 0.601 (0.476-0.760).
    answer = _ask(colon, "rfs by=rx ref=Obs adjust=node4,extent:linear,differ:linear", capsys)
    (hr,) = [g for g in answer["groups"] if g["label"] == "Lev+5FU"]
    assert hr["hr"] == pytest.approx(0.601034941383213, rel=1e-4)
    assert [a["kind"] for a in answer["adjustment"]] == ["factor", "linear", "linear"]
    assert "extent (linear), differ (linear)" in answer["hr_method"]


def test_a_category_cannot_enter_linearly(colon, capsys):
    assert main(["ask", "os by=sex adjust=rx:linear", "--data", str(colon)]) == 2
    said = capsys.readouterr().out
    assert "`rx` holds words, not numbers" in said
    assert main(["ask", "os by=sex adjust=age:curved", "--data", str(colon)]) == 2
    assert "`curved` is not a way a covariate enters" in capsys.readouterr().out


def test_veteran_ph_test_is_survival_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STS_STATE_DIR", str(tmp_path / "state"))
    folder = tmp_path / "veteran"
    folder.mkdir()
    shutil.copy(EXPORTS / "veteran.csv", folder)
    assert main(["init", str(folder)]) == 0
    capsys.readouterr()
    answer = _ask(folder, "os by=celltype", capsys)
    assert answer["ph_test"]["p"] == pytest.approx(0.0310201278705638, rel=1e-4)  # 2.x: 0.070
    assert any("Proportional hazards are in doubt" in note for note in answer["notes"])


def test_forest_splits_by_codes_with_their_labels(colon, capsys):
    toml = colon / "cohort.toml"
    text = toml.read_text()
    for field, labels in (
        ("sex", '{ 0 = "female", 1 = "male" }'),
        ("node4", '{ 0 = "0-4 nodes", 1 = "more than 4 nodes" }'),
    ):
        head, _, tail = text.partition(f"[fields.{field}]")
        tail = tail.replace('# labels = { 1 = "…", 2 = "…" }  # make the codes readable',
                            f"labels = {labels}", 1)  # fmt: skip
        text = head + f"[fields.{field}]" + tail
    toml.write_text(text)
    # Two fields' subgroups: a Cox model each, lifelines on ~600 patients (the default forest
    # fits every field's, and its interaction tests, and these rows are the same).
    answer = _ask(colon, "forest os by=rx ref=Obs rx!=Lev over=sex,node4", capsys)
    rows = {(r["field"], r["subgroup"]): r for r in answer["rows"]}
    # Without over=, the subgroups are of every baseline category and code (0/1, 1-4).
    cohort = load_cohort(colon)
    chosen = forest_fields(understand("forest os by=rx ref=Obs rx!=Lev", cohort), cohort)
    assert {"sex", "node4", "extent", "differ", "obstruct"} <= set(chosen)
    # R: coxph(Surv(time, status) ~ rx, subset(colon, etype == 2 & rx != "Lev" & sex == s))
    for key, code, hr in (
        (("sex", "female"), "0", (0.8629156136, 0.6278151945, 1.186055009)),
        (("sex", "male"), "1", (0.518885253, 0.3654877338, 0.7366646835)),
        (("node4", "more than 4 nodes"), "1", (0.7316850154, 0.5045072694, 1.061160055)),
    ):
        row = rows[key]
        assert row["code"] == code
        assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx(hr, rel=1e-4)
    assert (answer["reference"], answer["comparison"]) == ("Obs", "Lev+5FU")
