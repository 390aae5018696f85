"""The one path from a person's command to an answer: access → respond → audit.

Slack's listeners and the local console both call `Gateway.handle`, so a command is checked,
answered and logged the same way wherever it is typed. Nothing here knows Slack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sts_queries.answer import understand
from sts_queries.cohort import Cohort
from sts_queries.errors import StsError

from . import service
from .access import Asker, Policy
from .audit import AuditLog, AuditRecord, withheld
from .service import Outcome
from .settings import Settings

__all__ = ["Gateway", "Handled", "open_gateway"]


@dataclass(frozen=True, kw_only=True)
class Handled:
    """An outcome and what the edge needs to deliver it."""

    outcome: Outcome
    refused: bool = False
    shared: bool = False  # post for everyone: the `share` option or the button


@dataclass(frozen=True, kw_only=True)
class Gateway:
    cohort: Cohort
    policy: Policy
    audit: AuditLog
    out_dir: Path | None = None  # where the console writes plots; Slack uploads them instead
    # Where the current cohort comes from: a served folder is re-read when its files change
    # (and kept when the new files are bad). None: always `cohort`.
    source: Callable[[], Cohort] | None = None

    def current(self) -> Cohort:
        return self.source() if self.source is not None else self.cohort

    def handle(
        self,
        text: str,
        asker: Asker,
        *,
        surface: str,
        share: bool = False,
        with_plots: bool = True,
    ) -> Handled:
        """Check, answer and log one command; never raises for anything a user types."""
        started = time.perf_counter()
        cohort = self.current()
        metric = _metric(text, cohort)
        refusal = self.policy.refusal(asker, metric)
        if refusal is not None:
            outcome = Outcome.from_error(refusal)
        else:
            outcome = service.respond(text, cohort, out_dir=self.out_dir, with_plots=with_plots)
        spec = outcome.answer.spec if outcome.answer else None
        handled = Handled(
            outcome=outcome,
            refused=refusal is not None,
            shared=share or bool(spec and spec.share),
        )
        record = AuditRecord(
            surface=surface,
            user=asker.user,
            team=asker.team,
            channel=asker.channel,
            command=text,
            outcome="refused" if handled.refused else "error" if outcome.is_error else "answer",
            metric=metric,
            kind=outcome.kind if outcome.is_error else None,
            shared=handled.shared,
            ms=round(1000 * (time.perf_counter() - started)),
        )
        try:
            self.audit.write(record)
        except OSError as exc:  # fail closed: no answer goes out that the audit log lacks
            return Handled(outcome=Outcome.from_error(withheld(exc)))
        return handled


def _metric(text: str, cohort: Cohort) -> str | None:
    """The metric asked for, when the command makes sense; `respond` reports it when not."""
    try:
        return understand(text, cohort).metric
    except StsError:
        return None
    except Exception:  # a bug: `respond` meets it again and reports it under a ref
        return None


def open_gateway(settings: Settings, *, policy: Policy | None = None) -> Gateway:
    """The gateway a process serves: its cohort (loaded once), policy and audit log."""
    return Gateway(
        cohort=service.load(settings.data_dir),  # a folder that does not load stops start-up
        source=lambda: service.load(settings.data_dir),
        policy=policy if policy is not None else Policy.from_settings(settings),
        audit=AuditLog(settings.audit_log),
        out_dir=None,
    )
