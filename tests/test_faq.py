"""Issue #13.14, the 问答库: organizers keep questions and answers per community (/faq,
/faq_add, /faq_del, the org file's `faq:`); an inquiry that matches is answered in the
thread; one that does not goes to the grid worker, whose reply reaches the resident and
joins the 问答库 with one press. Through the real bot against the local Bot API server."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.db.models import Case
from bot.db.models.faq import FaqEntry, Inquiry
from bot.db.session import transaction
from bot.org import OrgFileError, import_file
from tests.test_cases_e2e import setup

HOURS = "/faq_add 物业办公时间 | 物业中心周一至周六 8:30–17:30 办公，在3号楼一楼 | 物业 上班 下班"


async def _count(world, model) -> int:  # type: ignore[no-untyped-def]
    async with world.ctx.pool() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_matching_inquiry_is_answered_in_the_thread(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    liu.say(liu.id, HOURS)
    added = await sb.wait_for(liu.id, lambda m: "已加入" in m.body)
    assert "东湖社区问答库" in added.text and "#1" in added.text
    asked = wang.say(group, "请问物业几点上班？")  # wang never started the bot
    answer = await sb.wait_for(group.id, lambda m: "8:30" in m.body)
    assert answer.reply_to == asked.message_id and "问答库" in answer.text
    await world.settle()
    assert await _count(world, Case) == 0 and await _count(world, Inquiry) == 0
    assert not [m for m in sb.bot_messages(zhang.id) if "咨询" in m.body]
    async with world.ctx.pool() as session:
        assert (await session.get(FaqEntry, 1)).hits == 1


async def test_an_unknown_inquiry_goes_to_the_worker_and_the_reply_comes_back(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    asked = wang.say(group, "请问居住证在哪里办理？")
    routed = await sb.wait_for(group.id, lambda m: "已转给" in m.body)
    assert routed.reply_to == asked.message_id
    task = await sb.wait_for(zhang.id, lambda m: "居民咨询" in m.body)
    assert "居住证" in task.text and task.button_texts == ["回复"]
    await sb.press(zhang, task, "回复").answer()
    await sb.wait_for(zhang.id, lambda m: "请发送您对这条咨询的答复" in m.body)
    zhang.say(zhang.id, "带身份证和租房合同到社区服务中心一楼3号窗口办理")
    reply = await sb.wait_for(group.id, lambda m: "3号窗口" in m.body)
    assert reply.reply_to == asked.message_id and "张网格员" in reply.text
    sent = await sb.wait_for(zhang.id, lambda m: "加入问答库" in m.button_texts)
    again = await sb.press(zhang, task, "回复").text()  # a second press: already answered
    assert "已由张网格员回复" in (again or ""), again
    kept = await sb.press(zhang, sent, "加入问答库").text()
    assert "已加入问答库" in (kept or ""), kept
    assert "已经在问答库" in (await sb.press(zhang, sent, "加入问答库").text() or "")
    chen.say(group, "居住证怎么办理")  # the next resident gets the answer at once
    await sb.wait_for(group.id, lambda m: "3号窗口" in m.body and "问答库自动回复" in m.body)
    await world.settle()
    assert await _count(world, Case) == 0 and await _count(world, Inquiry) == 1


async def test_organizers_keep_the_list_residents_read_it(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(chen.id, "/faq_add 物业电话 | 12345")
    refused = await sb.wait_for(chen.id, lambda m: "只有社区工作人员" in m.body)
    assert refused
    liu.say(liu.id, "/faq_add 物业电话")  # no answer: how to write it
    await sb.wait_for(liu.id, lambda m: "用法：/faq_add" in m.body)
    liu.say(liu.id, "/faq_add")  # step by step
    await sb.wait_for(liu.id, lambda m: "请发送问题" in m.body)
    liu.say(liu.id, "物业电话是多少")
    await sb.wait_for(liu.id, lambda m: "请发送这个问题的答案" in m.body)
    liu.say(liu.id, "物业服务中心 027-88886666")
    await sb.wait_for(liu.id, lambda m: "已加入" in m.body and "027-88886666" in m.body)
    liu.say(liu.id, HOURS)
    await sb.wait_for(liu.id, lambda m: "#2" in m.body)
    wang.say(group, "/faq")
    shown = await sb.wait_for(group.id, lambda m: "问答库（2 条）" in m.body)
    assert "027-88886666" in shown.text and "聊天添加" not in shown.text
    chen.say(chen.id, "/faq")  # a resident, in private: their community's list
    mine = await sb.wait_for(chen.id, lambda m: "问答库（2 条）" in m.body)
    assert "聊天添加" not in mine.text
    liu.say(liu.id, "/faq")
    staff = await sb.wait_for(liu.id, lambda m: "问答库（2 条）" in m.body)
    assert "刘书记" in staff.text and "聊天添加" in staff.text and "/faq_del" in staff.text
    liu.say(liu.id, "/faq_del 九")
    await sb.wait_for(liu.id, lambda m: "用法：/faq_del" in m.body)
    liu.say(liu.id, "/faq_del 7")
    await sb.wait_for(liu.id, lambda m: "没有 #7" in m.body)
    liu.say(liu.id, "/faq_del 1")
    await sb.wait_for(liu.id, lambda m: "已从问答库删除 #1" in m.body)
    wang.say(group, "物业电话是多少？")  # deleted: the worker is asked instead
    await sb.wait_for(zhang.id, lambda m: "居民咨询" in m.body and "物业电话" in m.body)


FAQ_YAML = """
communities:
  - name: 东湖社区
    code: 东湖
    faq:
      - question: 垃圾几点收
        keywords: [垃圾, 清运]
        answer: 每天早上7点和晚上7点，各楼下垃圾站。
      - question: 电动车充电
        answer: 在5号楼东侧充电棚，扫码充电。
"""


async def test_the_org_file_has_a_faq_section(world, tmp_path: Path):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    path = tmp_path / "org.yaml"
    path.write_text(FAQ_YAML, encoding="utf-8")
    async with transaction(world.ctx.pool) as session:
        summary = await import_file(session, path)
    assert summary.sections["faq"] == 2
    chen.say(group, "请问垃圾几点清运？")
    await sb.wait_for(group.id, lambda m: "早上7点" in m.body)
    bad = FAQ_YAML.replace("        answer: 在5号楼东侧充电棚，扫码充电。\n", "") + (
        "      - question: 电动车充电\n        answer: 又一个\n        tags: [x]\n")
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(OrgFileError) as failed:
        async with transaction(world.ctx.pool) as session:
            await import_file(session, path)
    errors = "\n".join(failed.value.errors)
    assert "line 9: faq entry: 'answer' is required" in errors, errors
    assert "line 10: faq entry: unknown key 'tags'" in errors, errors
    assert "appears twice" in errors, errors


async def test_no_query_per_inquiry_when_the_community_has_no_entries(world):
    """The intake's one call is cheap: entries are cached per community (also when
    there are none) and forgotten when an organizer changes them."""
    from bot import faq
    from bot.org import service as org

    *_, group = await setup(world)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    async with transaction(world.ctx.pool) as session:
        community_id = (await org.group_by_chat(session, group.id)).grid.community_id
        assert await faq.answer(session, community_id, "物业几点上班") is None  # loads: none
        engine = session.sync_session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            for _ in range(20):
                assert await faq.answer(session, community_id, "物业几点上班") is None
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert statements == []
        await faq.save(session, await org.person_by_tg(session, 2001), community_id,
                       "物业办公时间", "8:30–17:30", world.ctx.clock.now(), ["上班"])
        assert (await faq.answer(session, community_id, "物业几点上班")) is not None


async def test_a_question_typed_in_private_is_answered_too(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    liu.say(liu.id, HOURS)
    await sb.wait_for(liu.id, lambda m: "已加入" in m.body)
    chen.say(chen.id, "请问物业几点下班")
    await sb.wait_for(chen.id, lambda m: "8:30" in m.body and "问答库" in m.body)
    chen.say(chen.id, "请问快递柜在哪里")  # no entry: the usual hint, nothing opened
    await sb.wait_for(chen.id, lambda m: "需要报事请发送 /report" in m.body)
    chen.say(chen.id, "2号楼门口路灯坏了")  # a complaint is still taken as a report
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)


async def test_bad_input_and_forged_buttons_are_refused_politely(world):
    from tests.test_cases_e2e import forge

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    liu.say(liu.id, "/faq_add 物业电话｜" + "很长" * 600)  # full-width bar, answer too long
    await sb.wait_for(liu.id, lambda m: "答案请写 1 到 1000 个字" in m.body)
    liu.say(group, "/faq_add")  # in a group: how to, no dialog there
    await sb.wait_for(group.id, lambda m: "用法：/faq_add" in m.body)
    other = sb.add_group("没绑定的群", [liu, chen], creator=liu)
    chen.say(other, "/faq")
    await sb.wait_for(other.id, lambda m: "还没有绑定" in m.body)
    wang.say(group, "请问居住证在哪里办理？")
    task = await sb.wait_for(zhang.id, lambda m: "居民咨询" in m.body)
    refused = await forge(sb, chen, task, "fa:1").text()  # a resident with the worker's button
    assert refused == "这条咨询不在您负责的网格，无法回复。", refused
    assert "失效" in (await forge(sb, zhang, task, "fa:999").text() or "")
    await sb.press(zhang, task, "回复").answer()
    zhang.say(zhang.id, "   ")
    await sb.wait_for(zhang.id, lambda m: "答复不能为空" in m.body)
    zhang.say(zhang.id, "带身份证到社区服务中心办理")  # still waiting after a blank reply
    await sb.wait_for(group.id, lambda m: "社区服务中心" in m.body)
    await world.settle()
    assert len([m for m in sb.bot_messages(group.id) if "社区服务中心" in m.body]) == 1
