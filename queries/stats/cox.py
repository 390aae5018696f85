"""Hazard ratios of groups against a reference, from a Cox proportional-hazards model.

The model is lifelines' `CoxPHFitter` (Efron ties, Wald intervals: R `coxph`'s defaults, the
field's reference) up to `cox_fit.MAX_LIFELINES_PATIENTS` patients, and past that (or with
strata) the same model fitted on counts (`cox_counts`: identical patients as one row, as R's
coxph on the patients). Groups enter as indicator columns against the reference group;
adjustment covariates linearly when numeric and as indicators against their first level (R's
factor coding) otherwise. Where the model cannot be estimated the result says why in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import chdtrc

from sts_queries.errors import UsageError
from sts_queries.stats.cox_design import (
    FACTOR,
    LINEAR,
    adjustment_words,
    covariate_design,
    levels_of,
)
from sts_queries.stats.cox_fit import INFINITE, choose_fitter
from sts_queries.stats.cox_models import fit
from sts_queries.stats.missing import any_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FACTOR",
    "LINEAR",
    "CovariateEffect",
    "GroupHazard",
    "HazardRatios",
    "ModelTest",
    "adjustment_words",
    "hazard_ratios",
]

# Fewer events than this per model parameter and the estimates are flagged as imprecise
# (the rule of thumb of ten events per variable, Peduzzi et al. 1996).
_EVENTS_PER_PARAMETER = 10
_PH_ALPHA = 0.05


@dataclass(frozen=True, kw_only=True)
class GroupHazard:
    """One group's hazard ratio against the reference (all None for the reference itself)."""

    label: str
    n: int
    events: int
    hr: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None  # Wald test of this group against the reference


@dataclass(frozen=True, kw_only=True)
class CovariateEffect:
    """An adjustment term: per unit of a number, or one level against the first level."""

    term: str
    hr: float
    ci_low: float
    ci_high: float
    p: float


@dataclass(frozen=True, kw_only=True)
class ModelTest:
    name: str
    chi2: float
    df: int
    p: float


@dataclass(frozen=True, kw_only=True)
class HazardRatios:
    """The Cox model's answer. Without a `reason` the hazard ratios are there; with one, none."""

    reference: str | None
    groups: tuple[GroupHazard, ...]
    adjusted_for: tuple[str, ...]
    n: int  # patients in the model (those with every covariate)
    events: int
    conf_level: float
    method: str
    adjusted_kinds: tuple[tuple[str, str], ...] = ()  # (covariate, LINEAR or FACTOR)
    adjusted_references: tuple[tuple[str, str], ...] = ()  # (factor, its reference level)
    covariates: tuple[CovariateEffect, ...] = ()
    lr_test: ModelTest | None = None  # the whole model against none, as summary(coxph)
    group_test: ModelTest | None = None  # the groups given the covariates (= lr_test alone)
    ph_test: ModelTest | None = None  # Schoenfeld residuals, every term together
    ph_term_p: tuple[tuple[str, float], ...] = ()  # Schoenfeld residuals, term by term
    reason: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def estimable(self) -> bool:
        return self.reason is None


def hazard_ratios(
    time,
    event,
    group,
    *,
    reference: str | None = None,
    order: Sequence[str] | None = None,
    covariates: pd.DataFrame | None = None,
    covariate_orders: Mapping[str, Sequence[str]] | None = None,
    covariate_kinds: Mapping[str, str] | None = None,
    conf_level: float = 0.95,
    weights=None,
    fitter: str = "auto",
    strata=None,
) -> HazardRatios:
    """Cox PH hazard ratio of each group in `group` against a reference group.

    The reference is `reference` if given, else the first group of `order` present, else the
    first in sorted order (R's factor levels). `covariates` (one column per covariate, a row
    per patient) adjusts the model; patients missing one are left out, as R's `na.omit`, and a
    note says so. `covariate_kinds` says how each enters: LINEAR (per unit) or FACTOR
    (R's factor: an indicator per level against the first); by default numbers linearly and
    anything else as a factor. `covariate_orders` gives a factor's levels, the first being its
    reference. Raises `UsageError` when `reference` is not one of the groups.

    `weights` gives the patients each row stands for (identical patients as one row: time,
    event, group and covariates; None = one each); every count is of patients. `fitter`:
    "auto" fits lifelines on the patients up to `cox_fit.MAX_LIFELINES_PATIENTS` and the
    counts past that; "lifelines" or "counts" forces one. `strata`: R's `+ strata(s)`.
    """
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event).ravel()
    g = np.asarray(group, dtype=object).ravel()
    if not t.size == e.size == g.size:
        raise ValueError("time, event and group must have the same length")
    w = np.ones(t.size, dtype=np.int64) if weights is None else _patients(weights, t.size)
    if any_missing(g):
        raise ValueError("group has missing values; drop those patients first")
    if not (np.all(np.isfinite(t)) and np.all(t >= 0) and np.all((e == 0) | (e == 1))):
        raise ValueError("times must be finite and >= 0, events 0 (censored) or 1")
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")

    notes: list[str] = []
    keep = np.ones(t.size, dtype=bool)
    cov = None if covariates is None else covariates.reset_index(drop=True)
    if cov is not None:
        if len(cov) != t.size:
            raise ValueError("covariates must have one row per patient")
        keep = ~cov.isna().any(axis=1).to_numpy()
        if not keep.all():
            names = ", ".join(str(c) for c in cov.columns if cov[c].isna().any())
            notes.append(
                f"{int(w[~keep].sum())} of {int(w.sum())} patients left out of the model: "
                f"no {names} recorded."
            )
    t, e, g, w = t[keep], e[keep].astype(int), g[keep], w[keep]
    strata = None if strata is None else np.asarray(strata)[keep]
    kept = None if cov is None else cov[keep]
    design, terms, used = covariate_design(
        kept, notes, orders=covariate_orders or {}, kinds=covariate_kinds or {}
    )
    adjusted_for = [name for name, _, _ in used]
    kinds = [(name, kind) for name, kind, _ in used]

    levels = levels_of(g, order)
    if reference is not None:
        if str(reference) not in levels:
            raise UsageError(
                f"`{reference}` is not one of the groups here, so it cannot be the reference.",
                hint="Groups: " + ", ".join(f"`{x}`" for x in levels) + ".",
            )
        levels = [str(reference), *(x for x in levels if x != str(reference))]
    labels = np.array([str(x) for x in g], dtype=object)
    base = HazardRatios(
        reference=levels[0] if levels else None,
        groups=tuple(
            GroupHazard(
                label=x, n=int(w[labels == x].sum()), events=int((w * e)[labels == x].sum())
            )
            for x in levels
        ),
        adjusted_for=tuple(adjusted_for),
        adjusted_kinds=tuple(kinds),
        adjusted_references=tuple((name, ref) for name, _, ref in used if ref is not None),
        n=int(w.sum()),
        events=int((w * e).sum()),
        conf_level=conf_level,
        method=(
            f"Cox proportional hazards (Efron ties, Wald {conf_level:.0%} CI) as R "
            "survival::coxph" + (", adjusted for " + adjustment_words(kinds) if kinds else "")
        ),
        notes=tuple(notes),
    )
    if (why := _why_not_estimable(base)) is not None:
        return replace(base, reason=why)

    group_columns = {f"_g{i}": x for i, x in enumerate(levels[1:], start=1)}
    for column, x in group_columns.items():
        design[column] = (labels == x).astype(float)
    fitter = choose_fitter(base.n, fitter)
    rows = None if weights is None else w
    model, why = fit(t, e, design, rows, fitter=fitter, strata=strata)
    if model is None:
        return replace(base, reason=why)

    hazards = {x: model.effect(column, conf_level) for column, x in group_columns.items()}
    effects = [model.effect(c, conf_level) for c, _, _ in terms]
    if not all(np.isfinite(list(e.values())).all() for e in [*hazards.values(), *effects]):
        return replace(base, reason=INFINITE)  # a coefficient ran off (a level without events)
    chi2, df, p = model.lr_test()
    lr_test = ModelTest(name="likelihood ratio", chi2=chi2, df=df, p=p)
    group_test: ModelTest | None = lr_test
    if terms:
        covariates_only = {c: x for c, x in design.items() if c not in group_columns}
        reduced, _ = fit(t, e, covariates_only, rows, fitter=fitter, strata=strata)
        if reduced is None:
            group_test = None
            notes.append("The likelihood-ratio test of the groups alone could not be computed.")
        else:
            stat = max(2.0 * float(model.loglik - reduced.loglik), 0.0)
            df = len(group_columns)
            group_test = ModelTest(
                name="likelihood ratio", chi2=stat, df=df, p=float(chdtrc(df, stat))
            )

    # R's cox.zph terms: the groups one term (a factor), each covariate one (its columns).
    ph_terms = [("groups", list(group_columns))] + [
        (name, [c for c, _, of in terms if of == name]) for name, _ in kinds
    ]
    ph, each = model.ph_tests([columns for _, columns in ph_terms])
    ph_test = (
        None
        if ph is None
        else ModelTest(name="Schoenfeld residuals (R cox.zph)", chi2=ph[0], df=ph[1], p=ph[2])
    )
    if ph_test is not None and ph_test.p < _PH_ALPHA:
        notes.append(
            f"Proportional hazards are in doubt (Schoenfeld residuals test p = {ph_test.p:.2g}):"
            " the hazard ratio may change over time; read it as an average over follow-up."
        )
    parameters = len(model.columns)
    if base.events < _EVENTS_PER_PARAMETER * parameters:
        notes.append(
            f"{base.events} events for {parameters} model parameter"
            f"{'s' if parameters > 1 else ''}: the hazard ratios are imprecise."
        )
    return replace(
        base,
        groups=tuple(replace(x, **hazards.get(x.label, {})) for x in base.groups),
        covariates=tuple(
            CovariateEffect(term=name, **e) for (_, name, _), e in zip(terms, effects, strict=True)
        ),
        lr_test=lr_test,
        group_test=group_test,
        ph_test=ph_test,
        ph_term_p=tuple((name, t[2]) for (name, _), t in zip(ph_terms, each, strict=False)),
        notes=tuple(notes),
    )


def _patients(weights, size: int) -> np.ndarray:
    w = np.asarray(weights).ravel()
    if w.size != size:
        raise ValueError("weights must have one value per row")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and np.all(w == np.round(w))):
        raise ValueError("weights are patient counts: whole numbers >= 0")
    return w.astype(np.int64)


def _why_not_estimable(base: HazardRatios) -> str | None:
    if len(base.groups) < 2:
        only = f"there is only `{base.groups[0].label}`" if base.groups else "no patient is left"
        return f"A hazard ratio needs at least two groups to compare; here {only}."
    if base.events == 0:
        return "No hazard ratio yet: there are no events."
    silent = [f"`{x.label}`" for x in base.groups if x.events == 0]
    if silent:
        verb = "has" if len(silent) == 1 else "have"
        return (
            f"No hazard ratio: {', '.join(silent)} {verb} no events, so a hazard ratio against "
            "it would be zero or infinite (not estimable)."
        )
    return None
