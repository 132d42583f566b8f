"""Streams of every subject: people, units and organisations share the stream heads and the records.

A record is about a person, a unit or an organisation. The stream heads
(``antidrug_people``) become ``antidrug_streams``, keyed by ``subject`` and
keeping each stream's ``kind``; every stream already there is a person's.
The records' and access sets' ``person`` column becomes ``subject``, with the
indexes on it renamed to say so; identities stay a person's (their column is
still ``person``, now referring to a stream). The record table gains the
typed columns of the units' and organisations' records (``name``, ``uscc``).

Nothing is copied: tables, columns and indexes are renamed in place, on
SQLite (3.26 or later, which also renames the foreign keys' references)
as on the servers, and the record hashes do not change, since a person
record's canonical JSON is what it was. SQLite cannot rename an index, so
it builds the three renamed ones again, which takes a while on a large
store; it also keeps ``DEFAULT 'person'`` on the new ``kind`` column
(dropping a default there means copying the table, which a table other
tables refer to cannot be inside the migration's transaction), and keeps
the old names of the primary and foreign keys, which SQLite never uses.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_TESTS = sa.text("kind IS NOT NULL")
_KIND_LENGTH = 16
_NEW_COLUMNS = ("name", "uscc")
"""Typed columns of the units' and organisations' records (free text)."""

_RENAMED_COLUMNS = (
    ("antidrug_streams", "person", "subject"),
    ("antidrug_access", "person", "subject"),
    ("antidrug_records", "person", "subject"),
)
"""(table, old name, new name)."""


class _Index(NamedTuple):
    """An index on the renamed column, under its old and its new name."""

    table: str
    old: str
    new: str
    columns: list[str]
    """Its columns, as named after the upgrade."""
    unique: bool = False
    where: sa.TextClause | None = None
    """Partial (SQLite and PostgreSQL only; MariaDB/MySQL never had it)."""


_INDEXES = (
    _Index(
        "antidrug_records",
        "uq_antidrug_records_person_version",
        "uq_antidrug_records_subject_version",
        ["subject", "version"],
        unique=True,
    ),
    _Index(
        "antidrug_records",
        "ix_antidrug_records_person_tests",
        "ix_antidrug_records_subject_tests",
        ["subject", "type", "kind", "on", "due", "recorded_at", "id"],
        where=_TESTS,
    ),
    _Index(
        "antidrug_access",
        "ix_antidrug_access_division_person",
        "ix_antidrug_access_division_subject",
        ["division", "subject"],
    ),
)

_FOREIGN_KEYS = (
    ("antidrug_access", "fk_antidrug_access_person", "fk_antidrug_access_subject"),
    ("antidrug_records", "fk_antidrug_records_person", "fk_antidrug_records_subject"),
)


def _dialect() -> str:
    return op.get_bind().dialect.name


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def _rename_column(table: str, old: str, new: str) -> None:
    # RENAME COLUMN keeps the type, the keys and the indexes, on SQLite, PostgreSQL and MariaDB 10.5+.
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


def _rename_index(dialect: str, index: _Index, *, back: bool = False) -> None:
    old, new, columns = index.old, index.new, index.columns
    if back:
        old, new = new, old
        columns = ["person" if c == "subject" else c for c in columns]
    if index.where is not None and dialect not in ("sqlite", "postgresql"):
        return  # MariaDB/MySQL have no partial indexes, and never had this one
    if dialect == "postgresql":
        op.execute(f"ALTER INDEX {old} RENAME TO {new}")
    elif dialect == "mysql":
        op.execute(f"ALTER TABLE {index.table} RENAME INDEX {old} TO {new}")
    else:  # SQLite cannot rename an index: build it again under its new name
        op.drop_index(old, table_name=index.table)
        op.create_index(new, index.table, columns, unique=index.unique, sqlite_where=index.where)


def _rename_foreign_keys(dialect: str, *, back: bool = False) -> None:
    column = "person" if back else "subject"
    for table, old, new in _FOREIGN_KEYS:
        if back:
            old, new = new, old
        if dialect == "postgresql":
            op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
        elif dialect == "mysql":
            # No renaming there: drop and add it again, without checking rows that met it a moment ago
            # (checking would copy the whole table).
            op.execute("SET SESSION foreign_key_checks = 0")
            op.drop_constraint(old, table, type_="foreignkey")
            parent = "antidrug_people" if back else "antidrug_streams"
            op.create_foreign_key(new, table, parent, [column], [column])
            op.execute("SET SESSION foreign_key_checks = 1")
        # SQLite keeps the constraint names it was made with; it never uses them.


def upgrade() -> None:
    dialect = _dialect()
    op.rename_table("antidrug_people", "antidrug_streams")
    for table, old, new in _RENAMED_COLUMNS:
        _rename_column(table, old, new)
    op.add_column(
        "antidrug_streams",
        sa.Column("kind", sa.String(_KIND_LENGTH), nullable=False, server_default="person"),
    )
    if dialect != "sqlite":  # every writer names the kind; a default would hide one that forgot
        op.alter_column(
            "antidrug_streams",
            "kind",
            server_default=None,
            existing_type=sa.String(_KIND_LENGTH),
            existing_nullable=False,
        )
    if dialect == "postgresql":
        op.execute("ALTER TABLE antidrug_streams RENAME CONSTRAINT pk_antidrug_people TO pk_antidrug_streams")
    for index in _INDEXES:
        _rename_index(dialect, index)
    _rename_foreign_keys(dialect)
    for name in _NEW_COLUMNS:
        op.add_column("antidrug_records", sa.Column(name, sa.Text, nullable=True))
    _set_revision(revision)


def downgrade() -> None:
    """Back to people only; refused while the store holds a stream of another kind."""
    dialect = _dialect()
    others = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM antidrug_streams WHERE kind <> 'person'"))
    if others.scalar():
        raise RuntimeError("the store holds units or organisations, which revision 0003 cannot keep")
    for name in _NEW_COLUMNS:
        op.drop_column("antidrug_records", name)
    op.drop_column("antidrug_streams", "kind")
    for table, old, new in _RENAMED_COLUMNS:
        _rename_column(table, new, old)
    op.rename_table("antidrug_streams", "antidrug_people")
    if dialect == "postgresql":
        op.execute("ALTER TABLE antidrug_people RENAME CONSTRAINT pk_antidrug_streams TO pk_antidrug_people")
    for index in _INDEXES:
        _rename_index(dialect, index, back=True)
    _rename_foreign_keys(dialect, back=True)
    _set_revision("0003")
