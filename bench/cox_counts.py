"""Benchmark: Cox hazard ratios of a registry fitted on counts (stats/cox_counts.py). By hand:

    .venv/bin/python bench/cox_counts.py [--registry /tmp/sts-coxcounts]

`group_hazards` as a grouped survival answer calls it (the model, the likelihood-ratio test of
the groups, the Schoenfeld tests), on the seeded synthetic registry of
tests/reference/registry_counts.py: 8 groups, integer-day times. Prints figures; asserts
nothing (shared machines are noisy: read the numbers, compare runs).

With --registry, also whole answers on bench/registry.py's registry of 10^6 patients (written
there once, loaded with its store beside it): warm `pfs by=…` and `forest pfs by=sex`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sts_queries.metrics.survival.hazards import group_hazards
from tests.reference.registry_counts import registry


def timed(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def hazards(counts: pd.DataFrame, covariates: pd.DataFrame | None, weights):
    return group_hazards(
        counts["time"].to_numpy(float),
        counts["event"].to_numpy(int),
        counts["group"].to_numpy(object),
        order=[],
        reference=None,
        covariates=covariates,
        covariate_orders={},
        weights=weights,
    )


def main() -> None:
    for n in (100_000, 1_000_000):
        counts = registry(n, seed=1)
        w = counts["patients"].to_numpy()
        seconds = timed(lambda c=counts, w=w: hazards(c, None, w))
        print(f"{n:>9,} patients, 8 groups ({len(counts):,} rows of counts): {seconds:.3f} s")
        seconds = timed(lambda c=counts, w=w: hazards(c, c[["sex"]], w))
        print(f"{n:>9,} patients, 8 groups + sex: {seconds:.3f} s")
        # One row per patient, as survival.sql hands them over: collapsed inside.
        rows = counts.loc[np.repeat(counts.index, w)].reset_index(drop=True)
        seconds = timed(lambda r=rows: hazards(r, None, None))
        print(f"{n:>9,} patients, 8 groups, a row per patient: {seconds:.3f} s")
        # A number (age with decimals) makes every row distinct: nothing collapses.
        age = pd.DataFrame({"age": np.random.default_rng(2).normal(62, 11, len(rows)).round(1)})
        seconds = timed(lambda r=rows, a=age: hazards(r, a, None), repeat=1)
        print(f"{n:>9,} patients, 8 groups + age (numeric, a row per patient): {seconds:.3f} s")


def answers(folder: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from registry import write_registry

    from sts_bot.service.service import Service
    from sts_queries.cohort.cohort import load_cohort

    write_registry(folder, 1_000_000, 10)
    cohort = load_cohort(folder, store=folder.parent / f"{folder.name}-store")
    service = Service.over(cohort)
    for command in ("pfs by=histology", "pfs by=sex adjust=age", "forest pfs by=sex"):

        def ask(command=command):
            service.cache.clear()
            service.respond(command, cohort, with_plots=False)

        print(f"{cohort.rows():,} patients, warm `{command}` (no plot): {timed(ask):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", type=Path)
    args = parser.parse_args()
    main()
    if args.registry:
        answers(args.registry)
