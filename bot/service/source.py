"""Where a served cohort comes from: a folder, loaded once and again when its files change.

How new files are published, so that a copy in progress is never served whatever its pauses
(README, "Publishing new data"), one of:

- a link swap: STS_DATA is a symbolic link to a folder holding one version, and a new version
  is copied into a sibling folder and the link replaced in one rename (`ln -s v2 tmp && mv -T
  tmp current`). The link is resolved once per read, so every table comes from one folder,
  and a new target is taken up at once: it was whole before the link pointed at it;
- a `_SUCCESS` marker, as Spark and Hadoop jobs leave: the writer deletes `_SUCCESS`, copies
  the files, and creates `_SUCCESS` last. Once a folder has shown the marker, its files are
  taken up only while the marker is there, at once, however long the copy paused before;
- neither (a folder edited by hand): a change is taken once the files have stayed the same
  for `settle` seconds. A copy that stalls longer than that can be read half-written: a fleet
  must use one of the two above.

In every case the files are read only if they did not change while being read (names, sizes,
times, and the content hash of what was read), so that all tables of one version come
together. The new version is loaded in the background while the old one keeps answering, then
swapped in whole. New data that fails validation, or a loader that fails in any other way,
leaves the old version serving and is reported for the admins (`on_refused`); nothing already
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
MARKER = "_SUCCESS"  # the file a writer creates last: the folder is whole
_STARTUP_TRIES = 5


def _signature(folder: Path) -> tuple:
    """Cheap fingerprint of a folder: the folder it resolves to, then its files' names, sizes
    and modification times."""
    target = os.path.realpath(folder)
    if not os.path.isdir(target):
        return ()
    files = sorted(
        (e.name, e.stat().st_size, e.stat().st_mtime_ns)
        for e in os.scandir(target)
        if e.is_file() and not e.name.startswith(("~$", "."))
    )
    return (target, *files)


def _marked(signature: tuple) -> bool:
    return any(entry[0] == MARKER for entry in signature[1:])


class CohortSource:
    def __init__(
        self,
        folder: Path,
        load: Callable[[Path], Cohort],
        *,
        settle: float = SETTLE_SECONDS,
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        """`on_refused(problem)` is called once for each new version that is not served."""
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
        self.on_refused = on_refused
        self._uses_marker = False  # the folder has shown MARKER: it is published with it

    @classmethod
    def fixed(cls, cohort: Cohort) -> CohortSource:
        """A source that always gives `cohort` (already loaded: a test, a snapshot)."""
        source = cls(cohort.path, lambda _folder: cohort)
        source._cohort, source._fixed = cohort, True
        return source

    def _read(self, signature: tuple) -> Cohort | None:
        """Load the folder as it is; None when its files changed while they were read."""
        if not signature:
            return self._load(self.folder)  # not a folder: the loader says so
        target = Path(signature[0])
        cohort = self._load(target)
        if _signature(self.folder) != signature or content_hash(target) != cohort.version:
            return None
        return cohort

    def _published(self, signature: tuple) -> bool:
        """Whether the folder as it stands is published whole (a marked folder without its
        marker is a copy in progress)."""
        self._uses_marker = self._uses_marker or _marked(signature)
        return _marked(signature) or not self._uses_marker

    def _whole(self, signature: tuple) -> bool:
        """Published by the marker or a link swap: no need to wait for the files to settle."""
        moved = bool(signature) and signature[:1] != (self._signature or ())[:1]
        return _marked(signature) or moved

    def _first(self) -> Cohort:
        """The cohort at start-up: a whole version if one comes within a few tries."""
        for _ in range(_STARTUP_TRIES):
            signature = _signature(self.folder)
            if self._published(signature) and (cohort := self._read(signature)) is not None:
                self._signature = signature
                return cohort
            time.sleep(self._settle)
        log.warning("%s kept changing while it was read at start-up; serving it as is", self.folder)
        self._signature = _signature(self.folder)
        return self._load(Path(os.path.realpath(self.folder)))

    def loaded(self) -> Cohort | None:
        """The cohort served now, without looking for new files (never waits for a load)."""
        return self._cohort

    def current(self) -> Cohort:
        """The cohort to answer from; the first call loads it (and raises if it cannot)."""
        with self._lock:
            if self._fixed:
                return self._cohort
            if self._cohort is None:
                self._cohort = self._first()
                return self._cohort
            self._maybe_reload()
            return self._cohort

    def _maybe_reload(self) -> None:
        signature = _signature(self.folder)
        if signature in (self._signature, self._rejected) or self._loading is not None:
            return
        if not self._published(signature):
            self._seen = None  # a copy in progress: nothing is taken until its marker comes
            return
        now = self._clock()
        if signature != self._seen:
            self._seen, self._seen_since = signature, now
        if not self._whole(signature) and now - self._seen_since < self._settle:
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
        if problem is not None and self.on_refused is not None:
            try:
                self.on_refused(problem)
            except Exception as exc:  # telling the admins must never stop serving
                log.error("could not tell the admins about refused data", exc_info=exc)

    def reload_now(self) -> Cohort:
        """Load the folder now (an admin's `reload`), waiting for it; raises on bad data."""
        signature = _signature(self.folder)
        if not self._published(signature):
            raise CohortDataError(
                f"A copy is in progress: the folder has no `{MARKER}` marker.",
                hint=f"The writer creates `{MARKER}` once every file is copied; reload then.",
            )
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
