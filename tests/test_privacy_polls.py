"""Anonymous means anonymous: an anonymous poll is a Telegram anonymous poll counted from
Telegram's totals (or buttons counted by the bot when eligibility needs a person), its
result and export name nobody, and the bot's own API calls never carry a voter."""
from __future__ import annotations

import csv
import json
import re
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import ExportAudit, OutboxMessage
from bot.db.models.polls import Poll, PollVote
from bot.db.session import transaction
from bot.polls import export as poll_export
from bot.polls import record_totals
from bot.polls import service as svc
from bot.polls.spec import Spec
from scheduler.timers import fire_due
from tests.test_polls_e2e import dialog, press, setup
from tests.test_polls_service import G1, G2, START, build_org, fake_sent, spec


def test_anonymous_is_the_default_and_decides_the_kind() -> None:
    assert Spec().anonymous is True
    assert Spec(options=["a", "b"]).kind == "native"
    assert Spec(options=["a", "b"], eligibility="residents").kind == "buttons"
    assert Spec(options=["a", "b"], eligibility="residents", anonymous=False).kind == "native"


async def test_evaluation_polls_are_anonymous_native_and_counted_from_totals(ctx, clock, tmp_path):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create_evaluation_poll(
            session, community_id=ids["community"], question="电梯加装满意吗？",
            chat_ids=[G1, G2], opens_at=START, closes_at=START + timedelta(days=3),
            preset="satisfaction", now=clock.now(), ctx=ctx)
        pid = poll.id
        assert poll.anonymous and poll.kind == "native"
    async with ctx.pool() as session:
        sent = list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.method == "sendPoll")))
    assert sent and all(r.payload["is_anonymous"] is True for r in sent)
    await fake_sent(ctx)
    async with ctx.pool() as session:
        tg_ids = [d.tg_poll_id for d in (await session.get(Poll, pid)).deliveries]
    async with transaction(ctx.pool) as session:
        await record_totals(session, tg_ids[0], [2, 1, 0], 3)
        await record_totals(session, tg_ids[0], [3, 1, 0], 4)  # the latest totals win
        await record_totals(session, tg_ids[1], [0, 0, 1], 1)
    clock.advance(days=3)
    await fire_due(ctx)
    async with ctx.pool() as session:
        poll = await session.get(Poll, pid)
        assert poll.result is not None
        assert [r[1] for r in poll.result["rows"]] == [3, 1, 1] and poll.result["voters"] == 5
        assert await session.scalar(select(PollVote.id).where(PollVote.poll_id == pid)) is None
        results = [r for r in await session.scalars(select(OutboxMessage))
                   if r.ref == f"poll:{pid}" and r.method == "sendMessage"
                   and "结果" in r.payload.get("text", "")]
    assert results and all("投票人" not in r.payload["text"] for r in results)
    async with transaction(ctx.pool) as session:
        out = tmp_path / "p.csv"
        await poll_export.export(session, pid, out, "csv", ctx.tz, who="tg:1 刘书记")
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert all(not r or r[-1] == "" or not r[-1].strip("、") for r in rows[1:4])
    async with ctx.pool() as session:
        entry = await session.scalar(select(ExportAudit))
    assert entry is not None and entry.what == "poll" and entry.masked
    assert entry.who == "tg:1 刘书记"


async def test_anonymous_button_poll_export_has_no_names_nor_times(ctx, clock, tmp_path):  # type: ignore[no-untyped-def]
    from tests.test_polls_service import vote

    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, opens_at=None, anonymous=True,
                                                   eligibility="residents"),
                                created_by_id=None, now=clock.now())
        pid = poll.id
        assert poll.kind == "buttons"
    await vote(ctx, pid, ids["王阿姨"], [0])
    await vote(ctx, pid, ids["小赵"], [1])
    clock.advance(days=3)
    await fire_due(ctx)
    async with transaction(ctx.pool) as session:
        results, ballots = await poll_export.table(session, await svc.get(session, pid), ctx.tz)
    flat = json.dumps([results, ballots], ensure_ascii=False, default=str)
    assert "王阿姨" not in flat and "小赵" not in flat
    assert all(b[2] == "" and b[5] == "" for b in ballots[1:])


async def test_anonymous_poll_through_the_sandbox_names_nobody(world):  # type: ignore[no-untyped-def]
    liu, chen, wang, _zhao, g1, g2 = await setup(world)
    sb = world.sb
    summary = await dialog(world, liu, opens=None, public=False)
    assert "匿名" in summary.text and "⚠️" not in summary.text
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    p1 = await sb.wait_for(g1.id, lambda m: m.poll_id is not None)
    p2 = await sb.wait_for(g2.id, lambda m: m.poll_id is not None)
    assert sb.world.polls[p1.poll_id].is_anonymous
    first = len(sb.requests)
    sb.vote(chen, p1, [0])
    sb.vote(wang, p1, [1])
    sb.vote(chen, p2, [1])
    await world.settle()
    await world.advance(days=3)
    result = await sb.wait_for(g1.id, lambda m: "结果：" in m.body)
    assert "同意：1 票" in result.text and "不同意：2 票" in result.text
    assert "陈阿姨" not in result.text and "王大爷" not in result.text
    calls = json.dumps([(r.method, r.params) for r in sb.requests[first:]], ensure_ascii=False,
                       default=str)
    for voter in (chen, wang):
        assert not re.search(rf"(?<![0-9]){voter.id}(?![0-9])", calls), voter.id
        assert voter.user.first_name not in calls
