"""`linli export cases --community X --from D --to D --format xlsx|csv [--out FILE]`."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    export = subparsers.add_parser("export", help="export the ledger (台账)")
    what = export.add_subparsers(dest="export_what", required=True)
    cases = what.add_parser("cases", help="one row per case opened in the date range")
    cases.add_argument("--community", required=True, action="append",
                       help="code, name or id; repeat for several, or 'all'")
    cases.add_argument("--from", dest="first", required=True, type=date.fromisoformat,
                       help="first day, YYYY-MM-DD (local time)")
    cases.add_argument("--to", dest="last", required=True, type=date.fromisoformat,
                       help="last day, inclusive, YYYY-MM-DD")
    cases.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    cases.add_argument("--out", type=Path, help="file to write (default: ledger-<from>-<to>.<fmt>)")
    cases.set_defaults(func=cmd_export_cases)


def cmd_export_cases(args: argparse.Namespace) -> int:
    from bot.cli import _settings, _with_engine
    from bot.db import migrate
    from bot.db.session import create_session_factory
    from bot.reports import ledger
    from bot.reports import stats

    if args.last < args.first:
        print("--to is before --from", file=sys.stderr)
        return 2
    settings = _settings()
    out = args.out or Path(f"ledger-{args.first}-{args.last}.{args.format}")

    async def go(engine: Any) -> int:
        from sqlalchemy import select

        from bot.db.models import Community

        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            if "all" in args.community:
                ids = list(await session.scalars(select(Community.id).order_by(Community.id)))
            else:
                ids = []
                for key in args.community:
                    found = await ledger.find_community(session, key)
                    if found is None:
                        print(f"no community {key!r}", file=sys.stderr)
                        return 1
                    ids.append(found.id)
            period = stats.day_range(args.first, args.last, settings.tz)
            query = ledger.LedgerQuery(ids, period.start, period.end, settings.tz)
            count = await ledger.export(session, query, out, args.format)
        print(f"wrote {count} cases to {out}")
        return 0

    return _with_engine(go)
