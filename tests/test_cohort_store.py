"""The cohort store shared by processes: one builder at a time, builds named per host and
process, a build killed half-way leaves nothing that blocks the next start.

The processes are real: `sts serve --http` twice on one state folder (a registry-sized folder,
so that the first build lasts long enough for the other server to meet it; nothing here
measures its speed), and a build killed with SIGKILL while it writes.
"""

from __future__ import annotations

import fcntl
import functools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sts_queries.cohort.cohort import load_cohort
from sts_queries.cohort.store import CohortStore, content_hash
from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub
from tests.test_slack_http import server_env


def registry(folder: Path, patients: int) -> Path:
    """A cohort folder of `patients` synthetic patients (a fixed seed)."""
    folder.mkdir(parents=True)
    (folder / "cohort.toml").write_text('name = "registry"\ntime_unit = "months"\n')
    rng = random.Random(20)
    rows = [
        f"{i},{rng.randint(20, 90)},{rng.choice('MF')},{rng.choice(('LPS', 'LMS', 'UPS'))},"
        f"{rng.random() * 100:.2f},{rng.randint(0, 1)}\n"
        for i in range(1, patients + 1)
    ]
    text = "patient_id,age,sex,histology,os_time,os_event\n" + "".join(rows)
    (folder / "patients.csv").write_text(text)
    return folder


def building_files(store: Path) -> list[str]:
    return sorted(p.name for p in store.glob(".*.building*"))


def test_build_files_are_named_per_host_and_process_and_never_twice(tmp_path):
    store = CohortStore(tmp_path)
    first, second = store.building("v1"), store.building("v1")
    assert first != second  # two builds in one process (or two PID 1s) never share a file
    assert f".{os.getpid()}." in first.name and first.name.endswith(".building")


# The builder, a process of its own, stops half-way (its patients table written, the other
# tables and the publishing not yet), says so and waits there to be killed: the kill lands
# inside the build every time, whatever the machine's speed, however small the cohort.
_HALF_WAY = """
import sys, time
from sts_queries.cohort import loader
from sts_queries.cohort.cohort import load_cohort

typed = loader.type_tables

def type_tables(*args, **kwargs):
    typed(*args, **kwargs)
    print("half-way", flush=True)
    time.sleep(600)

loader.type_tables = type_tables
load_cohort(sys.argv[1], store=sys.argv[2])
"""


def test_a_build_killed_half_way_leaves_nothing_that_blocks_the_next(tmp_path):
    folder = registry(tmp_path / "cohort", 2_000)
    store = tmp_path / "store"
    build = subprocess.Popen(
        [sys.executable, "-c", _HALF_WAY, str(folder), str(store)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert build.stdout.readline() == "half-way\n", "the build ended before it could be killed"
        assert building_files(store)  # its file, in the store, the lock held
    finally:
        build.kill()  # SIGKILL, mid-build
        build.wait(timeout=60)
        build.stdout.close()
    left = building_files(store)
    assert left and not list(store.glob("*.duckdb"))  # killed mid-build: only the stale file
    cohort = load_cohort(folder, store=store)  # the lock died with its holder: no wait
    assert cohort.rows() == 2_000
    assert building_files(store) == []  # the stale build was cleaned when the lock was taken
    assert [p.name for p in store.glob("*.duckdb")] == [f"{content_hash(folder)}.duckdb"]


def test_stale_builds_are_cleaned_at_start_even_when_the_cohort_is_stored(tmp_path):
    folder = registry(tmp_path / "cohort", 50)
    store = tmp_path / "store"
    load_cohort(folder, store=store)
    stale = store / f".{content_hash(folder)}.otherhost.1.0badc0de.building"
    stale.write_bytes(b"half a database")
    Path(f"{stale}.wal").write_bytes(b"its log")
    assert load_cohort(folder, store=store).rows() == 50  # opened from the store
    assert building_files(store) == []


def test_two_servers_first_starting_on_one_state_dir_both_come_up(tmp_path):
    """Two replicas, one state volume, a cohort nobody has stored yet. Each server runs as PID 1
    of its own PID namespace where the machine allows it, as in a container.

    They meet at the store every time: the test holds the build lock (a builder that then
    dies, leaving its file) until both servers wait for it, so that one builds and the other,
    once it has the lock, finds the cohort stored (by chance before, in two rounds)."""
    folder = registry(tmp_path / "cohort", 2_000)
    state = tmp_path / "state"
    store = state / "cohorts"
    store.mkdir(parents=True)
    homes = [tmp_path / f"r{k}" for k in range(2)]
    lock = os.open(store / ".build.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    (store / f".{content_hash(folder)}.deadhost.1.0badc0de.building").write_bytes(b"half")
    with SlackStub() as stub:
        env = server_env(
            stub,
            tmp_path,
            STS_DATA=str(folder),
            STS_STATE_DIR=str(state),
            STS_PLOT_PROCESSES="0",  # the store is what is tested here, not the plot workers
        )
        env.pop("STS_AUDIT_LOG")
        procs = []
        try:
            for home in homes:  # both started before either is waited for
                home.mkdir()
                procs.append(_spawn(env, home))
            _wait_for_waiters(store / ".build.lock", 2, procs)
            os.close(lock)  # the builder dies: its lock goes with it
            lock = None
            for proc, home in zip(procs, homes, strict=True):
                line = proc.stdout.readline()
                assert "http://" in line, (home / "server.log").read_text()[-3000:]
        finally:
            if lock is not None:
                os.close(lock)
            for proc in procs:
                _stop(proc)
    for home in homes:
        assert_clean(home)
    assert [p.name for p in store.glob("*.duckdb")] == [f"{content_hash(folder)}.duckdb"]
    assert building_files(store) == []


def _wait_for_waiters(path: Path, count: int, procs: list[subprocess.Popen]) -> None:
    """Until `count` processes wait for the flock on `path` (/proc/locks: `->` lines)."""
    inode = f":{path.stat().st_ino} "
    deadline = time.monotonic() + 120  # a bound for a loaded machine, not a speed
    while True:
        locks = Path("/proc/locks").read_text().splitlines()
        if sum("->" in line and inode in line for line in locks) >= count:
            return
        assert all(p.poll() is None for p in procs), "a server stopped before the store"
        assert time.monotonic() < deadline, f"{count} servers never waited for the build lock"
        time.sleep(0.05)


@functools.cache
def _as_pid_1() -> list[str]:
    """`unshare` into a PID namespace of one's own (root only), or nothing where it cannot."""
    probe = ["unshare", "--pid", "--fork", "--kill-child", sys.executable, "-c", ""]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except OSError:
        ok = False
    return probe[:4] if ok else []


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server (unshare, its parent, ignores SIGTERM itself), then wait."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    inside = children.read_text().split() if _as_pid_1() and children.exists() else []
    for pid in inside or [str(proc.pid)]:
        os.kill(int(pid), signal.SIGTERM)
    proc.wait(timeout=60)


def _spawn(env: dict[str, str], home: Path) -> subprocess.Popen:
    log = (home / "server.log").open("a", encoding="utf-8")
    serve = [sys.executable, "-m", "sts_bot.cli", "serve", "--http", "--port", "0"]
    try:
        return subprocess.Popen(
            [*_as_pid_1(), *serve], env=env, cwd=home, stdout=subprocess.PIPE, stderr=log, text=True
        )
    finally:
        log.close()
