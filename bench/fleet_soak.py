"""A fleet's soak: two real `sts serve --http` replicas on one PostgreSQL (started here from
/usr/lib/postgresql/15/bin, as tests/postgres.py does), the Slack stand-in, and new questions
at a steady rate — half of them with a plot (`pfs age>=N by=…` in a DM: a KM curve drawn and
uploaded; the cuts vary so that the answer cache does not answer them), half without (`orr`,
`count`), each from its own asker. Prints, per minute of sending: questions sent, acks
that said "Queued", replies p50/p99 (from the request to the reply reaching its response_url),
and the replicas' memory (resident, server and plot workers, the most seen that minute); then
what was lost or doubled. Measures; the only exit status is whether nothing was lost.

    .venv/bin/python bench/fleet_soak.py [--rate 5] [--seconds 150] [--replicas 2]

Last run (`--seconds 150 --rate 5`, 2 replicas with the shipped defaults — 8 workers and 2
plot processes each — on a 2-CPU machine shared with other test runs, load average 17–25):
750 sent, 0 lost, 0 doubled; about 1.5 questions answered a second, so the queue grew all
along: minute 0 — 300 sent, 273 acks "Queued", reply p50 63 s / p99 141 s; minute 1 — 300,
300, p50 242 s / p99 351 s; minute 2 — 150, 150, p50 425 s / p99 463 s; 607 askers told their
answer was late; memory (both replicas with their plot workers, resident) 1.17 GB rising to
1.43 GB at the end (the answer caches filling; the queue itself is rows in PostgreSQL).
The same at `--seconds 120 --rate 1.5` (load average 19–25): 180 sent, 0 lost, 0 doubled;
minute 0 — 90 sent, 62 "Queued", p50 44 s / p99 69 s; minute 1 — 90, 90, p50 41 s / p99
72 s; 21 told late; memory 1.14–1.21 GB. On this shared machine the two replicas answer
about 1.5 questions a second (half with a plot); the figures say little of an idle one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.postgres import Postgres, missing  # noqa: E402
from tests.slack_stub import SlackStub, sign, slash_body  # noqa: E402
from tests.test_slack_http import server_env, start_server  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its descendants (plot workers), in MB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, StopIteration):
            continue
        pids.extend(int(c) for c in children)
    return total / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=5.0, help="new questions a second")
    parser.add_argument("--seconds", type=int, default=150)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    if why := missing():
        print(f"cannot run: {why}")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="sts-soak-"))
    postgres = Postgres().start()
    procs = []
    try:
        url = postgres.database("soak")
        with SlackStub() as stub:
            addresses = []
            for n in range(args.replicas):
                folder = tmp / f"r{n}"
                folder.mkdir()
                env = server_env(stub, folder, STS_DATABASE_URL=url, STS_LOG_LEVEL="WARNING")
                for name in ("STS_DELIVERY_WAITS_MS",):  # the production waits
                    env.pop(name, None)
                proc, address = start_server(env, folder)
                procs.append(proc)
                addresses.append(address)
            return soak(args, stub, procs, addresses, url)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        postgres.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def soak(args, stub: SlackStub, procs, addresses, url) -> int:
    sent: dict[str, float] = {}  # user → perf_counter at sending
    queued: dict[str, bool] = {}
    failed: list[str] = []
    memory: dict[int, float] = {}  # minute → most MB seen (all replicas together)
    stop = threading.Event()
    started = time.perf_counter()

    def sample() -> None:
        while not stop.wait(2.0):
            minute = int((time.perf_counter() - started) // 60)
            total = sum(rss_mb(p.pid) for p in procs)
            memory[minute] = max(memory.get(minute, 0.0), total)

    def ask(n: int) -> None:
        user = f"U0SOAK{n:05d}"
        plot = n % 2 == 0
        # Questions differ (an age cut, a grouping) so that the answer cache does not answer
        # them: each plot is drawn.
        age = 18 + (n // 2) % 73
        cut = (">=", "<=")[(n // 146) % 2]
        by = ("", " by=sex", " by=histology")[(n // 292) % 3]
        if plot:
            text, channel = f"pfs age{cut}{age}{by}", f"D0S{n:07d}"
        else:
            text, channel = f"{('orr', 'count')[n % 4 // 2]} age{cut}{age}", "C0P"
        body = slash_body(text, response_url=stub.response_url(user), user=user, channel=channel)
        request = urllib.request.Request(
            f"http://{addresses[n % len(addresses)]}/slack/events",
            data=body.encode(),
            headers=sign(body),
        )
        sent[user] = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                queued[user] = b"Queued" in response.read()
        except Exception as exc:  # counted: a question Slack would show as failed
            failed.append(f"{text}: {exc}")

    threading.Thread(target=sample, daemon=True).start()
    total = int(args.rate * args.seconds)
    with ThreadPoolExecutor(32) as pool:
        for n in range(total):
            due = started + n / args.rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(ask, n)
    print(f"sent {total} in {time.perf_counter() - started:.0f} s; waiting for the replies")
    deadline = time.perf_counter() + 600
    while time.perf_counter() < deadline:
        got = {c.method.split("/")[-1] for c in stub.delivered("/respond/") if b"blocks" in c.body}
        if len(got) >= total:
            break
        time.sleep(1.0)
    stop.set()
    if failed:
        print(f"{len(failed)} requests failed, e.g. {failed[:3]}")
    return report(stub, sent, queued, memory, started, procs)


def report(stub, sent, queued, memory, started, procs) -> int:
    replies: dict[str, list[float]] = {}
    for call in stub.delivered("/respond/"):
        if b'"blocks"' in call.body:
            replies.setdefault(call.method.split("/")[-1], []).append(call.at)
    late_notes = sum(b"is late" in c.body for c in stub.delivered("/respond/"))
    print("minute  sent  queued-acks  reply p50 s  reply p99 s  memory MB (all replicas)")
    minutes = sorted({int((t - started) // 60) for t in sent.values()})
    for minute in minutes:
        users = [u for u, t in sent.items() if int((t - started) // 60) == minute]
        waits = sorted(replies[u][0] - sent[u] for u in users if u in replies)
        p50 = statistics.median(waits) if waits else float("nan")
        p99 = waits[min(len(waits) - 1, int(0.99 * len(waits)))] if waits else float("nan")
        print(
            f"{minute:6d}  {len(users):4d}  {sum(queued.get(u, False) for u in users):11d}"
            f"  {p50:11.2f}  {p99:11.2f}  {memory.get(minute, 0.0):10.0f}"
        )
    lost = [u for u in sent if u not in replies]
    doubled = [u for u, r in replies.items() if len(r) > 1]
    print(
        f"lost {len(lost)}, doubled {len(doubled)}, told late {late_notes}; "
        f"memory at the end {sum(rss_mb(p.pid) for p in procs):.0f} MB"
    )
    print(json.dumps({"lost": len(lost), "doubled": len(doubled)}))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
