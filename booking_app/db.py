"""Engine and session factory: SQLite by default, PostgreSQL through ``DATABASE_URL``.

Schema changes go through Alembic only (``alembic upgrade head``); nothing here creates tables.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from booking_app.settings import get_settings

# Set on a connection so that SQLite opens its transaction with BEGIN IMMEDIATE (see below).
_SQLITE_IMMEDIATE = "booking_app_sqlite_immediate"


POOL_RECYCLE_SECONDS = 1800


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the per-database settings this app relies on."""
    if url.startswith("sqlite"):
        busy_ms = get_settings().sqlite_busy_timeout_ms
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000})
        _configure_sqlite(engine, busy_ms)
        return engine
    # No pre-ping: it cost a round trip on every checkout (a "SELECT 1" before each
    # transaction; ~10 % of a webhook's time). Connections are recycled after 30 minutes
    # instead, so idle-timeouts do not bite; after a database restart the first statement on
    # a dead connection fails, SQLAlchemy then discards the whole pool and the caller's error
    # path applies (a webhook answers 500 and Stripe redelivers).
    _cache_long_statements()
    return sa.create_engine(url, pool_size=10, max_overflow=10, pool_recycle=POOL_RECYCLE_SECONDS)


def _cache_long_statements() -> None:
    """Let psycopg cache the conversion of our longest fixed statements.

    psycopg turns every query's ``%(name)s`` placeholders into PostgreSQL's ``$n`` with a
    regex pass, cached (an LRU of 128 queries) only for queries up to 4,096 bytes and 50
    parameters, so that ever-varying ORM inserts do not flood the cache. The webhook's
    one-statement confirmation (``payments.fulfilment``) is fixed but 5.6 KB with 65
    parameters: converting it again on every event was 0.14 ms of CPU, about a tenth of the
    app's share of a webhook. The LRU stays bounded, so raising the limits costs at most a
    few megabytes. Private names: if a psycopg release drops them this does nothing."""
    from psycopg import _queries

    if hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") and hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16384)
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 128)


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    """Foreign keys on, WAL, and transactions that we begin ourselves.

    Python's sqlite3 driver begins transactions lazily and always as ``BEGIN DEFERRED``; two
    writers could then both read "slot free" and both insert. Taking over BEGIN lets a write
    transaction start with ``BEGIN IMMEDIATE``, which takes SQLite's write lock up front so a
    check-then-insert is atomic across threads and processes.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API object
        dbapi_connection.isolation_level = None  # no implicit BEGIN from the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # How long a statement waits for another writer (SQLITE_BUSY_TIMEOUT_MS, 5 s): past it the
        # request answers 503 with Retry-After (api/errors.py), well before an HTTP client gives up.
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_SQLITE_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine() -> Engine:
    """The process-wide engine for the configured ``DATABASE_URL``."""
    url = get_settings().database_url
    with _engines_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, forked workers)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reads (and simple writes); commits are up to the caller."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction holds the database's write lock from its first statement
    on SQLite (``BEGIN IMMEDIATE``); on PostgreSQL an ordinary transaction, where constraints
    and row locks do the guarding. Commits on success, rolls back on any exception."""
    engine = engine or get_engine()
    with Session(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "sqlite":
            session.connection(execution_options={_SQLITE_IMMEDIATE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_connection(engine: Engine | None = None) -> Iterator[Connection]:
    """A connection for a single read on a hot path: autocommit on PostgreSQL, so the read is
    one round trip instead of BEGIN, SELECT and ROLLBACK. (On SQLite a plain connection.)"""
    engine = engine or get_engine()
    if engine.dialect.name == "postgresql":
        with autocommit_connection(engine) as connection:
            yield connection
    else:
        with engine.connect() as connection:
            yield connection


@contextmanager
def autocommit_connection(engine: Engine | None = None) -> Iterator[Connection]:
    """PostgreSQL: a connection on which every statement is its own transaction. For a single
    statement that is atomic by itself, this saves the BEGIN and COMMIT round trips."""
    engine = engine or get_engine()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


@contextmanager
def write_connection(engine: Engine | None = None) -> Iterator[Connection]:
    """``write_session`` for Core statements on a hot path: a bare connection in one
    transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success, rolled back on any
    exception. No ORM session is built; ``session_on`` adds one for rarer branches."""
    engine = engine or get_engine()
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.execution_options(**{_SQLITE_IMMEDIATE: True})
        with connection.begin():
            yield connection


@contextmanager
def session_on(connection: Connection) -> Iterator[Session]:
    """An ORM session inside ``connection``'s transaction: flushed at the end, committed or
    rolled back with that transaction (never by itself)."""
    with Session(bind=connection, expire_on_commit=False, join_transaction_mode="rollback_only") as session:
        yield session
        session.flush()
