"""Plots drawn in worker processes are the same plots; a dead pool falls back, nothing lost;
the workers exit with the server, kill -9 included."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from sts_bot.plots.figures import draw
from sts_bot.plots.pool import PlotPool
from sts_queries.answer import ask


def test_workers_draw_the_same_png_and_a_broken_pool_falls_back(demo):
    answer = ask("pfs by=stage", demo)
    expected = draw(answer)
    pool = PlotPool(1)
    try:
        assert pool.draw(answer) == expected
        for process in list(pool._pool._processes.values()):
            process.kill()
            process.join()
        assert pool.draw(answer) == expected  # drawn in-process now
        assert pool._pool is None
    finally:
        pool.close()


def descendants(pid: int) -> set[int]:
    """Every process under `pid` (Linux's /proc children lists)."""
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


def running(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its reaper has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_server_is_killed_9():
    # The forkserver preloads nothing here: what is checked is how workers end, not what they
    # have imported (matplotlib, ~3 CPU-s; the test above draws with it preloaded).
    code = (
        "import multiprocessing, sys, time; from sts_bot.plots.pool import PlotPool; "
        "multiprocessing.get_context('forkserver').set_forkserver_preload = lambda names: None; "
        "p = PlotPool(2); print('up', flush=True); time.sleep(600)"
    )
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "up"
        workers = descendants(server.pid)
        assert len(workers) >= 3  # the forkserver and two workers under it
    finally:
        server.kill()  # SIGKILL: no clean-up of its own runs
        server.wait(timeout=30)
    deadline = time.monotonic() + 60  # a bound on waiting, not a measure of speed
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if running(pid)]
