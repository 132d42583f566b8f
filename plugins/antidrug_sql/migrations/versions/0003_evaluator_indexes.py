"""Indexes for the fast evaluator: the few voids, and each person's tests.

The evaluator (``antidrug_sql.facts``) finds the voids known at a moment
and follows their chains, and looks a person's tests up for every due test
it counts. Both indexes are partial on SQLite and PostgreSQL, so they hold
only the rows asked for (voids; records with a test ``kind``); MariaDB and
MySQL have no partial indexes and get the index on ``voids`` only (a
person's tests are found through ``(person, version)`` there).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_VOIDS = sa.text("voids IS NOT NULL")
_TESTS = sa.text("kind IS NOT NULL")
_TESTS_COLUMNS = ["person", "type", "kind", "on", "due", "recorded_at", "id"]


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def _partial() -> bool:
    return op.get_bind().dialect.name in ("sqlite", "postgresql")


def upgrade() -> None:
    op.create_index(
        "ix_antidrug_records_voids",
        "antidrug_records",
        ["voids"],
        sqlite_where=_VOIDS,
        postgresql_where=_VOIDS,
    )
    if _partial():
        op.create_index(
            "ix_antidrug_records_person_tests",
            "antidrug_records",
            _TESTS_COLUMNS,
            sqlite_where=_TESTS,
            postgresql_where=_TESTS,
        )
    _set_revision(revision)


def downgrade() -> None:
    if _partial():
        op.drop_index("ix_antidrug_records_person_tests", table_name="antidrug_records")
    op.drop_index("ix_antidrug_records_voids", table_name="antidrug_records")
    _set_revision("0002")
