"""A burst of signed /sts commands against the real `sts serve --http`, with Slack stubbed.

Starts `sts serve --http` on a free port with SLACK_API_URL pointing at an in-process stand-in
for Slack (tests/slack_stub.py), warms it up with one command of each kind, then sends 40
signed slash commands from 8 senders at once — metric commands and `pfs` (a KM plot) mixed —
and prints acknowledgement latency (the HTTP 200) and reply latency (send → the reply reaching
the response_url), p50 / p99 / max. No asserts: it measures.

    .venv/bin/python bench/slack_burst.py [--total 40] [--concurrency 8]

Goals: every ack < 100 ms, a metric reply < 100 ms, a reply with a KM plot < 400 ms, warm.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.slack_stub import SlackStub, sign, slash_body  # noqa: E402
from tests.test_slack_http import server_env, start_server  # noqa: E402

METRIC_COMMANDS = (
    "orr histology=LPS",
    "dcr resection=no",
    "count stage=IV",
    "orr by=histology",
    "baseline",
    "dcr by=stage",
)
KM_COMMAND = "pfs"


_fresh = itertools.count(45)


def commands(total: int, *, fresh: bool = False) -> list[str]:
    """Every fourth command a KM plot, the rest cycling through metric commands.

    `fresh` makes every command a question not asked before (a new `age<=N` on each), so the
    answer cache (bot/service/service.py) cannot serve it: the figures then show the computation.
    """
    metrics = itertools.cycle(METRIC_COMMANDS)
    out = [KM_COMMAND if i % 4 == 3 else next(metrics) for i in range(total)]
    return [f"{text} age<={next(_fresh)}" for text in out] if fresh else out


def is_km(text: str) -> bool:
    return text.split()[0] == KM_COMMAND


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return (
        f"{name:<22} n={len(ms):>3}  p50 {statistics.median(ms):7.1f} ms  "
        f"p99 {percentile(ms, 99):7.1f} ms  max {max(ms):7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--plot-processes", help="STS_PLOT_PROCESSES for the server (default: its own default)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sts-bench-"))
    with SlackStub() as stub:
        env = server_env(stub, tmp, STS_AUDIT_LOG=str(tmp / "audit.jsonl"))
        if args.plot_processes is not None:
            env["STS_PLOT_PROCESSES"] = args.plot_processes
        env.pop("PYTHONPATH", None)
        proc, address = start_server(env, tmp)
        url = f"http://{address}/slack/events"

        def send(text: str, name: str) -> tuple[float, float]:
            """One signed command; (ack seconds, reply seconds)."""
            body = slash_body(text, response_url=stub.response_url(name))
            request = urllib.request.Request(url, data=body.encode(), headers=sign(body))
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            acked = time.perf_counter()
            reply = stub.wait_for(f"/respond/{name}", timeout=60)[0]
            return acked - started, reply.at - started

        try:
            for i, text in enumerate((*METRIC_COMMANDS, KM_COMMAND, KM_COMMAND)):
                send(text, f"warm{i:03d}")  # fixed width: no name is a prefix of another
            # For scale: the same kinds of command one at a time, nothing else in flight.
            alone = [send(t, f"alone{i:03d}") for i, t in enumerate(commands(args.total // 2))]
            alone_texts = commands(args.total // 2)
            burst = commands(args.total)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                results = list(pool.map(send, burst, [f"burst{i:03d}" for i in range(len(burst))]))
            wall = time.perf_counter() - started
            fresh = commands(args.total, fresh=True)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                names = [f"fresh{i:03d}" for i in range(len(fresh))]
                fresh_results = list(pool.map(send, fresh, names))
            fresh_wall = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(
        f"sts serve --http: {len(alone)} signed commands one at a time, warm "
        f"({os.cpu_count()} CPUs)"
    )
    report(alone, alone_texts)
    print(
        f"sts serve --http: {args.total} signed commands, {args.concurrency} at once, warm "
        f"({os.cpu_count()} CPUs), repeated questions (answer cache); burst took {wall:.2f} s"
    )
    report(results, burst)
    print(
        f"sts serve --http: {args.total} signed commands, {args.concurrency} at once, warm "
        f"({os.cpu_count()} CPUs), every question new (no cache); burst took {fresh_wall:.2f} s"
    )
    report(fresh_results, fresh)
    return 0


def report(results: list[tuple[float, float]], texts: list[str]) -> None:
    acks = [a for a, _ in results]
    metric = [r for (_, r), text in zip(results, texts, strict=True) if not is_km(text)]
    km = [r for (_, r), text in zip(results, texts, strict=True) if is_km(text)]
    print("  " + line("ack (HTTP 200)", acks))
    print("  " + line("reply, metric", metric))
    print("  " + line("reply, KM plot (pfs)", km))


if __name__ == "__main__":
    sys.exit(main())
