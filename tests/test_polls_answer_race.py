"""A native poll's answer that arrives while the sender is storing the poll's Telegram id
(PostgreSQL: the sender's commit can land between two reads of the answer's transaction)
is counted, not dropped as an answer to a poll that is not ours."""
from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import select

from bot import polls
from bot.context import AppContext
from bot.db.models import OutboxMessage, Person
from bot.db.models.polls import Poll
from bot.db.session import reading, transaction
from bot.polls import service as svc
from bot.polls import votes
from tests.test_polls_service import G1, START, build_org, fake_sent, spec

pytestmark = pytest.mark.skipif(
    not os.environ.get("LINLI_TEST_DATABASE_URL"),
    reason="SQLite serializes writers: the sender cannot commit during the answer's transaction")


async def open_native_poll(ctx: AppContext, *, anonymous: bool) -> tuple[int, str, int]:
    """An open native poll in one group whose sendPoll result is not stored yet; returns
    its id, the Telegram poll id the sender will store, and a voter's person id."""
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, chat_ids=[G1], opens_at=None,
                                                   anonymous=anonymous),
                                created_by_id=ids["刘书记"], now=ctx.clock.now())
        poll_id = poll.id
        send = await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.method == "sendPoll"))
    return poll_id, f"tg{send}", ids["王阿姨"]


def sender_stores_id_after_first_lookup(monkeypatch: pytest.MonkeyPatch,
                                        ctx: AppContext) -> None:
    """The answer's first look-up misses the id; the sender commits it right after."""
    lookup = svc.by_telegram_poll
    calls = 0

    async def racing(session: Any, tg_poll_id: str) -> Any:
        nonlocal calls
        calls += 1
        found = await lookup(session, tg_poll_id)
        if calls == 1:
            assert found is None
            await fake_sent(ctx)
        return found

    monkeypatch.setattr(svc, "by_telegram_poll", racing)


async def tally(ctx: AppContext, poll_id: int) -> list[int]:
    async with reading(ctx.pool) as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        return [row.count for row in (await votes.count(session, poll)).rows]


async def test_answer_while_the_sender_stores_the_poll_id_is_counted(ctx, clock, monkeypatch):  # type: ignore[no-untyped-def]
    clock.set(START)
    poll_id, tg_poll_id, voter = await open_native_poll(ctx, anonymous=False)
    sender_stores_id_after_first_lookup(monkeypatch, ctx)
    async with transaction(ctx.pool) as session:
        person = await session.get(Person, voter)
        await polls.record_answer(session, tg_poll_id, person, [0], ctx.clock.now())
    assert await tally(ctx, poll_id) == [1, 0, 0]


async def test_totals_while_the_sender_stores_the_poll_id_are_counted(ctx, clock, monkeypatch):  # type: ignore[no-untyped-def]
    clock.set(START)
    poll_id, tg_poll_id, _voter = await open_native_poll(ctx, anonymous=True)
    sender_stores_id_after_first_lookup(monkeypatch, ctx)
    async with transaction(ctx.pool) as session:
        await polls.record_totals(session, tg_poll_id, [2, 1, 0], 3)
    assert await tally(ctx, poll_id) == [2, 1, 0]
