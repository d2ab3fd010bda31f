"""The SQLite engine's connection: each statement is one trip to the connection's thread
(issue 19), with the same results and errors as aiosqlite's own cursor."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db.session import _Connection, create_engine


async def test_one_trip_per_statement_same_results(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    trips = 0
    plain = _Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal trips
        trips += 1
        return await plain(self, fn, *args, **kwargs)

    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
        monkeypatch.setattr(_Connection, "_execute", counted)
        async with engine.begin() as conn:
            trips = 0
            new = await conn.execute(text("INSERT INTO t (v) VALUES ('甲') RETURNING id"))
            assert new.scalar_one() == 1 and trips == 1
            many = await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "乙"}, {"v": "丙"}])
            assert many.rowcount == 2
            rows = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
            assert rows.all() == [(1, "甲"), (2, "乙"), (3, "丙")]
            assert trips == 3
            changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
            assert changed.rowcount == 2
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('甲')"))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 3
    finally:
        await engine.dispose()
