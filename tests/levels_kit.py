"""Shared set-up of the levels tests: examples/street.yaml imported into the running bot,
the people of it as sandbox users, and a group bound to 银虹一网格 (no tests here)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from bot.db.models import Case, Grid, GroupChat
from bot.db.session import transaction
from bot.org import service as org
from bot.org.orgfile import import_file

ROOT = Path(__file__).parents[1]
STREET = ROOT / "examples" / "street.yaml"
PEOPLE = {"李珊": 1101, "马网格员": 1102, "银虹周书记": 2101, "丁网格员": 1201,
          "丽景吴书记": 2201, "司法所王所长": 3101, "社区民警刘警官": 3102,
          "街道赵主任": 4001, "区指挥中心马主任": 5001}
OTHER_STREET = """\
streets:
  - name: 东湖街道
    officers: [{tg_id: 4101, name: 东湖街道钱主任}]
communities:
  - name: 东湖社区
    code: 东湖
    street: 东湖街道
    grids:
      - name: 东湖一网格
        workers: [{tg_id: 1301, name: 东湖网格员}]
    organizers: [{tg_id: 2301, name: 东湖书记}]
"""


@dataclass
class Street:
    people: dict[str, Any]
    chen: Any
    group: Any

    def __getitem__(self, name: str) -> Any:
        return self.people[name]


async def setup(world: Any, tmp_path: Path | None = None) -> Street:
    async with transaction(world.ctx.pool) as session:
        await import_file(session, STREET)
        if tmp_path is not None:
            other = tmp_path / "other.yaml"
            other.write_text(OTHER_STREET, encoding="utf-8")
            await import_file(session, other)
    sb = world.sb
    people = {name: sb.add_user(name, user_id=tg) for name, tg in PEOPLE.items()}
    for user in people.values():
        user.start_bot()
    chen = sb.add_user("陈阿姨")
    chen.start_bot()
    group = sb.add_group("银虹一网格居民群", [people["李珊"], people["银虹周书记"], chen],
                         creator=people["银虹周书记"], bot_is_admin=True)
    await world.settle()
    async with transaction(world.ctx.pool) as session:
        await session.execute(delete(GroupChat).where(GroupChat.chat_id == -1002101))
        grid_id = await session.scalar(select(Grid.id).where(Grid.name == "银虹一网格"))
        await org.bind_group(session, group.id, group.title or "", grid_id)
    await world.settle()
    return Street(people, chen, group)


async def case_row(world: Any, number: str) -> Case:
    async with world.ctx.pool() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None, number
        return case
