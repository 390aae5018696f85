"""A fleet on a real PostgreSQL 15 (started here, tests/postgres.py): the queue's rules one by
one, then three real `sts serve --http` replicas against the Slack stand-in — retries landing
on other replicas answered once, backpressure and the per-asker limit, a replica killed with
SIGKILL mid-burst and nothing lost — and two weekly runs on separate volumes posting once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest.mock import ANY

import pytest

from tests.cli_inprocess import run_sts
from tests.log_guard import assert_clean
from tests.postgres import missing
from tests.slack_stub import SlackStub, action_body, sign, slash_body
from tests.test_slack_http import server_env, start_server

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

LEASE_S = 2


@pytest.fixture
def db_url(postgres):  # the process's cluster (tests/conftest.py), a database per test
    return postgres.fresh()


# --- the queue's rules, in process ---------------------------------------------------------


def _questions(url):
    from sts_bot.fleet.db import Database
    from sts_bot.fleet.questions import Questions

    return Questions(Database(url))


def _new(key: str, asker: str = "U1", text: str = "orr"):
    from sts_bot.fleet.questions import NewQuestion

    body = {"text": text, "channel": "C1", "response_url": "http://x/respond/u"}
    return NewQuestion(request_key=key, record=f"r-{key}", kind="slash", asker=asker, body=body)


def test_a_question_is_written_once_with_its_audit_line_and_claimed_by_one(db_url):
    questions = _questions(db_url)
    first = questions.enqueue(_new("k1"), audit='{"id": "r-k1"}', per_asker=5)
    again = questions.enqueue(_new("k1"), audit='{"id": "r-k1"}', per_asker=5)
    assert (first.status, again.status) == ("new", "repeat")
    assert questions.db.run("SELECT record, line->>'id' FROM sts_audit") == [("r-k1", "r-k1")]
    # Ten claimants at once: one gets it.
    with ThreadPoolExecutor(10) as pool:
        got = list(pool.map(lambda n: questions.claim(f"w{n}", 30), range(10)))
    assert [q.record for q in got if q is not None] == ["r-k1"]


def test_a_lease_that_runs_out_is_taken_over_and_the_first_owner_cannot_send(db_url):
    questions = _questions(db_url)
    questions.enqueue(_new("k1"), audit="{}", per_asker=5)
    held = questions.claim("dead", 0.3)
    assert questions.claim("alive", 30) is None  # its lease still runs
    time.sleep(0.5)
    taken = questions.claim("alive", 30)
    assert (taken.id, taken.attempts, taken.was) == (held.id, 2, "working")
    assert not questions.sending(held, "dead")  # fenced: the old owner sends nothing
    assert questions.sending(taken, "alive") and questions.settle(taken, "delivered")
    assert questions.states() == {"done": 1}
    # Settled: the typed text and the response_url are gone from the row.
    assert questions.db.run("SELECT body FROM sts_questions") == [({"channel": "C1"},)]


def test_renewed_leases_are_not_taken_over(db_url):
    questions = _questions(db_url)
    questions.enqueue(_new("k1"), audit="{}", per_asker=5)
    questions.claim("owner", 0.5)
    for _ in range(3):
        time.sleep(0.25)
        assert questions.renew("owner", 0.5, slots=1) == 1
        assert questions.claim("other", 30) is None


def test_the_per_asker_limit_and_the_count_ahead(db_url):
    questions = _questions(db_url)
    questions.renew("replica", 30, slots=2)  # one live replica with two slots, both free
    takes = [
        questions.enqueue(_new(f"a{n}", asker="UA"), audit="{}", per_asker=3) for n in range(4)
    ]
    assert [t.status for t in takes] == ["new", "new", "new", "busy"]
    assert takes[3].waiting == 3
    # Two free slots: the first two wait for none; the third has one ahead of it.
    assert [t.ahead for t in takes[:3]] == [0, 0, 1]
    other = questions.enqueue(_new("b0", asker="UB"), audit="{}", per_asker=3)
    assert (other.status, other.ahead) == ("new", 2)
    questions.claim("replica", 30)
    assert questions.enqueue(_new("a9", asker="UA"), audit="{}", per_asker=3).status == "busy"


def test_late_and_expired_questions_are_told_once(db_url):
    questions = _questions(db_url)
    questions.enqueue(_new("k1"), audit="{}", per_asker=5)
    time.sleep(0.3)
    late = questions.late(0.2)
    assert [(q.record, ahead) for q, ahead in late] == [("r-k1", 0)]
    assert questions.late(0.2) == []  # told once, whichever replica asks
    (expired,) = questions.expire(0.2)
    # Returned with what telling the asker needs; the row keeps none of it.
    assert expired.record == "r-k1" and expired.body["response_url"] == "http://x/respond/u"
    assert questions.db.run("SELECT body FROM sts_questions") == [({"channel": "C1"},)]
    assert questions.expire(0.2) == [] and questions.states() == {"lost": 1}


def test_a_request_seen_by_one_replica_is_a_repeat_on_another(db_url):
    from sts_bot.fleet.db import Database
    from sts_bot.fleet.shared import SeenRequests

    one, other = SeenRequests(Database(db_url)), SeenRequests(Database(db_url))
    assert one.first_time("T1:event_id:Ev1") and not other.first_time("T1:event_id:Ev1")
    assert other.first_time("T1:event_id:Ev2")


def test_two_ledgers_claiming_one_week_one_wins(db_url):
    from sts_bot.fleet.db import Database
    from sts_bot.weekly.ledger import Claim, Held
    from sts_bot.weekly.ledger_pg import SharedLedger

    ledgers = [SharedLedger(Database(db_url), owner=f"pod{n}") for n in range(6)]
    barrier = threading.Barrier(6)

    def claim(ledger):
        barrier.wait()
        return ledger.claim("2019-W42", "C0SUMMARY1")

    with ThreadPoolExecutor(6) as pool:
        claims = list(pool.map(claim, ledgers))
    assert sum(isinstance(c, Claim) for c in claims) == 1
    assert sum(isinstance(c, Held) and c.status == "claimed" for c in claims) == 5


def test_a_question_that_kept_killing_its_replicas_is_lost_and_its_asker_told(db_url, demo):
    from slack_sdk import WebClient

    from sts_bot.fleet.shared import AuditTrail
    from sts_bot.gateway.access import Policy
    from sts_bot.gateway.audit import AuditLog
    from sts_bot.gateway.gateway import Gateway
    from sts_bot.service.service import Service
    from sts_bot.slack.answering import MAX_ATTEMPTS, Answering
    from sts_bot.slack.delivery import Retry

    questions = _questions(db_url)
    audit = AuditLog(None, trail=AuditTrail(questions.db))
    gateway = Gateway(service=Service.over(demo), policy=Policy(), audit=audit)
    with SlackStub() as stub:
        answering = Answering(
            questions,
            gateway,
            WebClient(token="xoxb-test-token", base_url=stub.api_url),
            retry=Retry(waits=()),
            slots=1,
            lease=30,
            late_after=60,
        )
        user = "U0POISON1"
        body = {"text": "orr", "channel": "C0ANY0001", "team": "T0TEAM001",
                "response_url": stub.response_url(user)}  # fmt: skip
        from sts_bot.fleet.questions import NewQuestion

        questions.enqueue(
            NewQuestion(request_key="p1", record="rec-p1", kind="slash", asker=user, body=body),
            audit='{"id": "rec-p1", "accepted": true}',
            per_asker=5,
        )
        for n in range(MAX_ATTEMPTS):  # each claimant died holding it (its lease ran out)
            questions.claim(f"dead{n}", 0)
            time.sleep(0.01)
        answering.answer(questions.claim(answering.owner, 30))
        (note,) = stub.find("chat.postEphemeral")
        assert note.data["user"] == user and "could not deliver my reply" in note.data["text"]
        assert not stub.find(f"/respond/{user}")  # not answered: it would kill this one too
    assert questions.states() == {"lost": 1}
    assert AuditTrail(questions.db).lines("rec-p1")[-1] == {
        "id": "rec-p1", "delivery": "lost", "told": "ephemeral", "at": ANY,
    }  # fmt: skip


# --- three replicas --------------------------------------------------------------------------


class Fleet:
    def __init__(self, stub: SlackStub, root: Path, url: str) -> None:
        self.stub, self.root, self.url = stub, root, url
        self.procs: list[subprocess.Popen] = []
        self.addresses: list[str] = []
        self._con = None

    def start(self, count: int) -> None:
        def one(n: int):
            folder = self.root / f"r{n}"
            folder.mkdir()
            env = server_env(
                self.stub,
                folder,
                STS_DATABASE_URL=self.url,
                # One volume: the cohort stored once, by one of them (the shown-answer memory
                # and the rest are in the database).
                STS_STATE_DIR=str(self.root / "state"),
                STS_WORKERS="2",
                STS_LEASE_S=str(LEASE_S),
                STS_ASKER_LIMIT="2",
                STS_LATE_AFTER_S="1",
                STS_PLOT_PROCESSES="0",
                STS_SLACK_TIMEOUT_MS="30000",  # the burst holds replies until its victim dies
            )
            return start_server(env, folder)

        with ThreadPoolExecutor(count) as pool:
            for proc, address in pool.map(one, range(count)):
                self.procs.append(proc)
                self.addresses.append(address)

    def send(self, replica: int, body: str, headers: dict | None = None) -> tuple[int, str]:
        import urllib.request

        request = urllib.request.Request(
            f"http://{self.addresses[replica]}/slack/events",
            data=body.encode(),
            headers=headers or sign(body),
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()

    def ask(self, replica: int, text: str, user: str, **kwargs) -> tuple[str, str]:
        body = slash_body(text, response_url=self.stub.response_url(user), user=user, **kwargs)
        status, said = self.send(replica, body)
        assert status == 200
        return body, said

    def rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        """What the database holds now: one connection for the module's polling (autocommit:
        each query sees what the replicas have committed), not a backend forked a query."""
        import psycopg

        if self._con is None:
            self._con = psycopg.connect(self.url, autocommit=True)
        return self._con.execute(sql, args).fetchall()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    def state_of(self, user: str, timeout: float = 10.0) -> str:
        """The state of `user`'s one question, once settled (or when `timeout` is up)."""
        deadline = time.monotonic() + timeout
        while True:
            ((state,),) = self.rows("SELECT state FROM sts_questions WHERE asker = %s", (user,))
            if state in ("done", "lost") or time.monotonic() > deadline:
                return state
            time.sleep(0.05)

    def audit(self, record: str, timeout: float = 10.0) -> list[dict]:
        """The audit lines of `record`, once its delivery line is there (a replica writes it
        just before the question's `done`; a question still open may not have it yet)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                r[0]
                for r in self.rows(
                    "SELECT line FROM sts_audit WHERE record = %s ORDER BY n", (record,)
                )
            ]
            if any("delivery" in x for x in found) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def settled(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            states = dict(self.rows("SELECT state, count(*) FROM sts_questions GROUP BY state"))
            if sum(states.get(s, 0) for s in ("done", "lost")) >= count:
                return
            assert time.monotonic() < deadline, f"not settled in {timeout} s: {states}"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def fleet(postgres, tmp_path_factory):
    root = tmp_path_factory.mktemp("fleet")
    url = postgres.fresh("fleet")
    with SlackStub() as stub:
        fleet = Fleet(stub, root, url)
        fleet.start(3)
        try:
            yield fleet
        finally:  # all at once: each drains what it holds (SIGTERM), then its logs are read
            fleet.close()
            for proc in fleet.procs:
                if proc.poll() is None:
                    proc.terminate()
            for n, proc in enumerate(fleet.procs):
                proc.wait(timeout=30)
                assert_clean(root / f"r{n}")


def _replies(stub: SlackStub, user: str) -> list[dict]:
    """The answers a user got (not the notes that one is queued or late)."""
    payloads = [json.loads(c.body) for c in stub.delivered(f"/respond/{user}")]
    return [p for p in payloads if p.get("blocks")]


def test_a_retry_on_other_replicas_is_answered_once(fleet):
    user = "U0RETRY01"
    body = slash_body("orr", response_url=fleet.stub.response_url(user), user=user)
    retries = [sign(body) | {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
               for n in (1, 2)]  # fmt: skip
    # The first delivery and Slack's two retries, at once, on three replicas.
    with ThreadPoolExecutor(3) as pool:
        sent = list(pool.map(fleet.send, [0, 1, 2], [body] * 3, [sign(body), *retries]))
    assert [status for status, _ in sent] == [200, 200, 200]
    (row,) = fleet.rows("SELECT id, record FROM sts_questions WHERE asker = %s", (user,))
    fleet.stub.wait_for(f"/respond/{user}")
    lines = fleet.audit(row[1])
    assert [("accepted" in x, x.get("outcome"), x.get("delivery")) for x in lines] == [
        (True, None, None),
        (False, "answer", None),
        (False, None, "delivered"),
    ]
    time.sleep(0.3)  # a second answer would have come by now from an idle fleet
    assert len(_replies(fleet.stub, user)) == 1


def test_readyz_says_the_database_answers_and_the_fleets_backlog(fleet):
    import urllib.request

    with urllib.request.urlopen(f"http://{fleet.addresses[0]}/readyz", timeout=10) as response:
        status, report = response.status, json.loads(response.read())
    assert status == 200 and report["ready"] is True
    assert report["checks"]["database"] == {"ok": True, "detail": "reachable", "blocks": True}
    backlog = report["checks"]["backlog"]
    assert backlog["blocks"] is False and "waiting for a worker" in backlog["detail"]


def test_a_share_click_and_its_retry_on_another_replica_post_once(fleet):
    user = "U0SHARE01"
    body = action_body("dcr by=stage", response_url=fleet.stub.response_url(user), user=user)
    assert fleet.send(1, body)[0] == 200
    retry = sign(body) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert fleet.send(2, body, retry)[0] == 200
    fleet.stub.wait_for("chat.postMessage", where=lambda c: user in c.body.decode())
    fleet.stub.wait_for(f"/respond/{user}")  # the private copy deleted: the share is done
    assert fleet.state_of(user) == "done"
    posts = [c for c in fleet.stub.find("chat.postMessage") if user in c.body.decode()]
    assert len(posts) == 1 and "DCR" in posts[0].body.decode()


def test_past_its_limit_an_asker_is_asked_to_wait_and_a_late_answer_is_announced(fleet):
    user = "U0BUSY001"
    # Slack takes none of the asker's answers (their blocks) until the test has seen the note
    # that one is late: the first two stay waiting while the third is asked.
    slack_back = threading.Event()
    fleet.stub.fail(
        f"/respond/{user}", "-", status=200, times=4, matching='"blocks"', hold=slack_back
    )
    try:
        said = [fleet.ask(n % 3, f"count stage=I{'I' * n}", user)[1] for n in range(3)]
        assert said[:2] == ["", ""]
        assert "You have 2 questions waiting already" in said[2]
        fleet.stub.wait_for(
            f"/respond/{user}", where=lambda c: b"is late" in c.body, timeout=10
        )  # told once the answer is a second late (STS_LATE_AFTER_S=1)
    finally:
        slack_back.set()
    (busy,) = [
        r[0]
        for r in fleet.rows("SELECT line FROM sts_audit WHERE line->>'user' = %s", (user,))
        if r[0].get("kind") == "busy"
    ]
    assert busy["outcome"] == "refused"


def test_a_burst_queues_and_a_replica_killed_mid_burst_loses_nothing(fleet):
    users = [f"U0BURST{n:02d}" for n in range(24)]
    # Slack takes no reply to the burst (a response_url holding the answer's blocks; the
    # notes that one is late go through) until the victim is dead: every slot of the fleet is
    # busy, so the burst queues, and the victim dies holding questions, as long as the test
    # needs rather than as long as a slow answer happens to take. Each asker's question is a
    # cut of its own, so its reply says whose it is (and none is answered from the cache).
    slack_back = threading.Event()
    burst = "/respond/U0BURST*"
    fleet.stub.fail(burst, "-", status=200, times=len(users), matching='"blocks"', hold=slack_back)

    def ask(n: int) -> str:
        return fleet.ask(n % 3, f"count age>={18 + n}", users[n], channel=f"D0B{n:06d}")[1]

    try:
        with ThreadPoolExecutor(8) as pool:
            acks = list(pool.map(ask, range(len(users))))
        assert any("Queued, " in a and " ahead of yours" in a for a in acks), acks
        victim = fleet.procs[2]
        holding = (
            "SELECT id FROM sts_questions WHERE owner LIKE %s AND state IN ('working', 'sending')"
        )
        deadline = time.monotonic() + 30
        while len(held := [r[0] for r in fleet.rows(holding, (f"%:{victim.pid}:%",))]) < 2:
            assert time.monotonic() < deadline, f"the victim holds {held} of its two slots"
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)  # mid-burst: it holds questions, others wait queued
        victim.wait(timeout=10)
    finally:
        slack_back.set()
    assert_clean(fleet.root / "r2")  # what it logged before it died holds no patient data
    before = len(fleet.rows("SELECT 1 FROM sts_questions"))
    fleet.settled(before, timeout=90)  # a bound for a loaded machine, not a speed
    for n, user in enumerate(users):
        replies = _replies(fleet.stub, user)
        # Nothing lost; at most the one doubled send of the window (sent, not yet recorded).
        assert 1 <= len(replies) <= 2, (user, len(replies))
        assert f"Count · age ≥ {18 + n}" in json.dumps(replies[0], ensure_ascii=False)
    doubled = sum(len(_replies(fleet.stub, u)) == 2 for u in users)
    assert doubled <= 2  # the killed replica's two slots
    # What it held was taken over once its lease ran out, by the replicas left.
    taken = fleet.rows(
        "SELECT state, attempts, owner NOT LIKE %s FROM sts_questions WHERE id = ANY(%s)",
        (f"%:{victim.pid}:%", held),
    )
    assert all(state == "done" and attempts == 2 and other for state, attempts, other in taken)
    states = dict(fleet.rows("SELECT state, count(*) FROM sts_questions GROUP BY state"))
    assert states.get("lost", 0) == 0
    # Every question's audit record exists, and says delivered.
    for user in users:
        ((record,),) = fleet.rows("SELECT record FROM sts_questions WHERE asker = %s", (user,))
        lines = fleet.audit(record)
        assert lines[0]["accepted"] is True
        assert any(x.get("delivery") == "delivered" for x in lines)


# --- the weekly post ---------------------------------------------------------------------


def test_two_weekly_runs_on_separate_volumes_post_once(postgres, tmp_path):
    url = postgres.fresh("w")
    with SlackStub() as stub:
        outputs = []
        for n in range(2):  # a doubled CronJob: two pods, two volumes, one database
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STS_"))}
            env.update(
                SLACK_BOT_TOKEN="xoxb-test-token",
                SLACK_API_URL=stub.api_url,
                STS_SUMMARY_CHANNEL="C0SUMMARY1",
                STS_STATE_DIR=str(tmp_path / f"volume{n}"),
                STS_DATABASE_URL=url,
                MPLBACKEND="Agg",
            )
            # In this process (tests/cli_inprocess.py): what the runs share is the database.
            done = run_sts("summary", "--post", "--as-of", "2019-10-14", env=env, cwd=tmp_path)
            assert done.returncode == 0, done.stderr
            outputs.append(done.stdout.split(": ")[1].split()[0])
        assert outputs == ["posted", "already-sent"]
        assert len([c for c in stub.find("chat.postMessage")]) == 1
    assert not (tmp_path / "volume0" / "weekly.sqlite3").exists()


# --- the tracker check's memory, shared -----------------------------------------------------


def test_replicas_check_answers_against_one_memory_of_what_was_shown(db_url, demo):
    """Issue 19 across a fleet: the insider's two questions land on different replicas."""
    from sts_bot.fleet.db import Database
    from sts_bot.fleet.shown import PostgresRows
    from sts_bot.gateway.access import Asker, Policy
    from sts_bot.gateway.audit import AuditLog
    from sts_bot.gateway.gateway import Gateway
    from sts_bot.gateway.seen import Seen
    from sts_bot.service.service import Service

    service, policy = Service.over(demo), Policy(min_cell=5)
    one, two = (
        Gateway(
            service=service,
            policy=policy,
            audit=AuditLog(None),
            seen=Seen(rows=PostgresRows(Database(db_url))),
        )
        for _ in range(2)
    )
    insider = Asker(user="U0INSIDER", team="T1", channel="C0PUBLIC1")

    def said(gateway, text):
        return gateway.handle(text, insider, surface="slash", with_plots=False).outcome

    assert not said(two, "orr").is_error  # two has read the (empty) memory once
    assert "n = 7" in said(one, "orr age=45..80").text
    refused = said(two, "orr age=45..81")
    assert refused.kind == "not_allowed" and "already shown" in refused.text
    assert not said(one, "orr age=45..80").is_error  # the same question again
