"""Issue 19: during a rush the cards of several cases go out as one group message
(bot.delivery.coalesce). A resident's reply to such a message is their word on their own
case, whichever part of the message it is, never on a neighbour's case."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cases import notify
from bot.config import Settings
from bot.db.models import Case, Person
from tests.test_cases_e2e import setup

# three different problems (no duplicate linking between them)
WATER, LIFT, LIGHT = ("3号楼停水了，家里一滴水都没有", "5号楼的电梯坏了，老人下不了楼",
                      "7号楼楼道灯不亮了，晚上很黑")


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Telegram's own pace for a group (the suite's default relaxes it): replies due to
    the group at once are merged."""
    return Settings(_env_file=None, database_url=db_url, bot_token=None, admin_ids=[900],
                    quiet_hours="off", per_chat_interval=1.0, group_per_minute=20,
                    global_per_second=30)


async def numbers(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The case number of each complaint text."""
    async with world.ctx.pool() as session:
        return dict((await session.execute(select(Case.text, Case.number))).all())


async def test_a_reply_to_a_merged_card_goes_to_the_replying_residents_own_case(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    li = sb.add_user("李阿姨")
    zhao = sb.add_user("赵师傅")
    for user in (li, zhao):
        sb.join(user, group)
    await world.settle()
    # The group is held (a 429) while the three cards are queued: they leave as one message.
    sb.inject("sendMessage", 429, retry_after=3, chat_id=group.id)
    chen.say(group, WATER)
    wang.say(group, LIFT)
    li.say(group, LIGHT)
    # all three handled (their cards queued behind the first, which waits out the 429)
    await sb.wait_for_many(3, zhang.id, lambda m: "新工单" in m.body, timeout=15)
    await world.advance(seconds=4)  # the bot's clock: the 429's retry_after is over
    merged = await sb.wait_for(group.id, lambda m: m.body.count("已登记工单") == 3, timeout=20)
    number = await numbers(world)
    assert [number[WATER], number[LIFT], number[LIGHT]] == sorted(number.values())
    assert merged.body.index(number[WATER]) < merged.body.index(number[LIFT]) \
        < merged.body.index(number[LIGHT])  # wang's and li's cards are not the first part

    # wang (never started the bot) adds a detail by replying to the merged message
    said = sb.say(wang, group, "补充一下，是2单元那部电梯，按钮没反应", reply_to=merged)
    told = await sb.wait_for(zhang.id, lambda m: "反映人回复" in m.body, timeout=15)
    assert number[LIFT] in told.text and "按钮没反应" in told.text, told.text
    saved = await sb.wait_for(group.id, lambda m: "已记入工单" in m.body, timeout=15)
    assert saved.reply_to == said.message_id
    sb.say(li, group, "补充：是3楼和4楼之间的灯", reply_to=merged)
    told = await sb.wait_for(zhang.id, lambda m: "反映人回复" in m.body, timeout=15)
    assert number[LIGHT] in told.text and "3楼和4楼" in told.text, told.text
    await world.settle()
    async with world.ctx.pool() as session:
        assert await session.scalar(select(Case).where(Case.text.like("补充%"))) is None

    # a resident none of the cases concerns: their reply is an ordinary message
    zhao.say(group, "我家9号楼的下水道堵了", reply_to=merged)
    await world.settle()
    assert not [m for m in sb.bot_messages(zhang.id) if "反映人回复" in m.body
                and "下水道" in m.body]
    async with world.ctx.pool() as session:
        person = await session.scalar(select(Person).where(Person.tg_id == zhao.id))
        assert person is not None  # the message opened (or joined) a case: he is known
        assert await notify.case_of_message(session, group.id, merged.message_id,
                                            person) is None
    # ...until he says "me too" on the lift: the merged message is then about his case too
    lift = merged.reply_markup["inline_keyboard"][1][0]["callback_data"]  # a row per case
    await sb.press_data(zhao, merged, lift).answer()
    await world.settle()
    async with world.ctx.pool() as session:
        person = await session.scalar(select(Person).where(Person.tg_id == zhao.id))
        case = await notify.case_of_message(session, group.id, merged.message_id, person)
        assert case is not None and case.number == number[LIFT]
