"""Missing values in plain arrays, counted as pandas counts them: None, NaN, NaT, pandas' NA."""

from __future__ import annotations

import numpy as np

__all__ = ["any_missing"]


def any_missing(values) -> bool:
    """Whether any of `values` is missing (as `pd.isna(values).any()`)."""
    values = np.asarray(values)
    if values.dtype.kind in "fc":
        return bool(np.isnan(values).any())
    if values.dtype.kind in "mM":
        return bool(np.isnat(values).any())
    return values.dtype.kind == "O" and any(_missing(v) for v in values.ravel())


def _missing(value) -> bool:
    try:
        return value is None or bool(value != value)  # NaN and NaT are not equal to themselves
    except TypeError:  # pandas' NA has no truth value
        return True
