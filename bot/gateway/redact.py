"""What the audit log may keep of a command: its shape, never its values.

A privacy officer needs who asked what kind of question and what the bot decided, and to match
two lines about the same query; nobody needs a patient id or a filter value in a log. Words the
bot itself defines (metric names, field names, options, `share`) are kept; every other word —
filter values, patient ids, typos, anything else typed — becomes a keyed hash (HMAC-SHA256 with
the deployment's STS_AUDIT_KEY), the same for the same value, useless without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sts_queries.cohort.catalog import Catalog
from sts_queries.language.parse import _CONDITION, _OPERATORS, _tokens
from sts_queries.language.resolve import CI_TYPES, UNITS
from sts_queries.metrics.metric import OPTIONS
from sts_queries.metrics.registry import METRICS

__all__ = ["Redactor", "Shape"]

_KEYWORDS = {m.name for m in METRICS} | {a for m in METRICS for a in m.aliases}
_OPTIONS = {"by", *OPTIONS}
_VALUE_WORDS = set(CI_TYPES) | set(UNITS) | {"loglog", "log_log", "linear", "spss"}
_MAX_CHARS = 500  # an audit line stays one short line whatever was typed


@dataclass(frozen=True, kw_only=True)
class Shape:
    """A command with its values hashed, and the field names it used."""

    command: str
    fields: tuple[str, ...]


class Redactor:
    """Hashes values with a per-deployment key (a fresh one per process when none is set)."""

    def __init__(self, key: str | None = None) -> None:
        self.ephemeral = key is None
        self._key = (key or secrets.token_hex(32)).encode()

    def hash(self, value: str) -> str:
        digest = hmac.new(self._key, value.strip().lower().encode(), hashlib.sha256)
        return "h:" + digest.hexdigest()[:16]

    def shape(self, text: str, catalog: Catalog | None = None) -> Shape:
        """`orr histology=LPS` → `orr histology=h:…`, fields (histology,)."""
        try:
            tokens = _tokens(text)
        except Exception:  # unreadable (an unclosed quote): nothing of it is kept
            return Shape(command=self.hash(text), fields=())
        out: list[str] = []
        used: list[str] = []
        for i, token in enumerate(tokens):
            match = _CONDITION.match(token)
            if match is None:
                keep = token.lower() in (_KEYWORDS if i == 0 else {"share"} | _KEYWORDS)
                out.append(token.lower() if keep else self.hash(token))
                continue
            name, op, value = match["field"], _OPERATORS[match["op"]], match["value"]
            field = catalog.get(name) if catalog is not None else None
            if field is not None:
                used.append(field.name)
                out.append(f"{field.name}{op}{self.hash(value)}")
            elif name.lower() == "by":
                target = catalog.get(value) if catalog is not None else None
                if target is not None:
                    used.append(target.name)
                out.append(f"by{op}{target.name if target else self.hash(value)}")
            elif name.lower() in _OPTIONS:
                shown = value.lower() if value.lower() in _VALUE_WORDS else self.hash(value)
                out.append(f"{name.lower()}{op}{shown}")
            else:
                out.append(f"{self.hash(name)}{op}{self.hash(value)}")
        command = re.sub(r"\s+", " ", " ".join(out))[:_MAX_CHARS]
        return Shape(command=command, fields=tuple(dict.fromkeys(used)))
