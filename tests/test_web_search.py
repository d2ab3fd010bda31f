"""The ledger's search on the desk (aiohttp's test client, the real domain): it finds a
term in the number, the text, the place and the result, in any letter case, with the
same matches whichever way the database looks it up (on PostgreSQL a term of three or
more characters goes through the pg_trgm index of the four columns joined), and a
search counts its matches only up to a limit ("共 N+ 件")."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot import cases
from bot.context import AppContext
from bot.db.models.cases import SEARCH_INDEX
from bot.reports import desk as D
from tests import cases_kit
from tests.test_web_auth import TOKEN, login
from web.app import root_app
from web.config import WebSettings


@pytest.fixture
async def desk(ctx: AppContext, cw: cases_kit.World) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(root_app(ctx, WebSettings(_env_file=None,
                                                             url="http://desk.test"), TOKEN)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def numbers(client: TestClient, q: str) -> tuple[set[str], dict[str, object]]:
    data = await (await client.get("/desk/api/cases", params={"q": q})).json()
    return {r["values"][0] for r in data["rows"]}, data


async def test_search_finds_every_column_in_any_case(desk, ctx, cw):
    wifi = await cases_kit.say(ctx, cw.resident, "3号楼大堂的WiFi一直连不上", 1, force=True)
    lift = await cases_kit.say(ctx, cw.resident, "5号楼电梯坏了，困人了", 2, force=True)
    leak = await cases_kit.say(ctx, cw.resident, "楼道里一直滴水", 3, force=True)
    await cases_kit.act(ctx, cases.accept, leak.case.id, who=cw.w1)
    await cases_kit.act(ctx, cases.resolve, leak.case.id, who=cw.w1,
                        note="更换了破裂的Pipe接头", photo=None)
    await login(desk, ctx, cw.organizer)

    assert (await numbers(desk, "wifi"))[0] == {wifi.case.number}  # ILIKE, 4 letters
    assert (await numbers(desk, "WIFI一直"))[0] == {wifi.case.number}
    assert (await numbers(desk, "电梯坏"))[0] == {lift.case.number}  # LIKE, 3 characters
    assert (await numbers(desk, "电梯"))[0] == {lift.case.number}  # too short for trigrams
    assert (await numbers(desk, "一直"))[0] == {wifi.case.number, leak.case.number}
    assert (await numbers(desk, "破裂的pipe"))[0] == {leak.case.number}  # the result
    assert (await numbers(desk, lift.case.number))[0] == {lift.case.number}  # the number
    # A term across two columns is not one column's text: no match.
    assert (await numbers(desk, "滴水更换"))[0] == set()
    # Wildcards and the index's separator are not searched for; nothing else left: all.
    found, data = await numbers(desk, "%_\x1f")
    assert len(found) == 3 and data["total"] == 3 and data["more"] is False
    page = await (await desk.get("/desk/cases", params={"q": "电梯坏"})).text()
    assert lift.case.number in page and "共 1 件" in page


async def test_a_search_counts_up_to_a_limit(desk, ctx, cw, monkeypatch):
    for i in range(3):
        await cases_kit.say(ctx, cw.resident, f"{i + 3}号楼电梯坏了", i + 1, force=True)
    await login(desk, ctx, cw.organizer)
    monkeypatch.setattr(D, "SEARCH_COUNTED", 2)
    found, data = await numbers(desk, "电梯")
    assert data["total"] == 2 and data["more"] is True and len(found) == 3
    page = await (await desk.get("/desk/cases", params={"q": "电梯"})).text()
    assert "共 2+ 件" in page
    every = await (await desk.get("/desk/api/cases")).json()  # no search: the exact count
    assert every["total"] == 3 and every["more"] is False


async def test_postgresql_has_the_trigram_index(ctx):
    async with ctx.pool() as s:
        if s.get_bind().dialect.name != "postgresql":
            pytest.skip("the pg_trgm index exists on PostgreSQL only")
        ext = await s.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        index = await s.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                               {"n": SEARCH_INDEX})
    # The test database is created by a superuser, who can always create the extension.
    assert ext == 1 and index is not None and "gin_trgm_ops" in index


async def test_sqlite_searches_its_fts_table_kept_in_step(desk, ctx, cw, engine):
    from bot.db import migrate
    from bot.db.models.cases import SEARCH_FTS

    async with ctx.pool() as s:
        if s.get_bind().dialect.name != "sqlite":
            pytest.skip("the FTS5 table exists on SQLite only")
    lift = await cases_kit.say(ctx, cw.resident, "5号楼电梯坏了，困人了", 1, force=True)
    gone = await cases_kit.say(ctx, cw.resident, "7号楼电梯坏了", 2, force=True)
    async with engine.begin() as conn:  # a database made before the table: upgrade adds it
        await conn.execute(text(f"DROP TABLE {SEARCH_FTS}"))
    await migrate.upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM cases WHERE id = :i"), {"i": gone.case.id})
        plan = " ".join(str(r) for r in await conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE id IN "
            f"(SELECT rowid FROM {SEARCH_FTS} WHERE {SEARCH_FTS} MATCH '\"电梯坏\"')")))
    assert "VIRTUAL TABLE INDEX" in plan  # a lookup, not a scan of every case
    await login(desk, ctx, cw.organizer)
    assert (await numbers(desk, "电梯坏"))[0] == {lift.case.number}
