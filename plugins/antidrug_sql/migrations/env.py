"""Alembic environment: migrations always run on a connection the store hands over.

The store opens the connection, takes the schema lock and begins the
transaction (``antidrug_sql.schema.prepare_schema``); Alembic runs inside it.
"""

from __future__ import annotations

from alembic import context

from antidrug_sql.schema import VERSION_TABLE
from antidrug_sql.tables import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the antidrug migrations with: antidrug init --db URL")
context.configure(connection=connection, target_metadata=METADATA, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
