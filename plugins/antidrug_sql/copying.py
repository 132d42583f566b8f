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

Making a batch's rows (Python) and PostgreSQL taking them cost about the
same, so a thread of this process does the copying while the loading thread
makes the next batch: psycopg waits for the server without holding the
interpreter's lock. The thread is the only user of the connection until the
indexes are built; at most one batch waits for it.

An error anywhere rolls the whole transaction back: the indexes and keys
come back with it, and the store is as it was. A record id used twice is
found when its unique index is built, and named (``DeferredIndexes``).
"""

from __future__ import annotations

import queue
import threading
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
        self._queue: queue.Queue[FreshRows | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

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
        """Hand one batch of stream heads, access sets and records (``Chain.fresh_rows``) to the thread.

        Blocks while the thread is a batch behind.

        Raises:
            sqlalchemy.exc.IntegrityError: an earlier batch was refused (a subject given twice).
        """
        self._raise_failure()
        if self._thread is None:
            self._thread = threading.Thread(target=self._copying, name="antidrug-copy", daemon=True)
            self._thread.start()
        self._queue.put(rows)
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _copying(self) -> None:
        """The thread: copy each batch as it comes, until ``None``; keep the first error."""
        driver: Any = self.connection.connection.driver_connection
        while (rows := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # the loading thread raises it; drain what was sent
            try:
                self._copy(driver, rows)
            except BaseException as error:  # every error goes back to the loading thread
                self._failure = error

    @staticmethod
    def _copy(driver: Any, rows: FreshRows) -> None:
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

    def stop(self) -> None:
        """Wait for the thread to copy what it was given (or to fail), and end it."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def build(self) -> None:
        """Build the indexes and add the foreign keys back, each checked once over the whole table.

        Raises:
            InvalidInput: a record id is used twice, naming it.
            ConcurrencyConflict: a subject's stream was given twice.
            sqlalchemy.exc.IntegrityError: a batch was refused (a subject given twice).
        """
        self.stop()
        self._raise_failure()
        # Memory for sorting, in this transaction only (PostgreSQL's default is 64 MB).
        self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        self.indexes.build()
        for table, name, definition in self._keys:
            self.connection.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
