"""The local console: type what you would type after /sts, read the reply as text.

It needs no Slack credentials and goes through the same gateway as Slack — the same access
check (with a local identity, in a place configured for patient-level answers), the same
answer, the same audit log — so what works here works in Slack. Plots go to STS_OUT (./out).
"""

from __future__ import annotations

import contextlib
import gc
import getpass
import sys
from dataclasses import replace
from typing import TextIO

from sts_bot.gateway.access import Asker, Policy
from sts_bot.gateway.gateway import open_gateway
from sts_bot.settings import SettingsError, load_settings
from sts_queries.errors import CohortDataError

__all__ = ["PLACE", "main"]

PLACE = "console"
_QUIT = {"quit", "exit", "q", ":q"}


def _lines(stdin: TextIO, interactive: bool):
    """What the person types, one command at a time, until end of input or `quit`."""
    if interactive:
        with contextlib.suppress(ImportError):  # arrow keys and history for input()
            import readline  # noqa: F401
    while True:
        try:
            line = input("/sts ") if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return
        if not interactive and not line:
            return
        yield line.strip()


def main(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the console until end of input; 2 when a setting or the cohort stops it."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    # What was imported lives as long as the console: the cyclic collector need not walk it at
    # every full collection, nor at exit (~0.5 CPU-s there). Before the cohort is loaded.
    gc.freeze()
    try:
        settings = load_settings()
        gateway = replace(
            open_gateway(settings, policy=Policy.local(PLACE)), out_dir=settings.out_dir
        )
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"✗ {problem}", file=sys.stderr)
        return 2
    except CohortDataError as exc:
        print(f"✗ STS_DATA: {exc.message} {exc.hint}".rstrip(), file=sys.stderr)
        return 2
    asker = Asker(user=getpass.getuser(), team="local", channel=PLACE, is_dm=True)
    interactive = stdin.isatty()
    print(
        f"sts console · {gateway.service.cohort().meta.name}\n"
        "Type what you would type after /sts, e.g. `orr histology=LPS` or `help`; "
        f"plots go to {settings.out_dir}/. Ctrl-D or `quit` to leave.\n",
        file=stdout,
        flush=True,
    )
    for line in _lines(stdin, interactive):
        if line.lower() in _QUIT:
            break
        # People paste whole Slack commands too: `/sts orr` means `orr`.
        first, _, rest = line.partition(" ")
        command = rest.strip() if first == "/sts" else line
        if not command:
            continue
        handled = gateway.handle(command, asker, surface="console")
        print(handled.outcome.text + "\n", file=stdout, flush=True)
    return 0
