"""lifelines' Cox model, fitted quietly: warnings become plain-words reasons, never output.

`CoxPHFitter` uses Efron's method for ties and Wald intervals, as R's `coxph` by default, and
stops on the relative change in the log-likelihood that R uses (1e-9).

`fit` chooses the fitter: lifelines on the patients up to MAX_LIFELINES_PATIENTS (the answers
as they always were), past that `cox_counts` on the distinct rows (lifelines takes 35 s at
200,000 patients; the counts fit of a registry's million takes a fraction of a second).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtri

from sts_queries.stats.cox_efron import efron_values
from sts_queries.stats.cox_risk_sets import prepare
from sts_queries.stats.cox_zph import zph

if TYPE_CHECKING:  # lifelines is imported by the first Cox model fitted, not by every answer
    from lifelines.fitters.coxph_fitter import SemiParametricPHFitter

__all__ = [
    "DURATION",
    "EVENT",
    "MAX_LIFELINES_PATIENTS",
    "LifelinesCox",
    "choose_fitter",
    "effect",
    "fit",
    "fit_quietly",
    "frame",
    "ph_tests",
    "wald_effect",
]

DURATION, EVENT = "_time", "_event"

# lifelines warns before fitting when a column barely varies (`utils.check_low_var`: variance
# below 1e-4, e.g. a covariate measured on a tiny scale). It standardises every column before
# fitting, so that is harmless; a real problem shows up in the fit, as the other warnings.
_BENIGN_WARNING = "have very low variance. This may harm convergence"

SINGULAR = (
    "The Cox model cannot be estimated: its information matrix is singular (a covariate "
    "duplicates the groups or another covariate, or there are too few events)."
)
INFINITE = (
    "The Cox model cannot be estimated: it does not converge to a finite answer (a hazard "
    "ratio runs off to zero or infinity, typically because one group's events all happen "
    "while no one of another group is still at risk)."
)


# The largest model (in patients) fitted by lifelines; larger ones are fitted on counts.
MAX_LIFELINES_PATIENTS = 50_000
FITTERS = ("auto", "lifelines", "counts")


def choose_fitter(patients: int, fitter: str = "auto") -> str:
    """ "lifelines" or "counts" for a model of `patients` patients ("auto" picks by size)."""
    if fitter not in FITTERS:
        raise ValueError(f"fitter must be one of {FITTERS}, got {fitter!r}")
    if fitter != "auto":
        return fitter
    return "lifelines" if patients <= MAX_LIFELINES_PATIENTS else "counts"


def frame(time, event, design: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The frame both Cox fitters read: DURATION, EVENT, then the design's columns in order."""
    return pd.DataFrame({DURATION: time, EVENT: event, **design})


class LifelinesCox:
    """A lifelines fit behind the interface `cox_counts.CountsModel` offers too."""

    def __init__(self, model: SemiParametricPHFitter, data: pd.DataFrame):
        self.model, self.data = model, data
        self.columns = tuple(model.params_.index)
        self.loglik = float(model.log_likelihood_)

    def effect(self, column: str, conf_level: float = 0.95) -> dict[str, float]:
        """hr, ci_low, ci_high (Wald, at `conf_level`) and the Wald p of one column."""
        return effect(self.model, column, conf_level)

    def lr_test(self) -> tuple[float, int, float]:
        lr = self.model.log_likelihood_ratio_test()
        return float(lr.test_statistic), int(lr.degrees_freedom), float(lr.p_value)

    def ph_tests(self, terms: Sequence[Sequence[str]]):
        """R's `cox.zph`: (global (chi2, df, p), [each term's]); `terms`: each term's columns."""
        return ph_tests(self.model, self.data, terms)


def fit(data: pd.DataFrame, weights=None):
    """(fitted model, None) or (None, why in plain words): `data` as for `fit_quietly`, each
    row standing for `weights` patients (1 each when None), fitted by lifelines on the
    expanded rows (np.repeat: one row per patient). `cox_models.fit` chooses the fitter."""
    if weights is not None:
        rows = np.repeat(np.arange(len(data)), np.asarray(weights, dtype=np.int64))
        data = data.iloc[rows].reset_index(drop=True)
    model, why = fit_quietly(data)
    return (None, why) if model is None else (LifelinesCox(model, data), None)


def fit_quietly(data: pd.DataFrame) -> tuple[SemiParametricPHFitter | None, str | None]:
    """(model, None) for a usable fit of `data` (columns DURATION, EVENT, then the design);
    (None, why in plain words) otherwise."""
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning, StatisticalWarning

    model = _lean_fitter()()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(data, DURATION, EVENT)
        except ConvergenceError:
            return None, SINGULAR
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return None, "The Cox model cannot be estimated on these data."
    trouble = [
        w
        for w in caught
        if issubclass(w.category, ConvergenceWarning | StatisticalWarning)
        and _BENIGN_WARNING not in str(w.message)
    ]
    estimates = [
        *model.params_,
        *model.standard_errors_,
        *model.confidence_intervals_.to_numpy().ravel(),
    ]
    if trouble or not np.all(np.isfinite(estimates)):
        return None, INFINITE
    return model, None


@functools.cache
def _lean_fitter() -> type:
    """lifelines' semi-parametric Cox fitter (what `CoxPHFitter()` fits with its defaults),
    computing only what an answer reads: the coefficients, their variance, standard errors and
    Wald limits, and the log-likelihoods. Its `fit` is lifelines' own, step for step and on
    the same arrays (so the same numbers to the last bit), less the steps that feed only
    lifelines' plots and predictions: the training data's central values (a pandas
    `describe`), the predicted partial hazards and the baseline hazard and survival — about
    half of lifelines' time on a few hundred patients. Built on first use: lifelines loads
    with the first Cox model, not with every answer."""
    from lifelines import utils
    from lifelines.fitters import coxph_fitter

    class LeanPHFitter(coxph_fitter.SemiParametricPHFitter):
        def fit(self, df: pd.DataFrame, duration_col: str, event_col: str):
            utils.CensoringType.set_censoring_type(self, utils.CensoringType.RIGHT)
            self.duration_col, self.event_col = duration_col, event_col
            self.robust, self.cluster_col, self.weights_col = False, None, None
            self.entry_col, self.formula, self._batch_mode = None, None, None
            self._n_examples = df.shape[0]
            self.strata = utils._to_list_or_singleton(self.strata)
            X, T, E, weights, entries, _, self._clusters = self._preprocess_dataframe(df)
            self._norm_mean, self._norm_std = X.mean(0), X.std(0)
            X_norm = pd.DataFrame(
                utils.normalize(X.values, self._norm_mean.values, self._norm_std.values),
                index=X.index,
                columns=X.columns,
            )
            beta, ll, hessian = self._newton_raphson_for_efron_model(
                X_norm, T, E, weights, entries, show_progress=False
            )
            if hessian.size > 0:
                variance = -coxph_fitter.inv(hessian) / np.outer(self._norm_std, self._norm_std)
                self.variance_matrix_ = pd.DataFrame(variance, index=X.columns, columns=X.columns)
            else:  # no covariate column
                self.variance_matrix_ = pd.DataFrame(index=X.columns, columns=X.columns)
            self.log_likelihood_ = ll
            names = pd.Index(X.columns, name="covariate")
            self.params_ = pd.Series(beta / self._norm_std.values, index=names, name="coef")
            self.standard_errors_ = self._compute_standard_errors(X_norm, T, E, weights)
            self.confidence_intervals_ = self._compute_confidence_intervals()
            return self

        def _get_efron_values_single(self, X, T, E, weights, entries, beta):
            return efron_values(X.values, T.values, E.values, weights.values, beta)

    return LeanPHFitter


def effect(
    model: SemiParametricPHFitter, column: str, conf_level: float = 0.95
) -> dict[str, float]:
    """hr, ci_low, ci_high (Wald, at `conf_level`) and the Wald p of one model column.

    The limits are exp(β ± z·se) with z the normal quantile of `conf_level`, as R's
    `confint(coxph)`; lifelines' own `confidence_intervals_` are fixed at the fitter's alpha."""
    return wald_effect(
        float(model.params_[column]), float(model.standard_errors_[column]), conf_level
    )


def wald_effect(beta: float, se: float, conf_level: float = 0.95) -> dict[str, float]:
    """hr, ci_low, ci_high and the two-sided Wald p of a coefficient `beta` with standard error
    `se`: the one place every Cox backend turns its estimate into an answer."""
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    z = float(ndtri(1.0 - (1.0 - conf_level) / 2.0))
    with np.errstate(over="ignore"):  # a coefficient that ran off: inf, for the caller to see
        hr, low, high = (float(np.exp(x)) for x in (beta, beta - z * se, beta + z * se))
    return {
        "hr": hr,
        "ci_low": low,
        "ci_high": high,
        "p": float(chdtrc(1, (beta / se) ** 2)),
    }


def ph_tests(model: SemiParametricPHFitter, data: pd.DataFrame, terms: Sequence[Sequence[str]]):
    """R's `cox.zph` (survival 3.x) of a lifelines fit: (global (chi2, df, p), [each term's]),
    `terms` naming each term's columns; (None, []) where it cannot be computed (`cox_zph`)."""
    columns = list(model.params_.index)
    x = data[columns].to_numpy(dtype=float).reshape(len(data), len(columns))
    s = prepare(
        data[DURATION].to_numpy(dtype=float),
        data[EVENT].to_numpy(dtype=np.int64),
        x,
        np.ones(len(data)),
    )
    beta = model.params_.to_numpy(dtype=float)
    return zph(s, beta, [[columns.index(c) for c in term] for term in terms])
