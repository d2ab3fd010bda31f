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


async def test_nul_in_a_complaint_and_a_huge_argument_are_data(world):
    """Issue 12 point 6: a NUL character failed a complaint on PostgreSQL; echoing a huge
    argument failed with "message is too long"."""
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    liu = world.sb.add_user("刘书记", user_id=2001)  # the example org's organizer
    resident = world.sb.add_user("陈\x00阿姨")
    for person in (liu, resident):
        person.start_bot()
    group = world.sb.add_group("东湖一网格居民群", [liu, resident], bot_is_admin=True)
    await bind(world, group)
    resident.say(group, "3号楼门口的路灯\x00坏了好几天了，晚上一片漆黑")
    card = await world.sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body, timeout=10)
    assert "\x00" not in card.body
    huge = "东" * 5000
    for text in (f"/case {huge}", f"/project {huge}", f"/whoami {huge}", f"/faq_add {huge}"):
        liu.say(liu.id, text)
    await world.settle(timeout=20)
    assert await failed_updates(world) == []
    answers = world.sb.bot_messages(liu.id)[-4:]
    assert all(0 < len(m.body) <= 4096 for m in answers)
    refused = [r for r in world.sb.requests if r.status == 400 and "too long" in (r.error or "")]
    assert refused == []  # the bot never sent Telegram a message over its limit
