"""Text → tokens: `/sts <metric> [filters] [by=<field>] [options]`, with no cohort knowledge yet.

The parser only splits and classifies; whether a field or value exists is the spec's business.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from .errors import UsageError

__all__ = ["USAGE", "Command", "Condition", "parse"]

USAGE = "/sts <metric> [field=value …] [by=field] [options]   e.g. /sts orr histology=LPS"

# Longest operators first; typographic forms come from phones and autocorrect.
_OPERATORS = {"!=": "!=", "≠": "!=", ">=": ">=", "≥": ">=", "<=": "<=", "≤": "<=", "==": "="}
_OPERATORS |= {"=": "=", ">": ">", "<": "<", ":": "="}
_CONDITION = re.compile(
    r"^(?P<field>[^\s=!<>≠≥≤:]+)\s*(?P<op>!=|≠|>=|≥|<=|≤|==|=|>|<|:)(?P<value>.*)$"
)
_OPTION_WORDS = {"share"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One `field op value` token as typed; `value` may hold `a,b` or `lo..hi`."""

    field: str
    op: str  # = != >= > <= <
    value: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Command:
    metric: str
    args: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    flags: tuple[str, ...] = ()


def _tokens(text: str) -> list[str]:
    text = text.translate(_QUOTES).strip()
    # People put spaces around operators ("age >= 60"); glue them back to one token.
    text = re.sub(r"\s*(!=|≠|>=|≥|<=|≤|==|=|>|<)\s*", r"\1", text)
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"Could not read the command: {exc}.", hint=f"Usage: {USAGE}") from None


def parse(text: str) -> Command:
    """Split a command into its metric, positional arguments, conditions and flags."""
    tokens = _tokens(text)
    if not tokens:
        return Command(metric="help")
    metric, rest = tokens[0].lower(), tokens[1:]
    if _CONDITION.match(metric):
        raise UsageError(
            f"`{tokens[0]}` is a filter; a command starts with what you want to know.",
            hint=f"Usage: {USAGE}",
        )
    args: list[str] = []
    conditions: list[Condition] = []
    flags: list[str] = []
    for token in rest:
        match = _CONDITION.match(token)
        if match:
            value = match["value"].strip()
            if not value:
                raise UsageError(
                    f"`{token}` has no value after `{match['op']}`.",
                    hint=f"Write it as {match['field']}{match['op']}<value>, e.g. histology=LPS.",
                )
            conditions.append(
                Condition(field=match["field"], op=_OPERATORS[match["op"]], value=value, text=token)
            )
        elif token.lower() in _OPTION_WORDS:
            flags.append(token.lower())
        elif conditions and conditions[-1].op in ("=", "!="):
            # An unquoted value with spaces: `histology=synovial sarcoma`.
            last = conditions.pop()
            conditions.append(
                Condition(
                    field=last.field,
                    op=last.op,
                    value=f"{last.value} {token}",
                    text=f"{last.text} {token}",
                )
            )
        else:
            args.append(token)
    return Command(
        metric=metric, args=tuple(args), conditions=tuple(conditions), flags=tuple(flags)
    )
