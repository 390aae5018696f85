"""How a restricted mean survival time answer (`rmst`) reads: the RMST to τ with its CI and SE,
where τ came from, and grouped, a table of each group's RMST with its difference and ratio
against the reference (CI and p)."""

from __future__ import annotations

from collections.abc import Mapping

from sts_bot.render.reply import fmt_p, sections
from sts_bot.render.reply import table as _table
from sts_queries.metrics.survival.rmst import RestrictedMeanSurvival
from sts_queries.privacy.reveal import is_hidden
from sts_queries.result import Answer

__all__: list[str] = []  # the renderer registers with `sections`


def _time(value: float, unit: str) -> str:
    return f"{value:.1f}" if unit == "days" else f"{value:.2f}"


def _mean(d: Mapping, unit: str, *, se: bool = True) -> str:
    """`8.41 months (95% CI 6.90–9.92; SE 0.77)`, or why it is not shown."""
    if is_hidden(d["estimate"]):
        return f"suppressed (fewer than {d['estimate'].below} events)"
    spread = f"; SE {_time(d['se'], unit)}" if se else ""
    return (
        f"{_time(d['estimate'], unit)} {unit} "
        f"(95% CI {_time(d['ci_low'], unit)}–{_time(d['ci_high'], unit)}{spread})"
    )


def _cell(d: Mapping, unit: str) -> str:
    if is_hidden(d["estimate"]):
        return str(d["estimate"])
    return f"{_time(d['estimate'], unit)} ({_time(d['ci_low'], unit)}–{_time(d['ci_high'], unit)})"


def _contrast(d: Mapping | None, shown) -> tuple[str, str]:
    """(estimate with CI, p) of a difference or ratio; the reference has none."""
    if d is None:
        return "reference", ""
    if is_hidden(d["estimate"]):
        return "withheld", ""
    if d["ci_low"] is None:  # no variance: no event before τ in either group
        return shown(d["estimate"]), "–"
    p = "" if d["p"] is None else fmt_p(d["p"])
    return f"{shown(d['estimate'])} ({shown(d['ci_low'])} to {shown(d['ci_high'])})", p


@sections.register
def _rmst(body: RestrictedMeanSurvival, a: Answer) -> tuple[list[str], str | None]:
    unit = body.unit
    tau = f"{body.tau:g} {unit}"
    lines = [
        f"*Restricted mean {body.endpoint.upper()} to {tau}: {_mean(body.rmst, unit)}*",
        f"{body.events} events in {body.n_analysed} patients · τ = {tau} "
        + ("(not given: survRM2's default)" if body.tau_default else "(as asked)"),
    ]
    table = None
    if a.groups:
        rows = []
        for g in a.groups:
            if g.get("suppressed"):
                rows.append([str(g["label"]), str(g["n"]), str(g["events"]), "–", "–", "", "–", ""])
                continue
            difference = _contrast(g["rmst_difference"], lambda v: _time(v, unit))
            ratio = _contrast(g["rmst_ratio"], lambda v: f"{v:.2f}")
            rows.append(
                [
                    str(g["label"]),
                    str(g["n"]),
                    str(g["events"]),
                    _cell(g["rmst"], unit),
                    *difference,
                    *ratio,
                ]
            )
        header = [a.spec.by or "", "N", "events", f"RMST, {unit} (95% CI)"]
        header += ["difference (95% CI)", "p", "ratio (95% CI)", "p"]
        table = _table(header, rows)
        lines.append(f"Each group against *{body.reference}*: the difference and ratio of RMSTs")
    return lines, table
