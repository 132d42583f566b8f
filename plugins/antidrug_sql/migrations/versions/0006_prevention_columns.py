"""Typed columns for the records of an organisation's work log (prevention, eradication, organisation).

The record table gains one column per new text, enum or record-id field of
the work-log records (docs/prevention.md): an activity's ``theme`` and
``key_date``, a volunteer's id, a training's ``topic``, a survey's
``place``, the ``species`` of plants found and the finding a destruction
names (``found``), a leading group's ``leader``, funding's ``purpose`` and a
rating's ``scheme``. Counts, areas, money and lists stay in the payload, as
they do for every record type. Nothing is copied: the columns are added
empty, and no existing record has these fields.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from antidrug_sql.tables import Key

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_META = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_TEXT_COLUMNS = ("key_date", "leader", "place", "purpose", "scheme", "theme", "topic", "volunteer")
"""Free-text fields (a key date and a scheme are ids of data a host extends, so text, not enums)."""
_SPECIES_LENGTH = 8
"""The longest ``PlantSpecies`` value (``cannabis``)."""


def _set_revision(value: str) -> None:
    op.execute(_META.update().where(_META.c.key == "schema_revision").values(value=value))


def upgrade() -> None:
    for name in _TEXT_COLUMNS:
        op.add_column("antidrug_records", sa.Column(name, sa.Text, nullable=True))
    op.add_column("antidrug_records", sa.Column("species", sa.String(_SPECIES_LENGTH), nullable=True))
    op.add_column("antidrug_records", sa.Column("found", Key(), nullable=True))
    _set_revision(revision)


def downgrade() -> None:
    """Drop the columns; the records keep their payloads, which hold every field."""
    for name in (*_TEXT_COLUMNS, "species", "found"):
        op.drop_column("antidrug_records", name)
    _set_revision(down_revision or "0005")
