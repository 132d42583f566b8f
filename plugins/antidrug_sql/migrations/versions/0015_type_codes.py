"""Each record's type as a small number too: ``antidrug_records.type_code``.

The fast evaluator's people's statement asks every record it reads for its
type once for each of some thirty aggregates; SQLite compares integers in a
few instructions and texts in a call of its own. The code of each type is
``antidrug_sql.tables.RECORD_TYPE_CODES``, which only ever grows, so the
mapping of today fills the rows of any older store. Rows already stored get
their code in one update, in the upgrade's transaction. A row of a type the
mapping does not know (no library wrote one: a hand-edited row) would count
as no type at all, so the upgrade refuses first, before it changes anything
(MariaDB cannot undo an added column), naming the type and its first row.

SQLite cannot make an existing column ``NOT NULL``; a column added with a
default can be, so there the column is added with a default of 0 (no type's
code), which stays. Every writer sets the code, and ``antidrug audit
verify`` reports a row whose code disagrees with its type. PostgreSQL and
MariaDB drop the default once the rows are filled, as a new store has none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from antidrug_core.model import StoreUnavailable
from antidrug_sql.tables import RECORD_TYPE_CODES

revision = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def _refuse_unknown_types(records: sa.TableClause) -> None:
    """Stop, naming the first row of each type that has no code, before the schema is touched."""
    found = op.get_bind().execute(
        sa.select(records.c.type, sa.func.min(records.c.sequence), sa.func.count())
        .where(records.c.type.not_in(sorted(RECORD_TYPE_CODES)))
        .group_by(records.c.type)
        .order_by(sa.func.min(records.c.sequence))
    )
    unknown = [
        f"antidrug_records.type {kind!r} at sequence {first} ({count} row(s) of it) is no record type "
        "this library knows, so it has no code"
        for kind, first, count in found
    ]
    if unknown:
        raise StoreUnavailable(
            "; ".join(unknown) + ". The upgrade to revision 0015 changed nothing; restore those rows "
            "from a backup and run antidrug init again"
        )


def upgrade() -> None:
    records = sa.table(
        "antidrug_records",
        sa.column("sequence", sa.BigInteger),
        sa.column("type", sa.String),
        sa.column("type_code", sa.SmallInteger),
    )
    _refuse_unknown_types(records)
    op.add_column(
        "antidrug_records", sa.Column("type_code", sa.SmallInteger, nullable=False, server_default="0")
    )
    op.execute(
        records.update().values(type_code=sa.case(dict(RECORD_TYPE_CODES), value=records.c.type, else_=None))
    )
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("antidrug_records", "type_code", server_default=None, existing_type=sa.SmallInteger)
    _set_revision(revision)


def downgrade() -> None:
    """Drop the codes; the type's name is in the row and in the payload."""
    op.drop_column("antidrug_records", "type_code")
    _set_revision(down_revision or "0014")
