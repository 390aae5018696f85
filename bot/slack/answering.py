"""A replica's answering in a fleet: `slots` workers take questions from the shared queue
(bot/fleet/questions.py), answer them through the gateway and deliver the reply; a keeper
renews the replica's leases and tells askers what became of questions nobody answered in time.

- At most `slots` questions are in flight on a replica (STS_WORKERS): the rest wait in the
  database, not in memory, so a burst costs rows, not the process.
- A question claimed by a replica that died is taken over once its lease (STS_LEASE_S) runs
  out; one that has been claimed `MAX_ATTEMPTS` times (it kills whoever answers it) is lost for
  good and its asker told.
- The asker is told once when an answer is late (STS_LATE_AFTER_S), and once, another way
  (an ephemeral note, else a DM), when it is lost for good: past a response_url's life.
- The reply is marked `sending` (fenced on the lease) just before it goes and `done` just after:
  see bot/fleet/questions.py for the one window in which a reply can be sent twice.
- On SIGTERM the workers finish what they hold and claim nothing more; what is queued stays
  for the other replicas (or this one, restarted).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid

from slack_sdk import WebClient

from sts_bot.fleet import db
from sts_bot.fleet.questions import Question, Questions
from sts_bot.gateway.gateway import Gateway, Handled
from sts_bot.slack.delivery import DELIVERED, Delivery, Retry
from sts_bot.slack.listeners.common import asker, report_failure
from sts_bot.slack.listeners.share import share_handled
from sts_bot.slack.refusals import Place
from sts_bot.slack.replies import deliver, posted_already, tell, tell_lost

__all__ = ["MAX_ATTEMPTS", "Answering", "start_answering"]

log = logging.getLogger("sts.queue")

MAX_ATTEMPTS = 3  # claims of one question before it counts as lost for good
EXPIRE_AFTER = 25 * 60.0  # seconds: a response_url lives 30 minutes
FORGET_AFTER = 24 * 3600.0  # settled questions kept a day (their audit lines for good)
POLL = 0.5  # seconds an idle worker waits before looking for questions other replicas took


class Answering:
    def __init__(
        self,
        questions: Questions,
        gateway: Gateway,
        client: WebClient,
        *,
        retry: Retry,
        slots: int,
        lease: float,
        late_after: float,
    ) -> None:
        self.questions = questions
        self.gateway = gateway
        self.client = client
        self.retry = retry
        self.slots = slots
        self.lease = float(lease)
        self.late_after = float(late_after)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._quit = threading.Event()  # claim nothing more
        self._done = threading.Event()  # the workers are out: stop renewing
        self._threads: list[threading.Thread] = []
        self._keeper: threading.Thread | None = None
        # Notes to askers must not hold up the keeper for minutes: one attempt each.
        self._quick = Retry(waits=(), timeout=retry.timeout)

    def start(self) -> Answering:
        self.questions.renew(self.owner, self.lease, self.slots)
        self._keeper = threading.Thread(target=self._keep, name="sts-keeper", daemon=True)
        self._keeper.start()
        for n in range(self.slots):
            thread = threading.Thread(target=self._work, name=f"sts-answer-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Finish the questions held, claim no more, and leave the fleet's count of slots."""
        self._quit.set()
        self.questions.arrived.set()
        for thread in self._threads:
            thread.join()
        self._done.set()
        if self._keeper is not None:
            self._keeper.join()
        with contextlib.suppress(db.DatabaseError):  # its heartbeat goes stale by itself
            self.questions.leave(self.owner)

    # --- the workers --------------------------------------------------------------------

    def _work(self) -> None:
        arrived = self.questions.arrived
        while not self._quit.is_set():
            try:
                question = self.questions.claim(self.owner, self.lease)
                if question is None:
                    arrived.clear()
                    question = self.questions.claim(self.owner, self.lease)
            except db.DatabaseError as exc:
                log.warning("the queue cannot be read: %s", type(exc).__name__)
                self._quit.wait(1.0)
                continue
            if question is None:
                arrived.wait(POLL)
                continue
            try:
                self.answer(question)
            except db.DatabaseError as exc:  # left to its lease: taken over when it runs out
                log.warning("question %d left to its lease: %s", question.id, type(exc).__name__)
            except Exception:  # a bug: this worker must go on
                log.exception("question %d: answering failed", question.id)

    @staticmethod
    def _place(question: Question) -> Place:
        body = question.body
        return Place(
            channel=body.get("channel", ""),
            user=question.asker,
            response_url=body.get("response_url"),
            bot_user=body.get("bot_user"),
        )

    def answer(self, question: Question) -> None:
        """Answer one claimed question, deliver it, and record what became of it."""
        place = self._place(question)
        text = question.text
        if question.attempts > MAX_ATTEMPTS:
            log.error("question %d was taken over %d times: lost", question.id, MAX_ATTEMPTS)
            self._lost(question, place)
            return
        handled = None
        try:
            who = asker(user=place.user, team=question.body.get("team", ""), channel=place.channel)
            handled = self.gateway.handle(
                text,
                who,
                surface=question.kind,
                share=question.kind == "share",
                record=question.record,
            )
            if not self.questions.sending(question, self.owner):
                log.warning("question %d was taken over before its reply went out", question.id)
                return
            delivery = self._deliver(question, place, handled)
        except db.DatabaseError:
            raise
        except Exception as exc:
            delivery = report_failure(self.client, place, exc, "answering a question", self.retry)
        # The audit line first: a replica killed between the two leaves the question open,
        # answered again by another (the doubled-send window), never done without its line.
        if handled is not None:
            self.gateway.delivered(handled, delivery)
        self.questions.settle(question, delivery.verdict)

    def _deliver(self, question: Question, place: Place, handled: Handled) -> Delivery:
        if (
            question.was == "sending"
            and handled.shared
            and handled.record
            and posted_already(self.client, place.channel, handled.record)
        ):
            log.info("question %d: its shared post was out already", question.id)
            return DELIVERED
        if question.kind == "share":
            return share_handled(self.client, place, handled, question.text, self.retry)
        return deliver(self.client, place, handled, command=question.text, retry=self.retry)

    def _lost(self, question: Question, place: Place) -> None:
        told = tell_lost(self.client, place, question.text, self._quick)
        try:
            self.gateway.audit.delivery(question.record, "lost", told=told)
        except OSError as exc:
            log.error("delivery line for %s not written: %s", question.record, exc)
        self.questions.settle(question, "lost")

    # --- the keeper ---------------------------------------------------------------------

    def _keep(self) -> None:
        beat = min(self.lease / 3, 5.0)
        last_forget = 0.0
        while not self._done.wait(beat):
            try:
                self.questions.renew(self.owner, self.lease, self.slots)
                if self._quit.is_set():
                    continue  # stopping: only the leases of what is still being answered
                for question, ahead in self.questions.late(self.late_after):
                    self._tell_late(question, ahead)
                for question in self.questions.expire(EXPIRE_AFTER):
                    self._lost(question, self._place(question))
                if time.monotonic() - last_forget > 600:
                    last_forget = time.monotonic()
                    self.questions.forget(FORGET_AFTER)
            except db.DatabaseError as exc:
                log.warning("the keeper cannot reach the queue: %s", type(exc).__name__)
            except Exception:
                log.exception("the keeper failed; it goes on")

    def _tell_late(self, question: Question, ahead: int) -> None:
        waiting = f"{ahead} questions are ahead of it" if ahead else "it is being answered"
        tell(
            self._place(question),
            f"Your answer to `{question.text}` is late ({waiting}); it will come here.",
            retry=self._quick,
        )


def start_answering(
    settings, gateway: Gateway, app, questions: Questions | None, stopping, slack_health=None
):
    """A fleet replica's workers and keeper (None without STS_DATABASE_URL); `slack_health`
    hears how each attempt at delivering went (for /readyz)."""
    if questions is None:
        return None
    from sts_bot.slack.app import delivery_retry

    return Answering(
        questions,
        gateway,
        app.client,
        retry=delivery_retry(settings, stopping, health=slack_health),
        slots=settings.workers,
        lease=settings.lease_s,
        late_after=settings.late_after_s,
    ).start()
