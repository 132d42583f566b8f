"""Where the benchmarks put their stores: a SQLite file, or a database of its own on a server.

``--db URL`` names an engine and a server: a SQLite URL is the store itself;
a PostgreSQL URL names a server database in which each store gets a schema
of its own, a MariaDB/MySQL URL a server in which each store gets a database
of its own. ``--engines sqlite,postgresql,mysql`` runs one benchmark on each
of the machine's engines (``SERVERS``, or the variables that name others),
side by side, on the same generated data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

__all__ = [
    "SERVERS",
    "BackendTime",
    "Place",
    "engine_of",
    "plain_copy",
    "process_seconds",
    "run_side_by_side",
    "server_url",
]

_COPIED = ("antidrug_streams", "antidrug_access", "antidrug_records")

SERVERS: dict[str, tuple[str, str]] = {
    "postgresql": ("ANTIDRUG_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mysql": ("ANTIDRUG_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql"),
}
"""Engine → the variable that names its server, and the machine's own server when it is unset."""


def server_url(engine: str, folder: Path) -> str:
    """The ``--db`` of ``engine``: a SQLite file in ``folder``, or the server's URL."""
    if engine == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    variable, local = SERVERS[engine]
    return os.environ.get(variable) or local


def engine_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql`` (MariaDB)."""
    backend = make_url(url).get_backend_name()
    return "mysql" if backend == "mariadb" else backend


class Place:
    """One store's place on the engine of ``url``: made empty, kept (``exists``) or dropped."""

    def __init__(self, url: str, name: str) -> None:
        self.engine = engine_of(url)
        self.server = url
        self.name = name
        parsed = make_url(url)
        if self.engine == "sqlite":
            database = Path(parsed.database or "bench.db")
            self.path: Path | None = database.with_name(f"{name}.db")
            self.url = f"sqlite:///{self.path}"
        elif self.engine == "postgresql":
            self.path = None
            self.url = parsed.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
                hide_password=False
            )
        else:
            self.path = None
            self.url = parsed.set(database=name).render_as_string(hide_password=False)

    def _admin(self) -> sa.Engine:
        return sa.create_engine(self.server, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")

    def drop(self) -> None:
        """Drop the store (and what a SQLite file leaves beside it)."""
        if self.path is not None:
            for leftover in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                leftover.unlink(missing_ok=True)
            return
        admin = self._admin()
        try:
            with admin.connect() as connection:
                kind = "SCHEMA" if self.engine == "postgresql" else "DATABASE"
                tail = " CASCADE" if self.engine == "postgresql" else ""
                connection.exec_driver_sql(f"DROP {kind} IF EXISTS {self.name}{tail}")
        finally:
            admin.dispose()

    def make(self) -> None:
        """An empty place for a new store (anything there before is dropped)."""
        self.drop()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        admin = self._admin()
        try:
            with admin.connect() as connection:
                if self.engine == "postgresql":
                    connection.exec_driver_sql(f"CREATE SCHEMA {self.name}")
                else:
                    connection.exec_driver_sql(f"CREATE DATABASE {self.name} CHARACTER SET utf8mb4")
        finally:
            admin.dispose()

    def count(self, query: str) -> int:
        """The one number ``query`` answers in the store (0 where it has no such table yet)."""
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                return int(connection.exec_driver_sql(query).scalar() or 0)
        except sa.exc.DBAPIError:
            return 0
        finally:
            engine.dispose()

    def answers(self, queries: Sequence[str], parameters: dict[str, Any]) -> Iterator[list[tuple[Any, ...]]]:
        """Each query's rows in turn (``:name`` parameters), on one connection that only reads."""
        if self.path is not None:
            path = self.path
            engine = sa.create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True),
                poolclass=sa.pool.NullPool,
            )
        else:
            engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                for query in queries:
                    yield [tuple(row) for row in connection.execute(sa.text(query), parameters)]
        finally:
            engine.dispose()

    def settings(self) -> str:
        """The server's memory settings the figures depend on ("" for SQLite).

        InnoDB reads past the operating system's cache (``O_DIRECT``), so its
        buffer pool is all it caches in; PostgreSQL's ``shared_buffers`` sit
        in front of that cache. At a million people MariaDB's load a statement
        per batch took 3.86 × PostgreSQL's time with the installed 128 MiB pool,
        and 1.58 × with 4 GiB; as one bulk statement, 1.04 × with 128 MiB.
        """
        if self.path is not None:
            return ""
        admin = self._admin()
        try:
            with admin.connect() as connection:
                values = {
                    name: connection.exec_driver_sql(query).scalar()
                    for name, query in _MEMORY_SETTINGS[self.engine].items()
                }
        finally:
            admin.dispose()
        return ", ".join(
            f"{name} {value if isinstance(value, str) else f'{int(value or 0) >> 20}MB'}"
            for name, value in values.items()
        )

    def size(self) -> int:
        """The store's size on disk, in bytes."""
        if self.path is not None:
            return sum(p.stat().st_size for p in self.path.parent.glob(f"{self.path.name}*"))
        admin = self._admin()
        try:
            with admin.connect() as connection:
                if self.engine == "postgresql":
                    query = (
                        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = :name AND c.relkind = 'r'"
                    )
                else:
                    query = (
                        "SELECT coalesce(sum(data_length + index_length), 0) FROM information_schema.tables "
                        "WHERE table_schema = :name"
                    )
                return int(connection.execute(sa.text(query), {"name": self.name}).scalar() or 0)
        finally:
            admin.dispose()


_MEMORY_SETTINGS = {
    "postgresql": {
        "shared_buffers": "SHOW shared_buffers",
        "maintenance_work_mem": "SHOW maintenance_work_mem",
    },
    "mysql": {
        "innodb_buffer_pool_size": "SELECT @@innodb_buffer_pool_size",
        "innodb_log_file_size": "SELECT @@innodb_log_file_size",
    },
}
"""Each server's settings that ``Place.settings`` shows, and how to read them."""


def process_seconds(pid: int) -> float | None:
    """Processor seconds process ``pid`` of this machine has used (None where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendTime:
    """Processor time the PostgreSQL server spends for an engine's connections, while it is watched.

    Each connection's server process (its backend) is read when the
    connection is taken from the pool and when it goes back, so the machine's
    other work is not counted; parallel workers of an index build are not
    counted either. None where the server is not on this machine.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.seconds: float | None = 0.0
        self._started: dict[int, float] = {}
        sa.event.listen(engine, "checkout", self._checkout)
        sa.event.listen(engine, "checkin", self._checkin)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        pid = dbapi_connection.info.backend_pid
        used = process_seconds(pid)
        if used is None:
            self.seconds = None
        else:
            self._started[pid] = used

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        pid = dbapi_connection.info.backend_pid
        used = process_seconds(pid)
        started = self._started.pop(pid, None)
        if used is not None and started is not None and self.seconds is not None:
            self.seconds += used - started


def plain_copy(place: Place, folder: Path) -> tuple[float, float | None]:
    """Seconds a plain ``COPY`` of the loaded rows takes into tables without indexes or keys, and the
    processor seconds the server's process spent on it (None where it cannot be read).

    The rows are first copied out of the store into files in ``folder`` (not
    timed, and not held in memory), then from them into new tables of the
    same columns, all in one transaction.
    """
    engine = sa.create_engine(place.url, poolclass=sa.pool.NullPool)
    files = {table: folder / f"plain-{table}.copy" for table in _COPIED}
    try:
        with engine.connect() as connection:
            driver: Any = connection.connection.driver_connection
            with driver.cursor() as cursor:
                for table, path in files.items():
                    with path.open("wb") as out, cursor.copy(f"COPY {table} TO STDOUT") as copy:
                        for data in copy:
                            out.write(data)
                    cursor.execute(f"CREATE TABLE plain_{table} (LIKE {table} INCLUDING DEFAULTS)")
            driver.commit()
            pid = driver.info.backend_pid
            started, processor = time.perf_counter(), process_seconds(pid)
            with driver.cursor() as cursor:
                for table, path in files.items():
                    with path.open("rb") as source, cursor.copy(f"COPY plain_{table} FROM STDIN") as copy:
                        while data := source.read(1 << 20):
                            copy.write(data)
            driver.commit()
            elapsed, used = time.perf_counter() - started, process_seconds(pid)
            return elapsed, (used - processor if used is not None and processor is not None else None)
    finally:
        engine.dispose()
        for path in files.values():
            path.unlink(missing_ok=True)


def run_side_by_side(module: str, engines: list[str], argv: list[str], folder: Path) -> list[dict[str, Any]]:
    """Run ``module`` once per engine, each in a process of its own (its peak memory is its own).

    Returns:
        Each run's measures (the last line it printed, as JSON), with its ``engine``.
    """
    found: list[dict[str, Any]] = []
    for engine in engines:
        url = server_url(engine, folder)
        print(f"-- {engine}", flush=True)
        child = subprocess.run(
            [sys.executable, "-m", module, *argv, "--db", url, "--json"],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        lines = child.stdout.strip().splitlines() or [""]
        print("\n".join(lines[:-1]), flush=True)
        try:
            measures = json.loads(lines[-1])
        except json.JSONDecodeError:
            measures = {"failed": True}
        measures["engine"] = engine
        measures["status"] = child.returncode
        found.append(measures)
    return found
