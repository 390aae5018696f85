"""Plots drawn in worker processes, so several KM curves render at once on several cores.

matplotlib holds the GIL while it lays out text, so threads draw one plot at a time; a burst
of `pfs` questions then queues behind it. A small process pool (forkserver: never fork a
threaded server) draws in parallel and keeps the serving process free for acks and numbers.
If the pool breaks, plots are drawn in-process again: slower, never lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
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
            max_workers=workers, mp_context=context
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
