"""The catalog: which fields a cohort has, what values they take, and how people name them.

Identifiers in SQL only ever come from here; user text is resolved against it, never pasted.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Catalog", "Field", "norm"]

NUMERIC = "numeric"
CATEGORICAL = "categorical"
DATE = "date"

# Values any yes/no field understands without the cohort declaring them.
_YES_NO = {"y": "yes", "true": "yes", "1": "yes", "n": "no", "false": "no", "0": "no"}


def norm(text: str) -> str:
    """Case- and spacing-insensitive key for matching what people type."""
    return " ".join(str(text).strip().lower().replace("_", " ").split())


@dataclass(frozen=True, kw_only=True)
class Field:
    """One filterable column of the patients table."""

    name: str
    label: str
    kind: str  # numeric | categorical | date
    aliases: tuple[str, ...] = ()
    # Known values in display order, with how many patients have each.
    counts: tuple[tuple[str, int], ...] = ()
    value_labels: Mapping[str, str] = field(default_factory=dict)
    synonyms: Mapping[str, str] = field(default_factory=dict)  # norm(synonym) -> value
    hierarchy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # group -> members
    minimum: float | None = None
    maximum: float | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.counts)

    @property
    def is_code(self) -> bool:
        """A number that stands for a category (sex 1/2, ECOG 0–4): numeric and counted."""
        return self.kind == NUMERIC and bool(self.counts)

    @property
    def groupable(self) -> bool:
        """Whether `by=` can split patients on this field."""
        return self.kind == CATEGORICAL or self.is_code

    def code_for(self, text: str) -> float | int | None:
        """The number a coded field stores for a typed label or code (`female` → 2)."""
        if not self.is_code:
            return None
        resolved = self.resolve(text)
        if not resolved or len(resolved) != 1:
            return None
        value = float(resolved[0])
        return int(value) if value.is_integer() else value

    def value_label(self, value: str) -> str:
        return self.value_labels.get(value, value)

    def resolve(self, text: str) -> tuple[str, ...] | None:
        """The stored values a typed value stands for, or None when it means nothing here."""
        key = norm(text)
        by_norm = {norm(v): v for v in self.values}
        if key in by_norm:
            return (by_norm[key],)
        if key in self.synonyms:
            return (self.synonyms[key],)
        by_label = {
            norm(label): v for v, label in self.value_labels.items() if v in by_norm.values()
        }
        if key in by_label:
            return (by_label[key],)
        for group, members in self.hierarchy.items():
            if norm(group) == key:
                return tuple(members)
        if set(self.values) <= {"yes", "no"} and key in _YES_NO:
            return (_YES_NO[key],)
        return None

    def known_values_text(self, limit: int = 20, *, counts: bool = True) -> str:
        """The values, most common first, with how many patients have each (`counts`); error
        hints leave the counts out: they reach public channels unshielded, where `fields`
        shows a small count as <5 (issue 19: a hint gave back what `fields` hid)."""
        shown = [  # a coded value by its label too: `test = 2 (68)`
            (f"{self.value_labels[v]} = {v}" if v in self.value_labels else v)
            + (f" ({n})" if counts else "")
            for v, n in self.counts[:limit]
        ]
        more = len(self.counts) - limit
        if more > 0:
            shown.append(f"… and {more} more")
        groups = [f"{g} = {'+'.join(m)}" for g, m in self.hierarchy.items()]
        text = ", ".join(shown)
        return text + (f"; groups: {', '.join(groups)}" if groups else "")


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """Every field of a cohort, found by name, alias or label, case-insensitively."""

    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        index: dict[str, Field] = {}
        for f in self.fields:
            for name in (f.name, *f.aliases):
                index.setdefault(norm(name), f)
        object.__setattr__(self, "_index", index)

    def get(self, name: str) -> Field | None:
        return self._index.get(norm(name))  # type: ignore[attr-defined]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def nearest(self, name: str, n: int = 3) -> list[str]:
        """Field names closest to a typo, canonical names first."""
        keys = list(self._index)  # type: ignore[attr-defined]
        close = difflib.get_close_matches(norm(name), keys, n=n * 2, cutoff=0.6)
        seen: list[str] = []
        for key in close:
            canonical = self._index[key].name  # type: ignore[attr-defined]
            if canonical not in seen:
                seen.append(canonical)
        return seen[:n]
