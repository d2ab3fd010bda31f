"""`linli people import FILE --community NAME`: the residents' roster (xlsx or CSV)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bot.clikit import CONTEXT, examples, fail


@click.group(context_settings=CONTEXT,
             epilog=examples("linli people import 花名册.xlsx --community 东湖社区"))
def people() -> None:
    """The register of residents (一楼一档): import the roster community staff keep."""


@people.command("import", epilog=examples(
    "linli people import examples/roster.csv --community 东湖社区",
    "linli people import 花名册.xlsx --community 东湖"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community", required=True,
              help="The community's name or case-number code, as in the org file.")
def import_(file: Path, community: str) -> int:
    """Import FILE, the residents' roster (.xlsx or .csv).

    Columns 楼栋 单元 房号 姓名 电话 身份 备注 (and Telegram) in any order. A bad row
    imports nothing and is listed with its row number; importing again updates and
    never registers anyone twice."""
    from sqlalchemy import or_, select

    from bot import events
    from bot.clikit import load_settings, with_engine
    from bot.clock import Clock
    from bot.db.models import Community
    from bot.db.session import create_session_factory, transaction
    from bot.people import actions, roster
    from bot.people.events import RegisterChanged

    data = file.read_bytes()

    async def go(engine: Any) -> int:
        async with transaction(create_session_factory(engine)) as session:
            found = await session.scalar(select(Community).where(
                or_(Community.name == community, Community.code == community)))
            if found is None:
                raise fail(f"没有这个社区 / no such community: {community}", 2)
            try:
                done = await roster.import_bytes(session, found, data, file.name, Clock().now())
            except roster.RosterError as exc:
                raise fail(actions.failure(exc.errors)) from None
            await events.publish(session, None, RegisterChanged(found.id))
        click.echo(actions.summary(found, done))
        return 0

    load_settings()
    return with_engine(go)
