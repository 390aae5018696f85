"""How covariates enter a Cox model: the design columns of `cox.hazard_ratios`.

A number enters linearly (one column, its hazard ratio per unit) and anything else as R's
factor (an indicator column per level against the first level, its reference); `kinds`
overrides either way (a code such as stage 1/2/3 is a factor though its values are numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FACTOR", "LINEAR", "adjustment_words", "covariate_design", "level_text", "levels_of"]

# How a covariate enters the model: per unit of a number, or as R's factor.
LINEAR, FACTOR = "linear", "factor"


def adjustment_words(kinds: Sequence[tuple[str, str]]) -> str:
    """`node4 (linear), extent (categories)`: each covariate and how it entered."""
    return ", ".join(f"{name} ({'categories' if kind == FACTOR else kind})" for name, kind in kinds)


def levels_of(values: np.ndarray, order: Sequence[str] | None) -> list[str]:
    """Distinct labels: those of `order` present, in that order, then the rest as R sorts factor
    levels (numerically when every value is a number)."""
    present = list(dict.fromkeys(values))  # in the order they first appear
    numeric = all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in present
    )
    labels = [level_text(v) for v in sorted(present, key=float if numeric else str)]
    first = [str(x) for x in order or () if str(x) in labels]
    return first + [x for x in labels if x not in first]


def covariate_design(
    cov: pd.DataFrame | None, notes: list[str], *, orders: Mapping, kinds: Mapping[str, str]
):
    """({design column: values}, [(column, term name, covariate)], [(covariate, kind, its
    reference level or None)]): a
    covariate enters as `kinds` says ("linear": one column, per unit; "factor": an indicator
    per level against the first, R's factor), by default linearly when its values are
    numbers. One with a single value here adds nothing and is left out, with a note."""
    design: dict[str, np.ndarray] = {}
    terms: list[tuple[str, str, str]] = []
    used: list[tuple[str, str, str | None]] = []
    for i, name in enumerate(() if cov is None else cov.columns):
        numeric = cov[name].dtype.kind in "iufc"  # numbers, not booleans, dates or categories
        kind = kinds.get(name) or (LINEAR if numeric else FACTOR)
        if kind == LINEAR and not numeric:
            raise ValueError(f"{name} has values that are not numbers; it cannot be linear")
        values = np.asarray(cov[name])
        levels = levels_of(values, orders.get(name) if kind == FACTOR else None)
        if len(levels) < 2:
            notes.append(f"Not adjusted for {name}: it has a single value here.")
            continue
        if kind == LINEAR:
            design[f"_c{i}"] = values.astype(float)
            terms.append((f"_c{i}", str(name), str(name)))
        else:
            as_text = np.asarray(cov[name].map(level_text), dtype=object)
            for j, level in enumerate(levels[1:], start=1):
                design[f"_c{i}_{j}"] = (as_text == level).astype(float)
                terms.append((f"_c{i}_{j}", f"{name} {level} vs {levels[0]}", str(name)))
        used.append((str(name), kind, levels[0] if kind == FACTOR else None))
    return design, terms, used


def level_text(value) -> str:
    """A value as `_levels` names it: 2.0 as "2" (a code read as a float is still the code)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
