"""Settings from the environment and `.env`: read once, checked once, then immutable.

A missing or malformed setting stops start-up with a message that names the setting and says
how to fix it; nothing half-configured ever serves a command. The environment wins over
`.env`, so a deployment can override a developer's file. `settings_read.py` reads and checks
one variable at a time; here are the Settings type and `load_settings`, which reads each.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sts_bot.settings_read import Reader, env_file_warning, read_env, redact_url

__all__ = [
    "HTTP_REQUIRED",
    "SOCKET_REQUIRED",
    "Settings",
    "SettingsError",
    "env_file_warning",
    "load_settings",
    "read_env",
    "redact_url",
]

SOCKET_REQUIRED = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
HTTP_REQUIRED = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
DEFAULT_API_URL = "https://slack.com/api/"

_WHERE = "Set it in the environment or in .env (see .env.example and deploy/SLACK_SETUP.md)."


class SettingsError(Exception):
    """One or more settings are missing or malformed; the message says which and how to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, kw_only=True)
class Settings:
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    api_url: str = DEFAULT_API_URL
    command: str = "/sts"
    data_dir: Path | None = None
    allowed_teams: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset()
    allowed_users: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()  # may `/sts reload` and see why new data was refused
    patient_channels: frozenset[str] = frozenset()
    patient_dms: bool = False
    # Outside patient places, cells of fewer patients are shown as `<5` (queries/privacy/reveal.py).
    min_cell: int = 5
    # The key of the audit log's keyed hashes (HMAC-SHA256) of filter values and ids; unset,
    # each process draws its own, so lines match only within one process's life.
    audit_key: str | None = None
    audit_log: Path | None = None
    host: str = "127.0.0.1"  # this machine only, unless told (the container sets 0.0.0.0)
    port: int = 3000
    http_threads: int = 8
    workers: int = 8
    # /readyz says not ready past this many acknowledged questions waiting for a worker.
    ready_backlog: int = 32
    # Delivering replies (bot/slack/delivery.py): seconds a Slack call may take, and the waits
    # between attempts at a reply (all within the 30 minutes a response_url lives).
    slack_timeout: float = 10.0
    delivery_waits: tuple[float, ...] = (2.0, 10.0, 60.0, 300.0)
    # Socket Mode: seconds between pings; a connection is given up after four unanswered.
    socket_ping: float = 2.0
    plot_processes: int = 2
    cache_mb: int = 64  # answers and plots kept for repeated questions
    out_dir: Path = Path("out")
    log_level: str = "INFO"
    # The weekly post (bot/weekly.py): where, when, and whether this process schedules it.
    summary_channel: str | None = None
    summary_day: str = "mon"
    summary_hour: int = 8
    summary_minute: int = 0
    summary_timezone: str = "UTC"
    summary_grace_hours: int = 12
    summary_in_process: bool = True
    state_dir: Path = Path("state")
    # A fleet (bot/fleet/): what replicas share, in PostgreSQL; None is one process, as before.
    database_url: str | None = None
    lease_s: int = 30  # a question claimed by a replica that stopped renewing is taken over
    asker_limit: int = 4  # questions one person may have waiting at once
    late_after_s: int = 60  # then the asker is told the answer is late

    @property
    def has_socket_credentials(self) -> bool:
        return bool(self.bot_token and self.app_token)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = None,
    require: tuple[str, ...] = (),
) -> Settings:
    """Settings for one process; `require` names the settings this mode cannot run without."""
    env = read_env(environ, env_file)
    read = Reader(env)
    for name in require:
        if name not in env:
            read.fail(name, "is not set.", _WHERE)
    command = env.get("STS_COMMAND", "/sts")
    if not re.fullmatch(r"/[a-z0-9_-]{1,31}", command):
        read.fail("STS_COMMAND", f"`{command}` is not a slash command.", "e.g. /sts")
    log_level = env.get("STS_LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        read.fail("STS_LOG_LEVEL", f"`{log_level}` is not a log level.", "DEBUG, INFO or WARNING.")
    settings = Settings(
        bot_token=read.token("SLACK_BOT_TOKEN", "xoxb-", "OAuth & Permissions → Bot User Token"),
        app_token=read.token("SLACK_APP_TOKEN", "xapp-", "Basic Information → App-Level Tokens"),
        signing_secret=read.secret("SLACK_SIGNING_SECRET"),
        api_url=read.url("SLACK_API_URL", DEFAULT_API_URL),
        command=command,
        data_dir=read.path("STS_DATA", folder=True),
        allowed_teams=read.ids("STS_ALLOWED_TEAMS", "team"),
        allowed_channels=read.ids("STS_ALLOWED_CHANNELS", "channel"),
        allowed_users=read.ids("STS_ALLOWED_USERS", "user"),
        admins=read.ids("STS_ADMINS", "user"),
        patient_channels=read.ids("STS_PATIENT_CHANNELS", "channel"),
        patient_dms=read.flag("STS_PATIENT_DMS", False),
        min_cell=read.integer("STS_MIN_CELL", 5, 1, 1000),
        audit_key=read.audit_key("STS_AUDIT_KEY"),
        audit_log=read.path("STS_AUDIT_LOG"),
        host=env.get("STS_HOST", "127.0.0.1"),
        port=read.integer("STS_PORT", 3000, 0, 65535),
        http_threads=read.integer("STS_HTTP_THREADS", 8, 1, 256),
        workers=read.integer("STS_WORKERS", 8, 1, 256),
        ready_backlog=read.integer("STS_READY_BACKLOG", 32, 0, 100_000),
        slack_timeout=read.integer("STS_SLACK_TIMEOUT_MS", 10_000, 100, 120_000) / 1000,
        delivery_waits=read.waits("STS_DELIVERY_WAITS_MS", (2000, 10_000, 60_000, 300_000)),
        socket_ping=read.integer("STS_SOCKET_PING_MS", 2000, 100, 60_000) / 1000,
        plot_processes=read.integer("STS_PLOT_PROCESSES", min(os.cpu_count() or 1, 4), 0, 64),
        cache_mb=read.integer("STS_CACHE_MB", 64, 0, 65536),
        out_dir=Path(env.get("STS_OUT", "out")).expanduser(),
        log_level=log_level,
    )
    channels = read.ids("STS_SUMMARY_CHANNEL", "channel")
    if len(channels) > 1:
        read.fail("STS_SUMMARY_CHANNEL", "names more than one channel.", "Give one channel ID.")
    day, hour, minute = read.weekly("STS_SUMMARY_SCHEDULE", ("mon", 8, 0))
    settings = replace(
        settings,
        summary_channel=next(iter(channels), None),
        summary_day=day,
        summary_hour=hour,
        summary_minute=minute,
        summary_timezone=read.timezone("STS_SUMMARY_TZ", "UTC"),
        summary_grace_hours=read.integer("STS_SUMMARY_GRACE_HOURS", 12, 0, 24 * 6),
        summary_in_process=read.flag("STS_SUMMARY_IN_PROCESS", True),
        state_dir=Path(env.get("STS_STATE_DIR", "state")).expanduser(),
        database_url=read.database_url("STS_DATABASE_URL"),
        lease_s=read.integer("STS_LEASE_S", 30, 1, 3600),
        asker_limit=read.integer("STS_ASKER_LIMIT", 4, 1, 1000),
        late_after_s=read.integer("STS_LATE_AFTER_S", 60, 1, 1800),
    )
    if read.problems:
        raise SettingsError(read.problems)
    return settings
