"""The hazard ratios of a grouped survival answer: `cox.hazard_ratios` on the selection's groups.

This module only chooses what goes into the model (the groups, the reference, the adjustment
covariates) and words what comes out; the statistics are `cox.py`'s, checked against R.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sts_queries.cohort.catalog import CATEGORICAL, Catalog
from sts_queries.cohort.fields import bin_order
from sts_queries.metrics.shared.groups import MISSING
from sts_queries.metrics.shared.notes import SMALL_GROUP
from sts_queries.stats.cox import HazardRatios, adjustment_words, hazard_ratios

__all__ = [
    "COX_METHOD",
    "GroupHazards",
    "declared_order",
    "factor_order",
    "group_hazards",
    "hr_of",
    "with_hazard",
]

COX_METHOD = "Cox PH (Efron ties, Wald CI) as R coxph"
# Fewer events than this in a group and its hazard ratio rests on almost nothing.
_FEW_EVENTS = 5


@dataclass(frozen=True, kw_only=True)
class GroupHazards:
    """What a grouped survival answer shows of the Cox model."""

    reference: str | None
    adjusted_for: tuple[str, ...]
    per_group: Mapping[str, Mapping[str, float | None]]  # label -> hr, hr_ci_low, hr_ci_high, hr_p
    test: Mapping[str, float | str | int] | None  # the likelihood-ratio test of the groups
    ph_test: Mapping[str, float | str | int] | None  # Schoenfeld residuals, every term
    method: str
    notes: tuple[str, ...]
    model: HazardRatios


def declared_order(
    meta_fields: Mapping[str, Mapping], name: str, catalog: Catalog | None = None
) -> list[str]:
    """The order of a field's values that puts the reference group first: cohort.toml's, else
    binned numbers' own (`<=20`, `20-50`, `>50`: R's sorted text would start at `20-50`); empty
    when neither, and R's sorted factor levels decide (cox.py)."""
    declared = [str(v) for v in meta_fields.get(name, {}).get("order", ())]
    field = catalog.get(name) if catalog is not None and not declared else None
    return declared or (bin_order(field.values) if field is not None else [])


def factor_order(cohort, field) -> list[str]:
    """A factor's levels, the first its reference: cohort.toml's order, binned numbers' own,
    a code's numbers in order (R's factor of a number); else R's sorted text (cox.py)."""
    declared = declared_order(cohort.meta.fields, field.name, cohort.catalog)
    if declared or field.kind == CATEGORICAL:
        return declared
    return [str(v) for v in field.values]


def group_hazards(
    times: np.ndarray,
    events: np.ndarray,
    labels: np.ndarray,
    *,
    order: Sequence[str],
    reference: str | None,
    covariates: pd.DataFrame | None,
    covariate_orders: Mapping[str, Sequence[str]],
    covariate_kinds: Mapping[str, str] | None = None,
    weights: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    strata_text: str = "",
) -> GroupHazards:
    """Cox hazard ratio of each group in `labels` against `reference` (default: first of
    `order`), adjusted for `covariates` (one column per field, a row per patient, or per
    `weights` identical patients when given: each row's patient count).

    Any size: past `cox_fit.MAX_LIFELINES_PATIENTS` patients the model is fitted on counts
    (a registry's million patients in well under a second; see cox_counts.py). `strata`
    (`strata_text` in words) stratifies the model: a stratum per row, `missing` left out."""
    notes: list[str] = []
    known = labels != MISSING
    patients = np.ones(labels.size, dtype=np.int64) if weights is None else np.asarray(weights)
    if not known.all():
        notes.append(
            f"{int(patients[~known].sum())} patient(s) with no recorded group are left out of "
            "the group tests and the hazard ratios."
        )
    if strata is not None and not (stratified := strata[known] != MISSING).all():
        notes.append(
            f"{int(patients[known][~stratified].sum())} patient(s) with no recorded "
            f"{strata_text} are left out of the stratified test and hazard ratios."
        )
        known &= strata != MISSING
    model = hazard_ratios(
        times[known],
        events[known],
        labels[known],
        reference=reference,
        order=[x for x in order if x != MISSING],
        covariates=None if covariates is None else covariates[known],
        covariate_orders=covariate_orders,
        covariate_kinds=covariate_kinds,
        weights=None if weights is None else np.asarray(weights)[known],
        strata=None if strata is None else strata[known],
    )
    method = COX_METHOD + (
        ", adjusted for " + adjustment_words(model.adjusted_kinds) if model.adjusted_kinds else ""
    )
    if strata is not None:
        method += ", stratified (a baseline hazard a stratum)"
    if not model.estimable:
        return GroupHazards(
            reference=model.reference,
            adjusted_for=model.adjusted_for,
            per_group={},
            test=None,
            ph_test=None,
            method=method,
            notes=(*notes, model.reason, *model.notes),
            model=model,
        )
    per_group = {
        g.label: {"hr": g.hr, "hr_ci_low": g.ci_low, "hr_ci_high": g.ci_high, "hr_p": g.p}
        for g in model.groups
    }
    small = [g for g in model.groups if g.n < SMALL_GROUP or g.events < _FEW_EVENTS]
    if small:
        listed = "; ".join(
            f"{g.label}: {g.n} patient{'s' * (g.n != 1)}, {g.events} event{'s' * (g.events != 1)}"
            for g in small
        )
        notes.append(
            f"Small groups ({listed}): their hazard ratios rest on few events, so the 95% CIs "
            "are wide; read them as a direction, not a size."
        )
    test = model.group_test
    return GroupHazards(
        reference=model.reference,
        adjusted_for=model.adjusted_for,
        per_group=per_group,
        test=None
        if test is None
        else {"name": "Cox likelihood-ratio test", "chi2": test.chi2, "df": test.df, "p": test.p},
        ph_test=None
        if model.ph_test is None
        else {
            "name": "Schoenfeld residuals test of proportional hazards",
            "chi2": model.ph_test.chi2,
            "df": model.ph_test.df,
            "p": model.ph_test.p,
        },
        method=method + "; likelihood-ratio test of the groups",
        notes=(*notes, *model.notes),
        model=model,
    )


def with_hazard(group: dict, hazards: GroupHazards) -> dict:
    """The group's keys with its HR inserted before its landmarks (null for the reference)."""
    hr = hazards.per_group.get(group["label"], {})
    if group["label"] == hazards.reference or group["label"] == MISSING:
        hr = {}
    extra = {k: hr.get(k) for k in ("hr", "hr_ci_low", "hr_ci_high", "hr_p")}
    out = {k: v for k, v in group.items() if k != "landmarks"}
    return {**out, **extra, "landmarks": group["landmarks"]}


def hr_of(group: dict) -> tuple[float, float, float]:
    """A group's (HR, low, high), as a KM plot shows it."""
    return (group["hr"], group["hr_ci_low"], group["hr_ci_high"])
