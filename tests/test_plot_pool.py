"""Plots drawn in worker processes are the same plots; a dead pool falls back, nothing lost."""

from __future__ import annotations

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
