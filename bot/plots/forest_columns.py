"""What a forest plot writes: its lines (a heading per field, with its interaction p, and a
subgroup under it) and the number columns beside the axis (k/N or events/N, then the estimate
with its CI), with the widths they need, measured before anything is drawn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from sts_bot.plots.common import FONT_LABEL, NOTE_COLOR, fmt_hr, shorten

__all__ = ["FONT", "columns", "field_heading", "layout", "width_pt"]

FONT = FONT_LABEL  # rows and numbers: 11 pt, so that a 400 px thumbnail still reads
_INDENT = "    "  # a subgroup under its field's heading
_COLUMN_GAP_PT = 14  # between the count column and the estimate column


def width_pt(text: str, *, bold: bool = False) -> float:
    """The width of a row or number as drawn, in points (its font's own metrics)."""
    font = FontProperties(size=FONT, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return width


def field_heading(field: str) -> str:
    """'metastatic_site' -> 'Metastatic site'; a name already in capitals stays as it is."""
    words = str(field).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words[:1].islower() else words


def layout(rows: Sequence[Mapping], interactions: Sequence[Mapping]) -> list[dict]:
    """A header line per field (with its interaction p) and a line per subgroup under it."""
    tested = {i["field"]: i for i in interactions}
    lines: list[dict] = []
    for r in rows:
        if not lines or lines[-1]["field"] != r["field"]:
            lines.append(
                {
                    "field": r["field"],
                    "label": shorten(field_heading(r["field"]), 32),
                    "row": None,
                    "header": True,
                    "interaction": tested.get(r["field"]),
                }
            )
        lines.append(
            {
                "field": r["field"],
                "label": _INDENT + shorten(str(r["subgroup"]), 28),
                "row": r,
                "header": False,
            }
        )
    return lines


def _interval(r: Mapping, hazard: bool) -> str:
    if r.get("estimate") is None:
        return _why_none(r)
    if hazard:
        return f"{fmt_hr(r['estimate'])} ({fmt_hr(r['ci_low'])}–{fmt_hr(r['ci_high'])})"
    return f"{100 * r['estimate']:.0f}% ({100 * r['ci_low']:.0f}–{100 * r['ci_high']:.0f})"


def _fmt_p(p: float) -> str:
    """'p = 0.95', 'p = 0.004', 'p < 0.001'."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _why_none(r: Mapping) -> str:
    """A few words for a subgroup without an estimate: 'only M', 'no events in F', else 'not
    estimable' (the answer's notes say it in full)."""
    if r.get("suppressed"):
        return "withheld (small numbers)"
    reason = str(r.get("reason") or "")
    if reason.startswith("only ") and reason.endswith(" in this subgroup"):
        return reason.removesuffix(" in this subgroup")
    if "has no events" in reason and reason.count("`") == 2:
        return f"no events in {reason.split('`')[1]}"
    if "no events" in reason:
        return "no events"
    return "not estimable"


def columns(lines: list[dict], overall: Mapping, hazard: bool, heads: tuple[str, str]) -> dict:
    """What the number panel writes, line by line, and how wide it is: k/N (or events/N), then
    the estimate with its CI starting a fixed gap after the widest count."""
    key = "events" if hazard else "count"
    out = []
    for y, line in enumerate([*lines, {"row": overall, "header": False}]):
        r = line["row"]
        if r is None:
            if line.get("interaction") is not None:
                p = line["interaction"].get("p")
                words = "no interaction test" if p is None else f"interaction {_fmt_p(p)}"
                out.append((y, 1, words, {"color": NOTE_COLOR, "style": "italic"}, "interaction"))
            continue
        bold = {"fontweight": "bold"} if r is overall else {}
        count = "–" if r.get(key) is None or r.get("n") is None else f"{r[key]}/{r['n']}"
        out.append((y, 0, count, bold, "count"))
        grey = {"color": NOTE_COLOR} if r.get("estimate") is None else {}
        out.append((y, 1, _interval(r, hazard), {**bold, **grey}, "number"))
    shift = _COLUMN_GAP_PT + max(
        width_pt(heads[0], bold=True), *(width_pt(t, bold=True) for _, c, t, *_ in out if c == 0)
    )
    widest = max(
        width_pt(heads[1], bold=True), *(width_pt(t, bold=True) for _, c, t, *_ in out if c == 1)
    )
    return {"heads": heads, "lines": out, "shift": shift, "width_pt": shift + widest}
