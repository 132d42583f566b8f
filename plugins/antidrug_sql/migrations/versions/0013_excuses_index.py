"""An index of the excused due tests, for the fast evaluator.

The evaluator (``antidrug_sql.facts``) asks, for every due test it counts,
whether an excuse names it. On SQLite and PostgreSQL it gathers the excuses
of the people a statement reads, one person at a time; without this index
that read every record of each person to find the few ``test_excused`` ones
(a tenth of a county's statement at a million people). Partial, so it holds
only the excuses, and covering what the evaluator reads of them. MariaDB and
MySQL have no partial indexes; there each due test looks among its own
person's records through ``(subject, version)``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_EXCUSES = sa.text("type = 'test_excused'")
_EXCUSES_COLUMNS = ["subject", "due", "on", "recorded_at", "sequence", "type"]


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def _partial() -> bool:
    return op.get_bind().dialect.name in ("sqlite", "postgresql")


def upgrade() -> None:
    if _partial():
        op.create_index(
            "ix_antidrug_records_excuses",
            "antidrug_records",
            _EXCUSES_COLUMNS,
            sqlite_where=_EXCUSES,
            postgresql_where=_EXCUSES,
        )
    _set_revision(revision)


def downgrade() -> None:
    if _partial():
        op.drop_index("ix_antidrug_records_excuses", table_name="antidrug_records")
    _set_revision("0012")
