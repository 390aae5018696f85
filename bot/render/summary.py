"""How the weekly summary reads: the week, the cohort and who joined it, the week's responses,
progressions and deaths, ORR and DCR with their move since last week, the median PFS (and why it
moved), new grade ≥3 adverse events."""

from __future__ import annotations

from sts_bot.render.rates import rate_line
from sts_bot.render.reply import num, plural, sections
from sts_bot.render.survival import few_at_risk, median_words
from sts_queries.metrics.summary import Summary
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

__all__: list[str] = []  # the renderer registers with `sections`


def _move(now: dict | None, before: dict | None) -> str:
    if now is None or any(is_hidden(d.get("count")) for d in (now, before) if d):
        return ""
    if before is None:
        return "first week with patients"
    if (now["count"], now["n"]) == (before["count"], before["n"]):
        return "unchanged since last week"
    change = 100 * (now["rate"] - before["rate"])
    return f"{change:+.1f} points since last week ({before['count']}/{before['n']})"


def _cases(ids: list | None, one: str, many: str) -> str | None:
    """`1 new response (case 6)`, `no deaths`, `<5 progressions` where cases are hidden;
    None when the cohort cannot tell."""
    if ids is None:
        return None
    if not ids:
        return f"no {many}"
    hidden = [i for i in ids if is_hidden(i)]
    count = str(hidden[0]) if hidden and hidden[0].small else str(len(ids))
    word = one if count == "1" else many
    if hidden:  # outside patient places: no case named (privacy.py)
        return f"{count} {word}"
    return f"{count} {word} (case{'s' if len(ids) > 1 else ''} {', '.join(ids)})"


def _pfs_line(b: dict) -> str:
    pfs, before = b["pfs"], b.get("pfs_before")
    line = (
        f"*Median PFS {median_words(pfs, pfs['unit'])}*{few_at_risk(pfs)} · "
        f"{plural(pfs['events'], 'event')} in {pfs['n']}"
    )
    if before is None or is_hidden(pfs["median"]) or is_hidden(before["median"]):
        return line
    if before["median"] == pfs["median"]:
        return line
    # A median that moves says why: the week's progressions (or its new patients).
    was = "not reached" if before["median"] is None else f"{num(before['median'])}"
    why = _cases(b.get("progressed"), "progression or death", "progressions or deaths")
    because = (
        f"with this week's {why.removeprefix('1 ')}"
        if why and not why.startswith("no ")
        else "with this week's new patients and follow-up"
    )
    return f"{line} · was {was} a week before; it moved {because}"


@sections.register
def _summary(body: Summary, a: Answer) -> tuple[list[str], str | None]:
    b = body.json()
    start, end = b["period_start"], b["period_end"]
    lines = [
        f"*Week {b['period']}* ({start:%a %d %b} – {end:%a %d %b %Y}) · data as of {b['as_of']}"
    ]
    cut = b["data_as_of"]
    after_cut = cut is not None and start > cut
    if after_cut:
        lines.append(
            f"The data end at the cohort's cut-off, {cut}: nothing after it is known, so this "
            "is where the cohort stood then."
        )
    joined = b["joined"]
    # Case ids only where they may be read: outside patient places they are hidden (privacy.py).
    named = "" if any(is_hidden(j) for j in joined) else f" (case{'s' if len(joined) > 1 else ''} "
    new = (
        f"+{len(joined)} this week" + (f"{named}{', '.join(joined)})" if named else "")
        if joined
        else "no new patients this week"
    )
    lines.append(f"*Cohort: {b['size']} patients* · {new}")
    if not after_cut:
        changed = [
            _cases(b.get("responded"), "new response (CR/PR)", "new responses (CR/PR)"),
            _cases(b.get("progressed"), "progression or death", "progressions or deaths"),
            _cases(b.get("died"), "death", "deaths"),
        ]
        lines.append("*This week:* " + " · ".join(c for c in changed if c))
    for key in ("orr", "dcr"):
        now = b[key]
        if now:
            move = _move(now, b[key + "_before"])
            lines.append(f"*{key.upper()} {rate_line(now)}*" + (f" · {move}" if move else ""))
    if b["orr"] and b["orr"]["breakdown"]["NE"]:
        lines.append(f"{b['orr']['breakdown']['NE']} patient(s) not yet evaluable (NE).")
    if b["pfs"]:
        lines.append(_pfs_line(b))
    severe = b["new_grade3plus"]
    if severe:
        listed = ", ".join(f"{e['term']} ×{e['events']}" for e in severe)
        lines.append(f"*New grade ≥3 adverse events this week:* {listed}")
    else:
        lines.append("No new grade ≥3 adverse events this week.")
    return lines, None
