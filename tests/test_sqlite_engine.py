"""The SQLite engine's connection: each statement is one trip to the connection's thread
(issue 19), with the same results and errors as aiosqlite's own cursor."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db.session import _Connection, create_engine


class Trips:
    """Counts the trips to the connection's thread from the moment it is made."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        plain = _Connection._execute

        async def counted(conn, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return await plain(conn, fn, *args, **kwargs)

        monkeypatch.setattr(_Connection, "_execute", counted)


async def test_one_trip_per_statement_same_results(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
        async with engine.begin() as conn:
            trips = Trips(monkeypatch)
            new = await conn.execute(text("INSERT INTO t (v) VALUES ('甲') RETURNING id"))
            assert new.scalar_one() == 1 and trips.count == 1
            many = await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "乙"}, {"v": "丙"}])
            assert many.rowcount == 2
            rows = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
            assert rows.all() == [(1, "甲"), (2, "乙"), (3, "丙")]
            assert trips.count == 3
            changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
            assert changed.rowcount == 2
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('甲')"))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 3
    finally:
        await engine.dispose()


async def test_no_rollback_trip_on_return_and_a_connection_left_open_heals(tmp_path, monkeypatch):
    """A committed transaction's connection goes back to the pool without another trip
    (the pool's rollback-on-return is off); a connection that comes back inside a
    transaction all the same (a driver-level BEGIN) has it rolled back on next use:
    nothing of it is committed, and it does not fail the next transaction."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.db.session import create_session_factory

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db", pool_size=1)
    pool = create_session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        trips = Trips(monkeypatch)
        session: AsyncSession
        async with pool() as session, session.begin():
            await session.execute(text("INSERT INTO t (v) VALUES ('甲')"))
        assert trips.count == 3  # BEGIN IMMEDIATE, INSERT, COMMIT: no ROLLBACK after it
        raw = await engine.raw_connection()
        await raw.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
        await raw.driver_connection.execute("INSERT INTO t (v) VALUES ('乙')")  # type: ignore[union-attr]
        raw.close()  # back to the pool inside its transaction
        async with pool() as session, session.begin():
            await session.execute(text("INSERT INTO t (v) VALUES ('丙')"))
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
        assert kept == ["甲", "丙"]
    finally:
        await engine.dispose()
