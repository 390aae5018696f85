from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# The suite starts some forty interpreters (servers, the CLI, the pod) and two workers that
# each import every test module. With PYTHONDONTWRITEBYTECODE set (as on our CI machines),
# each would compile the project's 24,000 lines again and pytest would rewrite every test
# module's asserts again: ~10 CPU-s a run. The first to compile a module caches it in its
# __pycache__ (ignored by git); a read-only tree is no error, Python just skips the write.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False  # before the project is imported, below

from sts_queries.cohort.cohort import demo_path, load_cohort  # noqa: E402

# Property tests run the same examples on every run and machine ("ci", the default: a failure
# in CI is a failure here), with no example database written into the checkout. Explore with
# fresh random examples by hand: HYPOTHESIS_PROFILE=explore make test.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo():
    """The demo cohort as a server loads it (stamped with its content hash)."""
    return load_cohort(demo_path())


@pytest.fixture
def demo_copy(tmp_path):
    """A writable copy of the demo cohort folder."""
    target = tmp_path / "cohort"
    shutil.copytree(demo_path(), target)
    return target


def write_cohort(folder: Path, patients: str, toml: str | None = None, **tables: str) -> Path:
    """A cohort folder from CSV text; the smallest valid one is patients + name/time_unit."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cohort.toml").write_text(toml or 'name = "test"\ntime_unit = "months"\n')
    (folder / "patients.csv").write_text(patients)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL 15 cluster for this test process (tests/postgres.py), skipped where the
    machine has none; `postgres.fresh()` is a new, empty database in it."""
    from tests.postgres import session_cluster

    yield from session_cluster()


# pytest-xdist sends whole files to its workers (--dist loadfile), in collection order. A long
# file sent last leaves the other worker idle until it ends, so the files that take longest
# (servers, clusters, replays: `pytest --durations=0` by file) are collected first and the
# rest after them in their usual order. Only the order changes; every worker sees the same.
LONGEST_FIRST = (
    "test_snapshot_synthetic.py",
    "test_weekly_ledger.py",
    "test_fleet.py",
    "test_privacy_cells.py",
    "test_weekly.py",
    "test_delivery_faults.py",
    "test_snapshot.py",
    "test_plot_checks.py",
    "test_golden.py",
    "test_slack_http.py",
    "test_privacy_routes.py",
    "test_socket_mode.py",
    "test_manifests.py",
    "test_plots.py",
    "test_language_fuzz.py",
    "test_measurements.py",
    "test_health.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest as is
