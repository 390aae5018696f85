"""`sts`: ask, check, serve, summary, run — the command line over the same answer path."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from sts_bot.log_filters import PhiFilter
from sts_bot.settings import Settings, SettingsError, load_settings
from sts_queries.errors import StsError

__all__ = ["main"]


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from sts_bot.service.service import Outcome, Service

    service = Service(args.data or settings.data_dir, store=settings.state_dir / "cohorts")
    try:
        # Plots are drawn only to be written: a script reading --json does not wait for them.
        outcome = service.respond(
            args.command,
            service.cohort(),
            out_dir=Path(args.out) if args.out else None,
            with_plots=bool(args.out),
        )
    except StsError as exc:
        outcome = Outcome.from_error(exc)
    if args.csv and not outcome.is_error:
        if outcome.reply.table is None:
            print(f"sts: `{args.command}` answers without a table; nothing to write as CSV.")
            return 2
        sys.stdout.write(outcome.reply.table.csv())
    elif args.json:
        print(json.dumps(outcome.json, indent=2, ensure_ascii=False))
    else:
        print(outcome.text)
    return 2 if outcome.is_error else 0


def _reload(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the served folder now and refresh the stored copy every server reuses."""
    from sts_bot.service.service import Service

    service = Service(args.data or settings.data_dir, store=settings.state_dir / "cohorts")
    outcome = service.reload()
    print(outcome.text)
    return 2 if outcome.is_error else 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from sts_queries.cohort.cohort import load_cohort
    from sts_queries.errors import CohortDataError

    try:
        cohort = load_cohort(args.dir)
    except CohortDataError as exc:
        print(f"✗ {exc.message}")
        if exc.hint:
            print(f"  {exc.hint}")
        for problem in exc.problems[1:]:
            print(f"✗ {problem}")
        for warning in getattr(exc, "warnings", ()):
            print(f"! {warning}")
        return 2
    n = cohort.rows()
    tables = ", ".join(f"{t} ({cohort.rows(t)} rows)" for t in cohort.tables)
    print(
        f"✓ {cohort.meta.name}: {n} patients; tables {tables}; "
        f"endpoints: {', '.join(cohort.endpoints) or 'none'}"
    )
    from sts_queries.cohort.impact import impact

    for warning in cohort.warnings:
        print(f"! {warning}")
        if (change := impact(warning, cohort)) is not None:
            print(f"  → {change}")
    from sts_queries.metrics.response import contradicting_responders

    if cases := contradicting_responders(cohort):
        shown = ", ".join(cases[:10]) + (f" and {len(cases) - 10} more" if len(cases) > 10 else "")
        print(
            f"! {len(cases)} responder(s) progress or are last assessed before their first "
            f"documented response (patient_id {shown}): their assessments and PFS contradict."
        )
        print(f"  → fixing them adds up to {len(cases)} responder(s) to every `dor` answer")
    return 0


def _init(args: argparse.Namespace, settings: Settings) -> int:
    from sts_queries.cohort.draft import draft_cohort

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"✗ `{folder}` is not a folder")
        return 2
    draft = draft_cohort(folder)
    print(draft.report)
    target = folder / "cohort.toml"
    if target.exists() and not args.force:
        print(f"\n{target} exists; not overwritten (--force to). The draft:\n")
        print(draft.toml)
        return 0
    target.write_text(draft.toml, encoding="utf-8")
    print(f"\nWrote {target}. Read it, then: sts check {folder}")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from sts_bot.server import serve

    return serve(http=args.http, host=args.host, port=args.port)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from sts_bot.server import run

    return run()


def _summary(args: argparse.Namespace, settings: Settings) -> int:
    from sts_bot.weekly.post import post_summary_now

    return post_summary_now(post=args.post, as_of=args.as_of, data=args.data, out=args.out)


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sts", description="Cohort numbers from structured commands."
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    ask = sub.add_parser("ask", help='answer one command, e.g. sts ask "orr histology=LPS"')
    ask.add_argument("command")
    ask.add_argument("--json", action="store_true", help="the --json answer contract")
    ask.add_argument("--data", help="cohort folder (default: the demo cohort)")
    ask.add_argument("--out", help="write plots to this folder")
    ask.add_argument("--csv", action="store_true", help="print the answer's table as CSV")
    ask.set_defaults(func=_ask)
    check = sub.add_parser("check", help="validate a cohort folder")
    check.add_argument("dir")
    check.set_defaults(func=_check)
    init = sub.add_parser("init", help="draft a commented cohort.toml for an export folder")
    init.add_argument("dir")
    init.add_argument("--force", action="store_true", help="overwrite an existing cohort.toml")
    init.set_defaults(func=_init)
    reload = sub.add_parser("reload", help="re-read the cohort folder now (servers follow)")
    reload.add_argument("--data", help="cohort folder (default: $STS_DATA or the demo)")
    reload.set_defaults(func=_reload)
    serve = sub.add_parser("serve", help="answer /sts in Slack (Socket Mode, or --http)")
    serve.add_argument("--http", action="store_true", help="serve /slack/events over HTTP")
    serve.add_argument("--port", type=int, help="HTTP port (default: $STS_PORT or 3000)")
    serve.add_argument("--host", help="HTTP address (default: $STS_HOST or 127.0.0.1)")
    serve.set_defaults(func=_serve)
    summary = sub.add_parser("summary", help="the weekly summary, printed or --post'ed")
    summary.add_argument("--post", action="store_true", help="post it (once per week)")
    summary.add_argument("--as-of", type=_date, help="the week holding DATE (YYYY-MM-DD)")
    summary.add_argument("--data", help="cohort folder (default: $STS_DATA or the demo)")
    summary.add_argument("--out", help="write the KM plot to this folder")
    summary.set_defaults(func=_summary)
    run = sub.add_parser("run", help="Slack when SLACK_*_TOKEN are set, else a local console")
    run.set_defaults(func=_run)
    return parser


def _log_to_file(state: Path) -> None:
    """Tracebacks go to a log file under the reference the user is shown, never to the screen."""
    try:
        state.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(state / "sts.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PhiFilter())  # the same clean lines as the server's (log_filters.py)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


# The commands that work on files here; serve and run read (and require) settings themselves.
_LOCAL = ("ask", "check", "summary", "init", "reload")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings() if args.cmd in _LOCAL else Settings()
    except SettingsError as exc:
        print("sts: cannot start:\n" + "\n".join(f"✗ {p}" for p in exc.problems), file=sys.stderr)
        return 2
    if args.cmd in _LOCAL:
        _log_to_file(settings.state_dir)
    try:
        return args.func(args, settings)
    except BrokenPipeError:  # `sts ask … | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
