"""Input nobody planned for, through the real bot: names full of HTML, typos, numbers too
big for the database. Each gets an answer in Chinese and no update fails."""
from pathlib import Path

from sqlalchemy import select

from bot.db.models import InboxUpdate
from bot.db.session import transaction
from bot.org.orgfile import import_file
from tests.harness import bind

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


async def failed_updates(world) -> list[str]:
    async with world.ctx.pool() as session:
        rows = await session.scalars(select(InboxUpdate.error).where(InboxUpdate.status == "failed"))
        return list(rows)


async def test_html_names_typos_and_huge_numbers_are_answered(world):
    evil = world.sb.add_user("<b>小王&", last_name='"</i>')
    evil.start_bot()
    await world.sb.wait_for(evil.id, lambda m: "小王" in m.text)
    for text in ("/whoami", "/cses", "/case 99999999999999999999999999", "/project 10000000000000000000000"):
        evil.say(evil.id, text)
        await world.settle()
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    group = world.sb.add_group("东湖一网格居民群", [evil], bot_is_admin=True)
    await bind(world, group)
    evil.say(group, "/case 东湖-2026-99999999999999999999")
    await world.settle()
    answers = [m.text for m in world.sb.bot_messages(evil.id)]
    assert len(answers) >= 5, answers  # /start + one answer per command
    assert any("<b>小王&" in a for a in answers)  # the name shown as typed, not as markup
    assert await failed_updates(world) == []
