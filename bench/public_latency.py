"""Benchmark: an ordinary public answer with and without the privacy of issue 19. Run by hand:

    .venv/bin/python bench/public_latency.py [patients] [rounds]

The same gateway path Slack uses (`Gateway.handle`, in a public channel, plots included), over
the demo and a synthetic registry of `patients` (default 100,000, written by bench/registry.py),
three ways, interleaved so each sees the same machine load:

- `patient place`: the full answer (no small-cell rule, no tracker check): the floor;
- `public, unwatched`: small cells, public plots, no memory of what was shown;
- `public`: as served, the tracker check on a memory of what this asker saw (growing as the
  rounds ask the same questions again, as a channel would).

Each question is asked once before timing (the answer cache warm, as in a running bot).
Prints the median per question and way; asserts nothing: read the numbers, compare runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.audit import AuditLog
from sts_bot.gateway.gateway import Gateway
from sts_bot.gateway.seen import Seen
from sts_bot.service.service import Service
from sts_queries.cohort.cohort import demo_path, load_cohort

QUESTIONS = ("orr", "pfs stage=IV", "tox", "orr by=sex", "pfs")
PUBLIC = Asker(user="U0BENCH01", team="T0BENCH01", channel="C0PUBLIC1")
BOARD = Asker(user="U0BENCH01", team="T0BENCH01", channel="G0BOARD01")


class Unwatched(Seen):
    def check(self, scopes, version, n, sets, min_cell):
        return None


def ways(cohort) -> dict[str, tuple[Gateway, Asker]]:
    service = Service.over(cohort)
    policy = Policy(min_cell=5, patient_channels=frozenset({BOARD.channel}))
    plain = {"service": service, "policy": policy, "audit": AuditLog(None)}
    return {
        "patient place": (Gateway(**plain, seen=Unwatched(None)), BOARD),
        "public, unwatched": (Gateway(**plain, seen=Unwatched(None)), PUBLIC),
        "public": (Gateway(**plain, seen=Seen(None)), PUBLIC),
    }


def run(name: str, cohort, rounds: int) -> None:
    gateways = ways(cohort)
    times: dict[tuple[str, str], list[float]] = {}
    for gateway, asker in gateways.values():
        for q in QUESTIONS:
            gateway.handle(q, asker, surface="slash")  # warm
    for _ in range(rounds):
        for q in QUESTIONS:
            for way, (gateway, asker) in gateways.items():
                start = time.perf_counter()
                outcome = gateway.handle(q, asker, surface="slash").outcome
                times.setdefault((q, way), []).append(time.perf_counter() - start)
                if outcome.is_error and way != "public":
                    print(f"  {way} refused {q!r}: {outcome.text.splitlines()[0]}")
    print(f"\n{name}: median ms over {rounds} rounds")
    print(f"  {'question':<16}" + "".join(f"{w:>20}" for w in gateways))
    for q in QUESTIONS:
        row = "".join(f"{1000 * statistics.median(times[q, w]):>20.0f}" for w in gateways)
        print(f"  {q:<16}{row}")


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    run("demo (14 patients)", load_cohort(demo_path()), rounds)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from registry import write_registry  # bench/registry.py: the registry's CSV files

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "registry"
        write_registry(folder, patients, events=2 * patients)
        run(f"registry ({patients:,} patients)", load_cohort(folder), rounds)


if __name__ == "__main__":
    main()
