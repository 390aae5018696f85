"""Benchmark: a warm KM answer with its plot, and how Kaplan–Meier scales. Run by hand:

    .venv/bin/python bench/km.py

Prints figures; asserts nothing (shared machines are noisy: read the numbers, compare runs).
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sts_bot.service.service import Service
from sts_queries.cohort.cohort import CohortMeta, assemble, demo_path, load_cohort
from sts_queries.stats.survival import kaplan_meier, logrank

SERVICE = Service()
respond = SERVICE.respond


def timed(fn, repeat: int) -> list[float]:
    """Seconds per call, each computed afresh: the answer cache is emptied before every call."""
    out = []
    for _ in range(repeat):
        SERVICE.cache.clear()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def show(label: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p50 = statistics.median(ms)
    print(f"{label:<44} p50 {p50:9.1f} ms   min {ms[0]:9.1f} ms   max {ms[-1]:9.1f} ms")


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "patient_id": np.arange(1, n + 1).astype(str),
            "arm": rng.choice(["A", "B", "C"], size=n),
            "pfs_time": np.round(rng.exponential(9.0, size=n), 2),
            "pfs_event": (rng.random(n) < 0.7).astype(int),
        }
    )


def main() -> None:
    demo = load_cohort(demo_path())
    respond("pfs resection=no", demo)  # warm: imports, fonts, caches
    show(
        "demo: pfs resection=no, text only",
        timed(lambda: respond("pfs resection=no", demo, with_plots=False), 20),
    )
    show(
        "demo: pfs resection=no + KM plot (PNG)",
        timed(lambda: respond("pfs resection=no", demo), 10),
    )
    show(
        "demo: pfs by=stage + KM plot (3 curves)", timed(lambda: respond("pfs by=stage", demo), 10)
    )
    show("demo: orr histology=LPS", timed(lambda: respond("orr histology=LPS", demo), 20))
    respond("pfs by=stage", demo)
    cached = []
    for _ in range(20):
        start = time.perf_counter()
        respond("pfs by=stage", demo)
        cached.append(time.perf_counter() - start)
    show("demo: pfs by=stage again (answer cache)", cached)
    print()
    for n in (10**5, 10**6):
        frame = synthetic(n)
        t, e, g = (
            frame["pfs_time"].to_numpy(),
            frame["pfs_event"].to_numpy(),
            frame["arm"].to_numpy(),
        )
        tracemalloc.start()
        kaplan_meier(t, e)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        show(
            f"kaplan_meier n={n:,} (peak {peak:.0f} MiB)",
            timed(lambda t=t, e=e: kaplan_meier(t, e), 5),
        )
        show(f"logrank 3 groups n={n:,}", timed(lambda t=t, e=e, g=g: logrank(t, e, g), 3))
        cohort = assemble(
            Path("."), CohortMeta(name="synthetic", time_unit="months"), {"patients": frame}
        )
        show(
            f"answer 'pfs' via DuckDB n={n:,} (no plot)",
            timed(lambda c=cohort: respond("pfs", c, with_plots=False), 3),
        )
        show(
            f"answer 'pfs by=arm' + plot n={n:,}",
            timed(lambda c=cohort: respond("pfs by=arm", c), 3),
        )


if __name__ == "__main__":
    main()
