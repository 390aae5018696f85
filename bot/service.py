"""The handler path every surface shares: text in, an Outcome (reply, JSON, plots) out.

The Slack listener, the local console, `sts ask` and the weekly summary all call `respond`,
so a question gets the same answer wherever it is asked. Errors become replies here, once.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from sts_queries.answer import answer as compute
from sts_queries.answer import understand
from sts_queries.cohort import Cohort, demo_path, load_cohort
from sts_queries.errors import CohortDataError, InternalError, StsError
from sts_queries.result import Answer

from .figures import Plot, draw
from .render import Reply, compose, error_reply, to_text

__all__ = ["Outcome", "clear_cache", "load", "respond", "unexpected", "use_plot_processes"]

log = logging.getLogger("sts.service")


@dataclass
class _Loaded:
    cohort: Cohort
    signature: tuple
    rejected: tuple | None = None  # the signature of new data that failed validation


_loaded: dict[Path, _Loaded] = {}
_lock = threading.Lock()


def _signature(folder: Path) -> tuple:
    """Cheap fingerprint of a folder's files: names, sizes and modification times."""
    return tuple(
        sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(folder))
    )


def load(data_dir: str | Path | None = None) -> Cohort:
    """The cohort in `data_dir` (default: $STS_DATA or the demo).

    Loaded once, and again when its files change. New data that fails validation is logged
    and ignored: the cohort already served stays in place, nothing is lost.
    """
    folder = Path(data_dir or os.environ.get("STS_DATA") or demo_path()).resolve()
    with _lock:
        current = _loaded.get(folder)
        signature = _signature(folder) if folder.is_dir() else ()
        if current is None:
            _loaded[folder] = _Loaded(cohort=load_cohort(folder), signature=signature)
        elif signature not in (current.signature, current.rejected):
            try:
                _loaded[folder] = _Loaded(cohort=load_cohort(folder), signature=signature)
                log.info("reloaded cohort from %s", folder)
            except CohortDataError as exc:
                current.rejected = signature
                log.warning("new data in %s rejected, still serving the old: %s", folder, exc)
        return _loaded[folder].cohort


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


# Answers are pure functions of (cohort, spec): a loaded cohort never changes (a reload makes a
# new one), so a repeated question — the tumor board asking `pfs` again — costs nothing. The
# value keeps its cohort alive, so an id() in a key is never reused while the entry lives.
_CACHE_SIZE = 256
_answers: OrderedDict[tuple, tuple[Cohort, Answer, tuple[Plot, ...]]] = OrderedDict()
_answers_lock = threading.Lock()


_plot_pool = None  # a PlotPool when `sts serve` draws in worker processes


def use_plot_processes(workers: int) -> None:
    """Draw plots in `workers` processes from now on (0: in this process, the default)."""
    global _plot_pool
    if _plot_pool is not None:
        _plot_pool.close()
        _plot_pool = None
    if workers > 0:
        from .plot_pool import PlotPool

        _plot_pool = PlotPool(workers)


def _draw(answer: Answer) -> tuple[Plot, ...]:
    return _plot_pool.draw(answer) if _plot_pool is not None else draw(answer)


def clear_cache() -> None:
    """Forget every cached answer (benchmarks measure the computation, not the cache)."""
    with _answers_lock:
        _answers.clear()


def _answer_and_plots(text: str, cohort: Cohort, with_plots: bool):
    spec = understand(text, cohort)
    # The summary depends on today's date, so it is always computed afresh.
    key = None if spec.metric == "summary" else (id(cohort), spec, with_plots)
    if key is not None:
        with _answers_lock:
            if key in _answers:
                _answers.move_to_end(key)
                return _answers[key][1:]
    answer = compute(spec, cohort)
    plots = _draw(answer) if with_plots else ()
    if key is not None:
        with _answers_lock:
            _answers[key] = (cohort, answer, plots)
            while len(_answers) > _CACHE_SIZE:
                _answers.popitem(last=False)
    return answer, plots


def respond(
    text: str,
    cohort: Cohort,
    *,
    out_dir: Path | None = None,
    with_plots: bool = True,
) -> Outcome:
    """Answer one command: the reply, its JSON and its plots; never raises for user input."""
    try:
        answer, plots = _answer_and_plots(text, cohort, with_plots)
    except StsError as exc:
        return Outcome.from_error(exc)
    except Exception as exc:  # the edge: a bug must not reach the user as a traceback
        return unexpected(exc, f"answering {text!r}")
    written: list[Path] = []
    if out_dir is not None and plots:
        out_dir.mkdir(parents=True, exist_ok=True)
        for plot in plots:
            path = out_dir / plot.filename
            path.write_bytes(plot.png)
            written.append(path)
    data = answer.as_json()
    if written:
        data["plots"] = [str(p) for p in written]
    return Outcome(
        reply=compose(answer), json=data, plots=plots, answer=answer, written=tuple(written)
    )
