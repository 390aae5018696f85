"""The answer to one question: what was understood, the numbers, the method, the caveats.

An Answer is plain data: the CLI prints it, `--json` serialises it, the Slack renderer turns it
into blocks and the plotter draws from `plot`. Nothing here knows about Slack or matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .spec import QuerySpec

__all__ = ["Answer", "jsonable"]


def jsonable(value: Any) -> Any:
    """Plain JSON types: NaN/inf become null, tuples lists, numpy scalars Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True, kw_only=True)
class Answer:
    spec: QuerySpec
    metric: str
    title: str  # "ORR", "PFS", "Toxicity" …
    n: int
    filters: tuple[str, ...] = ()
    method: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict)  # the metric's own JSON keys
    groups: tuple[Mapping[str, Any], ...] = ()
    test: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()  # caveats every reader must see
    lines: tuple[str, ...] = ()  # the answer as text lines, for list-like metrics
    plot: Any = None  # what the renderer draws, if anything

    @property
    def understood(self) -> str:
        """The echo: `ORR · histology = LPS · n = 4`."""
        parts = [self.title, *self.filters]
        if self.spec.by:
            parts.append(f"by {self.spec.by}")
        parts.append(f"n = {self.n}")
        return " · ".join(parts)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": self.metric, "n": self.n, "filters": list(self.filters)}
        if self.method:
            out["method"] = self.method
        out.update(self.body)
        if self.spec.by:
            out["by"] = self.spec.by
            out["groups"] = list(self.groups)
            if self.test is not None:
                out["test"] = self.test
        if self.lines and "lines" not in out:
            out["lines"] = list(self.lines)
        out["notes"] = list(self.notes)
        return jsonable(out)
