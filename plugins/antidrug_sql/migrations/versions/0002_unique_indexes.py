"""Record ids and (person, version) are unique by unique indexes instead of constraints.

SQLite keeps a unique constraint's index for as long as the table lives; a
unique index can be dropped and built again. A bulk load into an empty
store drops the record table's indexes, inserts the rows and builds the
indexes once at the end, in the same transaction, which is several times
faster than keeping them up to date row by row. The uniqueness itself does
not change: a duplicate is refused exactly as before.

SQLite rebuilds the table (Alembic's batch mode copies the rows), so
upgrading a large SQLite store takes a while: back it up first, as for any
upgrade. PostgreSQL swaps each constraint for a unique index of the same
name. MariaDB/MySQL keep a unique constraint as a unique index already:
nothing changes there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_UNIQUE = {
    "uq_antidrug_records_id": ["id"],
    "uq_antidrug_records_person_version": ["person", "version"],
}


_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))


def _dialect() -> str:
    return op.get_bind().dialect.name


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def upgrade() -> None:
    dialect = _dialect()
    if dialect == "sqlite":
        with op.batch_alter_table("antidrug_records", recreate="always") as batch:
            for name in _UNIQUE:
                batch.drop_constraint(name, type_="unique")
            for name, columns in _UNIQUE.items():
                batch.create_index(name, columns, unique=True)
    elif dialect == "postgresql":
        for name, columns in _UNIQUE.items():
            op.drop_constraint(name, "antidrug_records", type_="unique")
            op.create_index(name, "antidrug_records", columns, unique=True)
    _set_revision(revision)


def downgrade() -> None:
    dialect = _dialect()
    if dialect == "sqlite":
        with op.batch_alter_table("antidrug_records", recreate="always") as batch:
            for name in _UNIQUE:
                batch.drop_index(name)
            for name, columns in _UNIQUE.items():
                batch.create_unique_constraint(name, columns)
    elif dialect == "postgresql":
        for name, columns in _UNIQUE.items():
            op.drop_index(name, table_name="antidrug_records")
            op.create_unique_constraint(name, "antidrug_records", columns)
    _set_revision("0001")
