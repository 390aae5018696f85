"""Where a served cohort comes from: a folder, loaded once and again when its files change.

A change is taken only when the folder's files have stayed the same for `settle` seconds (a
copy in progress keeps changing sizes and times), and only if they did not change while they
were being read. The new version is loaded in the background while the old one keeps
answering, then swapped in whole. New data that fails validation, or a loader that fails in
any other way, leaves the old version serving and is logged for the admins; nothing already
loaded is ever lost.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sts_queries.cohort.cohort import Cohort
from sts_queries.cohort.store import content_hash
from sts_queries.errors import CohortDataError

__all__ = ["SETTLE_SECONDS", "CohortSource"]

log = logging.getLogger("sts.data")

SETTLE_SECONDS = 2.0


def _signature(folder: Path) -> tuple:
    """Cheap fingerprint of a folder's files: names, sizes and modification times."""
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            (e.name, e.stat().st_size, e.stat().st_mtime_ns)
            for e in os.scandir(folder)
            if e.is_file() and not e.name.startswith(("~$", "."))
        )
    )


class CohortSource:
    def __init__(
        self,
        folder: Path,
        load: Callable[[Path], Cohort],
        *,
        settle: float = SETTLE_SECONDS,
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = folder
        self._load = load
        self._settle = settle
        self._background = background
        self._clock = clock
        self._lock = threading.Lock()
        self._cohort: Cohort | None = None
        self._signature: tuple | None = None
        self._fixed = False
        self._seen: tuple | None = None  # a new signature, and since when it has held
        self._seen_since = 0.0
        self._rejected: tuple | None = None  # the signature of new data that failed
        self._loading: threading.Thread | None = None
        self.problem: str | None = None  # why the newest files are not served, for admins

    @classmethod
    def fixed(cls, cohort: Cohort) -> CohortSource:
        """A source that always gives `cohort` (already loaded: a test, a snapshot)."""
        source = cls(cohort.path, lambda _folder: cohort)
        source._cohort, source._fixed = cohort, True
        return source

    def _read(self, signature: tuple) -> Cohort | None:
        """Load the folder as it is; None when its files changed while they were read."""
        cohort = self._load(self.folder)
        if _signature(self.folder) != signature or content_hash(self.folder) != cohort.version:
            return None
        return cohort

    def current(self) -> Cohort:
        """The cohort to answer from; the first call loads it (and raises if it cannot)."""
        with self._lock:
            if self._fixed:
                return self._cohort
            if self._cohort is None:
                signature = _signature(self.folder)
                cohort = self._read(signature)
                if cohort is None:  # changing under our feet at start-up: read what is there
                    cohort = self._load(self.folder)
                self._cohort, self._signature = cohort, signature
                return cohort
            self._maybe_reload()
            return self._cohort

    def _maybe_reload(self) -> None:
        signature = _signature(self.folder)
        if signature in (self._signature, self._rejected) or self._loading is not None:
            return
        now = self._clock()
        if signature != self._seen:
            self._seen, self._seen_since = signature, now
        if now - self._seen_since < self._settle:
            return
        if self._background:
            self._loading = threading.Thread(
                target=self._reload, args=(signature,), name="sts-reload", daemon=True
            )
            self._loading.start()
        else:
            self._lock.release()
            try:
                self._reload(signature)
            finally:
                self._lock.acquire()

    def _reload(self, signature: tuple) -> None:
        try:
            cohort = self._read(signature)
        except CohortDataError as exc:
            self._finish(rejected=signature, problem=f"{exc.message} {exc.hint}".strip())
            log.warning("new data in %s rejected, still serving the old: %s", self.folder, exc)
            return
        except Exception as exc:  # a loader bug or an unreadable file: keep serving the old
            self._finish(rejected=signature, problem=f"the new files could not be read ({exc})")
            log.error("loading %s failed, still serving the old", self.folder, exc_info=exc)
            return
        if cohort is None:  # still being written: try again once it has settled
            self._finish()
            return
        with self._lock:
            self._cohort, self._signature = cohort, signature
            self._loading, self.problem = None, None
        log.info("now serving %s version %s", self.folder, cohort.version)

    def _finish(self, *, rejected: tuple | None = None, problem: str | None = None) -> None:
        with self._lock:
            self._loading = None
            self._seen = None
            if rejected is not None:
                self._rejected, self.problem = rejected, problem

    def reload_now(self) -> Cohort:
        """Load the folder now (an admin's `reload`), waiting for it; raises on bad data."""
        signature = _signature(self.folder)
        cohort = self._read(signature)
        if cohort is None:
            raise CohortDataError(
                "The files changed while they were being read.",
                hint="Wait until the copy has finished, then reload again.",
            )
        with self._lock:
            self._cohort, self._signature, self.problem = cohort, signature, None
        return cohort

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait for a background load to finish (tests, shutdown)."""
        thread = self._loading
        if thread is not None:
            thread.join(timeout)
