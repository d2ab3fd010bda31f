"""Shared setup of the council, wishes and points tests: one community with two groups,
an organizer and four residents (赵叔 never starts the bot). No tests here."""
from __future__ import annotations

from bot.db.models import Community, Grid
from bot.db.session import transaction
from bot.org import service as org

MEETING = """/meeting {topic}
时间：2026-11-03 19:00
地点：社区活动室
参会：@wang @lishifu @chen @zhao
法定人数：{quorum}
表决：过半"""


async def setup(world):
    sb = world.sb
    zhang, wang, li, chen, zhao = (sb.add_user("张书记", "zhang"), sb.add_user("王阿姨", "wang"),
                                   sb.add_user("李师傅", "lishifu"), sb.add_user("陈大爷", "chen"),
                                   sb.add_user("赵叔", "zhao"))
    g1 = sb.add_group("东湖一网格群", [zhang, wang, li, chen, zhao], bot_is_admin=True)
    g2 = sb.add_group("东湖二网格群", [zhang], bot_is_admin=True)
    await world.settle()
    async with transaction(world.ctx.pool) as s:
        east = Community(name="东湖社区", code="东湖")
        s.add(east)
        await s.flush()
        grids = [Grid(community_id=east.id, name="一网格"), Grid(community_id=east.id, name="二网格")]
        s.add_all(grids)
        await s.flush()
        for chat, grid in zip((g1, g2), grids, strict=True):
            await org.bind_group(s, chat.id, chat.title, grid.id)
        for user in (zhang, wang, li, chen, zhao):
            await org.upsert_person(s, tg_id=user.id, username=user.username, name=user.first_name)
        await org.grant(s, await org.person_by_tg(s, zhang.id), "organizer", east.id)
    for user in (zhang, wang, li, chen):  # 赵叔 never opens a private chat with the bot
        user.start_bot()
    await world.settle()
    return zhang, wang, li, chen, zhao, g1, g2


async def pass_in_meeting(world, zhang, voters, topic: int, minutes: str):  # type: ignore[no-untyped-def]
    """Meeting #1 on `topic`: called, 王 and 李 attend (quorum 2), `voters` vote 同意, closed
    with `minutes`; returns the organizer's "表决通过" answer."""
    sb = world.sb
    zhang.say(zhang.id, MEETING.format(topic=topic, quorum=2))
    await sb.wait_for(zhang.id, lambda m: "已召集会议 #1" in m.body)
    await world.advance(hours=33, minutes=30)
    zhang.say(zhang.id, "/meeting_attend 1 @wang @lishifu")
    await sb.wait_for(zhang.id, lambda m: "现到会 2/4 人" in m.body)
    zhang.say(zhang.id, "/meeting_vote 1")
    for user in voters:
        ballot = await sb.wait_for(user.id, lambda m: "会议 #1 表决" in m.body)
        await sb.press(user, ballot, "同意")
    zhang.say(zhang.id, f"/meeting_close 1 {minutes}")
    return await sb.wait_for(zhang.id, lambda m: "表决通过" in m.body)


async def posted_wish(world, wisher, staff, group, text: str):  # type: ignore[no-untyped-def]
    """`wisher` sends `/wish text`, `staff` approves it; returns its post in `group` (#1)."""
    sb = world.sb
    wisher.say(wisher.id, f"/wish {text}")
    review = await sb.wait_for(staff.id, lambda m: "待审核" in m.body)
    await sb.press(staff, review, "✅ 通过并发布").answer()
    return await sb.wait_for(group.id, lambda m: "🌈 微心愿 #1" in m.body)
