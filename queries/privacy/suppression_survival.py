"""The small-cell rule of a survival answer (pfs, os, any endpoint; the weekly summary's pfs).

Few events hide the events, the median and its CI (a median of so few events is a patient's
own time) and the landmarks; few censored hide the events (events/N would give them back); a
landmark's small number at risk is hidden. Across groups, a hidden group's events may not be
worked out from the total's. Individual times go too: a median resting on fewer than three
patients at risk (one patient's event, in effect), and the limits of the median follow-up
(each is one patient's censoring time; the median stays, as every paper reports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace

from sts_queries.metrics.survival.endpoints import Survival
from sts_queries.privacy.cells import Hidden, hidden_count, is_small, with_groups
from sts_queries.result import Answer

__all__ = ["suppress_survival", "survival_cells"]


# A landmark's numbers: survival and its CI (old and contract names) and the number at risk.
_LANDMARK_CELLS = ("surv", "survival", "ci_low", "ci_high", "n_risk", "at_risk")


def survival_cells(d: Mapping, n: int, k: int) -> tuple[dict, bool]:
    """A survival answer's (or group's) cells over `n` patients, as they may be shown."""
    d = dict(d)
    events = d.get("events")
    hid = False
    followup = d.get("followup")
    if isinstance(followup, Mapping) and followup.get("median") is not None:
        d["followup"] = {**followup, "ci_low": Hidden(k), "ci_high": Hidden(k)}
    if d.get("median_few_at_risk") and d.get("median") is not None:
        d.update(median=Hidden(k), ci_low=Hidden(k), ci_high=Hidden(k))
        hid = True
    if is_small(events, k):  # a median of so few events is a patient's own time
        for key in ("events", "median", "ci_low", "ci_high"):
            d[key] = hidden_count(d[key], k)
        d["landmarks"] = [
            {**lm, **{key: hidden_count(lm[key], k) for key in _LANDMARK_CELLS if key in lm}}
            for lm in d.get("landmarks", ())
        ]
        return d, True
    if isinstance(events, int) and is_small(n - events, k):
        d["events"] = hidden_count(events, k)  # events/N would give the few censored patients
        hid = True
    landmarks = []
    for lm in d.get("landmarks", ()):
        # The number at risk, under both of its names (n_risk, and at_risk of the contract).
        small = [key for key in ("n_risk", "at_risk") if is_small(lm.get(key), k)]
        if small:
            lm = {**lm, **{key: hidden_count(lm[key], k) for key in small}}
            hid = True
        landmarks.append(lm)
    if "landmarks" in d:
        d["landmarks"] = landmarks
    return d, hid


def suppress_survival(body: Survival, answer: Answer, k: int):
    """An endpoint's answer and each group's, their hidden cells, whether any was hidden."""
    d, groups, hid = with_groups(body.json(), body.n_analysed, answer.groups, k, survival_cells)
    shown = {f.name: d.get(f.name, getattr(body, f.name)) for f in fields(body)}
    return replace(body, **shown), groups, hid
