"""The handler path every surface shares: text in, an Outcome (reply, JSON, plots) out.

A `Service` is owned by whoever serves — the Slack gateway, `sts ask`, the console, the weekly
job — and holds what answering needs between questions: where the cohort comes from (reloaded
when its files change), the answer cache and the plot pool. Nothing here is module-level
state. Errors become replies here, once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from sts_bot.plots.figures import Plot, draw
from sts_bot.render.answers import Reply, compose, error_reply, to_text
from sts_bot.service.source import SETTLE_SECONDS, CohortSource
from sts_queries.answer import answer as compute
from sts_queries.answer import understand
from sts_queries.cohort.cohort import Cohort, demo_path, load_cohort
from sts_queries.errors import InternalError, StsError
from sts_queries.query_spec import QuerySpec
from sts_queries.result import Answer, jsonable

__all__ = ["Outcome", "Service", "unexpected"]

log = logging.getLogger("sts.service")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    reply: Reply
    json: dict
    plots: tuple[Plot, ...] = ()
    answer: Answer | None = None
    is_error: bool = False
    kind: str = "answer"  # the error kind when is_error
    written: tuple[Path, ...] = field(default=())

    @property
    def text(self) -> str:
        text = to_text(self.reply)
        if self.written:
            text += "\n" + "\n".join(f"Plot: {p}" for p in self.written)
        return text

    @classmethod
    def from_error(cls, exc: StsError) -> Outcome:
        return cls(
            reply=error_reply(exc.kind, exc.message, exc.hint),
            json={"error": exc.as_dict()},
            is_error=True,
            kind=exc.kind,
        )


def unexpected(exc: BaseException, context: str) -> Outcome:
    """A bug: the user gets a reference, the log gets the traceback under it."""
    ref = uuid.uuid4().hex[:8]
    log.error("unexpected failure ref=%s while %s", ref, context, exc_info=exc)
    return Outcome.from_error(
        InternalError(f"Something went wrong (ref {ref}).", hint="The team can find it in the log.")
    )


class AnswerCache:
    """Answers and their plots by (cohort version, spec), least recently used out first.

    Bounded by bytes, not entries: one swimmer plot of a big cohort weighs more than a
    hundred counts. Answers are pure functions of (cohort, spec) and a loaded cohort never
    changes (a reload makes a new version), so a hit is always right.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[Answer, tuple[Plot, ...], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[Answer, tuple[Plot, ...]] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0], entry[1]

    def put(self, key: tuple, answer: Answer, plots: tuple[Plot, ...]) -> None:
        size = _weight(answer, plots)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[2]
            self._entries[key] = (answer, plots, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1][2]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


def _weight(answer: Answer, plots: tuple[Plot, ...]) -> int:
    """Roughly what an entry holds in memory: its JSON and its PNGs."""
    return len(repr(answer.as_json())) + sum(len(p.png) for p in plots)


class Service:
    """Answers questions on one cohort folder (the demo by default)."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        plot_processes: int = 0,
        cache_mb: int = 64,
        settle: float = SETTLE_SECONDS,
        background: bool = True,
        store: Path | None = None,
    ) -> None:
        """`store`: a folder where validated cohorts are kept by content hash and reused."""
        self.source = CohortSource(
            Path(data_dir or demo_path()).resolve(),
            functools.partial(load_cohort, store=store) if store else load_cohort,
            settle=settle,
            background=background,
        )
        self.cache = AnswerCache(cache_mb * 2**20)
        self._pool = None
        self.use_plot_processes(plot_processes)

    @classmethod
    def from_settings(cls, settings, *, plot_processes: int | None = None) -> Service:
        """The service a configured process runs (STS_DATA, STS_CACHE_MB, STS_PLOT_PROCESSES)."""
        return cls(
            settings.data_dir,
            plot_processes=settings.plot_processes if plot_processes is None else plot_processes,
            cache_mb=settings.cache_mb,
            store=settings.state_dir / "cohorts",
        )

    @classmethod
    def over(cls, cohort: Cohort, **options) -> Service:
        """A service that answers on an already loaded cohort and never reloads it."""
        service = cls(cohort.path, **options)
        service.source = CohortSource.fixed(cohort)
        return service

    def cohort(self) -> Cohort:
        """The cohort served now: loaded once, again when its files change (bad data kept out)."""
        return self.source.current()

    def loaded(self) -> Cohort | None:
        """The cohort served now, never waiting for a (re)load: for the ack path."""
        return self.source.loaded()

    def use_plot_processes(self, workers: int) -> None:
        """Draw plots in `workers` processes from now on (0: in this process)."""
        self.close()
        if workers > 0:
            from sts_bot.plots.pool import PlotPool

            self._pool = PlotPool(workers)

    def reload(self) -> Outcome:
        """Read the cohort folder now (an admin's `reload`); bad data keeps the old version."""
        try:
            cohort = self.source.reload_now()
        except StsError as exc:
            return Outcome.from_error(exc)
        except Exception as exc:
            return unexpected(exc, "reloading the cohort")
        data = {
            "metric": "reload",
            "n": cohort.rows(),
            "data_version": cohort.version,
            "data_as_of": jsonable(cohort.meta.data_as_of),
        }
        header = f"Reloaded {cohort.meta.name}: {cohort.rows()} patients"
        return Outcome(reply=Reply(header=header, context=(_stamp(cohort),)), json=data)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def draw(self, answer: Answer) -> tuple[Plot, ...]:
        """The plots of `answer` (in the plot workers when there are any)."""
        return self._pool.draw(answer) if self._pool is not None else draw(answer)

    def drawn(self, answer: Answer, key: tuple) -> tuple[Plot, ...]:
        """The plots of an answer as shown in public, kept in the cache under `key` as the
        full ones are (the shown answer is a pure function of the cohort, spec and rule)."""
        if (hit := self.cache.get(key)) is not None:
            return hit[1]
        plots = self.draw(answer)
        self.cache.put(key, answer, plots)
        return plots

    def answer(
        self,
        spec: QuerySpec,
        cohort: Cohort,
        *,
        out_dir: Path | None = None,
        with_plots: bool = True,
    ) -> Outcome:
        """Answer an understood question; never raises for anything a user can cause."""
        try:
            answer, plots = self._answer_and_plots(spec, cohort, with_plots)
        except StsError as exc:
            return Outcome.from_error(exc)
        except Exception as exc:  # the edge: a bug must not reach the user as a traceback
            return unexpected(exc, f"answering {spec.metric}")
        written = _write(plots, out_dir)
        data = answer.as_json()
        data["data_version"] = cohort.version
        data["data_as_of"] = jsonable(cohort.meta.data_as_of)
        if written:
            data["plots"] = [str(p) for p in written]
        reply = compose(answer)
        reply = dataclasses.replace(reply, context=(*reply.context, _stamp(cohort)))
        return Outcome(reply=reply, json=data, plots=plots, answer=answer, written=written)

    def respond(
        self,
        text: str,
        cohort: Cohort | None = None,
        *,
        out_dir: Path | None = None,
        with_plots: bool = True,
    ) -> Outcome:
        """Understand and answer one command: the reply, its JSON and its plots."""
        cohort = cohort if cohort is not None else self.cohort()
        try:
            spec = understand(text, cohort)
        except StsError as exc:
            return Outcome.from_error(exc)
        except Exception as exc:
            return unexpected(exc, "understanding a command")
        return self.answer(spec, cohort, out_dir=out_dir, with_plots=with_plots)

    def _answer_and_plots(self, spec: QuerySpec, cohort: Cohort, with_plots: bool):
        # The summary depends on today's date, so it is always computed afresh.
        key = None if spec.metric == "summary" else (cohort.version, spec, with_plots)
        if key is not None and (hit := self.cache.get(key)) is not None:
            return hit
        answer = compute(spec, cohort)
        plots = self.draw(answer) if with_plots else ()
        if key is not None:
            self.cache.put(key, answer, plots)
        return answer, plots


def _stamp(cohort: Cohort) -> str:
    """Which data an answer comes from, under every reply."""
    as_of = cohort.meta.data_as_of or "an undeclared date"
    return f"Data as of {as_of} · version {cohort.version[:8]}"


def _write(plots: tuple[Plot, ...], out_dir: Path | None) -> tuple[Path, ...]:
    if out_dir is None or not plots:
        return ()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for plot in plots:
        path = out_dir / plot.filename
        path.write_bytes(plot.png)
        written.append(path)
    return tuple(written)
