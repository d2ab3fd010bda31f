"""`linli export cases --community X|--street S --from D --to D --format xlsx|csv [--out FILE]`."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bot.clikit import CONTEXT, examples, fail

DAY = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime) -> date:
    return value.date()


@click.group(context_settings=CONTEXT, epilog=examples(
    "linli export cases --community 东湖 --from 2026-10-01 --to 2026-10-31 --format xlsx"))
def export() -> None:
    """Export the ledger (台账) for the street office or an audit."""


@export.command(epilog=examples(
    "linli export cases --community 东湖 --from 2026-10-01 --to 2026-10-31 --format xlsx",
    "linli export cases --community all --from 2026-01-01 --to 2026-12-31 --format csv "
    "--out 2026.csv",
    "linli export cases --street 丽景街街道 --from 2026-10-01 --to 2026-10-31"))
@click.option("--community", "communities", multiple=True,
              help="Community code, name or id; repeat for several, or 'all'.")
@click.option("--street", "streets", multiple=True,
              help="A street (街道) of the org file: every community of it; repeat for several.")
@click.option("--from", "first", required=True, type=DAY, metavar="YYYY-MM-DD",
              help="First day, YYYY-MM-DD, local time.")
@click.option("--to", "last", required=True, type=DAY, metavar="YYYY-MM-DD",
              help="Last day, inclusive, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True, help="xlsx for Excel; csv is UTF-8 with a BOM.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: ledger-<from>-<to>.<format>).")
@click.option("--unmasked", is_flag=True,
              help="Names and contact details as written (needs --reason; recorded).")
@click.option("--reason", default="", help="Why an unmasked ledger is needed (recorded).")
def cases(communities: tuple[str, ...], streets: tuple[str, ...], first: datetime,
          last: datetime, fmt: str, out: Path | None, unmasked: bool, reason: str) -> int:
    """One row per case opened in the date range, with its whole history.

    Names and contact details are masked unless --unmasked --reason "…" is given;
    every export is recorded (who, what, masked or not, why): see /exports."""
    from bot.clikit import load_settings, progress, with_engine
    from bot.reports import LedgerQuery, day_range, find_community
    from bot.reports import export as write_ledger

    if not communities and not streets:
        raise fail("give --community (or 'all') or --street", 2)
    if last < first:
        raise fail("--to is before --from", 2)
    if unmasked and not reason.strip():
        raise fail("--unmasked needs --reason \"why\" (it is recorded in the export log)", 2)
    settings = load_settings()
    path = out or Path(f"ledger-{_day(first)}-{_day(last)}.{fmt}")

    async def go(engine: Any) -> int:
        from sqlalchemy import select

        from bot.db.models import Community
        from bot.db.models.levels import STREET, Level
        from bot.db.session import create_session_factory
        from bot.org import levels

        async with create_session_factory(engine)() as session:
            if "all" in communities:
                ids = list(await session.scalars(select(Community.id).order_by(Community.id)))
            else:
                ids = []
                for key in communities:
                    found = await find_community(session, key)
                    if found is None:
                        raise fail(f"no community {key!r}")
                    ids.append(found.id)
            for name in streets:
                street = await session.scalar(
                    select(Level).where(Level.kind == STREET, Level.name == name))
                if street is None:
                    raise fail(f"no street {name!r}")
                ids += [c.id for c in await levels.communities_of(session, [street])
                        if c.id not in ids]
            period = day_range(_day(first), _day(last), settings.tz)
            label = " ".join(f"street {name}" for name in streets)
            query = LedgerQuery(ids or [-1], period.start, period.end, settings.tz,
                                unmasked=unmasked, label=label)
            with progress("exporting cases", "case") as update:
                count = await write_ledger(session, query, path, fmt, progress=update,
                                           reason=reason if unmasked else None)
            await session.commit()  # the export_audit record (bot.privacy.audit)
        click.echo(f"wrote {count} cases to {path}")
        return 0

    return with_engine(go)
