"""One patient's card for a tumor board, from a `patient` answer."""

from __future__ import annotations

from sts_queries.metrics.patients.patient_card import PatientCard
from sts_queries.result import Answer

__all__ = ["card_sections"]

_SKIP = {"patient_id", "best_response", "regimen", "cycles", "start_date", "surgery_date"}


def _value(v) -> str:
    if v is None:
        return "–"
    if hasattr(v, "date") and callable(v.date):  # pandas Timestamp from a DATE column
        v = v.date()
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def card_sections(body: PatientCard, a: Answer) -> list[str]:
    p = body.patient
    who = ", ".join(str(p[k]) for k in ("sex", "age", "histology", "stage") if p.get(k) is not None)
    lines = [f"*Case {p['patient_id']}* · {who}"]
    treatment = []
    if p.get("regimen"):
        treatment.append(f"Regimen: {p['regimen']}")
    if p.get("cycles") is not None:
        treatment.append(f"{p['cycles']} cycles")
    if p.get("start_date") is not None:
        treatment.append(f"from {_value(p['start_date'])}")
    if treatment:
        lines.append(" · ".join(treatment))
    outcome = []
    if p.get("best_response"):
        outcome.append(f"Best response: *{p['best_response']}*")
    for key in sorted(k for k in p if k.endswith("_event")):
        endpoint = key[: -len("_event")]
        time, event = p.get(f"{endpoint}_time"), p.get(key)
        if time is None or event is None:
            continue
        status = "event" if int(event) == 1 else "censored"
        unit = body.time_unit
        outcome.append(f"{endpoint.upper()}: {status} at {float(time):.2f} {unit}".rstrip())
    if p.get("surgery_date") is not None:
        outcome.append(f"Resected {_value(p['surgery_date'])}")
    if outcome:
        lines.append(" · ".join(outcome))
    other = [
        f"{k.replace('_', ' ')}: {body.labels.get(k) or _value(v)}"
        for k, v in p.items()
        if k not in _SKIP
        and k not in ("sex", "age", "histology", "stage")
        and not k.endswith(("_time", "_event"))
        and v is not None
    ]
    if other:
        lines.append(" · ".join(other))
    events = body.adverse_events
    if events:
        shown = []
        for e in events:
            extra = f", {e['note']}" if e.get("note") else ""
            cycle = f" (cycle {e['cycle']}{extra})" if e.get("cycle") is not None else ""
            shown.append(f"{e['term']} G{e['grade']}{cycle}")
        lines.append("Adverse events: " + "; ".join(shown))
    else:
        lines.append("Adverse events: none recorded")
    assessments = body.assessments
    if assessments:
        lines.append(
            "Assessments: "
            + " → ".join(f"{_value(r['date'])} {r['response']}" for r in assessments)
        )
    return lines
