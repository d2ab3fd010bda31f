"""Scheduled polls through the real bot over HTTP against the local Bot API server:
the /poll_new dialog (with bad input), scheduled open, votes from two groups, reminders,
stopPoll at close, the result post with a chart, a restart, recurrence, cancel and edit,
button polls with household rules, forged buttons and votes on closed polls."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update

from bot.db.models import Grid, GroupChat, Person
from bot.db.models.polls import Poll
from bot.db.session import transaction
from bot.org import service as org
from bot.org.orgfile import import_file
from bot.polls import VoteButton
from demo.world import World

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


async def setup(world):  # type: ignore[no-untyped-def]
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    sb = world.sb
    liu = sb.add_user("刘书记", user_id=2001)
    chen, wang, zhao = sb.add_user("陈阿姨"), sb.add_user("王大爷"), sb.add_user("小赵")
    liu.start_bot()
    zhao.start_bot()
    g1 = sb.add_group("东湖一网格居民群", [liu, chen, wang, zhao], creator=liu, bot_is_admin=True)
    g2 = sb.add_group("东湖二网格居民群", [liu, chen], creator=liu, bot_is_admin=True)
    await world.settle()
    async with transaction(world.ctx.pool) as session:
        await session.execute(delete(GroupChat).where(GroupChat.chat_id == -1001001))
        for group, grid in ((g1, "第一网格"), (g2, "第二网格")):
            grid_id = await session.scalar(select(Grid.id).where(Grid.name == grid))
            await session.execute(update(GroupChat).where(GroupChat.chat_id == group.id)
                                  .values(grid_id=grid_id))
    for user, group in ((chen, g1), (wang, g1), (chen, g2)):
        user.say(group, "大家好")  # the bot now knows them as members (turnout base)
    await world.settle()
    return liu, chen, wang, zhao, g1, g2


async def reply(world, user, text, expect):  # type: ignore[no-untyped-def]
    user.say(user.id, text)
    return await world.sb.wait_for(user.id, lambda m: expect in m.body)


async def press(world, user, message, button, expect=None):  # type: ignore[no-untyped-def]
    await world.sb.press(user, message, button).answer()
    if expect is None:
        return None
    return await world.sb.wait_for(user.id, lambda m: expect in m.body)


async def dialog(world, liu, *, question="小区停车位收费是否调整？", opens="明天 9:00",  # type: ignore[no-untyped-def]
                 options="同意\n不同意\n弃权", groups=("东湖一网格居民群", "东湖二网格居民群"),
                 closes="3天", repeat=None, who="群内所有人", bad=False, public=True):
    step = await reply(world, liu, "/poll_new", "第1步")
    if bad:
        await reply(world, liu, "问" * 301, "太长")
    step = await reply(world, liu, question, "第2步")
    if bad:
        await reply(world, liu, "只有一个选项", "至少需要2个")
        await reply(world, liu, "同意\n同意", "重复")
    step = await reply(world, liu, options, "第3步")
    step = await press(world, liu, step, "单选", "第4步")
    step = await press(world, liu, step, (public and "⚠️ 记名公开") or "匿名（推荐）", "第5步")
    if bad:
        step = await reply(world, liu, "不存在的群", "没有找到")
    for name in groups:
        await press(world, liu, step, name)
    await world.settle()
    step = await press(world, liu, step, "完成", "第6步")
    if bad:
        await reply(world, liu, "2020-01-01 09:00", "已经过去")
        await reply(world, liu, "下周吧", "没看懂")
    step = (await press(world, liu, step, "立即开始", "第7步") if opens is None
            else await reply(world, liu, opens, "第7步"))
    if bad:
        await reply(world, liu, "2020-01-02 09:00", "已经过去")
    step = await reply(world, liu, closes, "第8步")
    if repeat is None:
        step = await press(world, liu, step, "不重复", "第9步")
    else:
        step = await reply(world, liu, repeat, "第9步")
    step = await press(world, liu, step, who, "第10步")
    return await press(world, liu, step, "不关联", "请核对")


async def test_dialog_schedule_votes_reminders_close_chart(world):  # type: ignore[no-untyped-def]
    liu, chen, wang, _zhao, g1, g2 = await setup(world)
    sb = world.sb
    summary = await dialog(world, liu, bad=True)
    assert "东湖一网格居民群" in summary.text and "东湖二网格居民群" in summary.text
    assert "开始：2026-11-03 09:00" in summary.text and "截止：2026-11-06 09:00" in summary.text
    # 修改 just one field from the summary, then confirm
    fields = await press(world, liu, summary, "✏️ 修改", "要修改哪一项")
    await press(world, liu, fields, "问题", "第1步")
    summary = await reply(world, liu, "小区停车位收费是否调整？（第二版）", "请核对")
    saved = await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    assert "#1" in saved.text and "2026-11-03 09:00" in saved.text
    assert not [m for m in sb.bot_messages(g1) if m.poll_id]

    await world.advance(days=1)  # 09:00 next day: it opens in both groups
    p1 = await sb.wait_for(g1.id, lambda m: m.poll_id is not None)
    p2 = await sb.wait_for(g2.id, lambda m: m.poll_id is not None)
    assert any("截止时间：2026-11-06 09:00" in m.body for m in sb.bot_messages(g1))
    sb.vote(chen, p1, [0])
    sb.vote(wang, p1, [1])
    await world.settle()
    sb.vote(chen, p2, [1])  # the same person in the other group: a changed vote, counted once
    await world.settle()

    await world.advance(days=2)  # one day before the close
    remind = await sb.wait_for(g1.id, lambda m: "将于" in m.body)
    assert "已有 2 人投票" in remind.text
    await sb.wait_for(g2.id, lambda m: "将于" in m.body)
    await world.advance(hours=22)  # two hours before the close
    await sb.wait_for(g2.id, lambda m: "将于" in m.body)

    await world.advance(hours=2)
    result = await sb.wait_for(g1.id, lambda m: "结果：" in m.body)
    assert "不同意：2 票（100.0%）" in result.text and "同意：0 票" in result.text
    assert "参与 2 人，应参与 3 人" in result.text
    assert "陈阿姨" in result.text  # public results
    chart = await sb.wait_for(g1.id, lambda m: m.photo is not None)
    assert chart.photo is not None
    await sb.wait_for(g2.id, lambda m: "结果：" in m.body)
    assert sb.world.polls[p1.poll_id].is_closed and sb.world.polls[p2.poll_id].is_closed

    # /poll_results any time, /polls lists it as closed
    again = await reply(world, liu, "/poll_results 1", "结果：")
    assert "不同意：2 票" in again.text
    listing = await reply(world, liu, "/polls", "民意调查列表")
    assert "✅ 已结束" in listing.text


async def test_restart_during_open_and_across_close(world, sandbox, settings, clock):  # type: ignore[no-untyped-def]
    liu, chen, wang, _zhao, g1, _g2 = await setup(world)
    sb = world.sb
    summary = await dialog(world, liu, opens=None, closes="2天",
                           groups=("东湖一网格居民群",))
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    poll_msg = await sb.wait_for(g1.id, lambda m: m.poll_id is not None)
    sb.vote(chen, poll_msg, [0])
    await world.settle()
    await world.stop()  # restart while the poll is open
    async with World.attach(sandbox, settings, clock) as w2:
        sb.vote(wang, poll_msg, [0])
        await w2.settle()
        await w2.stop()
    clock.advance(days=3)  # down across the close time
    async with World.attach(sandbox, settings, clock) as w3:
        await w3.tick()
        result = await sb.wait_for(g1.id, lambda m: "结果：" in m.body)
        assert "同意：2 票（100.0%）" in result.text and "原定" in result.text
        await w3.tick()
        assert len([m for m in sb.bot_messages(g1) if "结果：" in m.body]) == 1
        assert sb.world.polls[poll_msg.poll_id].is_closed
    async with World.attach(sandbox, settings, clock) as w4:  # nothing happens twice
        await w4.tick()
        assert len([m for m in sb.bot_messages(g1) if "结果：" in m.body]) == 1


async def test_recurrence_cancel_and_edit(world):  # type: ignore[no-untyped-def]
    liu, chen, _wang, _zhao, g1, _g2 = await setup(world)
    sb = world.sb
    summary = await dialog(world, liu, opens=None, closes="1天", repeat="每周一 09:00",
                           groups=("东湖一网格居民群",))
    assert "每周一 09:00" in summary.text
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    await sb.wait_for(g1.id, lambda m: m.poll_id is not None)
    listing = await reply(world, liu, "/polls", "民意调查列表")
    assert "#2 ⏳ 待开始" in listing.text and "2026-11-09 09:00" in listing.text

    # a second poll, scheduled: edit its question, then cancel the next occurrence
    summary = await dialog(world, liu, question="旧问题", opens="11-05 10:00", closes="1天",
                           groups=("东湖一网格居民群",))
    await press(world, liu, summary, "✅ 确认", "已保存民意调查 #3")
    listing = await reply(world, liu, "/polls", "民意调查列表")
    edit = await press(world, liu, listing, "修改 #3", "请核对")
    fields = await press(world, liu, edit, "✏️ 修改", "要修改哪一项")
    await press(world, liu, fields, "问题", "第1步")
    edit = await reply(world, liu, "新问题", "请核对")
    await press(world, liu, edit, "✅ 确认", "已修改民意调查 #3")
    await press(world, liu, listing, "取消 #2", "已取消民意调查 #2")
    stale = await sb.press(liu, listing, "取消 #2").text()
    assert "不能再修改或取消" in (stale or "")
    forged = sb.press(chen, listing, "修改 #3")  # not an organizer
    assert "只有社区工作人员" in (await forged.text() or "")

    await world.advance(days=8)
    polls = [m for m in sb.bot_messages(g1) if m.poll_id is not None]
    questions = [sb.world.polls[m.poll_id].question for m in polls]
    assert questions == ["小区停车位收费是否调整？", "新问题"]  # #2 cancelled, #3 edited
    assert len([m for m in sb.bot_messages(g1) if "结果：" in m.body]) == 2


async def test_household_buttons_ineligible_forged_and_closed(world):  # type: ignore[no-untyped-def]
    liu, chen, wang, zhao, g1, _g2 = await setup(world)
    sb = world.sb
    async with transaction(world.ctx.pool) as session:
        community = (await org.organizer_communities(
            session, await org.person_by_tg(session, 2001), []))[0]
        for user, household in ((chen, "1-1-101"), (wang, "1-1-101")):
            # registered by the organizer: saying 大家好 alone stores nobody (issue 18)
            person = await org.upsert_person(session, tg_id=user.id)
            assert isinstance(person, Person)
            person.household = household
            await org.grant(session, person, "resident", community.id)
    summary = await dialog(world, liu, opens=None, closes="1天", who="登记居民，每户一票",
                           groups=("东湖一网格居民群",))
    assert "点选项按钮" in summary.text
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    post = await sb.wait_for(g1.id, lambda m: "请点击下面的选项按钮进行投票" in m.body)
    assert post.button_texts == ["同意", "不同意", "弃权"]
    assert "已记录" in (await sb.press(chen, post, "同意").text() or "")
    taken = await sb.press(wang, post, "不同意").text()
    assert "每户一票" in (taken or "")
    refused = await sb.press(zhao, post, "同意").text()  # not a registered resident
    assert "登记居民" in (refused or "")
    await world.settle()
    told = await sb.wait_for(zhao.id, lambda m: "未计入" in m.body)
    assert "#1" in told.text
    # a forged button (another poll id / an option that does not exist) changes nothing
    saved = post.reply_markup
    post.reply_markup = {"inline_keyboard": [[
        {"text": "x", "callback_data": VoteButton(p=99, i=0).pack()},
        {"text": "y", "callback_data": VoteButton(p=1, i=7).pack()}]]}
    assert "失效" in (await sb.press(chen, post, "x").text() or "")
    assert "失效" in (await sb.press(chen, post, "y").text() or "")
    post.reply_markup = saved

    await world.advance(days=1)
    result = await sb.wait_for(g1.id, lambda m: "结果：" in m.body)
    assert "同意：1 票（100.0%）" in result.text and "应参与 1 人" in result.text
    assert not post.button_texts  # the buttons are gone
    post.reply_markup = saved  # a client still showing the old buttons
    late = await sb.press(wang, post, "不同意").text()
    assert "已经结束" in (late or "")
    async with world.ctx.pool() as session:
        poll = await session.get(Poll, 1)
        assert poll is not None and poll.result is not None and poll.result["voters"] == 1


async def test_an_erased_member_and_a_newcomer_with_their_id_are_counted_right(world):  # type: ignore[no-untyped-def]
    """The turnout base through the bot: a chatty member is counted once; after /forget
    their membership goes, and a newcomer who starts the bot next (on SQLite they may get
    the erased person's id) and chats is counted, though the bot had just seen that id."""
    from bot.db.models.polls import PollMember

    liu, chen, wang, zhao, g1, g2 = await setup(world)
    sb = world.sb

    async def members(group) -> set[str]:  # type: ignore[no-untyped-def]
        async with world.ctx.pool() as s:
            return set(await s.scalars(select(Person.name).join(
                PollMember, PollMember.person_id == Person.id).where(
                PollMember.chat_id == group.id)))

    for text in ("今天天气不错", "大家吃了吗", "晚上广场有活动"):
        zhao.say(g1, text)
        await world.settle()
    assert "小赵" in await members(g1)
    async with world.ctx.pool() as s:
        old_id = await s.scalar(select(Person.id).where(Person.name == "小赵"))
    zhao.say(zhao.id, "/forget")
    ask = await sb.wait_for(zhao.id, lambda m: "不能撤销" in m.body)
    await sb.press(zhao, ask, "确认删除我的信息").answer()
    await world.settle()
    assert "小赵" not in await members(g1)

    sun = sb.add_user("小孙")
    sb.join(sun, g1)
    sun.start_bot()
    await world.settle()
    async with world.ctx.pool() as s:
        new_id = await s.scalar(select(Person.id).where(Person.name == "小孙"))
    sun.say(g1, "新来的，请多关照")
    await world.settle()
    assert "小孙" in await members(g1), (old_id, new_id)
