"""The fault mix of tests/test_delivery_faults.py at a larger count: the real `sts serve`
against the Slack stand-in failing on purpose (500, 429 past the retries, hangs past the client
timeout, resets, drops, refused connections, failures for good, shares failing before and after
Slack stored them), with replays, Slack's retries, malformed and oversized requests, then a
SIGTERM at once. Prints duplicates, silent losses, losses the asker was told of, HTTP 500s,
tracebacks, ack p50/p99 and reply p50/p99 (replies delivered, retries included). Measures; the
only exit status is whether the counts that must be 0 are.

    .venv/bin/python bench/faults.py [--commands 1000] [--concurrency 16] [--faulty 0.5]
        [--mode http|socket|both] [--seed 7]

Last run (2 CPUs shared, defaults): HTTP — 0 duplicates, 0 silently lost, 131 lost and told,
0 HTTP 500, 0 tracebacks, ack p50 23 / p99 113 ms, reply p50 6.4 / p99 13.9 s; Socket Mode —
the same counts, ack p50 9 / p99 197 ms, reply p50 6.3 / p99 14.0 s. Reply times are mostly
the queue: 1,000 commands acknowledged in seconds wait for 16 answer workers on 2 CPUs, and
attempts that fail (timeouts, waits) hold a worker; with no faults (`--faulty 0`) the same
load replies in p50 1.7 / p99 2.4 s.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fault_mix import ATTEMPTS, TIMEOUT_MS, WAITS_MS, run_mix  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--faulty", type=float, default=0.5, help="share of commands faulted")
    parser.add_argument("--mode", choices=("http", "socket", "both"), default="both")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{args.commands} commands, {args.concurrency} at once, {args.faulty:.0%} faulted, "
        f"seed {args.seed}; Slack timeout {TIMEOUT_MS} ms, {ATTEMPTS} attempts, waits "
        f"{WAITS_MS} ms"
    )
    bad = 0
    for mode in ("http", "socket") if args.mode == "both" else (args.mode,):
        tmp = Path(tempfile.mkdtemp(prefix=f"sts-faults-{mode}-"))
        try:
            report = run_mix(
                tmp,
                socket_mode=mode == "socket",
                commands=args.commands,
                concurrency=args.concurrency,
                seed=args.seed,
                faulty=args.faulty,
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        records = sorted(set(report.records.values()))
        print(f"{mode:6}: {report.summary()}")
        print(
            f"        verdicts {report.verdicts} · audit records per command {records} · "
            f"hostile requests {report.statuses or '-'} · exit {report.exit_code}"
        )
        by_fault = " · ".join(
            f"{fault} {len(ms)}: {report.percentile(ms, 50):.0f}"
            for fault, ms in sorted(report.reply_ms_by_fault.items())
        )
        print(f"        reply p50 by fault (n: ms): {by_fault}")
        for problem in (report.duplicates + report.silent + report.wrong)[:10]:
            print(f"        ! {problem}")
        bad += len(report.duplicates) + len(report.silent) + len(report.wrong)
        bad += report.http_500 + report.tracebacks + (records != [1]) + (report.exit_code != 0)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
