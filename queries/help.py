"""Usage text for every metric, with examples; `/sts help [metric]`."""

from __future__ import annotations

from .cohort import Cohort
from .metrics import METRICS, resolve_metric
from .parse import USAGE
from .result import Answer
from .spec import QuerySpec

__all__ = ["HELP", "help_answer"]

# metric -> (what it answers, examples). Every metric in spec.METRICS has an entry (tested).
HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "orr": (
        "Objective response rate (CR + PR), k/N with an exact Clopper–Pearson 95% CI.",
        ("orr", "orr histology=LPS", "orr by=stage", "orr age>=60"),
    ),
    "dcr": (
        "Disease control rate (CR + PR + SD), k/N with an exact 95% CI.",
        ("dcr resection=no", "dcr by=histology"),
    ),
    "pfs": (
        "Progression-free survival: Kaplan–Meier median with 95% CI, events/N, 6- and 12-month "
        "rates, KM plot. Options: ci=log-log|log|plain|spss, unit=days|weeks|months|years.",
        ("pfs resection=no", "pfs stage=IV", "pfs by=histology", "pfs ci=log"),
    ),
    "os": (
        "Overall survival, as pfs. Any X_time/X_event column pair is an endpoint `X` too.",
        ("os", "os by=sex"),
    ),
    "tox": (
        "Adverse events: patients by worst CTCAE grade per term, any grade and grade ≥3, "
        "n (% of all N selected), with a bar chart.",
        ("tox", "tox grade>=3", "tox histology=LPS"),
    ),
    "count": ("How many patients match the filters.", ("count stage=III", "count by=sex")),
    "baseline": (
        "The cohort's characteristics, like a paper's Table 1.",
        ("baseline", "baseline by=stage"),
    ),
    "list": (
        "The matching patients, one line each (patient-level: only where allowed).",
        ("list best_response=PR", "list age>=65"),
    ),
    "patient": (
        "One patient's card for a tumor board (patient-level: only where allowed).",
        ("patient 8",),
    ),
    "swimmer": (
        "Time on treatment per patient with response and progression markers (plot).",
        ("swimmer", "swimmer histology=SS"),
    ),
    "summary": ("What the weekly post would say now.", ("summary",)),
    "fields": ("Every filterable field with its values and counts.", ("fields",)),
    "help": ("Usage, or the details of one metric.", ("help", "help pfs")),
}

FILTERS = (
    "Filters: field=value · field=a,b · field!=value · age>=60 · age<40 · age=40..60 · "
    "stage=III (IIIA+IIIB) · hist=liposarcoma (aliases and synonyms, any case). "
    "by=field splits into groups with a test. Add `share` to post in the channel."
)


def help_answer(spec: QuerySpec, cohort: Cohort | None) -> Answer:
    endpoints = cohort.endpoints if cohort else ()
    if spec.topic:
        metric = resolve_metric(spec.topic, endpoints)
        what, examples = HELP.get(metric, HELP["pfs"])
        lines = (f"{metric}: {what}", *(f"/sts {e}" for e in examples), FILTERS)
    else:
        names = list(dict.fromkeys([*METRICS[:2], *endpoints, *METRICS[2:]]))
        lines = (
            f"Usage: {USAGE}",
            *(f"{m} — {HELP.get(m, HELP['pfs'])[0]}" for m in names),
            FILTERS,
            "`/sts help <metric>` shows examples.",
        )
    return Answer(spec=spec, metric="help", title="Help", n=0, body={}, lines=tuple(lines))
