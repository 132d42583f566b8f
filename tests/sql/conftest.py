"""Fresh databases on every engine for the SQL store's tests.

Every test runs on SQLite, PostgreSQL and MariaDB/MySQL. The servers are
the machine's own (``SERVERS``) unless ``ANTIDRUG_TEST_POSTGRESQL_URL`` or
``ANTIDRUG_TEST_MYSQL_URL`` names another; a server that does not answer
fails its tests, naming it: a store test that skipped would pass unseen.

Every store gets a database of its own: a new file for SQLite, a new schema
on PostgreSQL, a new database on MariaDB; each is dropped after its test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from antidrug_core.bootstrap import open_store
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, SequentialIds, at
from antidrug_sql.schema import VERSION_TABLE
from antidrug_sql.tables import METADATA

ENGINES = ("sqlite", "postgresql", "mysql")
SERVERS = {
    "postgresql": ("ANTIDRUG_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mysql": ("ANTIDRUG_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
"""Engine → the variable that names its server, and the local server used when it is unset."""
IDENTITY_KEY = bytes(range(32))
IDENTITY_KEY_HEX = IDENTITY_KEY.hex()


class HostKey:
    """A host plugin that supplies the identity key, as a platform's key management would."""

    def __init__(self, key: bytes = IDENTITY_KEY) -> None:
        self.key = key

    @hookimpl
    def antidrug_identity_key(self) -> bytes | None:
        return self.key


_admins: dict[str, sa.Engine] = {}


def _admin(engine: str) -> tuple[sa.Engine, str]:
    variable, local = SERVERS[engine]
    url = os.environ.get(variable) or local
    if engine not in _admins:
        _admins[engine] = sa.create_engine(
            url,
            poolclass=sa.pool.NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 10},  # a server that drops packets fails, not hangs
        )
    try:
        with _admins[engine].connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        pytest.fail(
            f"{engine} at {make_url(url).render_as_string(hide_password=True)} does not answer "
            f"(set {variable} to a server the SQL store tests can use): {str(error).splitlines()[0]}"
        )
    return _admins[engine], url


class Databases:
    """Makes empty databases on one engine and drops them all at the end of the test."""

    def __init__(self, engine: str, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self._made: list[str] = []

    def new(self) -> str:
        """The URL of a new, empty database."""
        name = f"antidrug_t_{uuid.uuid4().hex[:12]}"
        if self.engine == "sqlite":
            return f"sqlite:///{self.folder / (name + '.db')}"
        admin, url = _admin(self.engine)
        with admin.connect() as connection:
            if self.engine == "postgresql":
                connection.exec_driver_sql(f"CREATE SCHEMA {name}")
            else:
                connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        self._made.append(name)
        parsed = make_url(url)
        if self.engine == "postgresql":
            parsed = parsed.update_query_dict({"options": f"-csearch_path={name}"})
        else:
            parsed = parsed.set(database=name)
        return parsed.render_as_string(hide_password=False)

    def drop(self) -> None:
        if not self._made:
            return
        admin, _url = _admin(self.engine)
        with admin.connect() as connection:
            for name in self._made:
                if self.engine == "postgresql":
                    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
                else:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        self._made.clear()


@pytest.fixture
def make_databases(tmp_path: Path) -> Iterator[Callable[[str], Databases]]:
    """``make_databases("postgresql").new()`` is the URL of a fresh database, dropped after the test."""
    made: list[Databases] = []

    def make(engine: str) -> Databases:
        databases = Databases(engine, tmp_path)
        made.append(databases)
        return databases

    yield make
    for databases in made:
        databases.drop()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn."""
    return str(request.param)


@pytest.fixture
def databases(engine: str, make_databases: Callable[[str], Databases]) -> Databases:
    """Fresh databases on the engine under test."""
    return make_databases(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2023-07-01"))


@pytest.fixture
def open_sql(clock: FixedClock) -> Iterator[Callable[..., Store]]:
    """Open a store with the host key plugin, the fixed clock and sequential ids; closed after the test."""
    opened: list[Store] = []

    def open_(url: str, *, key: bytes | None = IDENTITY_KEY, **options: Any) -> Store:
        extra = [HostKey(key)] if key is not None else []
        options.setdefault("plugins", make_plugin_manager(plugins=extra))
        options.setdefault("clock", clock)
        options.setdefault("ids", SequentialIds(prefix=f"r{uuid.uuid4().hex[:6]}-"))
        store = open_store(url, **options)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def host_key() -> Callable[[bytes], HostKey]:
    return HostKey


Snapshot = Callable[[Store], dict[str, list[Any]]]


def _snapshot(store: Store) -> dict[str, list[Any]]:
    """Every row of every table of the store, its schema revision and its indexes: equal before
    and after a failed write exactly when the failure left nothing behind."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    found: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in METADATA.sorted_tables:
            order = list(table.primary_key.columns)
            found[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
        found[VERSION_TABLE] = list(connection.execute(sa.text(f"SELECT * FROM {VERSION_TABLE}")))
        inspector = sa.inspect(connection)
        found["indexes"] = sorted(  # a load into an empty store drops and builds them again
            (table, index["name"], tuple(index["column_names"]), bool(index["unique"]))
            for table in METADATA.tables
            for index in inspector.get_indexes(table)
        )
    return found


@pytest.fixture
def snapshot() -> Snapshot:
    """A store's every row and index, to compare before and after a write."""
    return _snapshot
