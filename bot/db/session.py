"""Engine and session factory. SQLite: WAL, foreign keys, BEGIN IMMEDIATE for writes, one
trip to the connection's thread per statement (_Cursor)."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_only as await_
from sqlalchemy.util.concurrency import in_greenlet

# Connection execution option: this transaction only reads (SQLite: plain BEGIN).
READ_ONLY = "linli_read_only"


# aiosqlite logs every statement with its values at DEBUG (`linli run -v`): residents'
# words and numbers must never reach a log (issue 18).
logging.getLogger("aiosqlite").setLevel(logging.WARNING)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# SQLite: seconds a write transaction waits for the in-process write lock (as busy_timeout)
WRITE_LOCK_TIMEOUT = 30.0
_HOLDS_WRITE_LOCK = "linli_write_lock"


class _Cursor:
    """What SQLAlchemy's aiosqlite adapter uses of a cursor, running a statement and
    fetching all its rows in one trip to the connection's thread: aiosqlite's own cursor
    takes four (create, execute, fetch, close), each waiting for the event loop and the
    GIL, and every update's transaction holds SQLite's one writer meanwhile."""

    arraysize = 1

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> _Cursor:
        return self

    def _run(self, many: bool, sql: str, params: Any) -> tuple[Any, int, int | None, list[Any]]:
        cursor = self._conn._conn.cursor()
        try:
            (cursor.executemany if many else cursor.execute)(sql, params)
            rows = cursor.fetchall() if cursor.description else []
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows
        finally:
            cursor.close()

    async def execute(self, sql: str, params: Any = ()) -> _Cursor:
        self.description, self.rowcount, self.lastrowid, self._rows = await self._conn._execute(
            self._run, False, sql, params)
        return self

    async def executemany(self, sql: str, params: Any) -> _Cursor:
        self.description, self.rowcount, self.lastrowid, self._rows = await self._conn._execute(
            self._run, True, sql, params)
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._rows = []


class _Connection(aiosqlite.Connection):
    def cursor(self) -> _Cursor:  # type: ignore[override]
        return _Cursor(self)


def _connector(path: str) -> Any:
    """SQLAlchemy's async_creator: an aiosqlite connection with one-trip cursors."""
    async def connect() -> _Connection:
        conn = _Connection(partial(sqlite3.connect, path, timeout=30), iter_chunk_size=64)
        conn._thread.daemon = True  # as SQLAlchemy does: never holds up the interpreter's exit
        return await conn
    return connect


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # A database error's text never carries the values of its statement (residents'
    # words, names, numbers) into a log: issue 18.
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:" and not parsed.query:
        kwargs.setdefault("async_creator", _connector(parsed.database))
    else:
        kwargs.setdefault("connect_args", {"timeout": 30})
    # Every transaction ends in COMMIT or ROLLBACK (SQLAlchemy's Connection rolls back
    # one still open when it closes), so the pool's own rollback of each connection
    # it gets back is a wasted trip to the connection's thread; _begin() heals the rare
    # connection that comes back inside a transaction anyway.
    kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, **kwargs)
    # SQLite has one writer at a time. Writers of this process queue on an asyncio
    # lock (FIFO, woken at once) instead of each spinning in SQLite's busy handler
    # (sleeps of up to 100 ms in a worker thread) for the file lock. Taken before
    # BEGIN IMMEDIATE, released when the connection goes back to the pool, i.e.
    # after COMMIT/ROLLBACK. Other processes (the CLI) still meet the file lock.
    write_lock = asyncio.Lock()

    def _release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_WRITE_LOCK, False) and write_lock.locked():
            write_lock.release()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every transaction that may write takes the write lock first, so a
        # read-then-write never fails half-way with "database is locked" or loses an
        # update. Only sessions opened by reading() (never committed) take a plain
        # BEGIN: in WAL mode they read a snapshot and block nobody.
        if conn.get_execution_options().get(READ_ONLY):
            _begin(conn, "BEGIN")
            return
        info = conn.info
        if not info.get(_HOLDS_WRITE_LOCK) and in_greenlet():
            try:
                await_(asyncio.wait_for(write_lock.acquire(), WRITE_LOCK_TIMEOUT))
            except TimeoutError:
                raise OperationalError("BEGIN IMMEDIATE", None,
                                       Exception("database is locked (in-process)")) from None
            info[_HOLDS_WRITE_LOCK] = True
        try:
            _begin(conn, "BEGIN IMMEDIATE")
        except BaseException:
            _release(info)
            raise

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            _release(record.info)

    @event.listens_for(engine.sync_engine.pool, "invalidate")
    def _on_invalidate(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
        if record is not None:
            _release(record.info)

    return engine


def _begin(conn: Any, sql: str) -> None:
    if conn.connection.driver_connection.in_transaction:  # an attribute: no trip
        conn.exec_driver_sql("ROLLBACK")  # left open by its last user: not ours to keep
    conn.exec_driver_sql(sql)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    pool: async_sessionmaker[AsyncSession], *, write: bool = True
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error.

    ``write=False`` is a read-only snapshot (see reading()): nothing is committed."""
    if not write:
        async with reading(pool) as session:
            yield session
        return
    async with pool() as session, session.begin():
        yield session


@asynccontextmanager
async def reading(pool: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that only reads: on SQLite a plain (deferred) BEGIN instead of
    BEGIN IMMEDIATE, so polling readers never queue behind writers. Never commits:
    whatever is written in it is rolled back when it closes."""
    async with pool() as session:  # close() rolls back, keeping loaded objects usable
        await session.connection(execution_options={READ_ONLY: True})
        yield session
