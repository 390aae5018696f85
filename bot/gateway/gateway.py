"""The one path from a person's command to an answer: understand → access → answer → audit.

Slack's listeners and the local console both call `Gateway.handle`, so a command is checked,
answered and logged the same way wherever it is typed. A command is understood once: the access
decision and the answer use the same spec. Outside the places set up for patient-level answers
(a configured private channel, DMs when allowed, the console) the gateway refuses what would
show individual patients and shows small cells as <5 (`sts_queries.privacy`), before anything
is sent. Nothing here knows Slack: whether a channel is private is asked of `places`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Protocol

from sts_bot.gateway.access import Asker, NotAllowed, Policy
from sts_bot.gateway.audit import AuditLog, AuditRecord, withheld
from sts_bot.gateway.redact import Redactor
from sts_bot.gateway.seen import Seen, seen_of, tracked_refusal
from sts_bot.gateway.shielding import public_outcome
from sts_bot.service.service import Outcome, Service, unexpected
from sts_bot.settings import Settings, SettingsError
from sts_queries.answer import metric_of, understand
from sts_queries.cohort.cohort import Cohort
from sts_queries.errors import StsError
from sts_queries.privacy.released import released_sets
from sts_queries.privacy.reveal import identifier_fields, mask_text, reveals_patients

__all__ = ["Gateway", "Handled", "open_gateway"]


class Places(Protocol):
    """Asks the chat platform whether a conversation is private (bot/places.py for Slack)."""

    def is_private(self, channel: str) -> bool: ...

    def home_team(self) -> str | None: ...

    def problems(self, channels: Iterable[str]) -> list[str]: ...


@dataclass(frozen=True, kw_only=True)
class Handled:
    """An outcome and what the edge needs to deliver it."""

    outcome: Outcome
    refused: bool = False
    shared: bool = False  # post for everyone: the `share` option or the button
    record: str | None = None  # the id of its audit record, once written


class Delivered(Protocol):
    """What became of a reply (bot/slack/delivery.py's `Delivery`)."""

    verdict: str  # delivered | lost
    told: str | None


@dataclass(frozen=True, kw_only=True)
class Gateway:
    service: Service
    policy: Policy
    audit: AuditLog
    out_dir: Path | None = None  # where the console writes plots; Slack uploads them instead
    # Whether a channel is private (Slack's conversations.info); None where there is no Slack.
    places: Places | None = None
    redactor: Redactor = field(default_factory=Redactor)
    # The patient sets each asker and channel was shown outside patient places (trackers).
    seen: Seen = field(default_factory=lambda: Seen(None))

    def _private_place(self, asker: Asker) -> bool:
        """A place where patient-level answers may go: configured, and private if a channel."""
        if not self.policy.allows_patient_level(asker):
            return False
        return asker.is_dm or self.places is None or self.places.is_private(asker.channel)

    def check_patient_channels(self) -> None:
        """At start-up: a SettingsError naming each patient channel that is not private."""
        if self.places is not None:
            problems = self.places.problems(self.policy.patient_channels)
            if problems:
                raise SettingsError(problems)

    def handle(
        self,
        text: str,
        asker: Asker,
        *,
        surface: str,
        share: bool = False,
        with_plots: bool = True,
        record: str | None = None,
    ) -> Handled:
        """Check, answer and log one command; never raises for anything a user types.

        `record`: the id of the command's audit record when it has one already (a fleet's
        question, accepted before the ack)."""
        started = time.perf_counter()
        ids = {"id": record} if record else {}
        if text.strip().lower() == "reload":
            return self._reload(asker, surface, started, ids)
        metric = None
        refused = suppressed = False
        cohort = None
        try:
            cohort = self.service.cohort()
            spec = understand(text, cohort)
        except StsError as exc:
            outcome = Outcome.from_error(self._public_error(exc, asker, cohort))
        except Exception as exc:  # a bug: the user gets a reference, the log the traceback
            outcome = unexpected(exc, "understanding a command")
        else:
            metric = metric_of(spec, cohort)
            outcome, refused, suppressed = self._decide(spec, metric, cohort, asker, with_plots)
            share = share or spec.share
        handled = Handled(outcome=outcome, refused=refused, shared=share and not refused)
        shape = self.redactor.shape(text, cohort.catalog if cohort is not None else None)
        record = AuditRecord(
            surface=surface,
            user=asker.user,
            team=asker.team,
            channel=asker.channel,
            command=shape.command,
            fields=shape.fields,
            outcome="refused" if refused else "error" if outcome.is_error else "answer",
            suppressed=suppressed,
            metric=metric.name if metric else None,
            kind=outcome.kind if outcome.is_error else None,
            shared=handled.shared,
            ms=round(1000 * (time.perf_counter() - started)),
            **ids,
        )
        return self._recorded(record, handled)

    def accepted(self, text: str, asker: Asker, *, surface: str) -> AuditRecord:
        """A question taken for answering later: its record (for `AuditLog.accepted`)."""
        cohort = self.service.loaded()  # the ack cannot wait for a reload
        shape = self.redactor.shape(text, cohort.catalog if cohort is not None else None)
        record = AuditRecord(
            surface=surface,
            user=asker.user,
            team=asker.team,
            channel=asker.channel,
            command=shape.command,
            fields=shape.fields,
            outcome="accepted",
        )
        return record

    def _recorded(self, record: AuditRecord, handled: Handled) -> Handled:
        """`handled`, once its record is written; fail closed when it cannot be."""
        try:
            self.audit.write(record)
        except OSError as exc:  # no answer goes out that the audit log lacks
            return Handled(outcome=Outcome.from_error(withheld(exc)))
        return replace(handled, record=record.id)

    def delivered(self, handled: Handled, delivery: Delivered) -> None:
        """Complete the command's audit record with what became of its reply."""
        if handled.record is None:  # withheld: there is no record to complete
            return
        try:
            self.audit.delivery(handled.record, delivery.verdict, told=delivery.told)
        except OSError as exc:  # the reply is out already; the record of it stands
            logging.getLogger("sts.audit").error(
                "delivery line for %s not written: %s", handled.record, exc
            )

    def _decide(self, spec, metric, cohort: Cohort, asker: Asker, with_plots: bool):
        """(outcome, refused, suppressed): refused, answered in full, or answered shielded."""
        allowed = self.policy.refusal(asker, None)
        # No workspace list: the bot's own workspace only (not a Slack Connect guest's).
        foreign = not self.policy.teams and self.places is not None
        if allowed is None and foreign and asker.team != self.places.home_team():
            allowed = self.policy.refusal(asker, None, home=False)
        if allowed is not None:  # the workspace, user and channel lists come first
            return Outcome.from_error(allowed), True, False
        private = self._private_place(asker)
        try:
            reveals = None if private else self._reveals(spec, metric, cohort)
        except Exception as exc:
            return unexpected(exc, "checking what an answer reveals"), False, False
        refusal = self.policy.refusal(
            asker,
            metric,
            reveals=reveals,
            private=private or not self.policy.allows_patient_level(asker),
        )
        if refusal is not None:
            return Outcome.from_error(refusal), True, False
        if private:
            outcome = self.service.answer(spec, cohort, out_dir=self.out_dir, with_plots=with_plots)
            return outcome, False, False
        # In public the plots are drawn once, from what may be shown (shielding.py).
        outcome = self.service.answer(spec, cohort, out_dir=None, with_plots=False)
        if outcome.is_error or outcome.answer is None:
            return outcome, False, False
        # Beside what this asker and this channel were shown (seen.py): no tracker's step.
        sets = released_sets(spec, metric, outcome.answer, cohort, self.policy.min_cell)
        tracked = tracked_refusal(self.seen, self.policy, asker, metric, cohort, sets)
        if tracked is not None:
            return Outcome.from_error(tracked), True, False
        key = ("public", cohort.version, spec, self.policy.min_cell)
        draw_with = partial(self.service.drawn, key=key) if with_plots else None
        return public_outcome(outcome, metric.name, self.policy, draw_with)

    def _reveals(self, spec, metric, cohort: Cohort) -> str | None:
        return reveals_patients(spec, metric, cohort, self.policy.min_cell)

    def _public_error(self, exc: StsError, asker: Asker, cohort: Cohort | None) -> StsError:
        """An error's hint lists values with their counts: small ones masked, ids never."""
        if cohort is None or self._private_place(asker):
            return exc
        hint = mask_text(exc.hint or "", self.policy.min_cell)
        if any(f"has {name} = " in exc.message for name in identifier_fields(cohort.catalog)):
            hint = "Patient ids are listed only where patient-level answers are given."
        masked = type(exc)(exc.message, hint=hint)
        return masked

    def _reload(self, asker: Asker, surface: str, started: float, ids: dict) -> Handled:
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
            **ids,
        )
        return self._recorded(record, Handled(outcome=outcome, refused=refused))


def open_gateway(
    settings: Settings,
    *,
    policy: Policy | None = None,
    service: Service | None = None,
    places: Places | None = None,
) -> Gateway:
    """The gateway a process serves: its service (cohort loaded now), policy and audit log.

    Serving Slack, `places` asks Slack whether a channel is private (`sts_bot.slack.places`);
    `check_patient_channels` then checks every configured one at start-up.
    """
    service = service if service is not None else Service.from_settings(settings, plot_processes=0)
    service.cohort()  # a folder that does not load stops start-up
    if places is not None and not settings.audit_key:
        logging.getLogger("sts.audit").warning(
            "STS_AUDIT_KEY is not set: the audit log's hashes match only within this run"
        )
    return Gateway(
        service=service,
        policy=policy if policy is not None else Policy.from_settings(settings),
        audit=AuditLog(settings.audit_log, trail=_shared_trail(settings)),
        out_dir=None,
        places=places,
        redactor=Redactor(settings.audit_key),
        seen=seen_of(settings),
    )


def _shared_trail(settings: Settings):
    """A fleet's audit trail in its database (STS_DATABASE_URL), else None."""
    if not settings.database_url:
        return None
    from sts_bot.fleet.db import open_database
    from sts_bot.fleet.shared import AuditTrail

    return AuditTrail(open_database(settings.database_url))
