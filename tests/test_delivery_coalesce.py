"""Issue 19 point 7: replies due to one group at once go out as one message (sender
level, through the sandbox): order, limits, edits of one part, refusals."""
from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.clock import Clock
from bot.db.models import OutboxMessage
from bot.db.session import transaction
from bot.delivery import coalesce, outbox
from bot.delivery.pacer import GROUP_BURST, Pacer
from bot.delivery.sender import Sender


@pytest.fixture
def live(ctx):  # type: ignore[no-untyped-def]
    return replace(ctx, clock=Clock())


@pytest.fixture
async def bot(sandbox):  # type: ignore[no-untyped-def]
    bot = sandbox.make_bot()
    yield bot
    await bot.session.close()


def plus(case: int, n: int) -> dict:
    return {"inline_keyboard": [[{"text": f"我也遇到 (+{n})", "callback_data": f"c:1:{case}"}]]}


async def queue(ctx, chat_id: int, items: list[tuple[str, str, dict | None]], **kw) -> None:  # type: ignore[no-untyped-def]
    """(ref, text, keyboard) replies to one chat, mergeable, in order."""
    async with transaction(ctx.pool) as session:
        for ref, text, kb in items:
            extra = {"reply_markup": kb} if kb else {}
            await outbox.enqueue(session, chat_id, now=ctx.clock.now(), ref=ref, text=text,
                                 parse_mode=None, mergeable=True, **extra, **kw)


def telegram_pace() -> Pacer:
    """Telegram's limits as the app paces them (a group: a burst, then spread out)."""
    return Pacer(per_chat_interval=1.0, group_per_minute=20, group_burst=GROUP_BURST)


async def test_a_burst_to_one_group_shares_a_message_and_each_part_is_edited_alone(
        sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, [
        ("case:1", "📋 已登记工单 0001", plus(1, 0)),
        ("case:2", "📋 已登记工单 0002", plus(2, 0)),
        ("case:1", "📎 同一问题已有工单 0001，目前共 2 户反映。", plus(1, 1)),
        ("case:1", "📎 同一问题已有工单 0001，目前共 3 户反映。", plus(1, 2)),
    ])
    sender = Sender(live, bot, telegram_pace())
    assert await sender.flush(timeout=5) == 0
    [merged] = sandbox.bot_messages(group.id)
    assert merged.text == ("① 📋 已登记工单 0001\n\n② 📋 已登记工单 0002\n\n"
                           "③ 📎 同一问题已有工单 0001，目前共 3 户反映。")  # the newest figure
    assert [row[0]["text"] for row in merged.reply_markup["inline_keyboard"]] == [
        "① 我也遇到 (+2)", "② 我也遇到 (+0)"]  # one row per case, numbered as its text
    async with live.pool() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {(r.status, r.message_id) for r in rows} == {("sent", merged.message_id)}

    async with transaction(live.pool) as session:  # case 2 got a +1: only its row changes
        await outbox.enqueue(session, group.id, "editMessageReplyMarkup", now=live.clock.now(),
                             ref="case:2", message_id=merged.message_id, reply_markup=plus(2, 1))
    assert await sender.flush(timeout=5) == 0
    assert [row[0]["text"] for row in merged.reply_markup["inline_keyboard"]] == [
        "① 我也遇到 (+2)", "② 我也遇到 (+1)"]
    async with transaction(live.pool) as session:  # a text edit of case 2 keeps case 1's
        await outbox.enqueue(session, group.id, "editMessageText", now=live.clock.now(),
                             ref="case:2", message_id=merged.message_id,
                             text="📋 工单 0002 已受理", reply_markup=plus(2, 1))
    assert await sender.flush(timeout=5) == 0
    assert merged.text == ("① 📋 已登记工单 0001\n\n② 📋 工单 0002 已受理\n\n"
                           "③ 📎 同一问题已有工单 0001，目前共 3 户反映。")
    assert len(merged.reply_markup["inline_keyboard"]) == 2
    async with transaction(live.pool) as session:  # about a case not in it: a fresh reply
        await outbox.enqueue(session, group.id, "editMessageText", now=live.clock.now(),
                             ref="case:9", message_id=merged.message_id, text="工单 0009 已办结")
    assert await sender.flush(timeout=5) == 0
    last = sandbox.bot_messages(group.id)[-1]
    assert last.text == "工单 0009 已办结" and last.reply_to == merged.message_id
    assert "0001" in merged.text and len(sandbox.bot_messages(group.id)) == 2


async def test_with_room_in_the_budget_each_reply_stays_its_own(sandbox, bot, live):
    """Merging is for a rush: when the group's pace lets each go soon, nothing merges
    (each resident keeps a reply to their own message)."""
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, [(f"case:{i}", f"工单 {i}", plus(i, 0)) for i in range(3)])
    sender = Sender(live, bot, Pacer(per_chat_interval=0.0, group_per_minute=1000,
                                     group_burst=GROUP_BURST))
    assert await sender.flush(timeout=5) == 0
    assert [m.text for m in sandbox.bot_messages(group.id)] == ["工单 0", "工单 1", "工单 2"]


async def test_order_holds_around_a_reply_that_cannot_merge(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, [("case:1", "一", None), ("case:2", "二", None)])
    async with transaction(live.pool) as session:
        await outbox.enqueue(session, group.id, now=live.clock.now(), text="通知")  # not mergeable
    await queue(live, group.id, [("case:3", "三", None), ("case:4", "四", None)])
    sender = Sender(live, bot, telegram_pace())
    assert await sender.flush(timeout=10) == 0
    assert [m.text for m in sandbox.bot_messages(group.id)] == ["① 一\n\n② 二", "通知", "① 三\n\n② 四"]


async def test_telegram_limits_split_a_long_rush_into_several_messages(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    long = "停水" * 700  # 1,400 characters: two fit in 4,096, three do not
    await queue(live, group.id, [(f"case:{i}", f"{i}{long}", plus(i, 0)) for i in range(5)])
    sender = Sender(live, bot, Pacer(per_chat_interval=0.0, group_per_minute=20,
                                     group_burst=GROUP_BURST))
    assert await sender.flush(timeout=10) == 0
    sent = sandbox.bot_messages(group.id)
    assert all(len(m.text) <= 4096 for m in sent)
    assert "".join(m.text for m in sent).count(long) == 5 and len(sent) == 3
    many = [(f"case:{i}", f"工单 {i}", {"inline_keyboard": [[
        {"text": "+1", "callback_data": f"c:1:{i}"}, {"text": "查看", "callback_data": f"v:{i}"},
        {"text": "评价", "callback_data": f"r:{i}"}]]}) for i in range(40)]
    assert coalesce.take([("sendMessage", ref, {"text": t, "reply_markup": kb})
                          for ref, t, kb in many]) == 33  # 99 buttons: a 34th row is too many


async def test_a_refused_merged_message_is_sent_again_part_by_part(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, [("case:1", "一", None), ("case:2", "二", None)])
    sandbox.inject("sendMessage", 400, times=1)
    sender = Sender(live, bot, telegram_pace())
    assert await sender.flush(timeout=10) == 0
    assert [m.text for m in sandbox.bot_messages(group.id)] == ["一", "二"]
    async with live.pool() as session:
        assert set(await session.scalars(select(OutboxMessage.status))) == {"sent"}


async def test_a_429_on_a_merged_message_keeps_every_part(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, [("case:1", "一", None), ("case:2", "二", None)])
    sandbox.inject("sendMessage", 429, retry_after=1, times=1)
    sender = Sender(live, bot, telegram_pace())
    assert await sender.flush(timeout=10) == 0
    assert [m.text for m in sandbox.bot_messages(group.id)] == ["① 一\n\n② 二"]


def test_the_group_pace_after_a_burst_is_even():
    """20 a minute, as 5 at once and then one every ~4 s: never a silent 40 s."""
    t = [100.0]
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, monotonic=lambda: t[0],
                  group_burst=GROUP_BURST)
    times = []
    while len(times) < 40:
        wait = pacer.wait_time(-5)
        if wait <= 0:
            pacer.record(-5)
            times.append(t[0])
        t[0] += 0.25
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 4.25 and times[4] - times[0] == 4.0
    for i, start in enumerate(times):  # Telegram's window: never 21 in 60 s
        assert sum(1 for x in times[i:] if x < start + 60) <= 20
