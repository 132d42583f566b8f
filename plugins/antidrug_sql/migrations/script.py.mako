"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}

_meta = sa.table("antidrug_meta", sa.column("key", sa.String), sa.column("value", sa.String))


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
    op.execute(_meta.update().where(_meta.c.key == "schema_revision").values(value=revision))


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
