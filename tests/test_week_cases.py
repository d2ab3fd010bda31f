"""Issue #13 "A week in a real community": the case loop as residents, workers and
organizers met it, through the real bot against the local Bot API server."""
from __future__ import annotations

from bot.reports import stats
from tests.test_cases_e2e import case_row, setup

URGENT = ("5号楼电梯停了，有人被困在里面了", "3号楼电梯停了，有人被困在里面了",
          "8号楼电梯卡住了，里面有人出不来")


async def _figures(world):  # type: ignore[no-untyped-def]
    now = world.ctx.clock.now()
    case = await case_row(world, "东湖-2026-0001")
    period = stats.day_range(now.astimezone(world.ctx.tz).date(),
                             now.astimezone(world.ctx.tz).date(), world.ctx.tz)
    async with world.ctx.pool() as session:
        return await stats.figures(session, stats.Scope(case.community_id), period, now)


async def test_a_missed_deadline_stays_missed_after_escalation(world):
    """#13.3: escalation gives the next level its own deadline; the missed one stays."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    for text in URGENT:
        chen.say(group, text)
    await sb.wait_for_many(3, group.id, lambda m: "已登记工单" in m.body)
    await world.advance(minutes=31)  # urgent: 30 minutes to accept, nobody did
    await sb.wait_for_many(3, liu.id, lambda m: "超时未受理" in m.body)
    liu.say(liu.id, "/cases 超时")
    listed = await sb.wait_for(liu.id, lambda m: "工单列表（第" in m.body or "没有符合" in m.body)
    assert "共 3 件" in listed.text, listed.text
    first = await _figures(world)
    assert first.overdue == 3 and first.response_rate == 0
    await world.advance(minutes=3)
    again = await _figures(world)
    assert (again.overdue, again.response_rate) == (3, 0)
    liu.say(liu.id, "/stats")  # what the organizer reads, three minutes on
    shown = await sb.wait_for(liu.id, lambda m: "响应率" in m.body)
    assert "超时 3 件" in shown.text and "响应率 0.0%（0/3）" in shown.text, shown.text
    case = await case_row(world, "东湖-2026-0001")
    assert case.level == "community" and case.next_due is not None
    assert case.next_due > case.accept_due  # the community's own deadline
    await world.advance(minutes=30)  # the community missed its deadline too: 街道
    await sb.wait_for(liu.id, lambda m: "街道" in m.body)
    case = await case_row(world, "东湖-2026-0001")
    assert case.level == "street"
    assert (await _figures(world)).overdue == 3


async def test_one_status_vocabulary_and_cards_follow_the_state(world):
    """#13.9: 待受理 / 办理中 / 待评价 / 已办结 everywhere; a pressed card is rewritten."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "2号楼门口路灯坏了")
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
    await world.settle()
    assert "状态：办理中" in task.text and "待受理" not in task.text
    # the worker's buttons are actions, never a word that reads like another state
    assert "记进展" in task.button_texts and not any(
        b.endswith("中") or b in ("待受理", "待评价", "已办结") for b in task.button_texts)
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    sb.send_photo(zhang, zhang.id, caption="路灯已修好")  # facilities need a photo here
    rate = await sb.wait_for(chen.id, lambda m: "请您评价" in m.body)
    assert "已办结" not in rate.text and "待评价" in rate.text
    await sb.press(chen, rate, "满意").answer()
    await world.settle()
    liu.say(liu.id, "/cases 已办结")
    listed = await sb.wait_for(liu.id, lambda m: "工单列表（第" in m.body)
    assert "已办结" in listed.text
    from bot.cases import texts as CT
    from bot.reports import texts as RT
    assert RT.STATUS == CT.STATUS


async def _private_report(world, user, text):  # type: ignore[no-untyped-def]
    sb = world.sb
    user.say(user.id, "/report")
    await sb.wait_for(user.id, lambda m: "请描述" in m.body)
    user.say(user.id, text)
    got = await sb.wait_for(user.id, lambda m: "已登记工单" in m.body or "请选择问题所在" in m.body)
    if "已登记工单" not in got.text:
        await sb.press(user, got, got.button_texts[0]).answer()
        got = await sb.wait_for(user.id, lambda m: "已登记工单" in m.body)
    return got


async def test_duplicates_only_for_the_same_visible_problem(world):
    """#13.6: no link across problems, to a private report, or for a long message;
    a worker cannot +1 their own case; +1 residents hear how it ends."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    wang.start_bot()
    await _private_report(world, chen, "3号楼屋顶漏水，家里天花板都湿了")
    sb.say(wang, group, "3号楼2单元下水道堵了，污水漫出来了")
    card = await sb.wait_for(group.id, lambda m: "已登记工单" in m.body or "同一问题" in m.body)
    assert "已登记工单 东湖-2026-0002" in card.text, card.text  # not the private report
    sb.say(chen, group, "3号楼屋顶漏水，家里天花板都湿了")  # same place and category
    leak = await sb.wait_for(group.id, lambda m: "已登记工单" in m.body or "同一问题" in m.body)
    assert "东湖-2026-0003" in leak.text, leak.text  # a leak is not a blocked drain
    long = "3号楼2单元下水道堵了，污水漫出来了，" + "楼上楼下天天都在说这个事情，" * 400
    sb.say(liu, group, long)
    other = await sb.wait_for(group.id, lambda m: "已登记工单" in m.body or "同一问题" in m.body)
    assert "同一问题" not in other.text
    drain = await case_row(world, "东湖-2026-0002")
    refused = await sb.press(zhang if drain.assignee_id else liu, card, card.button_texts[0]).text()
    assert "负责" in (refused or ""), refused
    assert "已记录" in (await sb.press(chen, card, card.button_texts[0]).text() or "")
    task = await sb.wait_for(zhang.id, lambda m: "东湖-2026-0002" in m.body and "接单" in m.button_texts)
    await sb.press(zhang, task, "接单").answer()
    await world.settle()
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    zhang.say(zhang.id, "管道已疏通")
    heard = await sb.wait_for(chen.id, lambda m: "您也反映过" in m.body)
    assert "东湖-2026-0002" in heard.text and "管道已疏通" in heard.text


async def test_escalation_asks_to_confirm_and_never_skips_a_level(world):
    """#13.5: 上报 pressed twice: a confirmation, and one level per confirmation."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "2号楼门口路灯坏了")
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    await sb.press(zhang, task, "接单").answer()
    await world.settle()
    await sb.press(zhang, task, "上报").answer()
    await sb.press(zhang, task, "上报").answer()
    asks = await sb.wait_for_many(2, zhang.id, lambda m: "确定把工单" in m.body)
    assert (await case_row(world, "东湖-2026-0001")).level == "grid"  # nothing yet
    first = await sb.press(zhang, asks[0], "确认上报至社区").text()
    assert "社区" in (first or "")
    second = await sb.press(zhang, asks[1], "确认上报至社区").text()
    assert "过时" in (second or "")
    await world.settle()
    assert (await case_row(world, "东湖-2026-0001")).level == "community"


async def test_case_command_only_where_the_case_belongs(world):
    """#13.8 and the /case part of #13.11: an unbound group shows no case; the usage
    example names the asker's own community."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "2号楼门口路灯坏了")
    await sb.wait_for(group.id, lambda m: "已登记工单" in m.body)
    stranger = sb.add_user("路人甲")
    other = sb.add_group("随便什么群", [stranger], creator=stranger)
    sb.say(stranger, other, "/case 东湖-2026-0001")
    answer = await sb.wait_for(other.id)
    assert "东湖-2026-0001" not in answer.text and "绑定" in answer.text
    liu.say(liu.id, "/case")
    how = await sb.wait_for(liu.id, lambda m: "用法" in m.body)
    assert "东湖-" in how.text


async def test_a_problem_told_without_the_right_form_is_taken(world):
    """#13.13: a complaint typed in private becomes a case; a photo without a caption is
    asked about; a document's caption is read."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(chen.id, "2号楼门口路灯坏了好几天了")
    done = await sb.wait_for(chen.id, lambda m: "已登记工单" in m.body or "请选择问题所在" in m.body)
    if "请选择问题所在" in done.text:
        await sb.press(chen, done, done.button_texts[0]).answer()
        done = await sb.wait_for(chen.id, lambda m: "已登记工单" in m.body)
    assert "东湖-2026-0001" in done.text
    sb.send_photo(wang, group)  # wang never started the bot: asked in the thread
    await sb.wait_for(group.id, lambda m: "收到您的照片" in m.body)
    sb.send_photo(chen, group)  # chen did: asked privately
    await sb.wait_for(chen.id, lambda m: "发的照片" in m.body)
    sb.send_document(wang, group, b"%PDF-1.4", "notice.pdf", caption="3号楼2单元下水道堵了，污水漫出来了")
    await sb.wait_for(group.id, lambda m: "已登记工单 东湖-2026-0002" in m.body)


async def test_a_suggestion_goes_to_the_organizers(world):
    """#13.10: a 建议 is said to be one, goes to the organizers, has no [接单] for the
    grid worker and no "受理时限：无时限"."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "建议小区里多装几个健身器材")
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    assert "建议" in card.text and "转交社区" in card.text
    told = await sb.wait_for(liu.id, lambda m: "居民建议" in m.body)
    assert "转为项目" in told.button_texts and "无时限" not in told.text
    await world.settle()
    assert not [m for m in sb.messages(zhang.id) if "东湖-2026-0001" in m.body]


async def test_an_edit_is_told_and_can_make_a_case_urgent(world):
    """#13.7: the worker hears of an edit; an edit that reads urgent raises the case."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    first = sb.say(chen, group, "5号楼电梯有点异响")
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    sb.edit(chen, first, "5号楼电梯停了，有人被困在里面了，快来")
    told = await sb.wait_for(zhang.id, lambda m: "东湖-2026-0001" in m.body and "紧急" in m.body)
    assert "被困" in told.text
    await sb.wait_for(liu.id, lambda m: "升为紧急" in m.body)
    assert (await case_row(world, "东湖-2026-0001")).urgency == "urgent"
    sb.edit(chen, first, "5号楼电梯有点异响，现在好了")
    await sb.wait_for(zhang.id, lambda m: "修改了内容" in m.body)
    assert (await case_row(world, "东湖-2026-0001")).urgency == "urgent"  # never lowered
