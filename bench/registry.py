"""Benchmark: a registry of 10^6 patients (with date columns) and 2.5×10^6 adverse events.

    .venv/bin/python bench/registry.py [--patients 1000000] [--dir DIR] [--assessments]

Writes the registry as CSV (once; reused while the files exist), then, each step in a fresh
process so that its time and peak memory are its own:

1. first load: read, validate, derive os/pfs from dates, store (DuckDB file keyed by hash);
2. cold `orr`: a new process opens the stored cohort and answers;
3. warm `orr`, `pfs by=histology` with its plot, `tox`, the weekly `summary` with its plot,
   `forest pfs by=sex`, `pfs by=sex adjust=age` (and `dor`, `ttr` with --assessments)
   (answer cache emptied per call).

Prints figures; asserts nothing (shared machines are noisy: read the numbers, compare runs).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOML = """name = "Synthetic registry"
time_unit = "months"
[endpoints.os]
start = "start_date"
events = ["death_date"]
censor = "last_contact_date"
[endpoints.pfs]
start = "start_date"
events = ["progression_date", "death_date"]
censor = "last_contact_date"
"""


def write_registry(folder: Path, patients: int, events: int) -> None:
    """The registry's CSV files, written by DuckDB (seeded, so every run reads the same data)."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cohort.toml").write_text(TOML)
    if (folder / "patients.csv").exists() and (folder / "adverse_events.csv").exists():
        return
    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    con.execute(
        f"""
        CREATE TABLE p AS
        SELECT i AS patient_id,
               CASE WHEN random() < 0.5 THEN 'M' ELSE 'F' END AS sex,
               CAST(18 + floor(random() * 70) AS INTEGER) AS age,
               ['LPS','UPS','SS','LMS','MPNST','DFSP','ES','OS']
                 [1 + CAST(floor(random() * 8) AS INTEGER)] AS histology,
               ['I','II','IIIA','IIIB','IV'][1 + CAST(floor(random() * 5) AS INTEGER)] AS stage,
               CAST(floor(random() * 5) AS INTEGER) AS ecog,
               ['CR','PR','SD','PD','NE']
                 [1 + CAST(floor(random() * 5) AS INTEGER)] AS best_response,
               DATE '2010-01-01' + CAST(floor(random() * 4000) AS INTEGER) AS start_date,
               CAST(floor(random() * 2000) AS INTEGER) AS prog_days,
               CAST(floor(random() * 3000) AS INTEGER) AS death_days,
               random() AS u
        FROM range(1, {patients + 1}) t(i)
        """
    )
    con.execute(
        """
        COPY (
          SELECT patient_id, sex, age, histology, stage, ecog, best_response, start_date,
                 CASE WHEN u < 0.6 THEN start_date + prog_days END AS progression_date,
                 CASE WHEN u < 0.4 THEN start_date + prog_days + death_days END AS death_date,
                 CASE WHEN u >= 0.4 THEN start_date + prog_days + death_days END
                   AS last_contact_date
          FROM p ORDER BY patient_id
        ) TO '{}' (HEADER, DELIMITER ',')
        """.format(folder / "patients.csv")
    )
    terms = "['Neutropenia','Anemia','Thrombocytopenia','Hypertension','Nausea','Fatigue']"
    con.execute(
        f"""
        COPY (
          SELECT 1 + CAST(floor(random() * {patients}) AS INTEGER) AS patient_id,
                 {terms}[1 + CAST(floor(random() * 6) AS INTEGER)] AS term,
                 1 + CAST(floor(random() * random() * 5) AS INTEGER) AS grade,
                 1 + CAST(floor(random() * 8) AS INTEGER) AS cycle
          FROM range({events})
        ) TO '{folder / "adverse_events.csv"}' (HEADER, DELIMITER ',')
        """
    )


# The warm answers timed, with their plots or not; `summary` replays the registry twice (this
# week's end and the week before) and compares them.
WARM = (
    ("orr", False),
    ("pfs by=histology", True),
    ("tox", False),
    ("summary", True),
    ("forest pfs by=sex", True),
    ("pfs by=sex adjust=age", False),
)
# With --assessments (3 dated RECIST assessments per patient, 3x10^6 rows): response duration.
ASSESSED = (("dor", True), ("ttr", False))


def _warm(folder: str | Path) -> tuple[tuple[str, bool], ...]:
    return WARM + (ASSESSED if (Path(folder) / "assessments.csv").exists() else ())


def write_assessments(folder: Path) -> None:
    """Three assessments per patient, six weeks apart, from start_date (seeded): responses
    that sometimes contradict the registry's progression dates, as real records do."""
    import duckdb

    if (folder / "assessments.csv").exists():
        return
    con = duckdb.connect()
    con.execute("SELECT setseed(0.1)")
    con.execute(
        f"""
        COPY (
          SELECT p.patient_id, p.start_date + CAST(42 * k AS INTEGER) AS date,
                 ['CR','PR','SD','PD'][1 + CAST(floor(random() * 4) AS INTEGER)] AS response
          FROM read_csv_auto('{folder / "patients.csv"}') p, range(1, 4) r(k)
          ORDER BY p.patient_id, date
        ) TO '{folder / "assessments.csv"}' (HEADER)
        """
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(name: str, folder: str, store: str) -> dict:
    """One measured step, run inside its own process."""
    started = time.perf_counter()
    from sts_queries.cohort.cohort import load_cohort

    if name == "load":
        cohort = load_cohort(folder, store=store)
        return {
            "seconds": time.perf_counter() - started,
            "peak_mb": _peak_mb(),
            "patients": cohort.rows(),
            "aes": cohort.rows("adverse_events"),
        }
    from sts_bot.service.service import Service

    cohort = load_cohort(folder, store=store)
    opened = time.perf_counter() - started
    service = Service.over(cohort)
    first = service.respond("orr", cohort, with_plots=False)
    if first.is_error:
        raise SystemExit(first.text)
    out = {"open_seconds": opened, "seconds": time.perf_counter() - started}
    if name == "warm":
        for command, plots in _warm(folder):
            times = []
            for _ in range(5):
                service.cache.clear()  # measure the computation, not the answer cache
                t0 = time.perf_counter()
                outcome = service.respond(command, cohort, with_plots=plots)
                times.append(time.perf_counter() - t0)
                if outcome.is_error:
                    raise SystemExit(outcome.text)
            out[command] = statistics.median(times)
    out["peak_mb"] = _peak_mb()
    return out


def _run_step(name: str, folder: Path, store: Path) -> tuple[dict, float]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--step", name, "--dir", str(folder), "--store", str(store)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--dir", default="/tmp/sts-registry")
    parser.add_argument("--store", default="")
    parser.add_argument("--step", default="")
    parser.add_argument(
        "--assessments", action="store_true", help="add assessments.csv; time dor and ttr too"
    )
    args = parser.parse_args()
    folder = Path(args.dir)
    if args.assessments and args.dir == parser.get_default("dir"):
        folder = Path(f"{args.dir}-assessed")
    if args.step:
        print(json.dumps(step(args.step, str(folder), args.store)))
        return
    store = Path(args.store or folder.parent / f"{folder.name}-store")
    t0 = time.perf_counter()
    write_registry(folder, args.patients, int(2.5 * args.patients))
    if args.assessments:
        write_assessments(folder)
    size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
    print(
        f"registry: {args.patients:,} patients, {int(2.5 * args.patients):,} adverse events, "
        f"{size:.0f} MB of CSV (written in {time.perf_counter() - t0:.1f} s)"
    )
    shutil.rmtree(store, ignore_errors=True)
    load, wall = _run_step("load", folder, store)
    print(
        f"first load (read, validate, derive, store): {load['seconds']:.1f} s "
        f"(process {wall:.1f} s), peak {load['peak_mb']:.0f} MB"
    )
    cold, wall = _run_step("cold", folder, store)
    print(
        f"cold `orr` on the stored cohort: {cold['seconds']:.2f} s in-process "
        f"(open {cold['open_seconds']:.2f} s; whole process with imports {wall:.2f} s), "
        f"peak {cold['peak_mb']:.0f} MB"
    )
    warm, _ = _run_step("warm", folder, store)
    for command, plots in _warm(folder):
        print(
            f"warm `{command}`{' with its plot' if plots else ''}: "
            f"{warm[command] * 1000:.0f} ms (median of 5)"
        )
    print(f"peak memory of the answering process: {warm['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
