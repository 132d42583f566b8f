"""Per-person identity keys: ``antidrug_identity_keys``, for crypto-shredding.

Each person's name and number are now encrypted under a data key of their
own (format ``0x02``), kept wrapped under the host key in this table, so
that erasing a person (``antidrug retention apply``) destroys their key and
with it every copy of their ciphertext. Identities written before (format
``0x01``, under the store-wide key) are left as they are: they still read,
and move to a key of their own when rewritten or when ``antidrug keys
rotate`` runs (this migration has no host key, so it cannot re-encrypt).
The ledger needs nothing: an identity without a data key has the digest it
had.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from antidrug_sql.tables import Key

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_OPTIONS: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def upgrade() -> None:
    op.create_table(
        "antidrug_identity_keys",
        sa.Column("person", Key(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("person", name="pk_antidrug_identity_keys"),
        **_OPTIONS,
    )
    _set_revision(revision)


def downgrade() -> None:
    """Back to the revision before, only while no identity is under a key of its own: dropping the keys would
    erase every identity written since."""
    connection = op.get_bind()
    keys = sa.table("antidrug_identity_keys", sa.column("person"))
    if connection.execute(sa.select(sa.func.count()).select_from(keys)).scalar():
        raise RuntimeError(
            "the store holds identities under per-person keys; downgrading would erase them all"
        )
    op.drop_table("antidrug_identity_keys")
    _set_revision("0009")
