"""The weekly post settled: whatever the process dies at and whatever Slack answers, no week
is posted twice and none is lost.

Each case is one run that dies at a crash point, or meets a fault from the local Slack
stand-in, followed by the runs a scheduler would start after it (a new process each, later in
time), until one of them settles the week. Counted: the messages the stand-in stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from slack_sdk import WebClient

from sts_bot.slack.refusals import retry_handlers
from sts_bot.weekly import post as weekly
from sts_bot.weekly.ledger import Claim, Ledger
from sts_bot.weekly.post import METADATA_EVENT, post_settled, post_weekly
from tests.slack_stub import SlackStub

CHANNEL = "C0SUMMARY1"
AS_OF = dt.date(2019, 10, 14)
PERIOD = "2019-W42"
START = dt.datetime(2019, 10, 21, 8, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(minutes=10)
TIMEOUT = 1.0  # the client's timeout in these tests; a "hang" answers after 3 times that


class Crash(BaseException):  # the process dies: no handler of ours runs
    pass


class CrashingLedger(Ledger):
    def __init__(self, *args, crash_at: str | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.crash_at = crash_at

    def claim(self, *args, **kwargs):
        if self.crash_at == "before claim":
            raise Crash
        return super().claim(*args, **kwargs)

    def start_posting(self, *args, **kwargs):
        if self.crash_at == "after claim":
            raise Crash
        return super().start_posting(*args, **kwargs)

    def mark_sent(self, *args, **kwargs):
        super().mark_sent(*args, **kwargs)
        if self.crash_at == "after mark-sent":
            raise Crash


class CrashingClient(WebClient):
    def __init__(self, *args, crash_at: str | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.crash_at = crash_at

    def chat_postMessage(self, **kwargs):
        if self.crash_at == "after posting began":
            raise Crash
        response = None
        try:
            response = super().chat_postMessage(**kwargs)
        finally:
            if self.crash_at == "after post":  # whatever Slack answered, we never hear it
                raise Crash
        return response


CRASHES = [None, "before claim", "after claim", "after posting began", "after post",
           "after mark-sent"]  # fmt: skip

# name: the faults the stand-in injects (method, error, status, after, delay)
OUTCOMES = {
    "ok": [],
    "refused (not_in_channel)": [("chat.postMessage", "not_in_channel", 200, False, 0.0)],
    "429 (nothing posted)": [("chat.postMessage", "ratelimited", 429, False, 0.0)],
    "500 before storing": [("chat.postMessage", "internal_error", 500, False, 0.0)],
    "500 after storing": [("chat.postMessage", "internal_error", 500, True, 0.0)],
    "hang after storing": [("chat.postMessage", "-", 200, True, 3 * TIMEOUT)],
    "reset before storing": [("chat.postMessage", "-", 0, False, 0.0)],
    "reset after storing": [("chat.postMessage", "-", 0, True, 0.0)],
    "500 after storing, history fails": [
        ("chat.postMessage", "internal_error", 500, True, 0.0),
        ("conversations.history", "missing_scope", 200, False, 0.0),
    ],
}


# The summary of a week is a pure function of the cohort (the version of its data); computing
# it once per process, not once per case and run, keeps the table fast (its KM plot alone takes
# a second). What is tested here is the ledger, not the summary.
_SUMMARIES: dict[tuple, object] = {}


@pytest.fixture(autouse=True)
def same_summary_every_run(monkeypatch):
    real = weekly.summary_outcome

    def summary_outcome(as_of, cohort, **options):
        key = (as_of, cohort.version, *sorted(options.items()))
        if key not in _SUMMARIES:
            _SUMMARIES[key] = real(as_of, cohort, **options)
        return _SUMMARIES[key]

    monkeypatch.setattr(weekly, "summary_outcome", summary_outcome)


def stored(stub: SlackStub) -> list[dict]:
    return [
        m
        for m in stub.messages
        if m["channel"] == CHANNEL
        and (m.get("metadata") or {}).get("event_payload", {}).get("period") == PERIOD
    ]


@pytest.mark.parametrize("outcome", list(OUTCOMES))
@pytest.mark.parametrize("crash_at", CRASHES, ids=lambda c: c or "no crash")
def test_no_week_is_posted_twice_or_lost(demo, tmp_path, crash_at, outcome):
    path = tmp_path / "weekly.sqlite3"
    with SlackStub() as stub:
        for method, error, status, after, delay in OUTCOMES[outcome]:
            stub.fail(method, error, status=status, after=after, delay=delay)
        results = []
        for run in range(6):  # the first run, then a scheduler's retries, each a new process
            now = START + run * (STALE + dt.timedelta(minutes=1))
            crash = crash_at if run == 0 else None
            ledger = CrashingLedger(path, stale_after=STALE, crash_at=crash)
            client = CrashingClient(
                token="xoxb-test",
                base_url=stub.api_url,
                timeout=TIMEOUT,
                # as weekly_client: slack_sdk's default handlers would resend a post whose
                # connection dropped after Slack stored it (the "reset after storing" row)
                retry_handlers=retry_handlers(connections=False),
                crash_at=crash,
            )
            try:
                result = post_weekly(
                    client=client,
                    channel=CHANNEL,
                    cohort=demo,
                    ledger=ledger,
                    as_of=AS_OF,
                    now=now,
                )
            except Crash:
                results.append("crash")
                continue
            results.append(result.status)
            if result.settled:
                break
        assert len(stored(stub)) == 1, results  # posted once: not twice, not lost
        assert Ledger(path).status(PERIOD, CHANNEL)[0] == "sent", results
        assert results[-1] in ("posted", "recovered", "already-sent"), results
        # A run that could not know never claimed success, and never released a post that
        # may have gone out (the next run looked in the channel instead).
        if outcome.endswith("after storing"):
            assert "unknown" in results or crash_at == "after post", results


def test_a_history_check_that_fails_keeps_the_claim_and_exits_non_zero(demo, tmp_path):
    """The issue's case: missing_scope on conversations.history must not free the week."""
    path = tmp_path / "weekly.sqlite3"
    with SlackStub() as stub:
        client = WebClient(
            token="xoxb-test",
            base_url=stub.api_url,
            retry_handlers=retry_handlers(connections=False),
        )
        ledger = Ledger(path, stale_after=STALE)
        stub.fail("chat.postMessage", "internal_error", status=500, after=True)
        first = post_weekly(
            client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=AS_OF, now=START
        )
        stub.fail("conversations.history", "missing_scope")
        second = post_weekly(
            client=client, channel=CHANNEL, cohort=demo, ledger=Ledger(path), as_of=AS_OF, now=START
        )
        assert (first.status, second.status) == ("unknown", "unknown")
        assert "missing_scope" in second.detail
        assert Ledger(path).status(PERIOD, CHANNEL)[0] == "unknown"  # not released
        third = post_weekly(
            client=client, channel=CHANNEL, cohort=demo, ledger=Ledger(path), as_of=AS_OF, now=START
        )
        assert third.status == "recovered" and len(stored(stub)) == 1


def test_a_run_waits_for_a_live_claim_and_takes_over_when_it_goes_stale(demo, tmp_path):
    """A process died after claiming; the next run, started at once, waits for the claim to go
    stale within its patience and then posts: the week is not lost."""
    path = tmp_path / "weekly.sqlite3"
    clock = [START]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += dt.timedelta(seconds=seconds)

    with SlackStub() as stub:
        client = WebClient(
            token="xoxb-test",
            base_url=stub.api_url,
            retry_handlers=retry_handlers(connections=False),
        )
        dead = Ledger(path, stale_after=STALE)
        assert dead.claim(PERIOD, CHANNEL, now=START).taken_over is False
        ledger = Ledger(path, stale_after=STALE)
        result = post_settled(
            lambda: post_weekly(
                client=client,
                channel=CHANNEL,
                cohort=demo,
                ledger=ledger,
                as_of=AS_OF,
                now=clock[0],
            ),
            patience=STALE + dt.timedelta(minutes=1),
            clock=lambda: clock[0],
            sleep=sleep,
        )
        assert result.status == "posted" and len(stored(stub)) == 1
        assert clock[0] - START >= STALE and max(slept) <= 5.0
        assert slept[:5] == [0.5, 1.0, 2.0, 4.0, 5.0]  # soon at first: the owner may be done
        assert stored(stub)[0]["metadata"]["event_type"] == METADATA_EVENT


def test_the_weekly_client_never_retries_a_dropped_connection(tmp_path):
    from sts_bot.settings import Settings
    from sts_bot.weekly.post import weekly_client

    client = weekly_client(Settings(bot_token="xoxb-x", api_url="http://127.0.0.1:9/api/"))
    kinds = {type(h).__name__ for h in client.retry_handlers}
    assert kinds == {"RateLimitErrorRetryHandler"}


def test_a_ledger_from_before_posting_states_is_migrated_conservatively(tmp_path):
    import sqlite3

    path = tmp_path / "weekly.sqlite3"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE weekly_posts (period TEXT NOT NULL, channel TEXT NOT NULL, "
        "status TEXT NOT NULL CHECK (status IN ('claimed', 'sent')), claimed_by TEXT NOT NULL, "
        "claimed_at TEXT NOT NULL, sent_at TEXT, ts TEXT, PRIMARY KEY (period, channel))"
    )
    con.execute("INSERT INTO weekly_posts VALUES ('2019-W41', 'C1', 'sent', 'a', 't', 't', '1.0')")
    con.execute("INSERT INTO weekly_posts VALUES ('2019-W42', 'C1', 'claimed', 'a', ?, NULL, NULL)",
                (START.isoformat(),))  # fmt: skip
    con.commit()
    con.close()
    ledger = Ledger(path, stale_after=STALE)
    assert ledger.status("2019-W41", "C1") == ("sent", "1.0")
    # The old code posted straight from `claimed`: such a claim may have posted.
    assert ledger.status("2019-W42", "C1") == ("posting", None)
    claim = ledger.claim("2019-W42", "C1", now=START + 2 * STALE)
    assert claim.taken_over and claim.verify


def test_an_old_owner_cannot_post_after_a_takeover(tmp_path):
    """A run that stalled past `stale_after` (a long GC pause, a suspended VM) comes back after
    another run took its claim over: it may not start posting, mark, or release the week."""
    path = tmp_path / "weekly.sqlite3"
    slow, fresh = Ledger(path, stale_after=STALE), Ledger(path, stale_after=STALE)
    old = slow.claim(PERIOD, CHANNEL, now=START)
    assert isinstance(old, Claim)
    later = START + STALE + dt.timedelta(seconds=1)
    new = fresh.claim(PERIOD, CHANNEL, now=later)
    assert isinstance(new, Claim) and new.taken_over and new.owner != old.owner
    assert slow.start_posting(old, now=later) is False  # the old owner is fenced out
    slow.release(old)
    slow.mark_unknown(old)
    assert fresh.status(PERIOD, CHANNEL)[0] == "claimed"  # the new owner's claim stands
    assert fresh.start_posting(new, now=later) is True
    assert fresh.status(PERIOD, CHANNEL)[0] == "posting"
