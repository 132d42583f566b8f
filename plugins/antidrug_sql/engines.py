"""Which URLs this plugin opens, and SQLAlchemy engines configured for safety.

SQLite is the embedded default, so it is set up to lose nothing: write-ahead
logging, ``synchronous=FULL``, foreign keys on, a busy timeout, and write
transactions begun ``IMMEDIATE`` so that a writer takes the write lock
before it reads what it checks (no stale snapshot, no ``SQLITE_BUSY``
upgrade failure halfway through). Reads use plain deferred transactions and
never block writers.

PostgreSQL and MariaDB/MySQL run at READ COMMITTED: writers serialise on
the chain head row (``SELECT … FOR UPDATE``), and every statement after the
lock sees what the previous writer committed.
"""

from __future__ import annotations

from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from antidrug_core.bootstrap import mask_url
from antidrug_core.model import StoreUnavailable

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "CONNECT_TIMEOUT_SECONDS",
    "WRITE",
    "Backend",
    "backend_of",
    "create_store_engine",
    "restore_session_setting",
    "unavailable",
]

BUSY_TIMEOUT_SECONDS = 30
"""How long a SQLite writer waits for another writer's lock before giving up."""

CONNECT_TIMEOUT_SECONDS = 10
"""How long to wait for a database server to answer before saying it does not."""

WRITE = "antidrug_write"
"""Execution option marking a connection whose next transaction writes (``BEGIN IMMEDIATE`` on SQLite)."""


@attrs.frozen
class Backend:
    """A database family this plugin speaks, with the one driver it uses."""

    name: str
    """``sqlite``, ``postgresql`` or ``mysql``."""
    driver: str
    """The SQLAlchemy driver name in the URL."""
    module: str
    """The Python module the driver needs."""
    extra: str | None
    """The antidrug-core extra that installs the driver."""


_BACKENDS = {
    "sqlite": Backend("sqlite", "pysqlite", "sqlite3", None),
    "postgresql": Backend("postgresql", "psycopg", "psycopg", "postgresql"),
    "mysql": Backend("mysql", "pymysql", "pymysql", "mysql"),
    "mariadb": Backend("mysql", "pymysql", "pymysql", "mysql"),
}


def backend_of(url: str) -> Backend | None:
    """The backend for ``url``, or None when the URL is not an SQL database this plugin knows.

    Raises:
        StoreUnavailable: the URL names a known database with a driver this
            plugin does not use, or is not a usable SQLite path.
    """
    scheme = url.partition("://")[0].lower()
    family, _plus, driver = scheme.partition("+")
    backend = _BACKENDS.get(family)
    if backend is None:
        return None
    if family == "sqlite":
        if driver not in ("", "pysqlite"):
            raise StoreUnavailable(
                f"{mask_url(url)}: use sqlite:///path/to/file.db (driver {driver!r} is not supported)"
            )
        if url.rstrip("/").lower() in ("sqlite:", "sqlite+pysqlite:") or ":memory:" in url:
            raise StoreUnavailable(
                f"{mask_url(url)}: a SQLite store needs a file (sqlite:///antidrug.db); "
                "for a store that lives in memory use memory://"
            )
        return backend
    if driver != backend.driver:
        raise StoreUnavailable(
            f"{mask_url(url)}: write the URL as {family}+{backend.driver}://… "
            f"(the store uses the {backend.driver} driver; install it with "
            f'pip install "antidrug-core[{backend.extra}]")'
        )
    return backend


def unavailable(url: str, error: BaseException, backend: Backend) -> StoreUnavailable:
    """One clear line for a database that cannot be reached: the URL (password masked) and what to check."""
    reason = _first_line(error)
    if backend.name == "sqlite":
        return StoreUnavailable(
            f"{mask_url(url)}: cannot open the database file ({reason}); "
            "check that its folder exists and is writable"
        )
    return StoreUnavailable(
        f"{mask_url(url)}: cannot connect to the database server ({reason}); "
        "check the server address and port, that it is running, and the user name and password"
    )


def restore_session_setting(
    connection: sa.Connection, statement: str, parameters: tuple[Any, ...] = ()
) -> None:
    """Give a MariaDB session a setting back before the connection returns to the pool, or throw
    the connection away: whoever takes it next must find the session as the engine made it.

    The load turns foreign key and unique checks off for its session (``copying.FreshInfile``), the
    evaluator turns derived-table merging off (``evaluator._snapshot``); a connection that
    cannot take such a setting back would keep it for an unrelated unit of work.
    """
    try:
        connection.exec_driver_sql(statement, parameters or None)
    except sa.exc.SQLAlchemyError:
        connection.invalidate()
    except BaseException:  # anything else still ends this session, and is not this function's to hide
        connection.invalidate()
        raise


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    line = text[0].strip() if text else type(original).__name__
    return line[:200]


def create_store_engine(url: str) -> tuple[Engine, Backend]:
    """An engine for ``url``, configured for the store; nothing is connected yet.

    Raises:
        StoreUnavailable: the URL is not usable, or its driver is not installed.
    """
    backend = backend_of(url)
    if backend is None:
        raise StoreUnavailable(f"{mask_url(url)}: not an SQL store URL")
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise StoreUnavailable(f"{mask_url(url)}: not a valid database URL") from None
    try:
        if backend.name == "sqlite":
            engine = _sqlite_engine(parsed)
        elif backend.name == "postgresql":
            engine = sa.create_engine(
                parsed,
                isolation_level="READ COMMITTED",
                hide_parameters=True,
                pool_pre_ping=True,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            )
        else:
            # One dialect for both spellings: the column types are written for "mysql", and
            # SQLAlchemy's mysql dialect recognises a MariaDB server by itself.
            parsed = parsed.set(drivername="mysql+pymysql")
            if "charset" not in parsed.query:
                parsed = parsed.update_query_dict({"charset": "utf8mb4"})
            engine = sa.create_engine(
                parsed,
                isolation_level="READ COMMITTED",
                hide_parameters=True,
                pool_pre_ping=True,
                pool_recycle=3600,
                # A bulk load may send its rows as a file (LOAD DATA LOCAL INFILE): the connection
                # must say so when it is made. The driver then sends a file only while the load's
                # own statement runs (``antidrug_sql.copying``); at any other time it refuses.
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "local_infile": True},
            )
            sa.event.listen(engine, "connect", _no_files_yet)
    except ImportError:
        install = (
            f'pip install "antidrug-core[{backend.extra}]"'
            if backend.extra
            else "a Python built with sqlite3"
        )
        raise StoreUnavailable(
            f"{mask_url(url)}: the {backend.driver} driver (Python module {backend.module!r}) "
            f"is not installed; install it with {install}"
        ) from None
    return engine, backend


def _no_files_yet(dbapi_connection: Any, _record: Any) -> None:
    """A new MariaDB/MySQL connection refuses to send files until a load's statement asks for one."""
    dbapi_connection._local_infile = False


def _sqlite_engine(url: URL) -> Engine:
    engine = sa.create_engine(
        url,
        hide_parameters=True,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would
        # otherwise begin DEFERRED transactions behind our back (SQLAlchemy's
        # documented recipe for SQLite transactions).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            # A deleted row (an erased person's data key) is overwritten in the file, not left in a
            # free page; deletes are rare in an append-only store, so this costs next to nothing.
            cursor.execute("PRAGMA secure_delete = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        writes = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine
