"""Engine and session factory. SQLite: WAL, foreign keys, BEGIN IMMEDIATE for writes,
statements of write transactions run on the event loop's thread (see _Connection)."""
from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

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
QUICK = "quick"  # its value for a read known to be short: on the event loop's thread


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# SQLite: seconds a write transaction waits for the in-process write lock, and a
# statement for a lock held by another process (the CLI), as busy_timeout did
WRITE_LOCK_TIMEOUT = 30.0
_HOLDS_WRITE_LOCK = "linli_write_lock"
_BUSY = (5, 261)  # SQLITE_BUSY, SQLITE_BUSY_RECOVERY: nothing done, try again
_BUSY_PAUSE = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1)  # seconds, then 0.1 each


class _Cursor:
    """What SQLAlchemy's aiosqlite adapter expects of an aiosqlite cursor, over a
    sqlite3 cursor: a statement and the fetching of all its rows are one step."""

    arraysize = 1

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn
        self._cursor = conn._conn.cursor()
        self._rows: list[Any] = []

    async def __aenter__(self) -> _Cursor:
        return self

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    def _execute(self, sql: str, params: Any) -> None:
        cursor = self._cursor
        cursor.execute(sql, params)
        self._rows = cursor.fetchall() if cursor.description else []

    async def execute(self, sql: str, params: Any = ()) -> _Cursor:
        await self._conn._run(self._execute, sql, params)
        return self

    async def executemany(self, sql: str, seq: Any) -> _Cursor:
        await self._conn._run(self._cursor.executemany, sql, seq)
        self._rows = []
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

    def __aiter__(self) -> _Cursor:
        return self

    async def __anext__(self) -> Any:
        if not self._rows:
            raise StopAsyncIteration
        return self._rows.pop(0)

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()


class _Tx:
    """aiosqlite's request queue, as SQLAlchemy uses it to set isolation_level."""

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class _Connection:
    """An aiosqlite-like connection for SQLAlchemy's aiosqlite dialect that runs the
    statements of a write transaction on the calling (event loop's) thread.

    aiosqlite hands every call to a thread of its own and back, about four hops per
    statement, each waiting for the GIL. A write transaction holds this process's
    write lock (create_engine) and SQLite's, so nothing could run beside it anyway:
    its statements run inline. A read-only transaction (reading()) may scan much
    (reports, searches) and blocks nobody in WAL mode: its statements run in a
    thread of this connection, one hop per statement. busy_timeout is 0: a lock held
    by another process (the CLI) is waited for here, asleep, not in SQLite's busy
    handler blocking the event loop."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # aiosqlite: None once closed
        self._tx = _Tx(self)
        self.threaded = False  # set at BEGIN: read-only transactions run in a thread
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._last: asyncio.Future[Any] | None = None  # the last job of the thread

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.threaded:
            if self._thread is None:
                self._thread = concurrent.futures.ThreadPoolExecutor(
                    1, thread_name_prefix="linli-sqlite-read")
            self._last = asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)
            return await self._last
        if self._last is not None and not self._last.done():
            # a cancelled read still running in the thread: one user at a time
            await asyncio.wait([self._last])
        return fn(*args)

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        pauses: Sequence[float] = _BUSY_PAUSE
        waited = 0.0
        while True:
            try:
                return await self._call(fn, *args)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode not in _BUSY or waited >= WRITE_LOCK_TIMEOUT:
                    raise
            pause = pauses[0] if pauses else 0.1
            pauses = pauses[1:]
            waited += pause
            await asyncio.sleep(pause)

    async def commit(self) -> None:
        await self._run(self._conn.commit)

    async def rollback(self) -> None:
        await self._run(self._conn.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is None:
            return
        self._connection = None
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        self._conn.close()


def _inline_connector(url: str) -> Callable[[], Any]:
    sa_url = make_url(url)
    args, kwargs = sa_url.get_dialect()().create_connect_args(sa_url)
    kwargs.update(check_same_thread=False, isolation_level=None, timeout=0)

    async def connect() -> _Connection:
        return _Connection(sqlite3.connect(*args, **kwargs))

    return connect


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # A database error's text never carries the values of its statement (residents'
    # words, names, numbers) into a log: issue 18.
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(url, async_creator=_inline_connector(url), **kwargs)
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
        cursor.execute("PRAGMA busy_timeout=0")  # waited for asleep (_Connection._run)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every transaction that may write takes the write lock first, so a
        # read-then-write never fails half-way with "database is locked" or loses an
        # update. Only sessions opened by reading() (never committed) take a plain
        # BEGIN: in WAL mode they read a snapshot and block nobody.
        driver = conn.connection.driver_connection
        if read_only := conn.get_execution_options().get(READ_ONLY):
            driver.threaded = read_only != QUICK
            conn.exec_driver_sql("BEGIN")
            return
        driver.threaded = False
        info = conn.info
        if not info.get(_HOLDS_WRITE_LOCK) and in_greenlet():
            try:
                await_(asyncio.wait_for(write_lock.acquire(), WRITE_LOCK_TIMEOUT))
            except TimeoutError:
                raise OperationalError("BEGIN IMMEDIATE", None,
                                       Exception("database is locked (in-process)")) from None
            info[_HOLDS_WRITE_LOCK] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
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
async def reading(pool: async_sessionmaker[AsyncSession], *,
                  quick: bool = False) -> AsyncIterator[AsyncSession]:
    """A session that only reads: on SQLite a plain (deferred) BEGIN instead of
    BEGIN IMMEDIATE, so polling readers never queue behind writers. Never commits:
    whatever is written in it is rolled back when it closes. On SQLite its statements
    run in a thread (a report may scan for seconds); `quick=True`, for a few indexed
    look-ups done often (the inbox's scan), runs them on the event loop's thread."""
    async with pool() as session:  # close() rolls back, keeping loaded objects usable
        await session.connection(execution_options={READ_ONLY: QUICK if quick else True})
        yield session
