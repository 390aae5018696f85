"""Who may ask what, and where: optional allowlists and the patient-level rule.

Nothing here knows Slack: an `Asker` is a user, a workspace and a place, whether it came from
a slash command, a button or the local console. Empty allowlists mean "anyone"; an answer that
would show individual patients (a patient-level metric, or what `sts_queries.privacy` finds in
the spec and the counts) is given only in places configured for it, and only when the place is
private. Everywhere else answers are shown with small cells suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sts_bot.settings import Settings
from sts_queries.errors import StsError
from sts_queries.metrics.metric import Metric

__all__ = ["Asker", "NotAllowed", "Policy"]


class NotAllowed(StsError):
    """The question is fine but may not be answered here (channel, user, workspace)."""

    kind = "not_allowed"


@dataclass(frozen=True, kw_only=True)
class Asker:
    """Who asked, from where."""

    user: str
    team: str
    channel: str
    is_dm: bool = False  # a 1:1 direct message: nobody else reads the replies there


@dataclass(frozen=True, kw_only=True)
class Policy:
    teams: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    patient_channels: frozenset[str] = frozenset()
    patient_dms: bool = False
    min_cell: int = 5  # outside patient places, fewer patients than this are shown as <5
    admins: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        """The policy a deployment configured (STS_ALLOWED_*, STS_PATIENT_*)."""
        return cls(
            teams=settings.allowed_teams,
            channels=settings.allowed_channels,
            users=settings.allowed_users,
            patient_channels=settings.patient_channels,
            patient_dms=settings.patient_dms,
            min_cell=settings.min_cell,
            admins=settings.admins,
        )

    @classmethod
    def local(cls, place: str) -> Policy:
        """The console's policy: one person on their own machine, so `place` is configured."""
        return cls(patient_channels=frozenset({place}))

    def is_admin(self, asker: Asker) -> bool:
        """Admins reload data; on the console the person at the keyboard is the admin."""
        return asker.user in self.admins or asker.team == "local"

    def allows_patient_level(self, asker: Asker) -> bool:
        return asker.channel in self.patient_channels or (asker.is_dm and self.patient_dms)

    def refusal(
        self,
        asker: Asker,
        metric: Metric | None,
        *,
        reveals: str | None = None,
        private: bool = True,
        home: bool = True,
    ) -> NotAllowed | None:
        """None when `asker` may have a `metric` answer here, else the polite refusal.

        `reveals` says why the answer would show individual patients (see
        `sts_queries.privacy.reveals_patients`); `private` is False when a place configured for
        patient-level answers turned out to be a public channel; `home` is False when the asker
        is not of the bot's own workspace (checked when no workspace list is set).
        """
        if (self.teams and asker.team not in self.teams) or not home:
            return NotAllowed(
                "Sorry, this bot answers only in the workspaces it was set up for.",
                hint="Ask the team that runs it to add this workspace.",
            )
        if self.users and asker.user not in self.users:
            return NotAllowed(
                "Sorry, you are not yet on the list of people this bot answers.",
                hint="Ask the cohort's data manager to add you.",
            )
        # A DM is always allowed by the channel list: only the asker reads the reply there.
        if self.channels and asker.channel not in self.channels and not asker.is_dm:
            return NotAllowed(
                "Sorry, I don't answer in this channel.",
                hint="Ask in one of the team's cohort channels, or in a direct message with me.",
            )
        patient_level = metric is not None and metric.patient_level
        if not (patient_level or reveals):
            return None
        if self.allows_patient_level(asker) and private:
            return None
        name = metric.name if metric is not None else "this"
        why = "" if patient_level or not reveals else f": {reveals}"
        if self.allows_patient_level(asker):
            return NotAllowed(
                f"Sorry, patient-level answers (`{name}`) are not given here{why}: this channel "
                "is set up for them, but Slack says it is public.",
                hint="Make the channel private (or take it out of STS_PATIENT_CHANNELS). "
                "Cohort-level numbers work everywhere.",
            )
        return NotAllowed(
            f"Sorry, patient-level answers (`{name}`) are not given here{why}.",
            hint=self.where_hint() + " Cohort-level numbers (orr, pfs, tox …) work everywhere, "
            f"with groups of fewer than {self.min_cell} patients shown as <{self.min_cell}.",
        )

    def where_hint(self) -> str:
        """Where patient-level answers are given, in words."""
        where = []
        if self.patient_channels:
            where.append("a channel set up for patient-level questions")
        if self.patient_dms:
            where.append("a direct message with me")
        if where:
            return f"Ask in {' or in '.join(where)}."
        return "No place is set up for them yet; the team that runs the bot can add one."
