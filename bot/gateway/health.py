"""What `/livez` and `/readyz` say: alive, and able to answer now (and if not, why).

`/readyz` runs every check it was given and answers 200 when none that blocks has failed,
else 503; its JSON body names each check, whether it passed, and why. Checks that block:
the cohort is loaded, the audit log can be written, the backlog of acknowledged questions is
under its bound, and the database answers when one is configured (whoever opens it adds a
`database` check with `Readiness.add`). Reported without blocking, since every replica shares
them and taking all replicas out of the load balancer would only turn slow replies into no
acks at all: Slack's Web API failing, and newer data that was refused (the old version still
answers; the admins are told in Slack once).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

__all__ = ["CallHealth", "CountedPool", "Readiness", "audit_check", "cohort_checks"]

Probe = Callable[[], tuple[bool, str]]  # (passed, what was found)


@dataclass(frozen=True)
class _Check:
    probe: Probe
    blocks: bool


class Readiness:
    """The named checks `/readyz` runs, in the order they were added."""

    def __init__(self) -> None:
        self._checks: dict[str, _Check] = {}

    def add(self, name: str, probe: Probe, *, blocks: bool = True) -> None:
        self._checks[name] = _Check(probe, blocks)

    def report(self) -> dict:
        """{"ready": bool, "checks": {name: {"ok", "detail", "blocks"}}}; never raises."""
        checks = {}
        for name, check in self._checks.items():
            try:
                ok, detail = check.probe()
            except Exception as exc:  # a check that breaks says so: not ready
                ok, detail = False, f"the check failed: {type(exc).__name__}"
            checks[name] = {"ok": ok, "detail": detail, "blocks": check.blocks}
        ready = all(c["ok"] for c in checks.values() if c["blocks"])
        return {"ready": ready, "checks": checks}


def cohort_checks(service) -> dict[str, Probe]:
    """`cohort` (loaded; asking also notices new files) and `new_data` (refused or not)."""

    def cohort() -> tuple[bool, str]:
        served = service.cohort()
        return True, f"{served.meta.name}: version {served.version[:8]}"

    def new_data() -> tuple[bool, str]:
        problem = service.source.problem
        if problem is None:
            return True, "no newer data refused"
        return False, f"newer data refused, the version above still answers: {problem}"

    return {"cohort": cohort, "new_data": new_data}


def audit_check(audit) -> Probe:
    def check() -> tuple[bool, str]:
        problem = audit.problem()
        return problem is None, problem or "writable"

    return check


class CallHealth:
    """How the last calls to an outside service went (Slack's Web API and response_urls)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._failing: tuple[str, str, int] | None = None  # (what, since, how many in a row)

    def ok(self) -> None:
        with self._lock:
            self._failing = None

    def failed(self, what: str) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            since, count = (self._failing[1], self._failing[2]) if self._failing else (now, 0)
            self._failing = (what, since, count + 1)

    def check(self) -> tuple[bool, str]:
        with self._lock:
            failing = self._failing
        if failing is None:
            return True, f"the last call to {self.name} went through (or none yet)"
        what, since, count = failing
        return False, f"{count} call(s) to {self.name} failed in a row since {since}: {what}"


class CountedPool(ThreadPoolExecutor):
    """A thread pool that knows how many tasks wait for a worker (the backlog)."""

    def __init__(self, max_workers: int, **options) -> None:
        super().__init__(max_workers=max_workers, **options)
        self.workers = max_workers
        self._count_lock = threading.Lock()
        self._in_flight = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._count_lock:
            self._in_flight += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._count_lock:
            self._in_flight -= 1

    @property
    def waiting(self) -> int:
        """Tasks submitted that no worker has taken yet (roughly: in flight past the workers)."""
        with self._count_lock:
            return max(0, self._in_flight - self.workers)

    def backlog_check(self, bound: int) -> Probe:
        def check() -> tuple[bool, str]:
            waiting = self.waiting
            return waiting <= bound, f"{waiting} question(s) waiting for a worker (bound {bound})"

        return check
