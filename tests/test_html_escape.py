"""Issue 12: every outgoing message in HTML parse mode (projects, reports) shows user
values as typed. Names, titles, descriptions, milestones, reasons, community and grid
names full of `<b>`, `&`, `</a>` and quotes go through the real bot to the sandbox,
which parses HTML the way Telegram does and refuses bad markup (400 "can't parse
entities"): none is refused, no update fails, and the values appear literally."""
from __future__ import annotations

import string
from html import escape

import pytest

from bot.db.models import Community, Grid, InboxUpdate, OutboxMessage
from bot.db.session import transaction
from bot.org import service as org
from bot.projects import texts as PT
from bot.reports import texts as RT
from sandbox.errors import ApiError
from sandbox.markup import parse_text

EVIL = '<b>老王&</a>"'  # unclosed tag, bare &, stray end tag, quote
EVIL_TITLE = "</a>加装&电梯<i>"
EVIL_TEXT = "井道<开挖>&amp;施工"


async def refused_html(world) -> list[str]:
    return [f"{r.method}: {r.error}" for r in world.sb.requests
            if r.error and "parse entities" in r.error]


async def failures(world) -> tuple[list[str], list[str]]:
    async with world.ctx.pool() as session:
        failed = (await session.execute(
            InboxUpdate.__table__.select().where(InboxUpdate.status == "failed"))).all()
        dead = (await session.execute(
            OutboxMessage.__table__.select().where(OutboxMessage.status == "dead"))).all()
    return [str(r.error) for r in failed], [str(r.last_error) for r in dead]


async def setup(world):
    sb = world.sb
    boss = sb.add_user(EVIL, "boss", last_name="&amp;")
    li = sb.add_user("<i>李师傅", "lishifu")
    chen = sb.add_user("陈阿姨</b>", "chen")
    g1 = sb.add_group("东湖<一>网格群&", [boss, li, chen], bot_is_admin=True)
    await world.settle()
    async with transaction(world.ctx.pool) as s:
        east = Community(name="东湖<b>社区&", code="东湖")
        s.add(east)
        await s.flush()
        grid = Grid(community_id=east.id, name="一</a>网格")
        s.add(grid)
        await s.flush()
        await org.bind_group(s, g1.id, g1.title, grid.id)
        for user in (boss, li, chen):
            await org.upsert_person(s, tg_id=user.id, username=user.username,
                                    name=user.user.full_name)
        await org.grant(s, await org.person_by_tg(s, boss.id), "organizer", east.id)
    for user in (boss, li, chen):
        user.start_bot()
    await world.settle()
    return boss, li, chen, g1


async def test_hostile_values_in_every_html_message_are_shown_as_typed(world):
    sb = world.sb
    boss, li, chen, g1 = await setup(world)
    boss.say(boss.id, f"/project_new\n标题：{EVIL_TITLE}\n说明：{EVIL}\n预算：500000\n"
                      f"监督员：@lishifu\n节点：{EVIL} 2026-11-20")
    await world.settle()
    post = await sb.wait_for(g1.id, lambda m: "项目 #1" in m.body)
    assert EVIL_TITLE in post.body and EVIL in post.body
    await sb.press(chen, post, "🔔 关注")
    for said, where in ((f"/project_update 1 {EVIL_TEXT} 50%", boss.id), ("/project 1", g1),
                        ("/projects", g1), (f"/pledge 1 出钱 200 {EVIL}", g1),
                        ("/project_supervisor 1 @chen", g1), (f"/project_shelve 1 {EVIL}", boss.id),
                        ("/project 1", g1), ("/project_resume 1", boss.id), ("/stats", boss.id)):
        (boss if said.startswith(("/project_", "/stats")) else chen).say(where, said)
        await world.settle()
    await world.advance(days=8)  # weekly digests, stale reminders, the weekly report
    bodies = [m.body for chat in (g1.id, boss.id, li.id, chen.id) for m in sb.bot_messages(chat)]
    assert await refused_html(world) == []
    assert await failures(world) == ([], [])
    assert any(EVIL_TEXT in b for b in bodies)  # the update, in the group and to followers
    assert any("东湖<b>社区&" in b for b in bodies)  # /projects and /stats headers
    assert any(f"搁置原因：{EVIL}" in b for b in bodies)
    assert any("本周社区项目动态" in b and EVIL_TITLE in b for b in bodies)
    assert any(EVIL_TITLE in b for b in (m.body for m in sb.bot_messages(chen.id)))


def _templates(module) -> list[tuple[str, str]]:
    return [(name, value) for name, value in vars(module).items()
            if name.isupper() and isinstance(value, str) and "<" in value]


@pytest.mark.parametrize(("name", "template"), _templates(PT) + _templates(RT))
def test_every_html_template_stays_valid_with_escaped_hostile_values(name, template):
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    text = template.format(**{f.split(".")[0].split("[")[0]: escape(EVIL) for f in fields})
    try:
        plain, _ = parse_text(text, "HTML")
    except ApiError as exc:  # what Telegram would answer
        pytest.fail(f"{name}: {exc}")
    if fields:
        assert EVIL in plain
