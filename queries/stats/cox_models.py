"""One interface to the Cox fitters: lifelines' (`cox_fit`) or the fit on counts (`cox_counts`).

Both return (a model with `effect`, `lr_test`, `schoenfeld` …, None) or (None, why in plain
words); `cox_fit.choose_fitter` says which one a number of patients gets.
"""

from __future__ import annotations

import numpy as np

from sts_queries.stats import cox_fit
from sts_queries.stats.cox_counts import fit_counts
from sts_queries.stats.cox_risk_sets import collapse

__all__ = ["fit"]


_STRATUM = "_stratum"


def fit(time, event, design, weights=None, *, fitter: str = "lifelines", strata=None):
    """(fitted model, None) or (None, why in plain words): arrays of the times, the events (0/1)
    and the design's columns by name (`cox_fit.frame` makes them the fitters' frame), each row
    standing for `weights` patients (1 each when None). "lifelines" fits the expanded rows
    (np.repeat: one row per patient), "counts" the distinct rows (`cox_counts`).

    `strata` (a stratum per row) fits a stratified model, always on counts: `cox_counts` sums
    its risk sets over strata as R's coxph does (one code path for every size)."""
    data = cox_fit.frame(time, event, design)
    if strata is not None:
        data[_STRATUM] = np.unique(np.asarray(strata, dtype=str), return_inverse=True)[1]
        rows, patients = collapse(data, weights)
        codes = rows.pop(_STRATUM).to_numpy()
        return fit_counts(rows, patients, strata=codes)
    if fitter == "counts":
        return fit_counts(*collapse(data, weights))
    return cox_fit.fit(data, weights)
