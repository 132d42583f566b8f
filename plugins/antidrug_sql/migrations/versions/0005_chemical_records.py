"""The typed columns of a unit's precursor-chemical records (licences, ledger, counts, inspections).

Records of units gain typed columns for what an inspector filters on: the
licence and its number, the chemical, the movement, the counterparty and
licence number of a ledger line, and the records an order, a completion and
a revocation name (``inspection``, ``order``, ``licence_record``, compared as
ids like every key). Quantities, measures' exact amounts, an inspection's
items and an order's due date stay in the canonical payload. Existing rows
are unchanged: no record of these types existed before this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from antidrug_sql.tables import Key

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))

_TEXT = ("chemical", "counterparty", "licence_number", "number")
"""Free text: a chemical's catalogue id, a counterparty, a licence's number."""
_KEYS = ("inspection", "licence_record", "order")
"""Ids of other records of the unit."""
_ENUMS = (("item", 10), ("licence", 18), ("movement", 9))
"""Enumerations and the length of their longest value."""


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def upgrade() -> None:
    for name in _TEXT:
        op.add_column("antidrug_records", sa.Column(name, sa.Text, nullable=True))
    for name in _KEYS:
        op.add_column("antidrug_records", sa.Column(name, Key(), nullable=True))
    for name, length in _ENUMS:
        op.add_column("antidrug_records", sa.Column(name, sa.String(length), nullable=True))
    _set_revision(revision)


def downgrade() -> None:
    """Back to 0004; refused while the store holds a chemical record, whose columns would go."""
    tags = ", ".join(
        f"'{tag}'"
        for tag in (
            "licence_granted",
            "licence_revoked",
            "ledger_entry",
            "stock_counted",
            "inspected",
            "rectification_ordered",
            "rectification_done",
            "incident_reported",
        )
    )
    held = op.get_bind().execute(sa.text(f"SELECT COUNT(*) FROM antidrug_records WHERE type IN ({tags})"))
    if held.scalar():
        raise RuntimeError("the store holds precursor-chemical records, which revision 0004 cannot type")
    for name in (*_TEXT, *_KEYS, *(n for n, _ in _ENUMS)):
        op.drop_column("antidrug_records", name)
    _set_revision("0004")
