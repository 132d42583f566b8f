"""Loads into an empty server store: ``COPY`` on PostgreSQL, ``LOAD DATA`` on MariaDB, in one transaction.

Inserting through SQLAlchemy's batched ``INSERT … VALUES`` costs the server
a statement to parse, plan and execute per batch of rows, plus the bound
parameters' round trips: about 1,700 records/s on PostgreSQL, where ``COPY``
of the same rows reaches 200,000. So a load into an empty server store
sends each batch's records as lines of text (``antidrug_sql.text_rows``:
the same canonical JSON, chain hashes, versions and typed values as every
other path), one statement per batch (its lines fill every column):

- on PostgreSQL (``FreshCopy``) through ``COPY … FROM STDIN``; the secondary
  indexes of the record and access tables and the foreign keys from them to
  the stream heads are dropped first (inside the load's transaction) and
  built once after the rows, each checked in one pass over the table;
- on MariaDB (``FreshInfile``) through ``LOAD DATA LOCAL INFILE`` from a file
  of this process's own, with every index in place (MariaDB commits the
  transaction on ``DROP INDEX``). The server takes a ``LOCAL`` file's
  duplicate keys and bad values as warnings and skips those rows, so every
  statement's count of rows and warnings is checked, and any warning fails
  the load, naming the record id a duplicate key names. The foreign key
  checks are off for the load's session (``foreign_key_checks``): InnoDB
  looked up and locked the stream head of every record, which took a third
  of the load's time at 20,000 people, and the load checks the same thing
  itself: every record's stream head is in its batch, inserted before it,
  and every record is its stream's subject's (``Chain.fresh_rows``). The
  unique checks stay on: they are what finds a record id used twice. The
  driver sends each file in pieces of up to 1 MiB, not 16 KiB
  (``_send_files_in_pieces``).

Making a batch's lines (Python) and the server taking them cost about the
same, so a thread of this process sends each batch while the loading thread
makes the next: the drivers wait for the server without holding the
interpreter's lock. The thread is the only user of the connection until it
is stopped; at most one batch waits for it. While it runs, the interpreter
hands its lock between threads every 0.5 ms instead of 5 ms
(``ShortSwitchInterval``): the sending thread needs the lock again after every
wait on the socket, and took it back only when the loading thread's 5 ms
were up.

An error anywhere rolls the whole transaction back (and the indexes and
keys dropped with it come back), so the store is as it was. A record id
used twice is named: by the unique index built after the rows
(``DeferredIndexes``) on PostgreSQL, by the duplicate key's warning on
MariaDB.
"""

from __future__ import annotations

import abc
import contextlib
import queue
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from antidrug_core.model import ConcurrencyConflict, InvalidInput, Problem
from antidrug_sql.chain import DeferredIndexes, FreshRows
from antidrug_sql.engines import restore_session_setting
from antidrug_sql.rows import Inserter
from antidrug_sql.tables import ACCESS, RECORDS, STREAMS

__all__ = ["FreshCopy", "FreshInfile", "ShortSwitchInterval", "infile_allowed"]

_STREAMS_COPY = "COPY antidrug_streams (subject, kind, version) FROM STDIN"
_ACCESS_COPY = "COPY antidrug_access (subject, division) FROM STDIN"
_PIECE = 1 << 20
"""Bytes handed to the driver at a time (it sends them on while the next piece is cut)."""
_PYMYSQL_PACKET = 16 << 10
"""The bytes of a local file PyMySQL sends per packet (its ``_send_local_file``)."""


def _foreign_keys() -> list[sa.ForeignKeyConstraint]:
    """The record and access tables' foreign keys to the stream heads."""
    return [
        constraint
        for table in (RECORDS, ACCESS)
        for constraint in table.constraints
        if isinstance(constraint, sa.ForeignKeyConstraint)
    ]


class ShortSwitchInterval:
    """The interpreter's switch interval made short while at least one load's sending thread runs.

    A thread waiting for the interpreter's lock gets it when the running
    thread has held it for the switch interval (5 ms by default). The sending
    thread waits on the socket many times per batch (psycopg's ``COPY``
    writes wait each time the socket's buffer is full) and each time needs the
    lock back, while the loading thread holds it making lines: at 100,000
    people on PostgreSQL the loading thread then waited 3.8-4.7 s for the
    sending thread, against 0.7-1.0 s at 0.5 ms, and the rows took 10.8-14.7 s
    against 8.8-10.5 s (runs alternated). The setting is the process's own, so
    concurrent loads share it: the first one in saves the interval it found,
    the last one out puts it back.
    """

    INTERVAL = 0.0005
    """Seconds a thread runs before one waiting for the lock takes it, while a load sends."""

    _lock = threading.Lock()
    _holders = 0
    _found: float | None = None
    """The interval the first holder found and changed (None: it was already as short, and is kept)."""

    @classmethod
    def hold(cls) -> None:
        """A sending thread starts: shorten the interval (the first one saves what it was)."""
        with cls._lock:
            if cls._holders == 0:
                found = sys.getswitchinterval()
                cls._found = found if found > cls.INTERVAL else None
                if cls._found is not None:
                    sys.setswitchinterval(cls.INTERVAL)
            cls._holders += 1

    @classmethod
    def release(cls) -> None:
        """A sending thread has ended: the last one puts the interval back."""
        with cls._lock:
            cls._holders -= 1
            if cls._holders == 0 and cls._found is not None:
                sys.setswitchinterval(cls._found)


class _SendingThread(abc.ABC):
    """A thread that sends each batch given to it on the load's connection, keeping the first error."""

    def __init__(self, connection: sa.Connection) -> None:
        """Args:
        connection: The load's connection, in its transaction, holding the chain head.
        """
        self.connection = connection
        self._queue: queue.Queue[FreshRows | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def write(self, rows: FreshRows) -> None:
        """Hand one batch of stream heads, access sets and records (``Chain.fresh_rows``) to the thread.

        Blocks while the thread is a batch behind.

        Raises:
            sqlalchemy.exc.IntegrityError: an earlier batch was refused (a subject given twice).
            InvalidInput: an earlier batch was refused (MariaDB: a record id used twice, named).
        """
        self._raise_failure()
        if self._thread is None:
            thread = threading.Thread(target=self._sending, name="antidrug-load", daemon=True)
            ShortSwitchInterval.hold()
            try:
                thread.start()
            except BaseException:
                ShortSwitchInterval.release()
                raise
            self._thread = thread
        self._queue.put(rows)
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _sending(self) -> None:
        """The thread: send each batch as it comes, until ``None``; keep the first error."""
        while (rows := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # the loading thread raises it; drain what was sent
            try:
                self._send(rows)
            except BaseException as error:  # every error goes back to the loading thread
                self._failure = error

    @abc.abstractmethod
    def _send(self, rows: FreshRows) -> None:
        """Send one batch on the connection (in the thread)."""

    def stop(self) -> None:
        """Wait for the thread to send what it was given (or to fail), and end it."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            ShortSwitchInterval.release()

    def finish(self) -> None:
        """Stop the thread; raise the error it kept, if any."""
        self.stop()
        self._raise_failure()


class FreshCopy(_SendingThread):
    """The ``COPY`` side of one load into an empty PostgreSQL store."""

    def __init__(self, connection: sa.Connection) -> None:
        """Args:
        connection: The load's connection, in its transaction, holding the chain head.
        """
        super().__init__(connection)
        self.indexes = DeferredIndexes(connection)
        self._keys: list[tuple[str, str, str]] = []
        self._primary: tuple[str, str] | None = None

    def drop(self) -> None:
        """Drop the secondary indexes, the foreign keys and the record table's primary key (a rollback
        brings them back).

        The primary key (the chain's sequence) costs the server a B-tree insert per row while the
        rows come, and one sort of numbers already in order when it is built after them.
        """
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
        primary = inspector.get_pk_constraint(RECORDS.name)
        name = primary["name"]
        if name:
            columns = ", ".join(f'"{c}"' for c in primary["constrained_columns"])
            self._primary = (name, f"PRIMARY KEY ({columns})")
            self.connection.exec_driver_sql(f'ALTER TABLE "{RECORDS.name}" DROP CONSTRAINT "{name}"')

    def _send(self, rows: FreshRows) -> None:
        from psycopg import IntegrityError  # the driver is an extra: a store on SQLite needs none

        driver: Any = self.connection.connection.driver_connection
        with driver.cursor() as cursor:
            for sql, batch in ((_STREAMS_COPY, rows.streams), (_ACCESS_COPY, rows.access)):
                if not batch:
                    continue
                try:
                    with cursor.copy(sql) as copy:
                        for row in batch:
                            copy.write_row(row)
                except IntegrityError as error:  # a subject given twice: the streams' key
                    raise sa.exc.IntegrityError(sql, None, error) from None
            for lines in rows.lines:
                columns = ", ".join(f'"{name}"' for name in lines.columns)
                with cursor.copy(f"COPY antidrug_records ({columns}) FROM STDIN") as copy:
                    text = memoryview("".join(lines.lines).encode("utf-8"))
                    for start in range(0, len(text), _PIECE):
                        copy.write(text[start : start + _PIECE])

    def build(self) -> None:
        """Build the indexes and add the foreign keys back, each checked once over the whole table.

        Raises:
            InvalidInput: a record id is used twice, naming it.
            ConcurrencyConflict: a subject's stream was given twice.
            sqlalchemy.exc.IntegrityError: a batch was refused (a subject given twice).
        """
        self.finish()
        # The server's own memory for sorting (``maintenance_work_mem``): at a million people every
        # index took 37.2 s with the 64 MB installed and 50.5 s with 256 MB, which this set before.
        if self._primary is not None:  # unique by construction: one sequence number per record
            key, primary = self._primary
            self.connection.exec_driver_sql(f'ALTER TABLE "{RECORDS.name}" ADD CONSTRAINT "{key}" {primary}')
        self.indexes.build()
        for table, name, definition in self._keys:
            self.connection.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


_LOCAL_FILES = 1 << 7
"""The MySQL protocol's ``CLIENT_LOCAL_FILES`` capability: the connection asked to send files."""

_DUPLICATE = re.compile(r"Duplicate entry '(?P<value>.*)' for key '(?P<key>[^']*)'")
_COLUMN = re.compile(r"\bcolumn (?P<name>\S+) at row\b")
"""A warning's column, quoted (``'kind'``) or qualified (```db`.`table`.`on```)."""
_ROW = re.compile(r"\b[Rr]ow (?P<row>\d+)\b")
"""A warning's line of the file, counted from 1."""


def _record_at(lines: Sequence[str], row: re.Match[str] | None) -> str | None:
    """The record id of the file's line a warning names (the line's second field), if it names one."""
    if row is None or not 1 <= int(row["row"]) <= len(lines):
        return None
    return lines[int(row["row"]) - 1].split("\t", 2)[1]


def infile_allowed(connection: sa.Connection) -> bool:
    """Whether the server takes ``LOAD DATA LOCAL INFILE`` on this connection (MariaDB/MySQL).

    Both sides must allow it: the server's ``local_infile`` variable, and the
    connection, which asks for it when it is made (the store's engine does).
    """
    driver: Any = connection.connection.driver_connection
    if not getattr(driver, "client_flag", 0) & _LOCAL_FILES:
        return False
    return bool(connection.exec_driver_sql("SELECT @@local_infile").scalar())


class FreshInfile(_SendingThread):
    """The ``LOAD DATA LOCAL INFILE`` side of one load into an empty MariaDB/MySQL store.

    Each batch's lines (every column, in the chain's order) go into a file of
    a folder only this process's user can read, which the server then asks
    the driver for.
    The driver sends a file only while this load's own statement runs: at any
    other time a server asking for one is refused (``antidrug_sql.engines``).
    """

    def __init__(self, connection: sa.Connection) -> None:
        """Args:
        connection: The load's connection (``infile_allowed``), in its transaction.
        """
        super().__init__(connection)
        self._streams = Inserter(STREAMS, connection.dialect)
        self._access = Inserter(ACCESS, connection.dialect)
        driver: Any = connection.connection.driver_connection
        self._driver = driver
        driver._local_infile = False  # until a statement of this load asks for its file (as made)
        largest = connection.exec_driver_sql("SELECT @@max_allowed_packet").scalar()
        self._packet = max(_PYMYSQL_PACKET, min(_PIECE, int(largest or 0) // 2))
        _send_files_in_pieces()
        # The session's setting last of all, and the folder after it, so that nothing is left
        # behind (a connection without foreign key checks, an empty folder) when this fails.
        connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")  # until stop()
        try:
            self._folder = Path(tempfile.mkdtemp(prefix="antidrug-load-"))
        except BaseException:
            restore_session_setting(connection, "SET SESSION foreign_key_checks = 1")
            raise

    def _send(self, rows: FreshRows) -> None:
        self._streams.insert(self.connection, [list(row) for row in rows.streams])
        self._access.insert(self.connection, [list(row) for row in rows.access])
        path = self._folder / "records.txt"
        for lines in rows.lines:
            path.write_text("".join(lines.lines), encoding="utf-8")
            # The hash comes as hex digits into a variable, and is stored as its bytes.
            columns = ", ".join("@hash" if name == "hash" else f"`{name}`" for name in lines.columns)
            sql = (
                "LOAD DATA LOCAL INFILE %s INTO TABLE antidrug_records CHARACTER SET utf8mb4 "
                "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
                f"({columns}) SET `hash` = UNHEX(@hash)"
            )
            with self._driver.cursor() as cursor:
                self._driver._local_infile = True
                self._driver.antidrug_file_packet = self._packet
                try:
                    loaded = cursor.execute(sql, (str(path),))
                finally:
                    self._driver._local_infile = False
                    self._driver.antidrug_file_packet = None
                cursor.execute("SELECT @@warning_count")
                (warnings,) = cursor.fetchone()
                if loaded != len(lines) or warnings:
                    cursor.execute("SHOW WARNINGS LIMIT 100")
                    raise _refused(cursor.fetchall(), len(lines) - loaded, lines.lines)

    def stop(self) -> None:
        """Wait for the thread to send what it was given (or to fail), end it, and remove the files."""
        try:
            super().stop()
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(self._folder)
            restore_session_setting(self.connection, "SET SESSION foreign_key_checks = 1")


def _send_files_in_pieces() -> None:
    """Have PyMySQL send a load's files in pieces of up to ``_PIECE`` bytes instead of 16 KiB.

    PyMySQL reads and sends a local file 16 KiB at a time, and the sending
    thread takes the interpreter's lock back after each read and each send,
    while the loading thread holds it making the next batch's lines. At
    100,000 people the rows took 23.6 s in 16 KiB packets and 20.1 s in
    1 MiB ones. PyMySQL has no setting for it, so its module function is
    replaced by one that sends in the pieces a connection in a load asks for
    (``antidrug_file_packet``) and leaves every other connection to
    PyMySQL's own. Where a later PyMySQL no longer has that function, nothing
    is replaced and files go in its own packets.
    """
    from pymysql import connections  # type: ignore[import-untyped]  # no stubs
    from pymysql.constants import ER  # type: ignore[import-untyped]
    from pymysql.err import OperationalError  # type: ignore[import-untyped]

    own = getattr(connections, "_send_local_file", None)
    if own is None or getattr(own, "antidrug_pieces", False):
        return  # a PyMySQL that sends files another way, or replaced already

    def send_local_file(filename: str, driver: Any) -> None:
        packet = getattr(driver, "antidrug_file_packet", None)
        if not packet:
            own(filename, driver)
            return
        try:
            with open(filename, "rb") as file:
                while piece := file.read(packet):
                    driver.write_packet(piece)
        except OSError as error:  # as PyMySQL's own says it
            raise OperationalError(ER.FILE_NOT_FOUND, f"Can't open file '{filename}': {error}") from error

    send_local_file.antidrug_pieces = True  # type: ignore[attr-defined]
    connections._send_local_file = send_local_file


def _refused(warnings: list[tuple[Any, ...]], skipped: int, lines: Sequence[str]) -> Exception:
    """The library's error for the rows a ``LOAD DATA`` of ``lines`` skipped or changed (its warnings),
    each problem naming the column and the record where the server says which (``at row N`` of the
    file is the record of the N-th line)."""
    problems: list[Problem] = []
    for _level, _code, message in warnings:
        found = _DUPLICATE.search(str(message))
        if found is not None and found["key"].endswith("records_id"):
            value = found["value"]
            problems.append(Problem("id", f"record id {value!r} is used twice", value))
        elif found is not None:
            return ConcurrencyConflict(
                f"the rows are not unique on {found['key']}: a subject's records were given twice"
            )
        else:
            column = _COLUMN.search(str(message))
            row = _ROW.search(str(message))
            field = column["name"].replace("`", "").replace("'", "").rsplit(".", 1)[-1] if column else ""
            problems.append(Problem(field, f"the store refused the value: {message}", _record_at(lines, row)))
    if not problems:
        problems.append(Problem("", f"the store skipped {skipped} rows without saying why"))
    return InvalidInput(problems)
