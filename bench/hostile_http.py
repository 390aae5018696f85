"""Hostile input against the real `sts serve --http`, with Slack stubbed: what it costs.

Sends, at once from 16 senders: unsigned 20 MiB bodies, signed 1 MiB bodies, malformed
requests (a timestamp that is not a number, bad JSON, `payload=notjson`, a form sent as JSON),
replays of one signed command, and commands of 300,000 characters (as large as a body may be:
refused) and of 5,000 characters (refused with a reply) — while one legitimate `orr` is timed
from send to reply. Prints the statuses counted, the server's memory (VmRSS) and log growth,
tracebacks in the log, and the legitimate reply's latency. No asserts: it measures.

    .venv/bin/python bench/hostile_http.py [--bodies 16]
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.slack_stub import SlackStub, sign, slash_body  # noqa: E402
from tests.test_slack_http import STS, server_env  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def post(address: str, body: bytes, headers: dict[str, str]) -> str:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        return str(connection.getresponse().status)
    except OSError as exc:  # the server closed the connection on an oversized body
        return type(exc).__name__
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=16)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    log = tmp / "server.log"
    with SlackStub() as stub:
        with log.open("w") as err:
            proc = subprocess.Popen(
                [*STS, "serve", "--http", "--port", "0"],
                env=server_env(stub, tmp, STS_LOG_LEVEL="INFO"),
                cwd=tmp,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        address = proc.stdout.readline().split("http://", 1)[1].split("/", 1)[0]
        warm = slash_body("orr", response_url=stub.response_url("U0WARM001"), user="U0WARM001")
        post(address, warm.encode(), sign(warm))
        stub.wait_for("/respond/U0WARM001", timeout=60)
        rss_before, log_before = rss_kib(proc.pid), log.stat().st_size

        form = {"Content-Type": "application/x-www-form-urlencoded"}
        huge = b"text=" + b"x" * (20 * 1024 * 1024)
        mib = "text=" + "y" * (1024 * 1024)
        replay = slash_body("dcr", response_url=stub.response_url("U0REPLAY1"), user="U0REPLAY1")
        long_300k = slash_body("orr " + "z" * 300_000, response_url=stub.response_url("U0LONG300"))
        long_5k = slash_body("orr " + "z" * 5_000, response_url=stub.response_url("U0LONG005"))
        jobs = []
        for _ in range(args.bodies):
            jobs += [
                (huge, form),
                (mib.encode(), sign(mib)),
                (replay.encode(), sign(replay)),
                (long_300k.encode(), sign(long_300k)),
                (replay.encode(), sign(replay) | {"X-Slack-Request-Timestamp": "abc"}),
                (b'{"type": ', sign('{"type": ') | {"Content-Type": "application/json"}),
                (b"payload=notjson", sign("payload=notjson")),
                (replay.encode(), sign(replay) | {"Content-Type": "application/json"}),
            ]
        jobs.append((long_5k.encode(), sign(long_5k)))
        legit = slash_body("orr histology=LPS", response_url=stub.response_url("U0LEGIT01"))
        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(post, address, body, headers) for body, headers in jobs]
            time.sleep(0.05)
            started = time.perf_counter()
            pool.submit(post, address, legit.encode(), sign(legit))
            stub.wait_for("/respond/U0LEGIT01", timeout=120)
            legit_ms = 1000 * (time.perf_counter() - started)
            statuses = Counter(f.result() for f in futures)
        stub.wait_for("/respond/U0LONG005", timeout=60)
        rss_after, log_after = rss_kib(proc.pid), log.stat().st_size
        proc.terminate()
        proc.wait(timeout=60)
        replies = len(stub.find("/respond/U0REPLAY1"))
    text = log.read_text()
    print(f"requests: {len(jobs)}; statuses: {dict(sorted(statuses.items()))}")
    print(f"replay of one signed command x{args.bodies * 2} (+ malformed copies): {replies} reply")
    print(f"server RSS: {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MiB")
    print(f"server log: +{(log_after - log_before) / 1024:.1f} KiB, "
          f"{text.count('Traceback')} tracebacks, 'xxxx' in log: {'xxxx' in text}")  # fmt: skip
    print(f"a legitimate `orr histology=LPS` during the flood: reply in {legit_ms:.0f} ms")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
