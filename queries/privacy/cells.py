"""Hidden cells and the arithmetic of hiding them: the pieces every suppression rule uses.

A count of fewer than the minimum cell size is hidden (`<5`); so is any cell from which,
with a total and the other shown cells, a hidden one could be worked out (complementary
suppression, shown as `†`). Zero is shown: it counts nobody.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_MIN_CELL",
    "Hidden",
    "across",
    "complementary",
    "hidden_count",
    "hide_all",
    "hide_keys",
    "holds_hidden",
    "is_hidden",
    "is_small",
    "rest_of",
    "row_of",
    "with_groups",
]

DEFAULT_MIN_CELL = 5  # OHDSI's and most registries'; CMS uses 11


@dataclass(frozen=True)
class Hidden:
    """A suppressed cell: `null` (with `suppressed: true`) in JSON; shown as `<5` when it is a
    small count, as `†` when it is hidden only so that a small one cannot be worked out."""

    below: int
    small: bool = False

    def __str__(self) -> str:
        return f"<{self.below}" if self.small else "†"  # not *: Slack's bold

    def __format__(self, spec: str) -> str:
        return str(self)


def is_hidden(value: Any) -> bool:
    return isinstance(value, Hidden)


def hidden_count(value: Any, k: int) -> Hidden:
    """A count hidden: `<5` if it is one of the small ones, `†` if hidden to protect them."""
    small = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < k
    return Hidden(k, small=small)


def is_small(value: Any, k: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < k


def complementary(cells: Mapping[Hashable, int], k: int) -> set[Hashable]:
    """The cells of a partition to hide so that none under `k` can be read or recovered.

    Every cell in 1..k-1 is hidden; then, while the hidden cells could be recovered from the
    partition's total and the shown cells (a single hidden cell, or hidden cells adding up to
    fewer than `k`), the smallest shown non-zero cell is hidden too.
    """
    hidden = {key for key, v in cells.items() if is_small(v, k)}
    while hidden:
        if len(hidden) >= 2 and sum(cells[h] for h in hidden) >= k:
            break
        rest = sorted(
            ((v, str(key), key) for key, v in cells.items() if key not in hidden and v > 0),
            key=lambda t: (t[0], t[1]),
        )
        if not rest:
            break
        hidden.add(rest[0][2])
    return hidden


# --- Does the answer show one patient? ------------------------------------------------------


def hide_all(value: Any, k: int) -> Any:
    """Every number in `value` hidden (labels and zero-free structure kept)."""
    if isinstance(value, Mapping):
        return {
            key: v
            if key in ("label", "term", "value", "field", "months", "time")
            else hide_all(v, k)
            for key, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [hide_all(v, k) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return hidden_count(value, k)
    if value is None or isinstance(value, float):
        return Hidden(k)  # "not reached" says something of a group too
    return value


def across(total: Any, cells: list, hide, k: int) -> bool:
    """Across groups: while a total minus the groups' shown cells is a small number (the
    hidden cells, together), hide the smallest shown cell too. `hide(i)` hides group i's."""
    hid = False
    while isinstance(total, int) and not is_hidden(total):
        values = [cell() for cell in cells]
        rest = total - sum(v for v in values if isinstance(v, int) and not is_hidden(v))
        shown = [(v, i) for i, v in enumerate(values) if isinstance(v, int) and v > 0]
        if not is_small(rest, k) or not shown:
            break
        hide(min(shown)[1])
        hid = True
    return hid


def with_groups(body: Mapping, n: int, groups: Sequence[Mapping], k: int, cells) -> tuple:
    """(body, groups, hid) of an answer over time-to-event groups: `cells(d, n, k)` on the
    whole and on each shown group, then each group's events as the groups add up to the
    whole's (a hidden group's may not be worked out from the total)."""
    d, hid = cells(body, n, k)
    out = []
    for g in groups:
        if not g.get("suppressed"):
            g, h = cells(g, g["n"], k)
            hid |= h
        out.append(g)
    hid |= across(
        d["events"],
        [lambda g=g: g["events"] for g in out],
        lambda i: out[i].update(events=hidden_count(out[i]["events"], k)),
        k,
    )
    return d, out, hid


def row_of(rows: Any, key: str, name: str) -> dict | None:
    if not isinstance(rows, list):
        return None
    return next((r for r in rows if r.get(key) == name), None)


def holds_hidden(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(holds_hidden(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_hidden(v) for v in value)
    return is_hidden(value)


def hide_keys(d: dict, keys: tuple[str, ...], k: int) -> None:
    """Hide the cells `keys` of `d` (those it has), in place."""
    for key in keys:
        if key in d:
            d[key] = hidden_count(d[key], k)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def rest_of(d: Mapping, count: str) -> int | None:
    """The patients of `d` outside its `count` (n minus it), when both are shown numbers."""
    n, c = _int(d.get("n")), _int(d.get(count))
    return None if n is None or c is None else n - c
