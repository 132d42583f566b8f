"""The first schema: records with typed columns and the audit chain, people, access, identities, divisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from antidrug_sql.tables import Digest, Key, UtcDateTime

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_OPTIONS: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def upgrade() -> None:
    meta = op.create_table(
        "antidrug_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_antidrug_meta"),
        **_OPTIONS,
    )
    head = op.create_table(
        "antidrug_chain_head",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("hash", Digest(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_antidrug_chain_head"),
        **_OPTIONS,
    )
    op.create_table(
        "antidrug_people",
        sa.Column("person", Key(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("person", name="pk_antidrug_people"),
        **_OPTIONS,
    )
    op.create_table(
        "antidrug_access",
        sa.Column("person", Key(), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("person", "division", name="pk_antidrug_access"),
        sa.ForeignKeyConstraint(["person"], ["antidrug_people.person"], name="fk_antidrug_access_person"),
        **_OPTIONS,
    )
    op.create_index("ix_antidrug_access_division_person", "antidrug_access", ["division", "person"])
    op.create_table(
        "antidrug_divisions",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("parent", sa.String(12), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_antidrug_divisions"),
        **_OPTIONS,
    )
    op.create_table(
        "antidrug_identities",
        sa.Column("person", Key(), nullable=False),
        sa.Column("name", sa.LargeBinary, nullable=False),
        sa.Column("resident_id", sa.LargeBinary, nullable=False),
        sa.Column("resident_id_index", Digest(), nullable=False),
        sa.PrimaryKeyConstraint("person", name="pk_antidrug_identities"),
        sa.ForeignKeyConstraint(["person"], ["antidrug_people.person"], name="fk_antidrug_identities_person"),
        **_OPTIONS,
    )
    op.create_index("ix_antidrug_identities_resident_id_index", "antidrug_identities", ["resident_id_index"])
    op.create_table(
        "antidrug_records",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("id", Key(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("person", Key(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("voids", Key(), nullable=True),
        sa.Column("activity", sa.String(12), nullable=True),
        sa.Column("confirmed_by", sa.Text, nullable=True),
        sa.Column("division", sa.String(12), nullable=True),
        sa.Column("due", Key(), nullable=True),
        sa.Column("from_division", sa.String(12), nullable=True),
        sa.Column("household", sa.String(12), nullable=True),
        sa.Column("kind", sa.String(23), nullable=True),
        sa.Column("level", sa.String(6), nullable=True),
        sa.Column("measure", sa.String(22), nullable=True),
        sa.Column("method", sa.String(12), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("proposed_level", sa.String(6), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("request", Key(), nullable=True),
        sa.Column("residence", sa.String(12), nullable=True),
        sa.Column("result", sa.String(8), nullable=True),
        sa.Column("rule_set", sa.Text, nullable=True),
        sa.Column("status", sa.String(21), nullable=True),
        sa.Column("to_division", sa.String(12), nullable=True),
        sa.Column("payload", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql"), nullable=False),
        sa.Column("hash", Digest(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_antidrug_records"),
        sa.UniqueConstraint("id", name="uq_antidrug_records_id"),
        sa.UniqueConstraint("person", "version", name="uq_antidrug_records_person_version"),
        sa.ForeignKeyConstraint(["person"], ["antidrug_people.person"], name="fk_antidrug_records_person"),
        **_OPTIONS,
    )
    op.create_index("ix_antidrug_records_type_on", "antidrug_records", ["type", "on"])
    op.bulk_insert(head, [{"id": 1, "sequence": 0, "hash": bytes(32)}])
    op.bulk_insert(
        meta,
        [
            {"key": "schema_revision", "value": revision},
            {"key": "format", "value": "antidrug-sql/1"},
        ],
    )


def downgrade() -> None:
    for table in (
        "antidrug_records",
        "antidrug_identities",
        "antidrug_divisions",
        "antidrug_access",
        "antidrug_people",
        "antidrug_chain_head",
        "antidrug_meta",
    ):
        op.drop_table(table)
