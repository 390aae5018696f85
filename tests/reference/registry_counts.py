"""Writes registry_counts.csv: a seeded synthetic registry of 200,000 patients as counts.

Run from the repository root:  .venv/bin/python tests/reference/registry_counts.py

Eight groups (A…H, hazard ratios 1 to 2.2 against A) and two sexes (HR 1.3 for m), integer-day
times (heavy ties: about 200 patients per day), follow-up to at most 365 days with uniform
censoring. One row per distinct (group, sex, time, event) with the patients sharing it, so the
200,000 patients fit in a small file; R expands the rows (cox_counts_reference.R) and fits
coxph on the patients, the tests fit the counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PATIENTS = 200_000
OUT = Path(__file__).resolve().parent / "registry_counts.csv"


def registry(n: int = PATIENTS, seed: int = 20240611) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = np.array(list("ABCDEFGH"))
    g = rng.integers(0, 8, n)
    male = rng.integers(0, 2, n)
    hazard = np.linspace(1.0, 2.2, 8)[g] * np.where(male == 1, 1.3, 1.0) / 400.0
    death = np.ceil(rng.exponential(1.0 / hazard))
    censor = np.minimum(np.ceil(rng.uniform(0, 730, n)), 365)
    frame = pd.DataFrame(
        {
            "time": np.minimum(death, censor).astype(int),
            "event": (death <= censor).astype(int),
            "group": groups[g],
            "sex": np.where(male == 1, "m", "f"),
        }
    )
    counts = frame.groupby(["group", "sex", "time", "event"]).size().rename("patients")
    return counts.reset_index()


if __name__ == "__main__":
    table = registry()
    table.to_csv(OUT, index=False)
    print(f"{OUT.name}: {len(table)} rows, {table.patients.sum()} patients")
