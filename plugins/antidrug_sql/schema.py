"""Schema revisions: create, upgrade, or refuse a database, with Alembic migrations shipped in the package.

``antidrug_meta.schema_revision`` says which revision a database has. On
opening, a store:

- creates the schema in an empty database when allowed (the embedded
  default; ``antidrug init``);
- upgrades an older schema only when asked (``antidrug init``), so that no
  platform's schema changes behind its back;
- refuses a revision this version of the library does not know: the
  database was made by a newer version, and using it could lose what that
  version writes.

Migrations run under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL, a named lock on MariaDB/MySQL), so two processes opening
one empty database at once create it once. Alembic's own version table is
``antidrug_alembic_version``, so it never collides with a host's Alembic.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from antidrug_core.bootstrap import mask_url
from antidrug_core.model import StoreUnavailable
from antidrug_sql.engines import WRITE, Backend
from antidrug_sql.tables import META

__all__ = [
    "MIGRATIONS",
    "VERSION_TABLE",
    "alembic_config",
    "head_revision",
    "known_revisions",
    "prepare_schema",
    "stored_revision",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory, shipped inside the package."""

VERSION_TABLE = "antidrug_alembic_version"
"""Alembic's version table, named so it cannot collide with a host's own migrations."""

_PG_LOCK_KEY = 0x616E746964727567  # "antidrug": one advisory lock for schema changes
_MYSQL_LOCK_NAME = "antidrug_schema"
_LOCK_TIMEOUT_SECONDS = 120


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations, running on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def known_revisions() -> tuple[str, ...]:
    """Every revision this version knows, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([script.revision for script in scripts.walk_revisions()]))


def head_revision() -> str:
    """The revision this version of the library writes."""
    return known_revisions()[-1]


def stored_revision(connection: sa.Connection) -> str | None:
    """The database's schema revision, or None when it holds no store.

    Raises:
        StoreUnavailable: it holds part of a store without a revision.
    """
    inspector = sa.inspect(connection)
    if not inspector.has_table(META.name):
        if inspector.has_table("antidrug_records") or inspector.has_table(VERSION_TABLE):
            raise StoreUnavailable("the database holds antidrug tables but no schema revision")
        return None
    value = connection.execute(sa.select(META.c.value).where(META.c.key == "schema_revision")).scalar()
    if value is None:
        raise StoreUnavailable("the database's antidrug_meta table has no schema_revision")
    return str(value)


def _check_known(url: str, revision: str) -> None:
    if revision not in known_revisions():
        raise StoreUnavailable(
            f"{mask_url(url)}: the database has schema revision {revision!r}, which this version of "
            f"antidrug-core does not know (it knows up to {head_revision()!r}); it was made by a newer "
            "version: upgrade antidrug-core to use it"
        )


@contextmanager
def _schema_lock(connection: sa.Connection, backend: Backend) -> Iterator[None]:
    """Hold the schema lock for the transaction begun inside."""
    if backend.name == "mysql":
        got = connection.exec_driver_sql(
            f"SELECT GET_LOCK('{_MYSQL_LOCK_NAME}', {_LOCK_TIMEOUT_SECONDS})"
        ).scalar()
        connection.commit()
        if got != 1:
            raise StoreUnavailable("another process held the schema lock for too long; try again")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT RELEASE_LOCK('{_MYSQL_LOCK_NAME}')")
            connection.commit()
        return
    yield


def prepare_schema(
    engine: sa.Engine, backend: Backend, url: str, *, create: bool, upgrade: bool
) -> tuple[str | None, str]:
    """Make sure the database has this library's schema, or refuse it.

    Returns:
        The revision found (None for an empty database) and the revision now.

    Raises:
        StoreUnavailable: the database is newer than the library, older and
            ``upgrade`` is off, or empty and ``create`` is off.
        sqlalchemy.exc.OperationalError: the database cannot be reached.
    """
    head = head_revision()
    with engine.connect() as connection:
        try:
            found = stored_revision(connection)
        except StoreUnavailable:
            # Another process may be creating the schema right now (MariaDB/MySQL cannot do it in a
            # transaction); look again under the lock, where only a finished schema is seen.
            found = None
        connection.rollback()
    if found is not None:
        _check_known(url, found)
        if found == head:
            return found, found
        if not upgrade:
            raise StoreUnavailable(
                f"{mask_url(url)}: the database has schema revision {found!r}, older than this "
                f"library's {head!r}; back it up and run: antidrug init --db {mask_url(url)}"
            )
    elif not create:
        raise StoreUnavailable(
            f"{mask_url(url)}: the database holds no antidrug store; create one with: "
            f"antidrug init --db {mask_url(url)}"
        )
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with _schema_lock(connection, backend), connection.begin():
            if backend.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            try:
                current = stored_revision(connection)  # again, under the lock: another process may have won
            except StoreUnavailable as error:
                raise StoreUnavailable(
                    f"{mask_url(url)}: {error}; a schema change was interrupted (MariaDB/MySQL cannot undo "
                    "one): restore the database from its backup, or drop its antidrug_ tables if it held "
                    "nothing yet, and run antidrug init again"
                ) from None
            if current is not None:
                _check_known(url, current)
            if current != head:
                command.upgrade(alembic_config(connection), "head")
            now = stored_revision(connection)
    assert now == head, f"migrations ended at {now!r}, not {head!r}"
    return found, head
