"""`linli polls export N --format csv|xlsx [--out FILE]`: a poll's result and ballots."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    polls = subparsers.add_parser("polls", help="scheduled polls (民意调查)")
    what = polls.add_subparsers(dest="polls_what", required=True)
    export = what.add_parser("export", help="export one poll's result and ballots")
    export.add_argument("poll", type=int, help="poll number (#N)")
    export.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    export.add_argument("--out", type=Path, help="file to write (default: poll-<N>.<fmt>)")
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.cli import _settings, _with_engine
    from bot.db.session import create_session_factory
    from bot.polls import service as polls
    from bot.polls import export as opinion_export

    settings = _settings()
    out = args.out or Path(f"poll-{args.poll}.{args.format}")

    async def go(engine: Any) -> int:
        async with create_session_factory(engine)() as session:
            try:
                count = await opinion_export.export(session, args.poll, out, args.format,
                                                    settings.tz)
            except polls.PollError as exc:
                print(exc, file=sys.stderr)
                return 1
        print(f"wrote poll #{args.poll} ({count} ballots) to {out}")
        return 0

    return _with_engine(go)
