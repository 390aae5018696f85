"""A mix of faults for the real `sts serve` (HTTP or Socket Mode) against the Slack stand-in,
and the accounting of what became of every command: used by tests/test_delivery_faults.py
(small, fixed seed) and bench/faults.py (large).

Each command is asked by its own user, so everything Slack receives can be attributed to it.
Its fault is drawn from FAULTS with a seeded generator and injected on that user's calls only:
the response_url answering 500 (once, or twice: a third attempt), 429 past slack_sdk's
retries, hanging past the client's timeout, resetting or dropping the connection, refusing
connections (a dead port), failing for good (then the ephemeral note fails too: a DM); shared
answers (`dcr by=stage share`) whose chat.postMessage fails with 500 before or after Slack
stored the message, is reset after Slack stored it, or fails for good. HTTP mode adds replayed
requests and Slack's retries (`X-Slack-Retry-Num`), malformed requests and oversized bodies;
Socket Mode adds redelivered envelopes. Then SIGTERM, at once: the server must finish
delivering (retries included) before it exits; with `mid_wait`, the SIGTERM waits until a reply
is in its second wait (ten minutes in the test), which the drain must cut short.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import signal
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub, sign, slash_body
from tests.socket_stub import SocketModeStub
from tests.test_slack_http import STS, server_env

__all__ = ["FAULTS", "Report", "own_state", "post", "run_mix", "start"]

TIMEOUT_MS = 400  # a Slack call that takes longer has failed (a hang)
WAITS_MS = "30,60"  # three attempts at a reply
ATTEMPTS = 3
DEAD = "http://127.0.0.1:9/respond/"  # nothing listens on the discard port: refused

# fault → (command, expected verdict)
FAULTS: dict[str, tuple[str, str]] = {
    "none": ("orr", "delivered"),
    "500": ("count", "delivered"),
    "500-twice": ("orr", "delivered"),  # the third attempt: only as run_mix's mid_wait one
    "429": ("orr", "delivered"),
    "hang": ("count", "delivered"),
    "reset": ("orr", "delivered"),
    "drop": ("count", "delivered"),
    "refused": ("orr", "lost"),
    "down": ("count", "lost"),
    "all-down": ("orr", "lost"),
    "share": ("dcr by=stage share", "delivered"),
    "share-500": ("dcr by=stage share", "delivered"),
    "share-500-after": ("dcr by=stage share", "delivered"),
    "share-reset-after": ("dcr by=stage share", "delivered"),
    "share-down": ("dcr by=stage share", "delivered"),  # privately, with the reason
}


def _inject(stub: SlackStub, fault: str, user: str) -> str:
    """Arrange `fault` for `user`'s calls; returns the response_url to give the command."""
    respond = f"/respond/{user}"
    if fault == "500":
        stub.fail(respond, "boom", status=500)
    elif fault == "500-twice":
        stub.fail(respond, "boom", status=500, times=2)
    elif fault == "429":  # slack_sdk retries twice after Retry-After; the third is ours
        stub.fail(respond, "ratelimited", status=429, times=3)
    elif fault == "hang":
        stub.fail(respond, "slow", status=500, delay=TIMEOUT_MS / 1000 + 0.3)
    elif fault == "reset":
        stub.fail(respond, "reset", status=-1)
    elif fault == "drop":
        stub.fail(respond, "drop", status=0)
    elif fault == "refused":
        return DEAD + user
    elif fault in ("down", "all-down"):
        stub.fail(respond, "boom", status=500, times=10)
        if fault == "all-down":
            stub.fail("chat.postEphemeral", "boom", status=500, times=10, matching=user)
    elif fault == "share-500":
        stub.fail("chat.postMessage", "boom", status=500, matching=user)
    elif fault == "share-500-after":
        stub.fail("chat.postMessage", "boom", status=500, after=True, matching=user)
    elif fault == "share-reset-after":
        stub.fail("chat.postMessage", "reset", status=-1, after=True, matching=user)
    elif fault == "share-down":
        stub.fail("chat.postMessage", "boom", status=500, times=10, matching=user)
    return stub.response_url(user)


@dataclass
class Asked:
    user: str
    fault: str
    text: str
    sent: float = 0.0
    acked: float | None = None
    status: int | None = None


@dataclass
class Report:
    commands: int
    duplicates: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # neither delivered nor told
    wrong: list[str] = field(default_factory=list)  # verdict not the one expected
    records: dict[str, int] = field(default_factory=dict)  # user → audit records
    verdicts: dict[str, int] = field(default_factory=dict)
    http_500: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # hostile requests: status → n
    tracebacks: int = 0
    exit_code: int | None = None
    mid_wait: list[int] = field(default_factory=list)  # statuses of the reply SIGTERM cut short
    ack_ms: list[float] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    reply_ms_by_fault: dict[str, list[float]] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.verdicts.get("lost", 0)

    def percentile(self, values: list[float], q: int) -> float:
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    def summary(self) -> str:
        return (
            f"commands {self.commands} · duplicates {len(self.duplicates)} · silently lost "
            f"{len(self.silent)} · lost and told {self.lost} · HTTP 500 {self.http_500} · "
            f"tracebacks {self.tracebacks} · ack p50 {self.percentile(self.ack_ms, 50):.0f} ms "
            f"p99 {self.percentile(self.ack_ms, 99):.0f} ms · reply p50 "
            f"{self.percentile(self.reply_ms, 50):.0f} ms p99 "
            f"{self.percentile(self.reply_ms, 99):.0f} ms"
        )


def post(address: str, body: bytes, headers: dict[str, str]) -> int:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        return connection.getresponse().status
    except OSError:  # the server closed the connection on an oversized body
        return 413
    finally:
        connection.close()


def _hostile(body: str) -> list[tuple[bytes, dict[str, str]]]:
    """Malformed and oversized requests, and what they are."""
    signed = sign(body)
    big = ("text=" + "x" * 200_000).encode()
    return [
        (body.encode(), signed | {"X-Slack-Request-Timestamp": "abc"}),
        (b'{"type": ', sign('{"type": ') | {"Content-Type": "application/json"}),
        (b"payload=notjson", sign("payload=notjson")),
        (body.encode(), signed | {"Content-Type": "application/json"}),
        (big, sign(big.decode())),
        (body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}),  # unsigned
    ]


def own_state(tmp: Path, store: Path) -> str:
    """An STS_STATE_DIR of one server's own (what it has shown, its weekly ledger) whose cohort
    store is `store`, shared with other servers: the demo cohort built once, then opened."""
    state = tmp / "state"
    state.mkdir(exist_ok=True)
    store.mkdir(parents=True, exist_ok=True)
    (state / "cohorts").symlink_to(store, target_is_directory=True)
    return str(state)


def start(stub: SlackStub, tmp: Path, socket: SocketModeStub | None, workers: int, **extra: str):
    """`sts serve` (Socket Mode when `socket` is given, else HTTP) set for the fault mix:
    (process, HTTP address or "", log path)."""
    env = server_env(
        stub,
        tmp,
        STS_SLACK_TIMEOUT_MS=str(TIMEOUT_MS),
        STS_DELIVERY_WAITS_MS=WAITS_MS,
        STS_WORKERS=str(workers),
        STS_HTTP_THREADS=str(workers),
        STS_PLOT_PROCESSES="0",
    )
    env.update(extra)
    log = tmp / "server.log"
    args = [*STS, "serve"]
    if socket is not None:
        stub.socket_urls = socket.new_url
        env["SLACK_APP_TOKEN"] = "xapp-1-A0APP0001-1-test"
    else:
        args += ["--http", "--port", "0"]
    with log.open("w") as err:
        proc = subprocess.Popen(
            args, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=err, text=True
        )
    line = proc.stdout.readline()
    if "http://" not in line and "Socket Mode" not in line:
        proc.kill()
        raise AssertionError(f"server did not start: {line}{log.read_text()}")
    address = line.split("http://", 1)[1].split("/", 1)[0] if "http://" in line else ""
    return proc, address, log


def run_mix(
    tmp: Path,
    *,
    socket_mode: bool,
    commands: int,
    concurrency: int,
    seed: int,
    faults: tuple[str, ...] = tuple(f for f in FAULTS if f != "500-twice"),
    every_fault_once: bool = True,
    faulty: float = 1.0,
    waits: str = WAITS_MS,
    mid_wait: bool = False,
    store: Path | None = None,
) -> Report:
    """Drive `commands` commands through a fresh `sts serve`, then SIGTERM it; the report.

    A `faulty` share of the commands draws a fault from `faults`; the rest meet none. `waits`:
    STS_DELIVERY_WAITS_MS. `mid_wait`: one command is `500-twice`, and SIGTERM comes only once
    it has failed twice, so it is waiting out the second wait (a long one cannot be waited out:
    the drain must cut it short and still make the third attempt); its statuses are
    `Report.mid_wait`. `store`: a cohort store shared with other servers (`own_state`)."""
    rng = random.Random(seed)
    kinds = list(faults) if every_fault_once else []
    kinds += [
        rng.choice(faults) if rng.random() < faulty else "none"
        for _ in range(commands - len(kinds) - mid_wait)
    ]
    kinds += ["500-twice"] * mid_wait  # one: another could fail twice after the SIGTERM (lost)
    rng.shuffle(kinds)
    with SlackStub() as stub, SocketModeStub() as socket:
        state = {"STS_STATE_DIR": own_state(tmp, store)} if store else {}
        proc, address, log = start(
            stub,
            tmp,
            socket if socket_mode else None,
            concurrency,
            STS_DELIVERY_WAITS_MS=waits,
            **state,
        )
        asked = [
            Asked(user=f"U0F{i:06d}", fault=kind, text=FAULTS[kind][0])
            for i, kind in enumerate(kinds)
        ]
        report = Report(commands=len(asked))

        def send(one: Asked) -> None:
            url = _inject(stub, one.fault, one.user)
            body = slash_body(one.text, response_url=url, user=one.user)
            one.sent = time.perf_counter()
            if socket_mode:
                envelope = socket.slash(body)
                socket.wait_ack(envelope, timeout=30)
                one.acked = socket.acked_at[envelope]
                if rng_for(one).random() < 0.1:  # Slack redelivers it
                    socket.wait_ack(socket.slash(body, retry_attempt=1), timeout=30)
                return
            one.status = post(address, body.encode(), sign(body))
            one.acked = time.perf_counter()
            if rng_for(one).random() < 0.1:  # a replay, then Slack's own retry
                post(address, body.encode(), sign(body))
                post(address, body.encode(), sign(body) | {"X-Slack-Retry-Num": "1"})

        def rng_for(one: Asked) -> random.Random:
            return random.Random(f"{seed}:{one.user}")

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(send, asked))
            if not socket_mode:
                hostile = _hostile(slash_body("orr", response_url=DEAD + "U0HOSTILE"))
                for status in pool.map(lambda h: post(address, *h), hostile):
                    report.statuses[str(status)] = report.statuses.get(str(status), 0) + 1
        if mid_wait:  # once the 500-twice reply has failed twice: it is in the second wait
            (waiting,) = [one.user for one in asked if one.fault == "500-twice"]
            stub.wait_for(f"/respond/{waiting}", count=2, timeout=60)
        proc.send_signal(signal.SIGTERM)  # at once: replies still being retried must finish
        try:
            report.exit_code = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()  # not left running for the rest of a long wait
            raise
        _account(report, asked, stub, tmp / "audit.jsonl")
        if mid_wait:
            report.mid_wait = [c.status for c in stub.find(f"/respond/{waiting}")]
    assert_clean(tmp)
    text = log.read_text()
    report.tracebacks = text.count("Traceback")
    report.http_500 = sum(1 for one in asked if one.status == 500)
    report.http_500 += report.statuses.get("500", 0)
    report.ack_ms = [1000 * (one.acked - one.sent) for one in asked if one.acked]
    return report


def _account(report: Report, asked: list[Asked], stub: SlackStub, audit: Path) -> None:
    """What became of each command, from what Slack received and what the audit log says."""
    lines = [json.loads(x) for x in audit.read_text().splitlines()] if audit.exists() else []
    records = [x for x in lines if "user" in x]
    verdicts = {x["id"]: x for x in lines if "delivery" in x}
    delivery_lines = [x["id"] for x in lines if "delivery" in x]
    by_user: dict[str, list[dict]] = {}
    for record in records:
        by_user.setdefault(record["user"], []).append(record)
    answered: dict[str, list[float]] = {}  # user → when each copy of the answer arrived
    for call in stub.delivered("/respond/"):
        answered.setdefault(call.path.rsplit("/", 1)[1], []).append(call.at)
    took = {u: c.at for c in stub.delivered("chat.postMessage") for u in _users(c.body.decode())}
    for message in stub.messages:  # every post Slack stored, even one it then answered 500 for
        if not str(message["channel"]).startswith("D"):  # a DM is a note, not the answer
            for user in _users(message["posted"]):
                answered.setdefault(user, []).append(took.get(user, float("inf")))
    for one in asked:
        mine = by_user.get(one.user, [])
        report.records[one.user] = len(mine)
        got = sorted(answered.get(one.user, []))
        if len(got) > 1:
            report.duplicates.append(one.user)
        verdict = verdicts.get(mine[0]["id"]) if mine else None
        if mine and delivery_lines.count(mine[0]["id"]) > 1:
            report.wrong.append(f"{one.user} {one.fault}: a delivery line for each attempt")
        name = verdict["delivery"] if verdict else "none"
        report.verdicts[name] = report.verdicts.get(name, 0) + 1
        if name != FAULTS[one.fault][1]:
            report.wrong.append(f"{one.user} {one.fault}: {name}")
        if name == "delivered" and got and got[0] != float("inf"):
            report.reply_ms.append(1000 * (got[0] - one.sent))
            report.reply_ms_by_fault.setdefault(one.fault, []).append(report.reply_ms[-1])
        told = verdict.get("told") if verdict else None
        if not got and not told:
            report.silent.append(f"{one.user} {one.fault}")
        if name == "lost" and told == "ephemeral":
            ephemeral = [
                c for c in stub.delivered("chat.postEphemeral") if one.user in c.body.decode()
            ]
            if len(ephemeral) != 1:
                report.silent.append(f"{one.user} {one.fault}: told {len(ephemeral)} times")


def _users(posted: str) -> list[str]:
    """The asking users a post names ("Shared by <@U…>")."""
    return sorted(set(re.findall(r"<@(U0F\d{6})>", posted)))
