"""The case loop through the real bot over HTTP against the local Bot API server."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.cases import Act, CaseBtn, CaseRate
from bot.db.models import Case
from bot.db.session import transaction
from bot.org.orgfile import import_file
from tests.harness import bind

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"
LIGHT = "3号楼2单元301楼道灯坏了好几天了，有事打我电话13812345678"


async def setup(world, *, reporter_started: bool = True):  # type: ignore[no-untyped-def]
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    sb = world.sb
    zhang = sb.add_user("张网格员", user_id=1001)
    liu = sb.add_user("刘书记", user_id=2001)
    chen = sb.add_user("陈阿姨")
    wang = sb.add_user("王大爷")
    for person in (zhang, liu) + ((chen,) if reporter_started else ()):
        person.start_bot()
    group = sb.add_group("东湖一网格居民群", [liu, zhang, chen, wang], creator=liu,
                         bot_is_admin=True)
    await bind(world, group)
    await world.settle()
    return zhang, liu, chen, wang, group


def forge(sb, user, message, data: str):  # type: ignore[no-untyped-def]
    """A client sending callback data the bot never offered on this message (forged,
    or a button since replaced): the bot must answer and change nothing."""
    saved = message.reply_markup
    message.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    try:
        return sb.press(user, message, data)
    finally:
        message.reply_markup = saved


async def case_row(world, number: str) -> Case:  # type: ignore[no-untyped-def]
    async with world.ctx.pool() as session:
        return await session.scalar(select(Case).where(Case.number == number))


async def test_text_to_rated_result(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, LIGHT)
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    assert "公共设施" in card.text and "张网格员" in card.text
    assert "13812345678" not in card.text
    assert card.button_texts == ["我也遇到 (+0)", "查看进度"]
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    assert "陈阿姨" in task.text and "接单" in task.button_texts
    forged = sb.press(wang, task, "接单")  # a resident replaying the worker's button
    assert "权限" in (await forged.text() or "")
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
    await world.settle()
    told = await sb.wait_for(chen.id, lambda m: "已接单" in m.body)
    assert "东湖-2026-0001" in told.text
    assert "已解决" in task.button_texts  # the worker's card now shows the next steps
    case = await case_row(world, "东湖-2026-0001")
    stale = forge(sb, zhang, task, CaseBtn(a=Act.ACCEPT, c=case.id).pack())
    assert "已被 张网格员 接单" in (await stale.text() or "")
    assert "失效" in (await forge(sb, zhang, task, "cs:99:1").text() or "")
    assert "失效" in (await forge(sb, zhang, task, "zz:garbage").text() or "")
    await world.settle()
    # resolving facilities needs a result photo in this community
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    zhang.say(zhang.id, "换好灯泡了")
    await sb.wait_for(zhang.id, lambda m: "照片" in m.body)
    sb.send_photo(zhang, zhang.id, caption="已更换灯泡")
    await sb.wait_for(zhang.id, lambda m: "等待居民评价" in m.body)
    rate = await sb.wait_for(chen.id, lambda m: "请您评价" in m.body)
    assert rate.button_texts == ["满意", "基本满意", "不满意", "查看进度"]
    assert [m for m in sb.messages(chen.id) if m.photo is not None]  # the result photo
    assert "只有反映人" in (await sb.press(wang, rate, "满意").text() or "")
    assert "满意" in (await sb.press(chen, rate, "满意").text() or "")
    await world.settle()
    old = CaseRate(c=case.id, r=0, v=3).pack()
    assert "失效" in (await forge(sb, chen, rate, old).text() or "")
    case = await case_row(world, "东湖-2026-0001")
    assert case.status == "closed" and case.rating == "satisfied"


async def test_simultaneous_presses_one_owner(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "5栋电梯又坏了，有人被困！快来")  # urgent: organizers alerted at once
    alert = await sb.wait_for(liu.id, lambda m: "紧急工单" in m.body)
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    a, b = sb.press(zhang, task, "接单"), sb.press(liu, alert, "接单")
    answers = sorted([await a.text() or "", await b.text() or ""])
    assert sum(x.startswith("已接单") for x in answers) == 1
    assert sum("已被" in x for x in answers) == 1


async def test_photo_album_edit_and_duplicates(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    sb.send_photo(chen, group)  # no caption: quietly ignored
    sb.send_album(chen, group, n=3, caption="3号楼门口垃圾堆成山了，好臭")
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    await world.settle()
    async with world.ctx.pool() as session:
        from bot import cases

        case = await cases.by_number(session, "东湖-2026-0001")
        assert len(case.photos) == 3
    first = sb.say(chen, group, LIGHT)
    await sb.wait_for(group.id, lambda m: "东湖-2026-0002" in m.body)
    sb.edit(chen, first, LIGHT + "，整栋楼都黑")
    sb.say(wang, group, "3号楼楼道灯不亮，晚上太黑了")
    linked = await sb.wait_for(group.id, lambda m: "共 2 户" in m.body)
    assert "东湖-2026-0002" in linked.text
    await world.settle()
    case = await case_row(world, "东湖-2026-0002")
    assert case.text.endswith("整栋楼都黑") and case.plus_count == 1
    assert len([m for m in sb.bot_messages(group.id) if "已登记工单" in m.body]) == 2
    assert "已记录" in (await sb.press(liu, card, "我也遇到 (+0)").text() or "")


async def test_case_command_and_report_tag(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    ignored = sb.say(wang, group, "楼下那只流浪狗天天晚上叫")
    sb.say(chen, group, "#报事", reply_to=ignored)
    card = await sb.wait_for(group.id, lambda m: "已登记工单" in m.body)
    number = card.text.split("已登记工单 ")[1].split()[0]
    chen.say(chen.id, f"/case {number}")
    shown = await sb.wait_for(chen.id, lambda m: number in m.body)
    assert "办理记录" not in shown.text  # chen is not the reporter: public card only
    liu.say(liu.id, f"/case {number}")
    staff = await sb.wait_for(liu.id, lambda m: "办理记录" in m.body)
    assert "王大爷" in staff.text
    chen.say(chen.id, "/case 东湖-2026-9999")
    assert "没有找到" in (await sb.wait_for(chen.id, lambda m: "没有找到" in m.body)).text
    sb.say(chen, group, "/case 西湖-2026-0001")
    await sb.wait_for(group.id, lambda m: "没有找到" in m.body)


async def test_private_report(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(chen.id, "/report")
    await sb.wait_for(chen.id, lambda m: "请描述" in m.body)
    sb.send_photo(chen, chen.id)
    await sb.wait_for(chen.id, lambda m: "照片已收到" in m.body)
    chen.say(chen.id, "2号楼门口路灯坏了")
    done = await sb.wait_for(chen.id, lambda m: "已登记工单" in m.body)
    assert "东湖-2026-0001" in done.text
    case = await case_row(world, "东湖-2026-0001")
    assert case.source_chat_id == chen.id and not case.anonymous


async def test_anonymous_private_report_names_nobody_in_the_group(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(chen.id, "/report 匿名")
    await sb.wait_for(chen.id, lambda m: "匿名报事" in m.body)
    chen.say(chen.id, "2号楼门口路灯坏了，晚上很黑")
    await sb.wait_for(chen.id, lambda m: "已登记工单" in m.body)
    card = await sb.wait_for(zhang.id, lambda m: "东湖-2026-0001" in m.body)
    assert "陈阿姨（匿名）" in card.text  # the worker can still reach the reporter
    case = await case_row(world, "东湖-2026-0001")
    assert case.anonymous
    await world.settle()
    assert not [m for m in sb.messages(group) if "陈阿姨" in m.body]


async def test_reporter_outside_private_chat_gets_batched_thread_reply_and_escalation(world):
    zhang, liu, chen, wang, group = await setup(world, reporter_started=False)
    sb = world.sb
    chen.say(group, LIGHT)
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    await world.advance(minutes=121)  # nobody accepted within 2 h
    escalated = await sb.wait_for(liu.id, lambda m: "超时未受理" in m.body)
    assert "东湖-2026-0001" in escalated.text
    await world.advance(minutes=11)
    thread = await sb.wait_for(group.id, lambda m: "进展" in m.body)
    assert "上报至社区" in thread.text and "13812345678" not in thread.text


async def test_restart_between_open_and_resolve(world, settings, clock):
    from demo.world import World

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "5号楼电梯坏了，上下楼太难了")
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    await world.settle()
    await world.stop()  # the first bot is gone; a new process starts on the same DB
    clock.advance(minutes=100)  # down across the accept reminder
    async with World.attach(sb, settings, clock) as second:
        await second.tick()
        assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
        await second.settle()
        reminders = [m for m in sb.messages(zhang.id) if "还未受理" in m.body]
        assert len(reminders) == 1
