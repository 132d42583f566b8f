"""A typed column for the legal basis of sealing decisions (封存, 解除封存).

``file_sealed`` and ``file_unsealed`` records (docs/concepts.md, "Sealed
files") carry a ``basis`` and a ``reason``; ``reason`` has its column
already, so the record table gains ``basis``. A store of 0008 holds no such
record; one brought down to 0008 and up again does, and their ``basis`` is
filled from their payloads (a handful of rows), so the typed column agrees
with the chained record as ``antidrug audit verify`` requires. Queries of
sealed files are entered in the ledger (``sealed_read`` entries), which
needs no change of schema.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_RECORDS = sa.table(
    "antidrug_records",
    sa.column("sequence", sa.BigInteger),
    sa.column("type", sa.String),
    sa.column("payload", sa.Text),
    sa.column("basis", sa.Text),
)
_DECISIONS = ("file_sealed", "file_unsealed")


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def upgrade() -> None:
    op.add_column("antidrug_records", sa.Column("basis", sa.Text, nullable=True))
    connection = op.get_bind()
    decisions = connection.execute(
        sa.select(_RECORDS.c.sequence, _RECORDS.c.payload).where(_RECORDS.c.type.in_(_DECISIONS))
    ).all()
    for sequence, payload in decisions:
        basis = json.loads(payload).get("basis")
        connection.execute(sa.update(_RECORDS).where(_RECORDS.c.sequence == sequence).values(basis=basis))
    _set_revision(revision)


def downgrade() -> None:
    """Drop the column; the records keep their payloads, which hold every field."""
    op.drop_column("antidrug_records", "basis")
    _set_revision(down_revision or "0008")
