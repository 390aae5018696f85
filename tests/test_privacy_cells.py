"""Small cells: with STS_MIN_CELL=5, no number in an answer to a public channel rests on fewer
than 5 patients unless it is shown as suppressed — read from the answer itself, and recovered
by subtraction from its totals — and differencing a selection against its complement gives
nothing away. Random filters and `by=` over the demo cohort and a synthetic 1,000-patient one.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.gateway.seen import Seen
from sts_bot.service.service import Service
from sts_queries.cohort.cohort import load_cohort
from sts_queries.privacy.reveal import Hidden, complementary, shield
from sts_queries.stats import cox_fit
from tests.conftest import write_cohort

K = 5
PUBLIC = Asker(user="U0HYPO001", team="T0TEAM001", channel="C0PUBLIC1")
BOARD = Asker(user="U0HYPO001", team="T0TEAM001", channel="G0BOARD01")
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
METRICS = ["orr", "dcr", "pfs", "tox", "count", "baseline", "fields", "dor", "ttr"]
METRICS += ["forest orr", "forest dcr", "forest pfs"]
# Rare values on purpose: the cells this test is about.
HISTOLOGY = {"LPS": 300, "UPS": 250, "SS": 200, "LMS": 150, "MPNST": 60, "DSRCT": 25}
HISTOLOGY |= {"EES": 8, "AS": 4, "CCS": 2, "ASPS": 1}


def synthetic(folder) -> object:
    """1,000 patients with common and rare histologies, responses, PFS, adverse events and
    dated tumour assessments (every six weeks until progression)."""
    rng = random.Random(20261127)
    dates = random.Random(20261128)  # its own stream: the patients stay as they were
    rows = ["patient_id,sex,age,histology,stage,best_response,pfs_time,pfs_event,start_date"]
    events = ["patient_id,term,grade"]
    assessments = ["patient_id,date,response"]
    histologies = [h for h, n in HISTOLOGY.items() for _ in range(n)]
    rng.shuffle(histologies)
    for i, histology in enumerate(histologies, start=1):
        response = rng.choices(["CR", "PR", "SD", "PD", "NE"], weights=[2, 25, 40, 30, 3])[0]
        stage = rng.choices(["II", "III", "IV"], weights=[10, 40, 50])[0]
        sex = rng.choice("MF")
        pfs_time, pfs_event = rng.expovariate(1 / 9), int(rng.random() < 0.7)
        start = dt.date(2020, 1, 1) + dt.timedelta(days=dates.randrange(700))
        rows.append(
            f"P{i:04d},{sex},{rng.randint(18, 90)},{histology},{stage},{response},"
            f"{pfs_time:.2f},{pfs_event},{start}"
        )
        visits = int(float(f"{pfs_time:.2f}") * 30.4375 // 42)  # before progression or censoring
        first = dates.randint(1, 3)  # the visit that shows a responder's response
        for visit in range(1, visits + 1):
            seen = response if response in ("CR", "PR") and visit >= first else "SD"
            assessments.append(f"P{i:04d},{start + dt.timedelta(days=42 * visit)},{seen}")
        for term, p in (("Neutropenia", 0.5), ("Anemia", 0.3), ("Pneumonitis", 0.01)):
            if rng.random() < p:
                events.append(
                    f"P{i:04d},{term},{rng.choices([1, 2, 3, 4, 5], [40, 30, 20, 9, 1])[0]}"
                )
    path = write_cohort(
        folder,
        "\n".join(rows) + "\n",
        'name = "synthetic"\ntime_unit = "months"\n'
        '[fields.patient_id]\nlabel = "Case"\naliases = ["id", "case"]\n',
        adverse_events="\n".join(events) + "\n",
        assessments="\n".join(assessments) + "\n",
    )
    return load_cohort(path)


@pytest.fixture(scope="module")
def synthetic_cohort(tmp_path_factory):
    """The synthetic cohort, built once for the module (each gateway has its own service)."""
    return synthetic(tmp_path_factory.mktemp("synthetic") / "cohort")


@pytest.fixture(scope="module", params=["demo", "synthetic"])
def cohort(request, demo):
    if request.param == "demo":
        return demo
    return request.getfixturevalue("synthetic_cohort")


@pytest.fixture(scope="module")
def _gateway(cohort, tmp_path_factory):
    audit = AuditLog(tmp_path_factory.mktemp("audit") / "audit.jsonl")
    policy = Policy(patient_channels=frozenset({BOARD.channel}), min_cell=K)
    return Gateway(service=Service.over(cohort), policy=policy, audit=audit)


@pytest.fixture
def gateway(_gateway, cohort, monkeypatch):
    """A fresh memory of what was shown: each test's questions are judged on their own (the
    tracker check, which remembers across questions, has tests/test_trackers.py).

    Over the synthetic cohort the random questions' Cox models are fitted on counts, as the
    product fits a registry's (`cox_fit.choose_fitter`), not by lifelines (ten times slower):
    the small-cell rules read the cells and whether an estimate exists, never the fitter. The
    demo's questions and the synthetic cohort's fixed ones below stay on lifelines, and
    tests/test_cox_counts.py checks that both fitters give the same answers."""
    if cohort.meta.name == "synthetic":
        monkeypatch.setattr(cox_fit, "MAX_LIFELINES_PATIENTS", 0)
    return replace(_gateway, seen=Seen(None))


def categorical(cohort) -> list:
    return [
        f
        for f in cohort.catalog.fields
        if f.kind == "categorical" and f.name != "patient_id" and len(f.counts) > 1
    ]


@st.composite
def questions(draw, cohort, metrics=tuple(METRICS)) -> str:
    fields = categorical(cohort)
    words = [draw(st.sampled_from(metrics))]
    for f in draw(st.lists(st.sampled_from(fields), max_size=2, unique_by=lambda f: f.name)):
        values = draw(st.lists(st.sampled_from(f.values), min_size=1, max_size=2, unique=True))
        words.append(f"{f.name}{draw(st.sampled_from(['=', '!=']))}{','.join(values)}")
    if draw(st.booleans()):
        words.append(f"age>={draw(st.integers(20, 80))}")
    if words[0] == "forest pfs":  # the HR of two groups: by= a field with two values
        pairs = [f for f in fields if len(f.values) == 2]
        words.append(f"by={draw(st.sampled_from(pairs)).name}")
    elif words[0] in ("forest orr", "forest dcr"):
        if draw(st.booleans()):
            over = draw(
                st.lists(
                    st.sampled_from(fields), min_size=1, max_size=2, unique_by=lambda f: f.name
                )
            )
            words.append(f"over={','.join(f.name for f in over)}")
    elif words[0] != "fields" and draw(st.booleans()):
        words.append(f"by={draw(st.sampled_from(fields)).name}")
    if words[0] == "fields":
        words = ["fields"]
    return " ".join(words)


# --- what an answer shows -----------------------------------------------------------------

COUNTS = {"n", "count", "events", "any", "grade3plus", "n_risk", "patients_with_event"}
COUNTS |= {"n_analysed", "patients", "responders"}


def shown_counts(value, key: str = "") -> Iterator[tuple[str, int]]:
    """Every patient count an answer's JSON shows, with the key it sits under."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("breakdown", "grades"):
                for code, c in v.items():
                    if code != "suppressed":
                        yield f"{k}.{code}", c
            elif k == "values" and isinstance(v, list):
                for item in v:
                    yield "values.n", item["n"]
            else:
                yield from shown_counts(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from shown_counts(v, key)
    elif key in COUNTS:
        yield key, value


def small(c) -> bool:
    return isinstance(c, int) and not isinstance(c, bool) and 0 < c < K


def recovered(total, cells) -> int | None:
    """A hidden part recovered by subtraction: `total` minus the shown cells, when all known."""
    if total is None:
        return None
    return total - sum(c for c in cells if c is not None and not isinstance(c, bool))


def shares_of_hidden(value) -> Iterator[dict]:
    """Mappings showing a share (`pct`, `any_pct` …) of a count they hide."""
    if isinstance(value, dict):
        for k, v in value.items():
            base = "n" if k == "pct" else k.removesuffix("_pct")
            if k.endswith("pct") and base in value and value[base] is None and v is not None:
                yield value
            yield from shares_of_hidden(v)
    elif isinstance(value, list):
        for v in value:
            yield from shares_of_hidden(v)


def check_public(data: dict) -> None:
    """No shown count, and nothing recoverable from a shown total and shown cells, is small."""
    assert not list(shares_of_hidden(data))
    for key, c in shown_counts(data):
        assert not small(c), (key, c, data)
    n = data["n"]
    groups = data.get("groups") or []
    if groups:
        assert not small(recovered(n, [g["n"] for g in groups])), data
    for part in [data, *groups]:
        size = part.get("n") if part is not data else n
        if part.get("suppressed") and part is not data and part.get("n") is None:
            assert all(c is None for _, c in shown_counts(part)), part
            continue
        if "breakdown" in part and part.get("count") is not None:
            responders = ("CR", "PR") if data["metric"] == "orr" else ("CR", "PR", "SD")
            b = part["breakdown"]
            yes = [b[c] for c in responders]
            no = [v for c, v in b.items() if c not in responders]
            assert not small(size - part["count"]), part
            assert not small(recovered(part["count"], yes)), part
            assert not small(recovered(size - part["count"], no)), part
        if "breakdown" in part and part.get("count") is None:
            assert part["rate"] is None and part["ci_low"] is None, part  # a rate gives k away
        for row in part.get("rows") or []:
            if "grades" in row and row["any"] is not None:
                assert not small(size - row["any"]), row
                grades = {g: v for g, v in row["grades"].items() if g != "suppressed"}
                assert not small(recovered(row["any"], grades.values())), row
                if row["grade3plus"] is not None:
                    high = [v for g, v in grades.items() if g in "345"]
                    assert not small(recovered(row["grade3plus"], high)), row
            if "values" in row:
                assert not small(recovered(size, [v["n"] for v in row["values"]])), row
            if "median" in row and row["min"] is not None:
                raise AssertionError(f"a range (two patients' own values) shown: {row}")
        if part.get("events") is not None and part.get("median") is not None:
            assert not small(part["events"]), part
    # Across groups: a total minus the groups' shown cells (the hidden ones together).
    shown_groups = [g for g in groups if g.get("n") is not None or g.get("suppressed")]
    for key in ("count", "events"):
        if groups and isinstance(data.get(key), int):
            assert not small(recovered(data[key], [g.get(key) for g in shown_groups])), key
    if groups and "breakdown" in data and isinstance(data.get("count"), int):
        others = [
            None if g.get("n") is None or g.get("count") is None else g["n"] - g["count"]
            for g in shown_groups
        ]
        assert not small(recovered(n - data["count"], others)), (others, data)
    for row in data.get("rows") or []:
        if groups and "term" in row:
            for key in ("any", "grade3plus"):
                cells = []
                for g in groups:
                    found = next((r for r in g.get("rows") or [] if r["term"] == row["term"]), None)
                    cells.append(
                        0 if found is None and g.get("n") is not None else (found or {}).get(key)
                    )
                assert not small(recovered(row[key], cells)), (row["term"], key, cells)
        if groups and "values" in row:
            for value in row["values"]:
                cells = []
                for g in groups:
                    found = next(
                        (r for r in g.get("rows") or [] if r.get("field") == row["field"]), None
                    )
                    item = next(
                        (
                            v
                            for v in (found or {}).get("values") or []
                            if v["value"] == value["value"]
                        ),
                        None,
                    )
                    cells.append(
                        0 if item is None and g.get("n") is not None else (item or {}).get("n")
                    )
                assert not small(recovered(value["n"], cells)), (row["field"], value, cells)
    for f in data.get("fields") or []:  # `fields`: values of each field, out of the cohort
        if isinstance(f, dict) and f.get("values"):  # (a forest's are the fields' names)
            assert not small(recovered(n, [v["n"] for v in f["values"]])), f
    if any(g.get("suppressed") for g in groups):
        assert "test" not in data or data["test"] is None
    if data["metric"] == "dor" and groups and data["responders"] is not None:
        # dor's groups are of responders: their sizes add up to the responders, and the
        # selection minus them is the non-responders.
        assert not small(recovered(data["responders"], [g["n"] for g in groups])), data
    if data["metric"] == "ttr" and groups:
        shown = [g for g in groups if g.get("n") is not None or g.get("suppressed")]
        if data["responders"] is not None:
            assert not small(recovered(data["responders"], [g["responders"] for g in shown]))
        others = [
            None if g["n"] is None or g["responders"] is None else g["n"] - g["responders"]
            for g in shown
        ]
        if data["responders"] is not None:
            assert not small(recovered(n - data["responders"], others)), data
    if data["metric"] == "forest":
        check_forest(data)


def check_forest(data: dict) -> None:
    """Each field's subgroups partition the selection: no small subgroup, count or complement
    recoverable from the overall row; per-group counts never shown; an interaction p only over
    fields whose every row is shown."""
    assert "arms" not in json.dumps(data), data
    count = "count" if data["measure"] == "rate" else "events"
    overall = data["overall"]
    for field in data["fields"]:
        rows = [r for r in data["rows"] if r["field"] == field]
        assert not small(recovered(overall["n"], [r["n"] for r in rows])), (field, rows)
        if overall[count] is not None:
            assert not small(recovered(overall[count], [r[count] for r in rows])), (field, rows)
            others = [
                None if r["n"] is None or r[count] is None else r["n"] - r[count] for r in rows
            ]
            assert not small(recovered(overall["n"] - overall[count], others)), (field, rows)
        for r in rows:
            if r[count] is not None:
                assert not small(r["n"] - r[count]), r
            if r["estimate"] is not None:
                assert r[count] is not None and r["n"] is not None, r
        hidden = any(r.get("suppressed") for r in rows)
        for test in data.get("interactions") or []:
            if test["field"] == field and hidden:
                assert test["p"] is None, (field, test)


def check_against_full(public: dict, full: dict) -> None:
    """What only the full answer knows: a median of fewer responders (or events) than the
    minimum cell, a range of one patient's times, a hazard ratio of a small group."""
    pairs = [(public, full)]
    by_label = {g["label"]: g for g in full.get("groups") or []}
    pairs += [(g, by_label[g["label"]]) for g in public.get("groups") or []]
    for shown, known in pairs:
        size = known.get("responders", known.get("n"))
        if public["metric"] in ("dor", "ttr") and small(size):
            assert shown["median"] is None, (shown, known)
        if public["metric"] == "dor" and small(known.get("events")):
            assert shown["median"] is None and shown["ci_low"] is None, (shown, known)
        if public["metric"] == "ttr":
            for key in ("min", "max", "minimum", "maximum"):
                assert shown.get(key) is None, (key, shown)
    if public["metric"] == "forest" and public["measure"] == "hazard ratio":
        rows = [(public["overall"], full["overall"])]
        rows += list(zip(public["rows"], full["rows"], strict=True))
        for shown, known in rows:
            arms = known["arms"]
            if any(
                small(a["n"]) or small(a["events"]) or small(a["n"] - a["events"]) for a in arms
            ):
                assert shown["estimate"] is None and shown["ci_low"] is None, (shown, known)


def _without_followup(data):
    """The answer less its follow-up lines, whose limits are always withheld in public."""
    out = {k: v for k, v in data.items() if k != "followup"}
    if "groups" in out:
        out["groups"] = [{k: v for k, v in g.items() if k != "followup"} for g in out["groups"]]
    return out


@SETTINGS
@given(data=st.data())
def test_no_public_number_rests_on_fewer_than_5_patients(gateway, cohort, data):
    text = data.draw(questions(cohort))
    handled = gateway.handle(text, PUBLIC, surface="slash", with_plots=False)
    outcome = handled.outcome
    if outcome.is_error:
        return  # refused (patient-level, small) or a mistake: no number at all
    check_public(outcome.json)
    if (outcome.json.get("followup") or {}).get("suppressed"):  # its limits: patients' times
        assert "limits withheld here" in outcome.text
    if '"suppressed": true' in json.dumps(_without_followup(outcome.json)):
        assert "<5" in outcome.text and "shown as <5" in outcome.text
        assert not outcome.plots
    # The same question in the patient channel is answered in full: suppression is the place's.
    full = gateway.handle(text, BOARD, surface="slash", with_plots=False).outcome
    assert full.json["n"] == outcome.json["n"]
    check_against_full(outcome.json, full.json)


# The answers that rest on few patients by nature (responders, subgroups), on their own.
RESPONSE_AND_SUBGROUPS = ("dor", "ttr", "forest orr", "forest dcr", "forest pfs")


@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_dor_ttr_and_forest_show_no_small_cell_in_public(gateway, cohort, data):
    text = data.draw(questions(cohort, RESPONSE_AND_SUBGROUPS))
    outcome = gateway.handle(text, PUBLIC, surface="slash", with_plots=False).outcome
    if outcome.is_error:
        assert outcome.kind != "not_allowed" or "not yet checked" not in outcome.text, text
        return
    check_public(outcome.json)
    full = gateway.handle(text, BOARD, surface="slash", with_plots=False).outcome
    check_against_full(outcome.json, full.json)


def count_of(gateway, words: list[str]) -> int | None:
    outcome = gateway.handle(
        " ".join(["count", *words]), PUBLIC, surface="slash", with_plots=False
    ).outcome
    return None if outcome.is_error else outcome.json["n"]


@SETTINGS
@given(data=st.data())
def test_differencing_a_selection_and_its_complement_reveals_no_small_cell(gateway, cohort, data):
    fields = categorical(cohort)
    base = []
    for f in data.draw(st.lists(st.sampled_from(fields), max_size=1)):
        base.append(f"{f.name}={data.draw(st.sampled_from(f.values))}")
    f = data.draw(st.sampled_from([g for g in fields if not base or g.name not in base[0]]))
    value = data.draw(st.sampled_from(f.values))
    whole = count_of(gateway, base)
    group = count_of(gateway, [*base, f"{f.name}={value}"])
    rest = count_of(gateway, [*base, f"{f.name}!={value}"])
    # Every pair of public answers among the three must not give a small cell by subtraction.
    if whole is not None and rest is not None:
        assert not small(whole - rest), (base, f.name, value, whole, rest)
    if whole is not None and group is not None:
        assert not small(whole - group), (base, f.name, value, whole, group)
    if group is not None and rest is not None:
        assert group + rest <= (whole if whole is not None else group + rest)
    # And a small cell hidden in the grouped answer is not given back by its complement.
    grouped = gateway.handle(
        " ".join(["count", *base, f"by={f.name}"]), PUBLIC, surface="slash", with_plots=False
    ).outcome
    if not grouped.is_error and rest is not None:
        total = grouped.json["n"]
        assert not small(total - rest), (base, f.name, value, total, rest)


# --- the rules, one at a time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "hidden"),
    [
        ({"a": 10, "b": 9}, set()),
        ({"a": 10, "b": 3}, {"a", "b"}),  # one small cell: its partner goes too
        ({"a": 10, "b": 3, "c": 2, "d": 0}, {"b", "c"}),  # two hidden adding up to 5
        ({"a": 10, "b": 1, "c": 2, "e": 8}, {"b", "c", "e"}),  # 1 + 2 = 3 would be a small cell
        ({"a": 10, "b": 0}, set()),  # zero counts nobody
    ],
)
def test_complementary_suppression(cells, hidden):
    assert complementary(cells, K) == hidden


def test_a_small_group_is_shown_as_under_5_with_a_note_and_no_test_or_plot(demo):
    gateway = Gateway(service=Service.over(demo), policy=Policy(min_cell=K), audit=AuditLog(None))
    outcome = gateway.handle("orr by=stage", PUBLIC, surface="slash").outcome
    text = outcome.text
    # IV's 0/5 would say that stage III (IIIA + IIIB, 9 patients) holds the 4 non-responders
    # of the 9 overall: a small cell of the union, hidden as the responders' would be.
    assert "IIIA   <5/<5" in text and "IV     <5/5" in text
    assert "IIIB   <5/†" in text  # five patients, hidden so that IIIA's 4 cannot be worked out
    assert "Fisher" not in text and "No test: it would rest on groups too small" in text
    assert "shown as <5" in text and "channels set up for patient-level questions" in text
    groups = {g["label"]: g for g in outcome.json["groups"]}
    assert groups["IIIA"]["n"] is None and groups["IIIA"]["suppressed"] is True
    assert groups["IV"]["n"] == 5 and groups["IV"]["count"] is None
    assert not outcome.plots


def test_shield_hides_a_small_rate_and_the_cells_that_would_give_it_away(demo):
    from sts_queries.answer import ask

    shown = shield(ask("dcr", demo), K)  # 12/14 controlled: the 2 others are a small cell
    body = shown.answer.body
    assert isinstance(body.count, Hidden) and isinstance(body.rate, Hidden)
    assert str(body.count) == "†"  # twelve is not "<5": hidden to protect the two
    assert str(body.breakdown["PD"]) == "<5"
    assert shown.suppressed and shown.answer.chart is None


# --- dor, ttr and forest: the cells random filters reach rarely -------------------------------


@pytest.fixture(scope="module")
def _synthetic_gateway(synthetic_cohort):
    cohort = synthetic_cohort
    policy = Policy(patient_channels=frozenset({BOARD.channel}), min_cell=K)
    return Gateway(service=Service.over(cohort), policy=policy, audit=AuditLog(None))


@pytest.fixture
def synthetic_gateway(_synthetic_gateway):
    """A fresh memory of what was shown: each test's questions are judged on their own (the
    tracker check, which remembers across questions, has tests/test_trackers.py)."""
    return replace(_synthetic_gateway, seen=Seen(None))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # 4 responders of 25, 3 of them progressed: no median of so few.
        ("dor histology=DSRCT", "Rests on <5 responders (CR/PR) of 25 patients."),
        # 19 of 23 responded: the other 4 must not come back as 23 minus the groups' sizes.
        ("dor best_response=CR by=sex", "Rests on † responders (CR/PR) of 23 patients."),
        ("ttr best_response=CR by=sex", "range withheld"),
        # A group whose few non-responders hide its responders (†): the others' responders
        # shown beside the total would give them back.
        ("ttr best_response=PR by=histology", "range withheld"),
        ("ttr histology=DSRCT", "Rests on <5 responders"),
        ("forest orr over=histology", "subgroup(s) withheld"),
        # Not new, but of the same kind: stage II's 2 uncontrolled patients behind a †.
        ("dcr best_response=CR,PR,SD,NE by=stage", "II     †/56"),
        ("forest pfs by=sex over=histology,stage", "No interaction test over histology: it would"),
    ],
)
def test_rare_cells_of_dor_ttr_and_forest(synthetic_gateway, text, said):
    outcome = synthetic_gateway.handle(text, PUBLIC, surface="slash", with_plots=False).outcome
    assert not outcome.is_error, outcome.text
    check_public(outcome.json)
    full = synthetic_gateway.handle(text, BOARD, surface="slash", with_plots=False).outcome
    check_against_full(outcome.json, full.json)
    assert said in outcome.text


def test_a_forest_plot_is_drawn_with_the_shown_subgroups_only(synthetic_gateway):
    text = "forest pfs by=sex over=histology,stage"
    outcome = synthetic_gateway.handle(text, PUBLIC, surface="slash").outcome
    assert len(outcome.plots) == 1 and "the plot draws only what is shown" in outcome.text
    # The full answer the public one was shielded from (the service's cached one, not fitted
    # a second time).
    answer = synthetic_gateway.service.respond(text).answer
    shown = shield(answer, K)
    chart = shown.answer.chart
    assert shown.suppressed and chart is not None
    drawn = {(r["field"], r["subgroup"]) for r in chart.rows}
    assert ("histology", "ASPS") not in drawn and ("histology", "LPS") in drawn
    assert ("stage", "II") in drawn  # stage's subgroups are all large
    assert all(isinstance(r[key], (int, float)) for r in chart.rows for key in ("n", "events"))
    assert "not drawn: small cells" in chart.withheld_note
    assert {t["field"]: t["p"] for t in chart.interactions}["histology"] is None


def test_a_forest_plot_with_no_subgroup_to_show_is_withheld(demo):
    from sts_queries.answer import ask

    shown = shield(ask("forest orr", demo), K)  # every subgroup has a small cell
    assert shown.suppressed and shown.answer.chart is None
    assert "plots are withheld" in shown.answer.notes[-1]
