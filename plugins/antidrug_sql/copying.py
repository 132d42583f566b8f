"""A load into an empty PostgreSQL store through ``COPY`` (psycopg 3), in the load's one transaction.

Inserting through SQLAlchemy's batched ``INSERT … VALUES`` costs PostgreSQL
a statement to parse, plan and execute per batch of rows, plus the bound
parameters' round trips: about 1,700 records/s, where ``COPY`` of the
same rows reaches 200,000. So a load into an empty PostgreSQL store:

- drops the secondary indexes of the record and access tables and the
  foreign keys from them to the stream heads (``FreshCopy.drop``), inside
  the load's transaction;
- streams each batch's rows through ``COPY … FROM STDIN``, made by the same
  compiled builders as SQLite's rows (the same canonical JSON, chain hashes,
  versions and access sets; dates and UTC timestamps as the text
  PostgreSQL reads);
- builds the indexes once and adds the foreign keys back (each checked in
  one pass over the table), then the caller moves the chain head and
  commits.

An error anywhere rolls the whole transaction back: the indexes and keys
come back with it, and the store is as it was. A record id used twice is
found when its unique index is built, and named (``DeferredIndexes``).
"""

from __future__ import annotations

from typing import Any

import psycopg
import sqlalchemy as sa

from antidrug_sql.chain import DeferredIndexes, FreshRows
from antidrug_sql.tables import ACCESS, RECORDS

__all__ = ["FreshCopy"]

_STREAMS_COPY = "COPY antidrug_streams (subject, kind, version) FROM STDIN"
_ACCESS_COPY = "COPY antidrug_access (subject, division) FROM STDIN"


def _foreign_keys() -> list[sa.ForeignKeyConstraint]:
    """The record and access tables' foreign keys to the stream heads."""
    return [
        constraint
        for table in (RECORDS, ACCESS)
        for constraint in table.constraints
        if isinstance(constraint, sa.ForeignKeyConstraint)
    ]


class FreshCopy:
    """The ``COPY`` side of one load into an empty PostgreSQL store."""

    def __init__(self, connection: sa.Connection) -> None:
        """Args:
        connection: The load's connection, in its transaction, holding the chain head.
        """
        self.connection = connection
        self.indexes = DeferredIndexes(connection)
        self._keys: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        """Drop the secondary indexes and the foreign keys (a rollback brings them back)."""
        inspector = sa.inspect(self.connection)
        for table in (RECORDS.name, ACCESS.name):
            for key in inspector.get_foreign_keys(table):
                name = key["name"]
                assert name is not None
                columns = ", ".join(f'"{c}"' for c in key["constrained_columns"])
                referred = ", ".join(f'"{c}"' for c in key["referred_columns"])
                self._keys.append(
                    (
                        table,
                        name,
                        f'FOREIGN KEY ({columns}) REFERENCES "{key["referred_table"]}" ({referred})',
                    )
                )
                self.connection.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        self.indexes.drop()

    def write(self, rows: FreshRows) -> None:
        """Copy one batch of stream heads, access sets and records (made by ``Chain.fresh_rows``)."""
        driver: Any = self.connection.connection.driver_connection
        with driver.cursor() as cursor:
            for sql, batch in ((_STREAMS_COPY, rows.streams), (_ACCESS_COPY, rows.access), *rows.records):
                if not batch:
                    continue
                try:
                    with cursor.copy(sql) as copy:
                        for row in batch:
                            copy.write_row(row)
                except psycopg.IntegrityError as error:  # a subject given twice: the streams' key
                    raise sa.exc.IntegrityError(sql, None, error) from None

    def build(self) -> None:
        """Build the indexes and add the foreign keys back, each checked once over the whole table.

        Raises:
            InvalidInput: a record id is used twice, naming it.
            ConcurrencyConflict: a subject's stream was given twice.
        """
        self.indexes.build()
        for table, name, definition in self._keys:
            self.connection.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
