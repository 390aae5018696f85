"""Settings from the environment and `.env`: read once, checked once, then immutable.

A missing or malformed setting stops start-up with a message that names the setting and says
how to fix it; nothing half-configured ever serves a command. The environment wins over
`.env`, so a deployment can override a developer's file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

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
_IDS = {
    "team": (re.compile(r"^[TE][A-Z0-9]{2,}$"), "T0123ABCD", "Workspace settings → About"),
    "channel": (
        re.compile(r"^[CGD][A-Z0-9]{2,}$"),
        "C0123ABCD",
        "the channel's name → View channel details → the ID at the bottom of About",
    ),
    "user": (
        re.compile(r"^[UW][A-Z0-9]{2,}$"),
        "U0123ABCD",
        "the person's profile → ⋮ → Copy member ID",
    ),
}


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
    # Delivering replies (bot/slack/delivery.py): seconds a Slack call may take, and the waits
    # between attempts at a reply (all within the 30 minutes a response_url lives).
    slack_timeout: float = 10.0
    delivery_waits: tuple[float, ...] = (2.0, 10.0, 60.0, 300.0)
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

    @property
    def has_socket_credentials(self) -> bool:
        return bool(self.bot_token and self.app_token)


def read_env(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> dict:
    """The raw settings: `.env` (in the working directory by default) under the environment."""
    env_file = env_file if env_file is not None else Path.cwd() / ".env"
    # An absent file gives nothing: `.env` is optional.
    values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    values.update(os.environ if environ is None else environ)
    # An empty value means "not set": `.env.example` copies start out with empty lines.
    return {k: v.strip() for k, v in values.items() if v.strip()}


def redact_url(url: str) -> str:
    """`url` with any password in it replaced by ***, for messages and logs."""
    return re.sub(r"(?<=://)([^/@\s:]*):[^/@\s]*@", r"\1:***@", url)


def env_file_warning(env_file: Path | None = None) -> str | None:
    """A warning when `.env` (it holds the Slack tokens) can be read by other users."""
    env_file = env_file if env_file is not None else Path.cwd() / ".env"
    try:
        mode = env_file.stat().st_mode
    except OSError:
        return None  # no .env: nothing to protect
    if mode & 0o044 == 0:
        return None
    return (
        f"warning: {env_file} is readable by other users (mode {mode & 0o777:o}) and holds the "
        f"Slack tokens; make it yours alone: chmod 600 {env_file}"
    )


class _Reader:
    """Reads and checks one setting at a time, collecting every problem before failing."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def fail(self, name: str, problem: str, fix: str) -> None:
        self.problems.append(f"{name}: {problem} {fix}")

    def token(self, name: str, prefix: str, where: str) -> str | None:
        value = self.env.get(name)
        if value is not None and not value.startswith(prefix):
            # Name the kind of token pasted (xoxp-, xapp-…), never any of its secret part.
            kind = value.split("-", 1)[0] + "-" if re.match(r"x(ox.|app)-", value) else ""
            seen = f" (this one starts with `{kind}`)" if kind else ""
            self.fail(
                name,
                f"should start with `{prefix}`{seen}.",
                f"Copy the right token from {where}.",
            )
        return value

    def secret(self, name: str) -> str | None:
        value = self.env.get(name)
        # The usual mistakes: a token pasted in place of the secret, or stray quotes/spaces.
        if value is not None and (
            value.startswith("xox") or not re.fullmatch(r"[0-9a-f]{16,}", value)
        ):
            self.fail(
                name,
                "does not look like a signing secret (hexadecimal digits, no quotes).",
                "Copy it from the app's Basic Information → App Credentials → Signing Secret.",
            )
        return value

    def url(self, name: str, default: str) -> str:
        value = self.env.get(name, default)
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            self.fail(
                name,
                f"`{redact_url(value)}` is not an http(s) URL.",
                f"Leave it unset for Slack ({default}), or give a full URL.",
            )
            return default
        # WebClient joins method names onto the base URL, so it must end with a slash.
        return value if value.endswith("/") else value + "/"

    def ids(self, name: str, kind: str) -> frozenset[str]:
        pattern, example, where = _IDS[kind]
        values = [v.strip() for v in self.env.get(name, "").split(",") if v.strip()]
        bad = [v for v in values if not pattern.fullmatch(v)]
        if bad:
            self.fail(
                name,
                f"{', '.join(f'`{b}`' for b in bad)} is not a {kind} ID (like {example}).",
                f"Use IDs, comma-separated; find one in Slack: {where}.",
            )
        return frozenset(v for v in values if pattern.fullmatch(v))

    def flag(self, name: str, default: bool) -> bool:
        value = self.env.get(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        self.fail(name, f"`{value}` is not true or false.", "Use true or false.")
        return default

    def audit_key(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is not None and len(value) < 32:
            self.fail(
                name,
                "is too short to key the audit log's hashes (fewer than 32 characters).",
                "Generate one: python -c 'import secrets; print(secrets.token_hex(32))'.",
            )
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.env.get(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(name, f"`{value}` is not a whole number from {low} to {high}.", "")
            return default
        return int(value)

    def waits(self, name: str, default: tuple[int, ...]) -> tuple[float, ...]:
        """Milliseconds between delivery attempts, comma-separated: at most 8, 25 min in all
        (a response_url lives 30)."""
        value = self.env.get(name)
        parts = [p.strip() for p in value.split(",")] if value is not None else None
        if parts is not None and (
            not all(p.isdigit() for p in parts)
            or len(parts) > 8
            or sum(int(p) for p in parts) > 25 * 60_000
        ):
            self.fail(
                name, f"`{value}` is not up to 8 waits in ms, 25 minutes in all.", "e.g. 2000,10000"
            )
            parts = None
        return tuple(int(p) / 1000 for p in (parts if parts is not None else default))

    def weekly(self, name: str, default: tuple[str, int, int]) -> tuple[str, int, int]:
        value = self.env.get(name)
        if value is None:
            return default
        match = re.fullmatch(r"(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})", value.lower())
        if not match or int(match[2]) > 23 or int(match[3]) > 59:
            self.fail(name, f"`{value}` is not a weekday and a time.", "e.g. mon 08:00")
            return default
        return match[1], int(match[2]), int(match[3])

    def timezone(self, name: str, default: str) -> str:
        value = self.env.get(name, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(name, f"`{value}` is not a time zone.", "e.g. Europe/Berlin or UTC")
            return default
        return value

    def path(self, name: str, *, folder: bool = False) -> Path | None:
        value = self.env.get(name)
        if value is None:
            return None
        path = Path(value).expanduser()
        if folder and not path.is_dir():
            self.fail(name, f"`{value}` is not a folder.", "Point it at a cohort folder.")
        elif not folder and path.is_dir():
            self.fail(
                name, f"`{value}` is a folder.", "Give a file name, e.g. /var/log/sts/audit.jsonl."
            )
        return path


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = None,
    require: tuple[str, ...] = (),
) -> Settings:
    """Settings for one process; `require` names the settings this mode cannot run without."""
    env = read_env(environ, env_file)
    read = _Reader(env)
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
        slack_timeout=read.integer("STS_SLACK_TIMEOUT_MS", 10_000, 100, 120_000) / 1000,
        delivery_waits=read.waits("STS_DELIVERY_WAITS_MS", (2000, 10_000, 60_000, 300_000)),
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
    )
    if read.problems:
        raise SettingsError(read.problems)
    return settings
