"""Quoting SQL identifiers: the only way a name reaches SQL text."""

from __future__ import annotations

__all__ = ["quote_identifier"]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
