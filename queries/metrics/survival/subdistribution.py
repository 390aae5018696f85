"""The subdistribution hazard ratio of each group of a competing-risks answer: Fine–Gray
(`stats.fine_gray`, as cmprsk::crr) of the cause of interest on the group, against the
reference group. This module chooses the groups and words what comes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from sts_queries.metrics.shared.groups import MISSING
from sts_queries.stats.fine_gray import NotEstimable, fine_gray

__all__ = ["FINE_GRAY_METHOD", "SubdistributionHazards", "subdistribution_hazards"]

FINE_GRAY_METHOD = (
    "Fine–Gray subdistribution hazard ratios (crr's sandwich SE, Wald 95% CI) as cmprsk::crr"
)


@dataclass(frozen=True, kw_only=True)
class SubdistributionHazards:
    reference: str | None
    per_group: Mapping[str, Mapping[str, float | None]]  # shr, shr_ci_low, shr_ci_high, shr_p
    notes: tuple[str, ...]


def subdistribution_hazards(
    times: np.ndarray,
    causes: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    order: Sequence[str],
    reference: str | None,
) -> SubdistributionHazards:
    """Fine–Gray SHR of each group in `labels` against `reference` (default: the first of
    `order` present); patients without a group are left out, and said so."""
    notes: list[str] = []
    known = labels != MISSING
    if not known.all():
        notes.append(
            f"{int(weights[~known].sum())} patient(s) with no recorded group are left out of the "
            "subdistribution hazard ratios."
        )
    present = [g for g in order if g in set(labels[known])]
    present += sorted(set(labels[known]) - set(present))
    if len(present) < 2:
        return SubdistributionHazards(reference=None, per_group={}, notes=tuple(notes))
    ref = reference if reference in present else present[0]
    others = [g for g in present if g != ref]
    # A group without an event of the endpoint has no finite ratio (R's crr reports a huge
    # negative coefficient); it is said so rather than printed.
    silent = [
        g for g in present if not weights[known][(labels[known] == g) & (causes[known] == 1)].sum()
    ]
    if silent:
        notes.append(
            f"No subdistribution hazard ratios: {', '.join(silent)} "
            f"{'has' if len(silent) == 1 else 'have'} no events of the endpoint, so a ratio "
            "against it has no finite estimate."
        )
        return SubdistributionHazards(reference=ref, per_group={}, notes=tuple(notes))
    x = np.column_stack([(labels[known] == g).astype(float) for g in others])
    try:
        fit = fine_gray(times[known], causes[known], x, weights=weights[known])
    except NotEstimable as why:
        notes.append(f"No subdistribution hazard ratios: {why}.")
        return SubdistributionHazards(reference=ref, per_group={}, notes=tuple(notes))
    z = ndtri(0.975)
    per_group = {}
    for i, label in enumerate(others):
        beta, se = float(fit.coef[i]), float(fit.se[i])
        per_group[label] = {
            "shr": float(np.exp(beta)),
            "shr_ci_low": float(np.exp(beta - z * se)),
            "shr_ci_high": float(np.exp(beta + z * se)),
            "shr_p": float(2 * ndtr(-abs(beta / se))),
        }
    return SubdistributionHazards(reference=ref, per_group=per_group, notes=tuple(notes))
