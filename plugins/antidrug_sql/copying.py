"""Loads into an empty server store: ``COPY`` on PostgreSQL, ``LOAD DATA`` on MariaDB, in one transaction.

Inserting through SQLAlchemy's batched ``INSERT … VALUES`` costs the server
a statement to parse, plan and execute per batch of rows, plus the bound
parameters' round trips: about 1,700 records/s on PostgreSQL, where ``COPY``
of the same rows reaches 200,000. So a load into an empty server store
sends each batch's records as lines of text (``antidrug_sql.text_rows``:
the same canonical JSON, chain hashes, versions and typed values as every
other path), its lines filling every column:

- on PostgreSQL (``FreshCopy``) through ``COPY … FROM STDIN``, one per batch;
  the secondary indexes of the record and access tables and the foreign keys
  from them to the stream heads are dropped first (inside the load's
  transaction) and built once after the rows, each checked in one pass over
  the table;
- on MariaDB (``FreshInfile``) through one ``LOAD DATA LOCAL INFILE`` for
  every record of the load, fed batch by batch, with unique checks off where
  the server then builds the empty table's indexes by sorting (InnoDB's bulk
  insert, ``has_bulk_insert``): MariaDB commits the transaction on ``DROP
  INDEX``, so this is its way to build the indexes after the rows in one
  transaction. The stream heads and access sets follow the records, one
  statement each. The server takes a ``LOCAL`` file's duplicate keys and bad
  values as warnings and skips those rows, so every statement's count of rows
  and warnings is checked, and any warning fails the load, naming the record
  on the line it names; a bulk insert refuses a key used twice without saying
  which, and the load then finds the ids used twice itself. The foreign key
  checks are off for the load's session (``foreign_key_checks``): InnoDB
  looked up and locked the stream head of every record, which took a third
  of the load's time at 20,000 people, and the load checks the same thing
  itself: every record's stream head is in its batch, and every record is
  its stream's subject's (``Chain.fresh_rows``). The driver is handed the
  load's own lines in pieces of up to 1 MiB, never a file the server names
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
(``DeferredIndexes``) on PostgreSQL, by the duplicate key's warning or the
load's own search of the ids it sent (``FreshInfile``) on MariaDB.
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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from antidrug_core.model import ConcurrencyConflict, InvalidInput, Problem
from antidrug_sql.chain import DeferredIndexes, FreshRows, given_twice
from antidrug_sql.engines import restore_session_setting
from antidrug_sql.tables import ACCESS, KEY_LENGTH, RECORDS, STREAMS
from antidrug_sql.text_rows import escaped

__all__ = [
    "FreshCopy",
    "FreshInfile",
    "ShortSwitchInterval",
    "analyse_loaded",
    "has_bulk_insert",
    "infile_allowed",
]

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
            ConcurrencyConflict: an earlier batch was refused (a subject given twice, named).
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
                    raise _subject_in_detail(error) from None
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
            ConcurrencyConflict: a subject's stream was given twice, naming it.
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


def _line_at(path: Path, row: re.Match[str] | None) -> str | None:
    """The line of ``path`` (one record id per line) a warning's ``row N`` names, if it names one."""
    if row is None or int(row["row"]) < 1:
        return None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if number == int(row["row"]):
                return line.rstrip("\n")
    return None


def infile_allowed(connection: sa.Connection) -> bool:
    """Whether the server takes ``LOAD DATA LOCAL INFILE`` on this connection (MariaDB/MySQL).

    Both sides must allow it: the server's ``local_infile`` variable, and the
    connection, which asks for it when it is made (the store's engine does).
    """
    driver: Any = connection.connection.driver_connection
    if not getattr(driver, "client_flag", 0) & _LOCAL_FILES:
        return False
    return bool(connection.exec_driver_sql("SELECT @@local_infile").scalar())


def has_bulk_insert(connection: sa.Connection) -> bool:
    """Whether the server builds an empty table's indexes by sorting when a transaction's first
    statement into it runs with unique checks off (MariaDB's bulk insert, fixed in the versions
    ``mariadb-import`` trusts with it: 10.11.11, 11.4.5, 11.7.2 and later in their series).

    Elsewhere (MySQL, older MariaDB) turning unique checks off may let a duplicate key in
    unnoticed where inserts are buffered, so a load keeps them on there.
    """
    dialect: Any = connection.dialect
    version = tuple(part for part in dialect.server_version_info or () if isinstance(part, int))[:3]
    if not getattr(dialect, "is_mariadb", False):
        return False
    return version >= (11, 7, 2) or (11, 4, 5) <= version < (11, 5) or (10, 11, 11) <= version < (10, 12)


class FreshInfile(_SendingThread):
    """The ``LOAD DATA LOCAL INFILE`` side of one load into an empty MariaDB/MySQL store.

    Every record of the load goes in one statement: the sending thread starts
    it with the first batch, and the driver, asked for the statement's file,
    is handed each batch's lines as the loading thread makes them
    (``_send_files_in_pieces``), until the load ends. On MariaDB the
    statement runs with unique checks off (``has_bulk_insert``), so InnoDB builds
    the empty table's indexes by sorting at the statement's end instead of
    reading a page of each unique index for every row: at a million people
    with the installed 128 MiB buffer pool, the same rows took 254.9 s this
    way and 616.2 s a statement per batch with the indexes in place
    (``docs/decisions.md``). One statement, because only a transaction's
    first statement into an empty table is a bulk insert.

    The stream heads and access sets cannot go on the connection while that
    statement runs, so they are written to files of a folder only this
    process's user can read, and loaded after the records, one statement
    each (foreign key checks are off for the load's session). So are the
    record ids, one per line: a bulk insert refuses an id used twice as
    "Operation not permitted" without naming it, and a warning names a line
    of the whole load; the ids file names both.

    The driver sends a file only while this load's own statement runs: at
    any other time a server asking for one is refused (``antidrug_sql.engines``).
    """

    def __init__(self, connection: sa.Connection) -> None:
        """Args:
        connection: The load's connection (``infile_allowed``), in its transaction.
        """
        super().__init__(connection)
        driver: Any = connection.connection.driver_connection
        self._driver = driver
        driver._local_infile = False  # until a statement of this load asks for its file (as made)
        largest = connection.exec_driver_sql("SELECT @@max_allowed_packet").scalar()
        self._packet = max(_PYMYSQL_PACKET, min(_PIECE, int(largest or 0) // 2))
        self._bulk = has_bulk_insert(connection)
        self._records = self._heads = self._sets = 0
        """The records, stream heads and access sets handed over so far."""
        self._ended = False
        """Whether the thread has taken the ``None`` that ends the load."""
        _send_files_in_pieces()
        # The session's settings last of all, and the folder after them, so that nothing is left
        # behind (a connection without its checks, an empty folder) when this fails.
        settings = ["foreign_key_checks", *(["unique_checks"] if self._bulk else [])]
        try:
            for setting in settings:
                connection.exec_driver_sql(f"SET SESSION {setting} = 0")  # until stop()
            self._folder = Path(tempfile.mkdtemp(prefix="antidrug-load-"))
        except BaseException:
            self._restore()
            raise
        self._ids = self._folder / "ids.txt"
        self._streams = self._folder / "streams.txt"
        self._access = self._folder / "access.txt"
        self._id_lines, self._stream_lines, self._access_lines = (
            path.open("w", encoding="utf-8") for path in (self._ids, self._streams, self._access)
        )

    def _close_files(self) -> None:
        for file in (self._id_lines, self._stream_lines, self._access_lines):
            file.close()

    def _restore(self) -> None:
        """Give the session its checks back (or throw it away): the next unit of work on this pooled
        connection must check keys again."""
        restore_session_setting(self.connection, "SET SESSION foreign_key_checks = 1")
        restore_session_setting(self.connection, "SET SESSION unique_checks = 1")

    def _sending(self) -> None:
        """The thread: the records' one statement, started by the first batch that has records and
        fed until ``None``; the first error is kept, and what is still handed over is taken and
        dropped. Batches before it (new streams without records) only go to the files."""
        try:
            while (rows := self._queue.get()) is not None:
                if rows.lines:
                    self._load_records(rows)
                    break
                self._send(rows)
            else:
                self._ended = True
        except BaseException as error:  # every error goes back to the loading thread
            self._failure = error
        while not self._ended:  # the statement ended early: drain what is still handed over
            self._ended = self._queue.get() is None

    def _stream(self, first: FreshRows) -> None:
        """Hand the driver every batch's lines, from ``first`` until ``None`` (the driver's file)."""
        rows: FreshRows | None = first
        while rows is not None:
            self._send(rows)
            rows = self._queue.get()
        self._ended = True
        self._id_lines.flush()  # every id the statement was handed, for its warnings' rows

    def _send(self, rows: FreshRows) -> None:
        """One batch: its records' lines to the server, its heads, access sets and ids to the files."""
        streams, access = self._stream_lines, self._access_lines
        streams.write("".join(f"{escaped(s)}\t{escaped(k)}\t{v}\n" for s, k, v in rows.streams))
        access.write("".join(f"{escaped(s)}\t{escaped(d)}\n" for s, d in rows.access))
        self._heads += len(rows.streams)
        self._sets += len(rows.access)
        for lines in rows.lines:
            self._id_lines.write("".join(line.split("\t", 2)[1] + "\n" for line in lines.lines))
            self._records += len(lines)
            text = memoryview("".join(lines.lines).encode("utf-8"))
            for start in range(0, len(text), self._packet):
                self._driver.write_packet(text[start : start + self._packet])

    def _load_records(self, first: FreshRows) -> None:
        """The records' one statement, from ``first`` on (its columns those of ``first``'s lines)."""
        # The hash comes as hex digits into a variable, and is stored as its bytes.
        columns = first.lines[0].columns
        names = ", ".join("@hash" if name == "hash" else f"`{name}`" for name in columns)
        try:
            self._load(
                "antidrug_records",
                f"({names}) SET `hash` = UNHEX(@hash)",
                lambda _driver: self._stream(first),
                lambda: self._records,
                ids=self._ids,
            )
        except _BulkDuplicate:
            raise self._duplicates() from None

    def _load(
        self,
        table: str,
        columns: str,
        source: Callable[[Any], None],
        expected: Callable[[], int],
        *,
        ids: Path | None = None,
    ) -> None:
        """One ``LOAD DATA`` into ``table`` of what ``source`` hands the driver, which must load
        ``expected()`` rows (known once the source has handed over everything); a warning's row is
        named by its line of ``ids``, where given.

        Raises:
            _BulkDuplicate: the bulk insert met a key used twice (and said no more).
            InvalidInput, ConcurrencyConflict: the server skipped or changed rows (its warnings).
        """
        from pymysql.err import OperationalError  # type: ignore[import-untyped]  # no stubs

        sql = (
            f"LOAD DATA LOCAL INFILE 'antidrug-load' INTO TABLE {table} CHARACTER SET utf8mb4 "
            f"FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' {columns}"
        )
        with self._driver.cursor() as cursor:
            self._driver._local_infile = True
            self._driver.antidrug_file_packet = self._packet
            self._driver.antidrug_source = source
            try:
                loaded = int(cursor.execute(sql))
            except OperationalError as error:
                if tuple(error.args[:1]) == (_BULK_REFUSED,) and _DUPLICATE_IN_BULK.search(str(error)):
                    raise _BulkDuplicate from error
                raise
            finally:
                self._driver._local_infile = False
                self._driver.antidrug_file_packet = None
                self._driver.antidrug_source = None
            cursor.execute("SELECT @@warning_count")
            (warnings,) = cursor.fetchone()
            if warnings:
                cursor.execute("SHOW WARNINGS LIMIT 100")
                raise _refused(cursor.fetchall(), expected() - loaded, ids)
            if loaded != expected():
                raise _refused([], expected() - loaded, ids)

    def _duplicates(self) -> Exception:
        """The ids the load used twice, found among the ids file's lines (a bulk insert's refusal names
        none); where no id was, the subjects whose stream heads the heads file holds twice."""
        ids = self._values_twice(self._ids, "(value)", lambda: self._records)
        if ids:
            return InvalidInput([Problem("id", f"record id {value!r} is used twice", value) for value in ids])
        self._stream_lines.flush()  # every batch's heads were written as its records were sent
        return given_twice(self._values_twice(self._streams, "(value, @kind, @version)", lambda: self._heads))

    def _values_twice(self, path: Path, columns: str, expected: Callable[[], int]) -> list[str]:
        """The first column's values that ``path``'s lines (``expected()`` of them) hold more than once
        (the first 100), found in a temporary table and compared byte by byte, as the records' ids
        and subjects are (``tables.Key``)."""
        with self._driver.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE antidrug_load_twice (value VARBINARY({KEY_LENGTH * 4}) NOT NULL)"
            )
            try:
                self._load("antidrug_load_twice", columns, _file_source(path), expected)
                cursor.execute(
                    "SELECT value FROM antidrug_load_twice GROUP BY value HAVING COUNT(*) > 1 "
                    "ORDER BY value LIMIT 100"
                )
                return [bytes(value).decode("utf-8") for (value,) in cursor.fetchall()]
            finally:
                cursor.execute("DROP TEMPORARY TABLE antidrug_load_twice")

    def finish(self) -> None:
        """Wait for the records' statement to end (raising its error), then load the stream heads and
        access sets from their files."""
        super().stop()  # the thread's end; the files stay until this load's own stop()
        self._raise_failure()
        self._close_files()
        if self._records or self._heads:
            self._load(
                "antidrug_streams",
                "(subject, kind, version)",
                _file_source(self._streams),
                lambda: self._heads,
            )
            self._load(
                "antidrug_access", "(subject, division)", _file_source(self._access), lambda: self._sets
            )

    def stop(self) -> None:
        """Wait for the thread to send what it was given (or to fail), end it, and remove the files."""
        try:
            super().stop()
        finally:
            self._close_files()
            with contextlib.suppress(OSError):
                shutil.rmtree(self._folder)
            self._restore()


def analyse_loaded(engine: sa.Engine) -> float:
    """Have MariaDB sample the loaded tables' statistics (``ANALYZE TABLE``), after the load's commit;
    the seconds it took.

    InnoDB counts a bulk insert's rows nowhere, so a store loaded that way kept
    statistics of empty tables (0 rows), which its own recalculation did not
    change, and the optimizer planned for them. ``ANALYZE TABLE`` commits
    implicitly, so it cannot be part of the load's transaction; after the
    commit, a failure to sample (whatever it is) changes nothing the load
    wrote and is left to InnoDB's own recalculation rather than reported as a
    failed load.
    """
    started = time.perf_counter()
    with contextlib.suppress(Exception), engine.connect() as connection:
        connection.exec_driver_sql(f"ANALYZE TABLE {RECORDS.name}, {STREAMS.name}, {ACCESS.name}").all()
    return time.perf_counter() - started


_BULK_REFUSED = 1180
"""MariaDB's error for a bulk insert the engine refused as the statement ended ("Got error N …
during COMMIT")."""
_DUPLICATE_IN_BULK = re.compile(r"\bGot error 1\b")
"""The engine's error 1 in it: a key used twice (any other error is passed on as it is)."""


class _BulkDuplicate(Exception):
    """A bulk insert met a key used twice, and said no more."""


_KEY_DETAIL = re.compile(r"^Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) already exists\.$")
"""PostgreSQL's detail of a unique key refused: ``Key (subject)=(P1) already exists.``"""


def _subject_in_detail(error: Any) -> Exception:
    """The library's error for PostgreSQL's refusal of a stream head's key, naming the subject its
    detail names (the streams' key is the subject alone)."""
    detail = getattr(getattr(error, "diag", None), "message_detail", None) or ""
    found = _KEY_DETAIL.match(detail)
    return given_twice([found["values"]] if found is not None and found["columns"] == "subject" else [])


def _file_source(path: Path) -> Any:
    """A driver's file (``_send_files_in_pieces``) read from ``path`` in the driver's pieces."""

    def send(driver: Any) -> None:
        with path.open("rb") as file:
            while piece := file.read(driver.antidrug_file_packet):
                driver.write_packet(piece)

    return send


def _send_files_in_pieces() -> None:
    """Have PyMySQL take a load's file from the load itself, in pieces of up to ``_PIECE`` bytes.

    PyMySQL reads a local file by its name and sends it 16 KiB at a time,
    and the sending thread takes the interpreter's lock back after each piece
    while the loading thread holds it making the next batch's lines (at
    100,000 people the rows took 23.6 s in 16 KiB packets and 20.1 s in
    1 MiB ones). A load's one statement is fed as the load goes, which no
    file can be. PyMySQL has no setting for either, so its module function is
    replaced by one that hands a connection in a load to the load's own
    source (``antidrug_source``, never a file the server names) and leaves
    every other connection to PyMySQL's own. Where a later PyMySQL no longer
    has that function, nothing is replaced, and the load cannot send files
    (``infile_allowed`` says so).
    """
    from pymysql import connections  # type: ignore[import-untyped]  # no stubs

    own = getattr(connections, "_send_local_file", None)
    if own is None or getattr(own, "antidrug_pieces", False):
        return  # a PyMySQL that sends files another way, or replaced already

    def send_local_file(filename: str, driver: Any) -> None:
        source = getattr(driver, "antidrug_source", None)
        if source is None:
            own(filename, driver)
            return
        source(driver)

    send_local_file.antidrug_pieces = True  # type: ignore[attr-defined]
    connections._send_local_file = send_local_file


def _refused(warnings: list[tuple[Any, ...]], skipped: int, ids: Path | None) -> Exception:
    """The library's error for the rows a ``LOAD DATA`` skipped or changed (its warnings), each problem
    naming the column and the record where the server says which (``at row N`` of the load is the
    record id on line N of ``ids``)."""
    problems: list[Problem] = []
    for _level, _code, message in warnings:
        found = _DUPLICATE.search(str(message))
        if found is not None and found["key"].endswith("records_id"):
            value = found["value"]
            problems.append(Problem("id", f"record id {value!r} is used twice", value))
        elif found is not None and found["key"] == "PRIMARY":  # the stream heads' key, the subject
            return given_twice([found["value"]])
        elif found is not None and found["key"].endswith("subject_version"):
            # The server joins the key's values with '-': the subject, then its version (digits).
            return given_twice([found["value"].rsplit("-", 1)[0]])
        elif found is not None:
            return ConcurrencyConflict(
                f"the rows are not unique on {found['key']}: a subject's records were given twice"
            )
        else:
            column = _COLUMN.search(str(message))
            row = _ROW.search(str(message))
            field = column["name"].replace("`", "").replace("'", "").rsplit(".", 1)[-1] if column else ""
            record = _line_at(ids, row) if ids is not None else None
            problems.append(Problem(field, f"the store refused the value: {message}", record))
    if not problems:
        problems.append(Problem("", f"the store skipped {skipped} rows without saying why"))
    return InvalidInput(problems)
