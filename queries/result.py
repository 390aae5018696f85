"""The answer to one question: what was understood, the numbers, the method, the caveats.

An Answer is plain data with typed parts: `body` is the metric's own result (a `Part`
subclass declared beside its handler) and `chart` what the plotter should draw (a `Chart`, see
`charts.py`). The CLI prints it, `--json` serialises it, the Slack renderer and the plotter
dispatch on the types of its parts. Nothing here knows about Slack or matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sts_queries.query_spec import QuerySpec

__all__ = ["Answer", "Part", "jsonable"]


def jsonable(value: Any) -> Any:
    """Plain JSON types: NaN/inf become null, tuples lists, numpy scalars Python numbers."""
    if isinstance(value, Part):
        value = value.json()
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
class Part:
    """A typed piece of an answer; its fields, in order, are its `--json` keys."""

    def json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class Answer:
    spec: QuerySpec
    metric: str
    title: str  # "ORR", "PFS", "Toxicity" …
    n: int
    body: Part
    method: str | None = None
    groups: tuple[Mapping[str, Any], ...] = ()
    test: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()  # caveats every reader must see
    chart: Any = None  # a charts.Chart when the answer comes with a plot

    @property
    def filters(self) -> tuple[str, ...]:
        """The filters as understood, in words."""
        return tuple(self.spec.describe_filters())

    @property
    def understood(self) -> str:
        """The echo: `ORR · histology = LPS · n = 4`."""
        parts = [self.title, *self.filters]
        if self.spec.by:
            parts.append(f"by {self.spec.by}")
        if self.spec.strata:
            parts.append(f"strata {self.spec.strata.text}")
        if self.spec.reference:
            parts.append(f"ref {self.spec.reference}")
        if self.spec.adjust:
            parts.append(f"adjusted for {', '.join(self.spec.adjust)}")
        if self.spec.over:
            parts.append(f"over {', '.join(self.spec.over)}")
        if self.spec.tau is not None:
            parts.append(f"τ {self.spec.tau:g} {self.spec.unit}")
        if self.spec.at:
            parts.append(f"at {', '.join(f'{t:g}' for t in self.spec.at)} {self.spec.unit}")
        parts.append(f"n = {self.n}")
        return " · ".join(parts)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": self.metric, "n": self.n, "filters": list(self.filters)}
        if self.method:
            out["method"] = self.method
        out.update(self.body.json())
        if self.spec.by:
            out["by"] = self.spec.by
            if self.spec.strata:
                out["strata"] = list(self.spec.strata.fields)
            out["groups"] = list(self.groups)
            if self.test is not None:
                out["test"] = self.test
        out["notes"] = list(self.notes)
        return jsonable(out)
