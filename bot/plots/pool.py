"""Plots drawn in worker processes, so several KM curves render at once on several cores.

matplotlib holds the GIL while it lays out text, so threads draw one plot at a time; a burst
of `pfs` questions then queues behind it. A small process pool (forkserver: never fork a
threaded server) draws in parallel and keeps the serving process free for acks and numbers.
If the pool breaks, plots are drawn in-process again: slower, never lost.

Workers exit with the server, kill -9 included: each watches the server's pid (a pidfd on
Linux, else a poll once a second), and asks the kernel to kill it when its own parent, the
forkserver, dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sts_bot.plots.figures import Plot, draw
from sts_queries.result import Answer

__all__ = ["PlotPool"]

log = logging.getLogger("sts.plots")


class PlotPool:
    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has matplotlib and the plot code imported already.
        context.set_forkserver_preload(["sts_bot.plots.figures", "sts_bot.plots.drawings"])
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=die_with,
            initargs=(os.getpid(),),
        )
        self._lock = threading.Lock()
        # Start every worker now, not on the first question.
        for future in [self._pool.submit(_ready) for _ in range(workers)]:
            future.result(timeout=120)

    def draw(self, answer: Answer) -> tuple[Plot, ...]:
        pool = self._pool
        if pool is None:
            return draw(answer)
        try:
            return pool.submit(draw, answer).result(timeout=120)
        except BrokenProcessPool:
            log.error("plot workers died; drawing in-process from now on")
            with self._lock:
                self._pool = None
            return draw(answer)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with(server: int) -> None:
    """A worker's first step: exit when `server` exits, however it ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the forkserver's death
    try:
        watched = os.pidfd_open(server)
    except ProcessLookupError:
        os._exit(0)  # gone already, between the fork and here
    except (AttributeError, OSError):  # no pidfds (not Linux 5.3+): poll instead
        watched = None
    threading.Thread(
        target=_watch, args=(server, watched), name="sts-die-with", daemon=True
    ).start()


def _watch(server: int, watched: int | None) -> None:
    if watched is not None:
        select.select([watched], [], [])  # readable once the process has exited
        os._exit(0)
    while True:
        time.sleep(1.0)
        try:
            os.kill(server, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass  # alive, another user's (cannot be ours, but never exit on it)
