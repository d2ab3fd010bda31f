"""Issue 19 point 7, end to end: 60 residents report in one group within two minutes,
under Telegram's real limits (enforced by the sandbox), and each hears about their case
within 15 s; the +1 button of a merged message counts for its own case.

Time is compressed SCALE times: the sandbox's flood windows are SCALE times shorter and
the bot's pacer runs on a clock SCALE times faster, so the test takes ~30 s for the
two minutes (the figures are checked in the same compressed time)."""
from __future__ import annotations

import asyncio
import re
import time

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db.models import Case, CaseVoice
from bot.delivery.pacer import GROUP_BURST, Pacer
from sandbox import FloodLimits
from tests.test_cases_e2e import setup

SCALE = 4.0
RESIDENTS = 60
SPAN = 120.0  # seconds (real pace) over which the residents write
ANSWER_WITHIN = 15.0
NUMBER = re.compile(r"东湖-\d{4}-\d{4}")
PLACES = ["3号楼", "5号楼", "7号楼", "9号楼"]
SAYS = ["停水了，家里一滴水都没有", "也停水了，水龙头没水", "停水一上午了，还没来水，做不了饭",
        "的电梯坏了，老人下不了楼", "楼道灯不亮了，晚上很黑"]


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Telegram's own limits (the suite's default relaxes them)."""
    return Settings(_env_file=None, database_url=db_url, bot_token=None, admin_ids=[900],
                    quiet_hours="off", per_chat_interval=1.0, group_per_minute=20,
                    global_per_second=30)


async def test_sixty_complaints_in_one_group_are_each_answered_within_15_s(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    start = time.monotonic()
    world.app.sender.pacer = Pacer(1.0, 20, 30, group_burst=GROUP_BURST,
                                   monotonic=lambda: start + (time.monotonic() - start) * SCALE)
    sb.set_flood_control(True, FloodLimits(per_chat=(1, 1 / SCALE), per_group=(20, 60 / SCALE),
                                           overall=(30, 1 / SCALE)))
    residents = [sb.add_user(f"居民{i}") for i in range(RESIDENTS)]
    for user in residents:
        sb.join(user, group)
    await world.settle()
    arrived: dict[int, float] = {}  # bot message id -> when the sandbox got it
    new_message = sb.world.new_message

    def spy(chat_id, from_id, **fields):  # type: ignore[no-untyped-def]
        msg = new_message(chat_id, from_id, **fields)
        arrived[msg.message_id] = time.monotonic()
        return msg

    sb.world.new_message = spy  # type: ignore[method-assign]
    said: dict[int, float] = {}
    begin = time.monotonic()
    for i, user in enumerate(residents):
        await sb_sleep_until(begin + i * SPAN / RESIDENTS / SCALE)
        msg = user.say(group, PLACES[i % len(PLACES)] + SAYS[i % len(SAYS)])
        said[msg.message_id] = time.monotonic()
    await world.settle(timeout=60)

    async with world.ctx.pool() as session:
        opened = dict((await session.execute(
            select(Case.source_message_id, Case.number).where(Case.source_chat_id == group.id)
        )).all())
        linked = dict((await session.execute(
            select(CaseVoice.message_id, Case.number).join(Case, Case.id == CaseVoice.case_id)
            .where(CaseVoice.chat_id == group.id))).all())
    case_of = {**linked, **opened}
    assert set(said) <= set(case_of), "every complaint opened or joined a case"
    posts = [m for m in sb.bot_messages(group) if m.message_id in arrived]
    waits = []
    for message_id, at in said.items():
        told = [arrived[m.message_id] for m in posts
                if case_of[message_id] in NUMBER.findall(m.body) and arrived[m.message_id] >= at]
        assert told, f"nothing said about {case_of[message_id]}"
        waits.append((min(told) - at) * SCALE)
    assert max(waits) <= ANSWER_WITHIN, sorted(waits)[-5:]
    assert not [r for r in sb.requests if r.status == 429]  # within Telegram's limits
    assert len(posts) < RESIDENTS * 0.7  # merged: fewer messages than replies

    # The +1 button of a case whose card is in a merged message counts for that case,
    # and the edit that shows it keeps the other cases' text and buttons.
    async with world.ctx.pool() as session:
        numbers = dict((await session.execute(select(Case.id, Case.number))).all())
    merged, row = next((m, i) for m in posts
                       for i, r in enumerate(m.reply_markup["inline_keyboard"])
                       if len(m.reply_markup["inline_keyboard"]) >= 2 and
                       f"已登记工单 {numbers[int(r[0]['callback_data'].split(':')[-1])]}" in m.body)
    before = [r[0]["text"] for r in merged.reply_markup["inline_keyboard"]]
    text_before = merged.body
    data = merged.reply_markup["inline_keyboard"][row][0]["callback_data"]
    answer = await sb.press(wang, merged, data).answer()
    assert answer["text"].startswith("已记录，目前共"), answer
    await world.settle(timeout=30)
    after = [r[0]["text"] for r in merged.reply_markup["inline_keyboard"]]
    async with world.ctx.pool() as session:
        count = await session.scalar(select(Case.plus_count).where(
            Case.id == int(data.split(":")[-1])))
    mark, label = after[row].split(" ", 1)
    assert label == f"我也遇到 (+{count})" and after[row] != before[row]  # its own count now
    case_id = int(data.split(":")[-1])
    assert f"{mark} 📋 已登记工单 {numbers[case_id]}" in merged.body  # numbered as its card
    assert after[:row] + after[row + 1:] == before[:row] + before[row + 1:]  # the others
    assert merged.body == text_before  # the other cases' text is still there
    again = await sb.press(wang, merged, data).answer()  # a double press changes nothing
    assert again["text"] == "您已经记录过了"
    await world.settle(timeout=30)
    assert [r[0]["text"] for r in merged.reply_markup["inline_keyboard"]] == after
    print(f"\nrush: {len(said)} complaints, {len(posts)} group posts, "
          f"wait max {max(waits):.1f} s, p50 {sorted(waits)[len(waits) // 2]:.1f} s")


async def sb_sleep_until(when: float) -> None:
    delay = when - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
