"""`sts …` run in the test's own process: `main(argv)` with the given environment and working
folder, its stdout and stderr captured, its return value the exit status (the console script
is `sys.exit(main())`). No interpreter start and no import of pandas, DuckDB and the rest per
command: about a second and a half less each. Tests about the process itself (imports on
demand, signals, two processes racing, a server's start-up) start real ones.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sts_bot.cli import main

__all__ = ["run_sts"]


@contextlib.contextmanager
def _environment(env: Mapping[str, str]):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _stdin(text: str):
    saved = sys.stdin
    sys.stdin = io.StringIO(text)  # not a terminal: read line by line, as from a pipe
    try:
        yield
    finally:
        sys.stdin = saved


def run_sts(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    input: str = "",  # subprocess.run's name for it
) -> subprocess.CompletedProcess:
    """`sts *args` as a CompletedProcess (returncode, stdout, stderr), run in this process;
    `input` is what it reads from stdin (`sts run`'s console)."""
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    here = Path.cwd()
    frozen = gc.get_freeze_count()
    try:
        with (
            _environment(os.environ if env is None else env),
            _stdin(input),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            if cwd is not None:
                os.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        os.chdir(here)
        # The CLI logs to a file under its state folder (logging.basicConfig when the root
        # logger has no handler): that file is this command's, not the next test's.
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        # The console freezes what its process holds (gc.freeze, for its exit): not this one's.
        if not frozen and gc.get_freeze_count():
            gc.unfreeze()
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
