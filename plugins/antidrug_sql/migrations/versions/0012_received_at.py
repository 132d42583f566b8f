"""The store's own clock per row: ``antidrug_records.received_at``.

Every record row keeps the time the store received it beside the time it
claims (``recorded_at``, from the record or the loaded file). Writers set it
to the time of their commit's or load's ledger entry; ``antidrug audit
verify`` checks that it still is, and ``antidrug audit late`` reads it.

Rows already stored get the time of the ledger entry that says they
arrived. Rows stored before the store kept a ledger (the ``upgrade`` entry
of revision 0008) keep it empty: when they arrived is not known, and no
time is made up for them. One update per arrival, by the records' primary
key range, in the upgrade's transaction (on SQLite and PostgreSQL: an
interrupted upgrade leaves the store at the revision before).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from antidrug_sql.tables import UtcDateTime

revision = "0012"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_CHUNK = 1000


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def upgrade() -> None:
    op.add_column("antidrug_records", sa.Column("received_at", UtcDateTime(), nullable=True))
    connection = op.get_bind()
    ledger = sa.table(
        "antidrug_ledger",
        sa.column("sequence"),
        sa.column("kind"),
        sa.column("at", UtcDateTime()),
        sa.column("first"),
        sa.column("last"),
    )
    records = sa.table("antidrug_records", sa.column("sequence"), sa.column("received_at", UtcDateTime()))
    statement = (
        sa.update(records)
        .where(records.c.sequence.between(sa.bindparam("low"), sa.bindparam("high")))
        .values(received_at=sa.bindparam("at"))
    )
    arrivals = connection.execute(
        sa.select(ledger.c.at, ledger.c.first, ledger.c.last)
        .where(ledger.c.kind.in_(["commit", "load"]))
        .order_by(ledger.c.sequence)
    ).all()
    for start in range(0, len(arrivals), _CHUNK):
        chunk = arrivals[start : start + _CHUNK]
        connection.execute(statement, [{"low": row.first, "high": row.last, "at": row.at} for row in chunk])
    _set_revision(revision)


def downgrade() -> None:
    """Back to the revision before: the receipt times stay in the ledger, which they were copied from."""
    op.drop_column("antidrug_records", "received_at")
    _set_revision("0010")
