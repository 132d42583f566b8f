"""The ledger: a second hash chain over the policy, divisions, identities and arrivals.

Adds ``antidrug_ledger`` (``antidrug_core.ledger``) and the ledger's head
beside the chain head, and opens the ledger of a store that had none with
what the store holds when upgraded: its kept policy, every division's name
and parent, a digest of every identity's ciphertexts, and one ``upgrade``
entry covering the records already stored (when they arrived is not
known). Stream heads and access sets need no entry: ``antidrug audit
verify`` recomputes them from the chained records. Nothing else changes,
so the store verifies after the upgrade as before it.

The entries are written in the upgrade's transaction (on SQLite and
PostgreSQL: an interrupted upgrade leaves the store at 0006); a store of
a million people gains a million identity entries, a minute or so.

Revision ID: 0008
Revises: 0006 (0007 is not taken)
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

from antidrug_core.ledger import GENESIS, EntryKind, entry_text, identity_digest, ledger_hash
from antidrug_sql.tables import Digest, Key, UtcDateTime

revision = "0008"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_OPTIONS: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}
_CHUNK = 1000


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def _sequence_type() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _long_text() -> sa.types.TypeEngine[str]:
    from sqlalchemy.dialects import mysql

    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


def _opening_entries(connection: sa.Connection) -> list[tuple[EntryKind, str, dict[str, Any], Any, Any]]:
    """What the store holds now, as the ledger's first entries."""
    entries: list[tuple[EntryKind, str, dict[str, Any], Any, Any]] = []
    policy = connection.execute(sa.select(_META.c.value).where(_META.c.key == "policy")).scalar()
    if policy is not None:
        entries.append((EntryKind.POLICY, "", {"policy": policy}, None, None))
    divisions = sa.table("antidrug_divisions", sa.column("code"), sa.column("name"), sa.column("parent"))
    for row in connection.execute(sa.select(divisions).order_by(divisions.c.code)):
        entries.append((EntryKind.DIVISION, row.code, {"name": row.name, "parent": row.parent}, None, None))
    identities = sa.table(
        "antidrug_identities",
        sa.column("person", Key()),
        sa.column("name", sa.LargeBinary()),
        sa.column("resident_id", sa.LargeBinary()),
        sa.column("resident_id_index", Digest()),
    )
    for row in connection.execute(sa.select(identities).order_by(identities.c.person)):
        digest = identity_digest(bytes(row.name), bytes(row.resident_id), bytes(row.resident_id_index))
        entries.append((EntryKind.IDENTITY, row.person, {"digest": digest}, None, None))
    head = sa.table("antidrug_chain_head", sa.column("id"), sa.column("sequence"))
    records = connection.execute(sa.select(head.c.sequence).where(head.c.id == 1)).scalar()
    if records:
        entries.append((EntryKind.UPGRADE, "", {}, 1, int(records)))
    return entries


def upgrade() -> None:
    ledger = op.create_table(
        "antidrug_ledger",
        sa.Column("sequence", _sequence_type(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", Key(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("first", sa.BigInteger, nullable=True),
        sa.Column("last", sa.BigInteger, nullable=True),
        sa.Column("payload", _long_text(), nullable=False),
        sa.Column("hash", Digest(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_antidrug_ledger"),
        **_OPTIONS,
    )
    op.add_column("antidrug_chain_head", sa.Column("ledger_sequence", sa.BigInteger, nullable=True))
    op.add_column("antidrug_chain_head", sa.Column("ledger_hash", Digest(), nullable=True))
    connection = op.get_bind()
    at = dt.datetime.now(dt.UTC)
    last, sequence, rows = GENESIS, 0, []
    for kind, key, data, first, final in _opening_entries(connection):
        sequence += 1
        text = entry_text(kind, key, at, data, first, final)
        last = ledger_hash(last, sequence, text)
        rows.append(
            {
                "sequence": sequence,
                "kind": kind.value,
                "key": key,
                "at": at,
                "first": first,
                "last": final,
                "payload": text,
                "hash": last,
            }
        )
        if len(rows) >= _CHUNK:
            connection.execute(sa.insert(ledger), rows)
            rows = []
    if rows:
        connection.execute(sa.insert(ledger), rows)
    head = sa.table(
        "antidrug_chain_head",
        sa.column("id"),
        sa.column("ledger_sequence"),
        sa.column("ledger_hash", Digest()),
    )
    connection.execute(
        sa.update(head).where(head.c.id == 1).values(ledger_sequence=sequence, ledger_hash=last)
    )
    _set_revision(revision)


def downgrade() -> None:
    """Back to 0006: the ledger is dropped (its facts stay in the tables, unchecked)."""
    op.drop_column("antidrug_chain_head", "ledger_hash")
    op.drop_column("antidrug_chain_head", "ledger_sequence")
    op.drop_table("antidrug_ledger")
    _set_revision("0006")
