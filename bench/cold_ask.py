"""Benchmark: a cold `sts ask` against the import floor of the whole stack. Run by hand:

    .venv/bin/python bench/cold_ask.py [rounds]

Each round runs, back to back in a random order, the floor
(`python -c 'import slack_bolt, duckdb, pandas, lifelines, matplotlib'`) and each `sts ask`
command, so both see the same machine load. Prints medians and the ratio of each command to
the floor; asserts nothing (shared machines are noisy: read the numbers, compare runs).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
FLOOR = [sys.executable, "-c", "import slack_bolt, duckdb, pandas, lifelines, matplotlib"]
COMMANDS = {
    "floor": FLOOR,
    "ask count": [str(BIN / "sts"), "ask", "count"],
    "ask orr histology=LPS": [str(BIN / "sts"), "ask", "orr histology=LPS"],
    "ask pfs (with plot)": [str(BIN / "sts"), "ask", "pfs", "--out", "/tmp/sts-bench-out"],
}


def seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(rounds: int = 7) -> None:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    seconds(FLOOR)  # warm the file cache once
    for _ in range(rounds):
        order = list(COMMANDS)
        random.shuffle(order)
        for name in order:
            times[name].append(seconds(COMMANDS[name]))
    floor = statistics.median(times["floor"])
    print(f"{'':26}{'median s':>10}{'× floor':>10}   ({rounds} paired rounds)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:26}{median:10.3f}{median / floor:10.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
