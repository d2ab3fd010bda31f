"""Each staff member's private command menu (setMyCommands per chat) fits their role: a
street officer gets the street's commands, not a community organizer's."""
from __future__ import annotations

from handlers import commands
from tests.levels_kit import setup


async def _menu(world, user) -> list[str]:  # type: ignore[no-untyped-def]
    got = await world.app.bot.get_my_commands(scope={"type": "chat", "chat_id": user.id})
    return [c.command for c in got]


async def test_street_officers_get_the_street_menu_and_organizers_theirs(world):
    st = await setup(world)
    await commands.publish(world.ctx, world.app.bot)
    officer = await _menu(world, st["街道赵主任"])
    assert {"cases", "stats", "export", "rank"} <= set(officer)
    assert not {"poll_new", "settings", "project_new", "round"} & set(officer)
    organizer = await _menu(world, st["银虹周书记"])
    assert {"poll_new", "settings", "cases"} <= set(organizer)
    worker = await _menu(world, st["马网格员"])
    assert "round" in worker and "poll_new" not in worker
