"""Issue 12 (B): callback answers go after the commit; a late answer Telegram refuses
("query is too old") is logged, not retried, and never undoes the action."""
from __future__ import annotations

from tests.test_cases_e2e import LIGHT, case_row, setup

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def test_refused_late_answer_keeps_the_accept_and_plus_one(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, LIGHT)
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    sb.inject("answerCallbackQuery", 400, description=TOO_OLD, times=2)
    sb.press(zhang, task, "接单")
    await world.settle()
    case = await case_row(world, "东湖-2026-0001")
    assert case.status == "accepted" and case.assignee_id is not None
    # the answer said something: the worker is told by message instead
    told = await sb.wait_for(zhang.id, lambda m: m.body.startswith("已接单"))
    assert "东湖-2026-0001" in told.body
    sb.press(wang, card, "我也遇到 (+0)")  # a +1 whose answer is refused as well
    await world.settle()
    assert "(+1)" in " ".join(sb.messages(group)[-1].button_texts + card.button_texts)
    answers = sb.requests_for("answerCallbackQuery")
    assert [r.status for r in answers] == [400, 400]  # refused once each, not retried
    assert not [r for r in sb.requests if r.status == 500]


async def test_a_direct_answer_survives_a_5xx_and_an_html_page(world):
    """A handler's own answer (/help) met by a 502 and a proxy's HTML page is tried again
    (RetryDirect); a dropped connection is not repeated (it may have reached the user):
    logged, and the update stays done, since the answer goes after its commit."""
    from sqlalchemy import select

    from bot.db.models import InboxUpdate
    from sandbox import DROP, HTML

    sb = world.sb
    alice = sb.add_user("王阿姨")
    alice.start_bot()
    await sb.wait_for(alice.id, lambda m: "邻里" in m.body)
    await world.settle()
    sb.inject("sendMessage", 502, times=1, chat_id=alice.id)
    sb.inject("sendMessage", HTML, times=1, chat_id=alice.id)
    alice.say(alice.id, "/help")
    await world.settle(timeout=15)
    helps = [r for r in sb.requests_for("sendMessage") if str(r.params["chat_id"]) == str(alice.id)]
    assert [r.status for r in helps][-3:] == [502, 502, 200]  # the HTML page is a 502 too
    assert len({r.params["text"] for r in helps[-3:]}) == 1  # the same answer, sent once
    sb.inject("sendMessage", DROP, times=1, chat_id=alice.id)
    alice.say(alice.id, "/help")
    await world.settle(timeout=15)
    assert [r.status for r in sb.requests_for("sendMessage")][-1] == 0  # not repeated
    async with world.ctx.pool() as session:
        failed = list(await session.scalars(select(InboxUpdate.update_id)
                                            .where(InboxUpdate.status != "done")))
    assert failed == []


async def test_a_hung_answer_holds_only_its_own_chat(world):
    """A handler's answer that Telegram holds for seconds is sent after the update's
    transaction: the database (SQLite's one writer) is free, so a complaint in a group
    meanwhile is answered at once."""
    import asyncio
    import time

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    sb.inject("sendMessage", None, delay=2.5, times=1, chat_id=liu.id)
    liu.say(liu.id, "/help")
    await asyncio.sleep(0.5)  # its answer is on its way to Telegram
    started = time.monotonic()
    chen.say(group, LIGHT)
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    assert time.monotonic() - started < 1.0  # issue 12: no stall over 1 s for others
    await world.settle(timeout=15)
    assert await case_row(world, "东湖-2026-0001") is not None


async def test_an_answer_to_a_group_just_upgraded_follows_it(world, caplog):
    """The group became a supergroup while a command from it was on its way: the answer
    (Telegram: "group migrated") goes to the new chat id, which replaces the old one, and
    nothing is logged as a failure."""
    import logging

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    new = sb.migrate_group(group)
    caplog.set_level(logging.WARNING)
    liu.say(group, "/help")
    await sb.wait_for(new.id, lambda m: "/report" in m.body or "帮助" in m.body, timeout=10)
    await world.settle()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    chen.say(new, LIGHT)  # the group's binding followed: a complaint opens a case there
    await sb.wait_for(new.id, lambda m: "东湖-2026-0001" in m.body)


async def test_an_answer_to_a_message_deleted_meanwhile_still_arrives(world):
    """Answers go after the commit; by then the message they reply to may be gone (the
    resident deleted it, or the privacy guard did): the answer is sent without it."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    said = chen.say(group, "/report 路灯坏了")
    sb.world.messages[(group.id, said.message_id)].deleted = True  # deleted at once
    told = await sb.wait_for(group.id, lambda m: "私聊" in m.body)
    assert told.reply_to is None
    await world.settle()
    assert not [r for r in sb.requests_for("sendMessage") if r.status == 400]


async def test_an_answer_telegram_refuses_is_followed_by_an_apology(world):
    """Telegram refuses the bot's own reply (a defect of ours, e.g. bad formatting): the
    resident is not left in silence, and the refusal is logged as a warning."""
    sb = world.sb
    alice = sb.add_user("王阿姨")
    alice.start_bot()
    await sb.wait_for(alice.id, lambda m: "邻里" in m.body)
    await world.settle()
    sb.inject("sendMessage", 400, description="Bad Request: can't parse entities",
              times=1, chat_id=alice.id)
    alice.say(alice.id, "/help")
    sorry = await sb.wait_for(alice.id, lambda m: "抱歉" in m.body)
    assert "出错" in sorry.body
