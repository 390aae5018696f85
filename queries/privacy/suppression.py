"""The small-cell rule of each kind of answer: which of its cells to hide outside patient places.

`suppress_body(body, answer, k)` dispatches on the type of the answer's body (one rule a type,
as the renderer does) and returns the body and groups with their hidden cells, or None for a
body no rule covers yet — which the gateway then does not show publicly at all.
`suppress_groups` hides whole groups first. The rules are the `suppression_*.py` modules, one
an answer type (or a family of them), listed here; `suppression_notes.py` says what the notes
and the chart of an answer with hidden cells may still show.
"""

from __future__ import annotations

from functools import singledispatch

from sts_queries.metrics.baseline import Baseline
from sts_queries.metrics.count import Count
from sts_queries.metrics.fields import Fields
from sts_queries.metrics.help import Help
from sts_queries.metrics.rates import Rate
from sts_queries.metrics.response import ResponseDuration, TimeToFirstResponse
from sts_queries.metrics.summary import Summary
from sts_queries.metrics.survival.competing import Incidence
from sts_queries.metrics.survival.endpoints import Survival
from sts_queries.metrics.survival.forest import Forest
from sts_queries.metrics.survival.rmst import RestrictedMeanSurvival
from sts_queries.metrics.toxicity import Toxicity
from sts_queries.privacy.cells import complementary, hide_all
from sts_queries.privacy.suppression_cif import suppress_cif
from sts_queries.privacy.suppression_forest import suppress_forest
from sts_queries.privacy.suppression_rates import suppress_rate
from sts_queries.privacy.suppression_response import suppress_dor, suppress_ttr
from sts_queries.privacy.suppression_rmst import suppress_rmst
from sts_queries.privacy.suppression_summary import suppress_summary
from sts_queries.privacy.suppression_survival import suppress_survival
from sts_queries.privacy.suppression_tables import suppress_baseline, suppress_fields
from sts_queries.privacy.suppression_toxicity import suppress_toxicity
from sts_queries.result import Answer, Part

__all__ = ["suppress_body", "suppress_groups"]


@singledispatch
def suppress_body(body: Part, answer: Answer, k: int) -> tuple[Part, list[dict], bool] | None:
    """The body and shown groups with small cells hidden; None: a body with no rule yet."""
    return None


def suppress_groups(answer: Answer, k: int) -> tuple[list[dict], set[str]]:
    """Groups too small (or recoverable) hidden whole; returns groups and hidden labels."""
    sizes = {g["label"]: g["n"] for g in answer.groups}
    hidden = complementary(sizes, k)
    out = []
    for g in answer.groups:
        if g["label"] in hidden:
            out.append({**hide_all(g, k), "label": g["label"], "suppressed": True})
        else:
            out.append(dict(g))
    return out, hidden


def _count(body: Count, answer: Answer, k: int):
    return body, list(answer.groups), False


def _help(body: Help, answer: Answer, k: int):
    return body, [], False


suppress_body.register(Rate)(suppress_rate)
suppress_body.register(Count)(_count)
suppress_body.register(Survival)(suppress_survival)
suppress_body.register(Incidence)(suppress_cif)
suppress_body.register(ResponseDuration)(suppress_dor)
suppress_body.register(TimeToFirstResponse)(suppress_ttr)
suppress_body.register(Forest)(suppress_forest)
suppress_body.register(RestrictedMeanSurvival)(suppress_rmst)
suppress_body.register(Toxicity)(suppress_toxicity)
suppress_body.register(Baseline)(suppress_baseline)
suppress_body.register(Fields)(suppress_fields)
suppress_body.register(Help)(_help)
suppress_body.register(Summary)(suppress_summary)
