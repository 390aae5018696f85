"""The one path from a person's command to an answer: understand → access → answer → audit.

Slack's listeners and the local console both call `Gateway.handle`, so a command is checked,
answered and logged the same way wherever it is typed. A command is understood once: the access
decision and the answer use the same spec. Nothing here knows Slack.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sts_queries.answer import metric_of, understand
from sts_queries.errors import StsError

from .access import Asker, NotAllowed, Policy
from .audit import AuditLog, AuditRecord, withheld
from .service import Outcome, Service, unexpected
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
    service: Service
    policy: Policy
    audit: AuditLog
    out_dir: Path | None = None  # where the console writes plots; Slack uploads them instead

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
        if text.strip().lower() == "reload":
            return self._reload(asker, surface, started)
        metric = None
        refused = False
        try:
            cohort = self.service.cohort()
            spec = understand(text, cohort)
        except StsError as exc:
            outcome = Outcome.from_error(exc)
        except Exception as exc:  # a bug: the user gets a reference, the log the traceback
            outcome = unexpected(exc, "understanding a command")
        else:
            metric = metric_of(spec, cohort)
            refusal = self.policy.refusal(asker, metric)
            refused = refusal is not None
            if refusal is not None:
                outcome = Outcome.from_error(refusal)
            else:
                outcome = self.service.answer(
                    spec, cohort, out_dir=self.out_dir, with_plots=with_plots
                )
            share = share or spec.share
        handled = Handled(outcome=outcome, refused=refused, shared=share and not refused)
        record = AuditRecord(
            surface=surface,
            user=asker.user,
            team=asker.team,
            channel=asker.channel,
            command=text,
            outcome="refused" if refused else "error" if outcome.is_error else "answer",
            metric=metric.name if metric else None,
            kind=outcome.kind if outcome.is_error else None,
            shared=handled.shared,
            ms=round(1000 * (time.perf_counter() - started)),
        )
        return self._recorded(record, handled)

    def _recorded(self, record: AuditRecord, handled: Handled) -> Handled:
        """`handled`, once its record is written; fail closed when it cannot be."""
        try:
            self.audit.write(record)
        except OSError as exc:  # no answer goes out that the audit log lacks
            return Handled(outcome=Outcome.from_error(withheld(exc)))
        return handled

    def _reload(self, asker: Asker, surface: str, started: float) -> Handled:
        """An admin's `reload`: read the cohort folder now and say what is served."""
        refused = not self.policy.is_admin(asker)
        if refused:
            outcome = Outcome.from_error(
                NotAllowed(
                    "Only the bot's admins can reload the data.",
                    hint="The data reloads by itself when its files change; "
                    "ask an admin (STS_ADMINS) to force it.",
                )
            )
        else:
            outcome = self.service.reload()
        record = AuditRecord(
            surface=surface,
            user=asker.user,
            team=asker.team,
            channel=asker.channel,
            command="reload",
            outcome="refused" if refused else "error" if outcome.is_error else "answer",
            metric="reload",
            kind=outcome.kind if outcome.is_error else None,
            shared=False,
            ms=round(1000 * (time.perf_counter() - started)),
        )
        return self._recorded(record, Handled(outcome=outcome, refused=refused))


def open_gateway(
    settings: Settings, *, policy: Policy | None = None, service: Service | None = None
) -> Gateway:
    """The gateway a process serves: its service (cohort loaded now), policy and audit log."""
    service = service if service is not None else Service.from_settings(settings, plot_processes=0)
    service.cohort()  # a folder that does not load stops start-up
    return Gateway(
        service=service,
        policy=policy if policy is not None else Policy.from_settings(settings),
        audit=AuditLog(settings.audit_log),
        out_dir=None,
    )
