"""A registered resident's own data (个人信息保护法) through the real bot: /mydata shows
their register entry (household, room, roles, history); /forget takes them off the
register and erases what identified them, while the household keeps its history."""
from __future__ import annotations

import json

from sqlalchemy import select

from bot.db.models.people import Resident
from tests.test_rounds import setup


async def test_mydata_shows_the_register_and_forget_erases_it_keeping_the_history(world):
    zhang, liu, chen = await setup(world)  # 陈阿姨 (5001) is in the roster: 3-2-301, 楼栋长
    sb = world.sb
    chen.say(chen.id, "/mydata")
    sent = await sb.wait_for(chen.id, lambda m: m.document is not None)
    data = json.loads(sent.document.data.decode())
    [entry] = data["register"]["items"]
    assert (entry["household"], entry["room"]) == ("3-2-301", "3号楼2单元301")
    assert entry["roles"] == ["楼栋长", "志愿者"] and entry["status"] == "在册"
    assert entry["phone"] == "13800000001" and entry["history"][0]["kind"] == "登记入住"
    assert "一楼一档" in data["register"]["purpose"]

    chen.say(chen.id, "/forget")
    ask = await sb.wait_for(chen.id, lambda m: "不能撤销" in m.body)
    assert "居民登记" in ask.text
    await sb.press(chen, ask, "确认删除我的信息").answer()
    await world.settle()
    assert any("居民登记 1 条" in m.body for m in sb.messages(chen.id))

    async with world.ctx.pool() as session:
        rows = list(await session.scalars(select(Resident).where(
            Resident.phone == "13800000001")))
        assert rows == []  # the phone is gone from the register
    liu.say(liu.id, "/household 3-2-301")
    card = await sb.wait_for(liu.id, lambda m: "登记居民" in m.body and "3-2-301" in m.body)
    residents, _, history = card.text.partition("变动记录：")
    assert "陈阿姨" not in card.text and "陈大爷" in residents  # the rest of the household stays
    assert "已删除信息的居民" in history and "注销（本人申请删除个人信息）" in history
