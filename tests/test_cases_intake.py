"""Intake: text, photo, album, edit, inquiry/chatter, idempotency, numbering, duplicates."""
from __future__ import annotations

import asyncio

from bot import cases
from bot.context import AppContext
from bot.db.session import transaction
from tests.cases_kit import GROUP_CHAT, World, events, get_case, outbox, say, texts

LIGHT = "3号楼2单元楼道灯坏了好几天了"


async def test_text_opens_case_and_replies_in_group(ctx: AppContext, cw: World) -> None:
    got = await say(ctx, cw.resident, LIGHT, 11)
    assert got.outcome == "opened" and got.case is not None
    assert got.case.number == "东湖-2026-0001"
    assert got.case.category == got.case.category_auto == "facilities"
    assert got.case.building == "3"
    group = await outbox(ctx, GROUP_CHAT)
    assert len(group) == 1
    card = group[0].payload
    assert "东湖-2026-0001" in card["text"] and "公共设施" in card["text"]
    assert "王网格" in card["text"]  # display name of the grid worker
    assert card["reply_parameters"]["message_id"] == 11
    assert "我也遇到" in card["reply_markup"]["inline_keyboard"][0][0]["text"]
    worker = await outbox(ctx, cw.w1.tg_id)
    assert "新工单 东湖-2026-0001" in worker[0].payload["text"]
    assert "陈阿姨" in worker[0].payload["text"]  # the worker sees who reported
    assert worker[0].payload["reply_markup"]["inline_keyboard"][0][0]["text"] == "接单"


async def test_same_message_twice_is_one_case(ctx: AppContext, cw: World) -> None:
    first = await say(ctx, cw.resident, LIGHT, 11)
    again = await say(ctx, cw.resident, LIGHT, 11)
    assert again.outcome == "existing" and again.case.id == first.case.id
    assert len(await outbox(ctx, GROUP_CHAT)) == 1


async def test_concurrent_redelivery_opens_one_case(ctx: AppContext, cw: World) -> None:
    results = await asyncio.gather(*(say(ctx, cw.resident, LIGHT, 12) for _ in range(3)))
    assert sorted(r.outcome for r in results) == ["existing", "existing", "opened"]
    assert len({r.case.id for r in results}) == 1


async def test_numbers_are_sequential_and_unique_under_concurrency(
    ctx: AppContext, cw: World
) -> None:
    texts_ = [f"{n}号楼门口垃圾堆了好几天没人清理，太臭了" for n in range(1, 7)]
    results = await asyncio.gather(*(say(ctx, cw.resident, t, 100 + i)
                                     for i, t in enumerate(texts_)))
    numbers = sorted(r.case.number for r in results)
    assert numbers == [f"东湖-2026-{i:04d}" for i in range(1, 7)]


async def test_chatter_is_silent_and_inquiry_gets_a_pointer(ctx: AppContext, cw: World) -> None:
    chat = await say(ctx, cw.resident, "哈哈哈大家早上好", 20)
    assert chat.outcome == "ignored"
    ask = await say(ctx, cw.resident, "请问物业电话多少", 21)
    assert ask.outcome == "inquiry"
    assert await outbox(ctx, GROUP_CHAT) == []


async def test_photo_without_caption_is_ignored(ctx: AppContext, cw: World) -> None:
    got = await say(ctx, cw.resident, "", 30, photos=[("f1", "u1")])
    assert got.outcome == "ignored"
    assert await outbox(ctx) == []


async def test_album_is_one_case_with_all_photos(ctx: AppContext, cw: World) -> None:
    first = await say(ctx, cw.resident, "5号楼门口垃圾堆成山了，好臭", 40,
                      photos=[("f1", "u1")], media_group_id="alb1")
    assert first.outcome == "opened"
    for i in (2, 3):
        more = await say(ctx, cw.resident, "", 40 + i, photos=[(f"f{i}", f"u{i}")],
                         media_group_id="alb1")
        assert more.outcome == "album" and more.case.id == first.case.id
    await say(ctx, cw.resident, "", 43, photos=[("f3", "u3")], media_group_id="alb1")  # again
    case = await get_case(ctx, first.case.id)
    assert [p.file_id for p in case.photos] == ["f1", "f2", "f3"]
    assert len(await outbox(ctx, GROUP_CHAT)) == 1


async def test_edit_updates_text_never_opens(ctx: AppContext, cw: World) -> None:
    got = await say(ctx, cw.resident, LIGHT, 50)
    async with transaction(ctx.pool) as s:
        edited = await cases.edit(s, ctx, GROUP_CHAT, 50, LIGHT + "，一楼到六楼都不亮",
                                  ctx.clock.now())
        assert edited is not None
        assert await cases.edit(s, ctx, GROUP_CHAT, 51, "电梯坏了", ctx.clock.now()) is None
    case = await get_case(ctx, got.case.id)
    assert case.text.endswith("都不亮")
    assert "edited" in await events(ctx, case.id)


async def test_same_problem_links_and_counts_households(ctx: AppContext, cw: World) -> None:
    first = await say(ctx, cw.resident, LIGHT, 60)
    second = await say(ctx, cw.neighbour, "3号楼楼道灯不亮，晚上太黑了", 61)
    assert second.outcome == "linked" and second.case.id == first.case.id
    again = await say(ctx, cw.neighbour, "3号楼楼道灯不亮，晚上太黑了", 61)  # redelivered
    assert again.case.id == first.case.id
    case = await get_case(ctx, first.case.id)
    assert case.plus_count == 1
    group = texts(await outbox(ctx, GROUP_CHAT))
    assert len(group) == 2 and "共 2 户" in group[1]
    # +1 button from a third resident; twice is refused
    async with transaction(ctx.pool) as s:
        case = await cases.plus_one(s, ctx, case.id, cw.w2, ctx.clock.now())
    assert case.plus_count == 2
    async with transaction(ctx.pool) as s:
        try:
            await cases.plus_one(s, ctx, case.id, cw.w2, ctx.clock.now())
            raise AssertionError("second +1 accepted")
        except cases.CaseRefused as exc:
            assert "已经记录" in str(exc)


async def test_case_reply_forces_a_case(ctx: AppContext, cw: World) -> None:
    got = await say(ctx, cw.resident, "有人天天在草坪上遛狗不牵绳", 70, force=True)
    assert got.outcome in ("opened", "linked")
    assert got.case is not None


async def test_unbound_group_is_ignored(ctx: AppContext, cw: World) -> None:
    got = await say(ctx, cw.resident, LIGHT, 80, chat_id=-999)
    assert got.outcome == "ignored"


async def test_group_posts_mask_phone_id_and_room(ctx: AppContext, cw: World) -> None:
    text = "3号楼2单元301室漏水严重，联系我13812345678 或 138-1234-5678，身份证110101199003077777"
    got = await say(ctx, cw.resident, text, 90)
    assert got.case is not None and got.case.room == "301"
    from bot.cases import render as R

    shown = R.public_text(got.case, cw.resident, got.case.text)
    assert "13812345678" not in shown and "138-1234-5678" not in shown
    assert "110101199003077777" not in shown and "301" not in shown
    assert "3号楼2单元" in shown
