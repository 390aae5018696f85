"""The public datasets under tests/reference/, as R read them for the reference values."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).parent / "reference"


@cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"{name}.csv")


def selection(name: str, column: str | None, value) -> pd.DataFrame:
    """The rows of `name` where `column` equals `value` (all rows when column is None)."""
    data = dataset(name)
    return data if column is None else data[data[column] == value]
