"""Where a served cohort comes from: a folder, loaded once and again when its files change.

New data that fails validation is logged and ignored: the cohort already served stays in
place, nothing is lost.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from sts_queries.cohort import Cohort
from sts_queries.errors import CohortDataError

__all__ = ["CohortSource"]

log = logging.getLogger("sts.service")


def _signature(folder: Path) -> tuple:
    """Cheap fingerprint of a folder's files: names, sizes and modification times."""
    return tuple(
        sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(folder))
    )


class CohortSource:
    def __init__(self, folder: Path, load: Callable[[Path], Cohort]) -> None:
        self.folder = folder
        self._load = load
        self._lock = threading.Lock()
        self._cohort: Cohort | None = None
        self._signature: tuple | None = None
        self._rejected: tuple | None = None  # the signature of new data that failed validation

    @classmethod
    def fixed(cls, cohort: Cohort) -> CohortSource:
        """A source that always gives `cohort` (already loaded: a test, a snapshot)."""
        source = cls(cohort.path, lambda _folder: cohort)
        source._cohort = cohort
        source._signature = source._rejected = None
        return source

    def current(self) -> Cohort:
        """The cohort to answer from; the first call raises if the folder does not load."""
        with self._lock:
            signature = _signature(self.folder) if self.folder.is_dir() else ()
            if self._cohort is not None and self._signature is None:
                return self._cohort  # fixed
            if self._cohort is None:
                self._cohort = self._load(self.folder)
                self._signature = signature
            elif signature not in (self._signature, self._rejected):
                try:
                    self._cohort = self._load(self.folder)
                    self._signature = signature
                    log.info("reloaded cohort from %s", self.folder)
                except CohortDataError as exc:
                    self._rejected = signature
                    log.warning(
                        "new data in %s rejected, still serving the old: %s", self.folder, exc
                    )
            return self._cohort
