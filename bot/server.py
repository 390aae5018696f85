"""`sts serve`: Socket Mode (default) or HTTP on waitress; `sts run` picks Slack or the console.

Both modes build the same app around the same gateway. HTTP mode serves `/slack/events` and
the probes `/livez` and `/readyz` (gateway/health.py) on waitress, a production WSGI server
with a thread pool (Bolt's own `app.start()` is a development server). On SIGTERM either
mode stops taking commands and lets the answers already acknowledged finish before exiting.

The settings are read and checked before the app's own modules are imported (pandas, DuckDB,
Bolt: some two CPU-seconds): a setting that stops start-up is told at once.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sts_bot.log_filters import configure_logging
from sts_bot.settings import (
    HTTP_REQUIRED,
    SOCKET_REQUIRED,
    Settings,
    SettingsError,
    env_file_warning,
    load_settings,
    read_env,
)

if TYPE_CHECKING:
    from sts_bot.fleet.questions import Questions
    from sts_bot.gateway.gateway import Gateway
    from sts_bot.gateway.health import CallHealth, CountedPool, Readiness

__all__ = ["run", "serve"]

log = logging.getLogger("sts.server")


def _stop_on(signals: Iterable[int], stopping: threading.Event) -> None:
    def stop(signum: int, frame: object) -> None:
        stopping.set()  # replies still being retried: shorter waits, one more attempt
        raise SystemExit(0)  # waitress and our own wait both end cleanly on SystemExit

    for signum in signals:
        signal.signal(signum, stop)


def _fail(problems: list[str]) -> int:
    print("✗ sts cannot start:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2


def serve(*, http: bool = False, host: str | None = None, port: int | None = None) -> int:
    """Serve Slack until stopped; 2 when a setting or the cohort stops start-up."""
    if warning := env_file_warning():
        print(f"sts: {warning}", file=sys.stderr)
    try:
        settings = load_settings(require=HTTP_REQUIRED if http else SOCKET_REQUIRED)
    except SettingsError as exc:
        return _fail(exc.problems)
    configure_logging(settings.log_level)  # no bodies, URLs, tokens or typed commands
    if problems := _unwritable(settings.state_dir) or _audit_unwritable(settings):
        return _fail(problems)
    return _serve(settings, http=http, host=host or settings.host, port=port)


def _serve(settings: Settings, *, http: bool, host: str, port: int | None) -> int:
    """Open the cohort, build the app and serve; the settings are known to hold."""
    from sts_bot.gateway.health import CountedPool
    from sts_bot.slack.bolt import new_app
    from sts_bot.slack.places import slack_places

    # Lazy listeners (the answers) run here; acks never wait for this pool.
    executor = CountedPool(settings.workers, thread_name_prefix="sts-answer")
    # What is asked of Slack at start-up, asked before the cohort and the answering modules
    # are loaded (some two CPU-seconds): a token Slack refuses, an API URL nothing answers at
    # or a patient channel that is not private is told at once. The order of the calls is as
    # it was: auth.test, then conversations.info for each patient channel (remembered: the
    # gateway's own check at start-up finds the answers there).
    places = slack_places(settings)
    try:
        app = new_app(settings, socket_mode=not http, executor=executor)
        if places is not None and (problems := places.problems(settings.patient_channels)):
            raise SettingsError(problems)
    except SettingsError as exc:
        executor.shutdown()
        return _fail(exc.problems)
    return _serve_app(settings, app, executor, places, http=http, host=host, port=port)


def _serve_app(
    settings: Settings,
    app,
    executor: CountedPool,
    places,
    *,
    http: bool,
    host: str,
    port: int | None,
) -> int:
    """The rest of start-up, Slack's app in hand: the cohort, the listeners, then serving."""
    from sts_bot.fleet.questions import open_questions
    from sts_bot.gateway.gateway import open_gateway
    from sts_bot.gateway.health import CallHealth
    from sts_bot.slack.admins import refusal_teller
    from sts_bot.slack.answering import start_answering
    from sts_bot.slack.app import build_app
    from sts_bot.slack.serving import serve_http, serve_socket
    from sts_queries.errors import CohortDataError

    # The modules just imported live as long as the process: the cyclic collector need not
    # walk their objects again at every full collection, nor in the collections at exit
    # (~0.6 CPU-s and as much wall there). Frozen before the cohort, which a reload replaces.
    gc.freeze()
    try:
        gateway = open_gateway(settings, places=places)
    except CohortDataError as exc:
        return _fail([f"STS_DATA: the cohort does not load: {exc.message} {exc.hint}".strip()])
    except SettingsError as exc:  # the audit log cannot be written
        return _fail(exc.problems)
    except OSError as exc:  # a cohort file that cannot be read at all (a folder, no permission)
        return _fail([f"STS_DATA: the cohort cannot be read: {exc}."])
    stopping = threading.Event()
    _stop_on((signal.SIGTERM, signal.SIGINT), stopping)
    scheduler = answering = None
    slack_health = CallHealth("Slack")
    try:
        questions = open_questions(settings)  # a fleet's shared queue, else None
        app = build_app(
            settings,
            gateway,
            socket_mode=not http,
            executor=executor,
            stopping=stopping,
            questions=questions,
            slack_health=slack_health,
            app=app,
        )
        gateway.check_patient_channels()  # each must be private: asked of Slack
        gateway.service.use_plot_processes(settings.plot_processes)
        gateway.service.source.on_refused = refusal_teller(
            app.client,
            settings.admins,
            folder=str(gateway.service.source.folder),
            command=settings.command,
        )
        scheduler = _start_weekly(settings, app)
        answering = start_answering(settings, gateway, app, questions, stopping, slack_health)
        if http:
            serve_http(
                app,
                settings,
                host,
                settings.port if port is None else port,
                _readiness(settings, gateway, executor, slack_health, questions),
            )
        else:
            serve_socket(app, settings)
    except SettingsError as exc:
        return _fail(exc.problems)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        executor.shutdown(wait=True)  # finish the answers already acknowledged
        if answering is not None:
            answering.stop()  # finish the questions held; the queued stay for the fleet
        gateway.service.close()
    return 0


def _unwritable(state_dir: Path) -> list[str]:
    """STS_STATE_DIR's problem, named as such: the stored cohort is built there at start-up."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=state_dir, prefix=".sts-write-check-"):
            pass
    except OSError as exc:
        return [
            f"STS_STATE_DIR: `{state_dir}` cannot be written ({exc.strerror or exc}). Point it "
            f"at a writable folder: in a container, a volume mounted there that this user "
            f"(uid {os.getuid()}) may write (deploy/k8s: the `state` volume)."
        ]
    return []


def _audit_unwritable(settings: Settings) -> list[str]:
    """STS_AUDIT_LOG's problem, told before the cohort and the app's modules are loaded (some
    two CPU-seconds): the gateway opens the same file again, the same way."""
    from sts_bot.gateway.audit import AuditLog, AuditLogUnavailable

    try:
        AuditLog(settings.audit_log)
    except AuditLogUnavailable as exc:
        return exc.problems
    return []


def _readiness(
    settings: Settings,
    gateway: Gateway,
    executor: CountedPool,
    slack_health: CallHealth,
    questions: Questions | None = None,
) -> Readiness:
    """What /readyz checks. In a fleet (`questions`): the database reachable; the backlog is
    the fleet's queue (questions written, not yet claimed), shown but not blocking: it is the
    same for every replica, so it would take them all out at once, and the queue keeps what
    it holds (the acks say "Queued, N ahead" instead)."""
    from sts_bot.gateway.health import Readiness, audit_check, cohort_checks

    readiness = Readiness()
    checks = cohort_checks(gateway.service)
    readiness.add("cohort", checks["cohort"])
    readiness.add("audit", audit_check(gateway.audit))
    if questions is not None:
        readiness.add("database", questions.database_check)
        readiness.add("backlog", questions.backlog_check(settings.ready_backlog), blocks=False)
    else:
        readiness.add("backlog", executor.backlog_check(settings.ready_backlog))
    readiness.add("slack", slack_health.check, blocks=False)
    readiness.add("new_data", checks["new_data"], blocks=False)
    return readiness


def _start_weekly(settings: Settings, app):
    """The in-process weekly post, when a channel is set and this process should schedule."""
    if not (settings.summary_channel and settings.summary_in_process):
        return None
    from sts_bot.weekly.post import poster, schedule_of
    from sts_bot.weekly.scheduler import start_scheduler

    # Its own client, not app.client: the weekly post is never retried on a dropped connection.
    return start_scheduler(schedule_of(settings), poster(settings))


def run() -> int:
    """`make run`: Slack over Socket Mode when both tokens are set, else the local console."""
    env = read_env()
    tokens = [name for name in SOCKET_REQUIRED if env.get(name)]
    if len(tokens) == len(SOCKET_REQUIRED):
        return serve(http=False)
    if tokens:
        missing = ", ".join(n for n in SOCKET_REQUIRED if n not in tokens)
        print(
            f"sts: {missing} is not set, so this is the local console, not Slack "
            "(see deploy/SLACK_SETUP.md).",
            file=sys.stderr,
        )
    from sts_bot.console import main

    return main()
