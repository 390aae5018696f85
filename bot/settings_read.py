"""Reading the environment and `.env` for `settings.py`, and checking one setting at a time.

Nothing else reads them. `Reader` collects every problem, each naming the setting and its fix,
so that `load_settings` reports them all at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

__all__ = ["Reader", "env_file_warning", "read_env", "redact_url"]

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


class Reader:
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

    def database_url(self, name: str) -> str | None:
        """A PostgreSQL URL (postgresql://user:password@host:port/db), or None when unset."""
        value = self.env.get(name, "").strip()
        if not value:
            return None
        if urlparse(value).scheme not in ("postgresql", "postgres"):
            self.fail(
                name,
                f"`{redact_url(value)}` is not a PostgreSQL URL.",
                "e.g. postgresql://sts:PASSWORD@db.example.org:5432/sts, or leave it unset "
                "for a single process with its state in files.",
            )
            return None
        return value

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
