"""Text → tokens: `/sts <metric> [filters] [by=<field>] [options]`, with no cohort knowledge yet.

The parser only splits and classifies; whether a field or value exists is the spec's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sts_queries.errors import UsageError
from sts_queries.language.lexer import LexError, glue_operators, split

__all__ = ["MAX_COMMAND", "USAGE", "Command", "Condition", "parse"]

USAGE = "/sts <metric> [field=value …] [by=field] [options]   e.g. /sts orr histology=LPS"

# Longest operators first; typographic forms come from phones and autocorrect.
_OPERATORS = {"!=": "!=", "≠": "!=", ">=": ">=", "≥": ">=", "<=": "<=", "≤": "<=", "==": "="}
_OPERATORS |= {"=": "=", ">": ">", "<": "<", ":": "="}
_CONDITION = re.compile(
    r"^(?P<field>[^\s=!<>≠≥≤:]+)\s*(?P<op>!=|≠|>=|≥|<=|≤|==|=|>|<|:)(?P<value>.*)$"
)
_OPTION_WORDS = {"share"}
# The longest command read. The longest useful one (every field filtered, by=, options) is a
# few hundred characters; anything far past that is a paste or an attack, and is refused
# before any work is done on it.
MAX_COMMAND = 3000
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
    if len(text) > MAX_COMMAND:
        raise UsageError(
            f"That command is {len(text):,} characters long; I read commands of up to "
            f"{MAX_COMMAND:,}.",
            hint=f"Ask one question at a time. Usage: {USAGE}",
        )
    # People put spaces around operators ("age >= 60"); glue them back to one token.
    text = glue_operators(text.translate(_QUOTES).strip())
    try:
        return split(text)
    except LexError as exc:
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
    # (condition, its value words, its text words): an unquoted value with spaces
    # (`histology=synovial sarcoma`) grows word by word and is joined once at the end.
    conditions: list[tuple[Condition, list[str], list[str]]] = []
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
            condition = Condition(
                field=match["field"], op=_OPERATORS[match["op"]], value=value, text=token
            )
            conditions.append((condition, [value], [token]))
        elif token.lower() in _OPTION_WORDS:
            flags.append(token.lower())
        elif conditions and conditions[-1][0].op in ("=", "!="):
            conditions[-1][1].append(token)
            conditions[-1][2].append(token)
        else:
            args.append(token)
    joined = tuple(
        Condition(field=c.field, op=c.op, value=" ".join(value), text=" ".join(text))
        for c, value, text in conditions
    )
    return Command(metric=metric, args=tuple(args), conditions=joined, flags=tuple(flags))
