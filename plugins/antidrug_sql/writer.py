"""A large load into an empty SQLite store on two cores: this process makes the rows, a writer inserts them.

Making a record's row (its canonical JSON, typed values and chain hash)
and inserting it cost about the same, and both are single-threaded Python
and SQLite work. So a load of more than one batch into an empty SQLite
store starts a second Python process that holds the load's one write
transaction: it takes the chain head, checks and keeps the policy, drops
the secondary indexes, inserts the batches it is sent, builds the indexes,
moves the chain head and commits. This process meanwhile reads the
appends, makes the next batch's rows and hashes, and sends them (plain
tuples, ``marshal``-ed through a pipe). Nothing else changes:

- one transaction, so a crash of either process, an error in either, or
  this process stopping early (its pipe closes) leaves the store as it was;
- the sequence and hashes are made here in order, exactly as in one process;
- the writer answers with the library's errors (a duplicate record id
  named, another policy named), which are raised here.

The writer is ``sys.executable`` started in isolated mode with this
process's ``sys.path``. When it cannot start (a host whose executable is
not a Python interpreter, or one that cannot import this package), or the
store turns out not to be empty, the load runs in this process instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import os
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import sqlalchemy as sa

from antidrug_core.ledger import EntryKind
from antidrug_core.model import ConcurrencyConflict, Division, InvalidInput, Problem, StoreUnavailable
from antidrug_core.rules import Policy
from antidrug_sql.chain import Chain, DeferredIndexes, FreshRows, integrity_error, put_divisions, write_fresh
from antidrug_sql.engines import WRITE, create_store_engine, unavailable
from antidrug_sql.ledger import Entry, append_entries
from antidrug_sql.policy import keep_policy, policy_from_text, policy_text

__all__ = [
    "RESET_PRAGMAS",
    "WRITTEN_UNDER",
    "LoadTimes",
    "WriterProcess",
    "checkpoint",
    "load_pragmas",
    "serve",
]

if sys.platform == "linux":
    import fcntl

_FRAME = struct.Struct("<Q")
_STARTED_WITHOUT_PACKAGE = 3
"""The writer's exit status when it cannot import this package (the load runs in one process)."""

_BOOT = (
    "import marshal, sys\n"
    "sys.path[:] = marshal.loads(sys.stdin.buffer.read(int(sys.stdin.buffer.readline())))\n"
    "try:\n"
    "    from antidrug_sql.writer import serve\n"
    "except ImportError:\n"
    f"    sys.exit({_STARTED_WITHOUT_PACKAGE})\n"
    "sys.exit(serve())\n"
)

WRITTEN_UNDER = "the policy these records were written under"

DEFERRED_BY_WRITER = frozenset({"uq_antidrug_records_id"})
"""The indexes the writer builds after the rows; it keeps the others up to date as it inserts.

Record ids may come in any order (UUIDs), so keeping their index up to
date costs a random B-tree insert per row, and building it at the end is
cheap. The other indexes grow roughly in order; the writer keeps them up to
date in time it would otherwise spend waiting for rows, which is cheaper
than building them at the end, when nothing else can be done meanwhile.
"""

_PIPE_BYTES = 1 << 20
"""The pipe to the writer holds this much (Linux), so a batch crosses in a few large writes."""


def load_pragmas(cache_kib: int) -> list[str]:
    """SQLite settings of a bulk load's connection: a big page cache, helper threads for index sorts."""
    threads = max(1, min(4, os.cpu_count() or 1))
    return [
        f"PRAGMA cache_size = -{cache_kib}",
        f"PRAGMA threads = {threads}",
        # The commit makes the load durable; the log is copied into the file after it (``checkpoint``).
        "PRAGMA wal_autocheckpoint = 0",
    ]


RESET_PRAGMAS = ["PRAGMA cache_size = -2000", "PRAGMA threads = 0", "PRAGMA wal_autocheckpoint = 1000"]
"""SQLite's defaults, set back when a pooled connection's load is over."""


@attrs.frozen
class LoadTimes:
    """Where a bulk load's time went, in seconds (for the benchmark and for people tuning a platform)."""

    writer_process: bool
    """Whether a second process did the inserting."""
    writer_waiting: float = 0.0
    """How long the writer waited for rows (0 without a writer)."""
    writer_cpu: float = 0.0
    """Processor time the writer used for inserting rows, before the indexes (its cost on a busy machine)."""
    indexes: float = 0.0
    """Building the secondary indexes after the rows."""
    commit: float = 0.0
    """Committing: making it all durable."""
    checkpoint: float = 0.0
    """Copying the write-ahead log into the database file, and emptying it (SQLite)."""
    statistics: float = 0.0
    """Gathering the planner's statistics: before the commit on PostgreSQL, after it on MariaDB."""


def _write_frame(stream: IO[bytes], value: Any) -> None:
    data = marshal.dumps(value)
    stream.write(_FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    """The next value, or None at the end of the stream."""
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return marshal.loads(data)


def _error_message(error: BaseException) -> tuple[Any, ...]:
    if isinstance(error, InvalidInput):
        return ("invalid", [(p.field, p.reason, p.row) for p in error.problems])
    if isinstance(error, ConcurrencyConflict):
        return ("conflict", str(error))
    if isinstance(error, StoreUnavailable):
        return ("unavailable", str(error))
    return ("failed", f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")


def _error_from(message: Sequence[Any], url: str) -> Exception:
    kind = message[0]
    if kind == "invalid":
        return InvalidInput([Problem(field, reason, row) for field, reason, row in message[1]])
    if kind == "conflict":
        return ConcurrencyConflict(message[1])
    if kind == "unavailable":
        return StoreUnavailable(message[1])
    return StoreUnavailable(f"{url}: the writer process failed ({message[1]}); nothing was written")


def _runs_python(executable: str) -> bool:
    """Whether ``executable`` is a Python interpreter (an embedding host may be something else)."""
    return Path(executable).name.lower().startswith("python") if executable else False


class WriterProcess:
    """The writer process of one load, seen from the process that makes the rows."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self._process = process
        self._url = url
        self.sequence = 0
        """Where the chain stood when the writer took it."""
        self.last = b""
        """The hash of the last record before the load."""

    @classmethod
    def start(cls, url: str, masked_url: str, policy: Policy, cache_kib: int) -> WriterProcess | None:
        """Start a writer on the store at ``url`` and take its chain head.

        Returns:
            The writer, holding the write transaction of an empty store; None
            when no writer can run here or the store is not empty (load in
            this process then).

        Raises:
            InvalidInput: the store keeps another policy (naming both).
            StoreUnavailable: the store could not be written (another
                writer held it too long, the file is not writable …).
        """
        if not _runs_python(sys.executable):
            return None
        try:
            process = subprocess.Popen(  # the interpreter running this code, with its own path
                [sys.executable, "-I", "-c", _BOOT],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError:
            return None
        writer = cls(process, masked_url)
        try:
            assert process.stdin is not None
            if sys.platform == "linux":
                with contextlib.suppress(OSError):
                    fcntl.fcntl(process.stdin.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
            path = marshal.dumps(list(sys.path))
            process.stdin.write(b"%d\n" % len(path) + path)
            _write_frame(process.stdin, ("start", url, policy_text(policy), cache_kib))
            reply = writer._reply()
        except (OSError, EOFError):
            writer.abort()
            return None
        if reply[0] == "ready":
            writer.sequence, writer.last = int(reply[1]), bytes(reply[2])
            return writer
        writer.abort()
        if reply[0] == "occupied":
            return None
        raise _error_from(reply, masked_url)

    def _reply(self) -> Any:
        assert self._process.stdout is not None
        reply = _read_frame(self._process.stdout)
        if reply is None:
            raise EOFError("the writer process ended without answering")
        return reply

    def _failure(self) -> Exception:
        """The writer's own error after it stopped reading, or a plain one if it said nothing."""
        try:
            reply = self._reply()
        except (OSError, EOFError):
            return StoreUnavailable(
                f"{self._url}: the writer process ended unexpectedly; nothing was written"
            )
        return _error_from(reply, self._url)

    def send(self, rows: FreshRows) -> None:
        """Hand a batch of rows to the writer (blocks while it is a batch behind)."""
        assert self._process.stdin is not None
        try:
            _write_frame(self._process.stdin, ("rows", rows.streams, rows.access, rows.records))
        except (BrokenPipeError, ConnectionResetError):
            raise self._failure() from None

    def finish(
        self, chain: Chain, divisions: Sequence[Division], load: dict[str, str | None] | None = None
    ) -> LoadTimes:
        """Tell the writer to build the indexes, write the divisions, move the chain head, enter the
        load in the ledger (``load``: who ran it, the file's digest) and commit.

        Raises:
            InvalidInput: a record id was used twice (named), or the like.
            StoreUnavailable: the writer failed; nothing was written.
        """
        assert self._process.stdin is not None
        plain = [(d.code, d.name, d.parent) for d in divisions]
        try:
            received = chain.received.isoformat()  # the rows' received_at, for the load's ledger entry
            _write_frame(self._process.stdin, ("finish", chain.sequence, chain.last, plain, load, received))
            self._process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            raise self._failure() from None
        try:
            reply = self._reply()
        except EOFError:
            raise StoreUnavailable(
                f"{self._url}: the writer process ended before committing; nothing was written"
            ) from None
        finally:
            self._process.wait()
            self._close()
        if reply[0] != "done":
            raise _error_from(reply, self._url)
        return LoadTimes(
            True,
            writer_waiting=reply[1],
            indexes=reply[2],
            commit=reply[3],
            checkpoint=reply[4],
            writer_cpu=reply[5],
        )

    def abort(self) -> None:
        """Stop the writer without committing: it rolls back when its input ends."""
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        finally:
            self._close()

    def _close(self) -> None:
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class _Abandoned(Exception):
    """The rows stopped coming before ``finish``: roll back."""


def serve() -> int:
    """The writer process: hold one write transaction and insert what arrives on standard input."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    start = _read_frame(stdin)
    if start is None or start[0] != "start":
        return 1
    _kind, url, policy, cache_kib = start
    # This process is the writer's own: the hashes arrive as bytes, which the sqlite3 module binds
    # several times faster as a bytearray (stored as the same blob).
    sqlite3.register_adapter(bytes, bytearray)
    try:
        engine, backend = create_store_engine(url)
    except StoreUnavailable as error:
        _write_frame(stdout, _error_message(error))
        return 1
    try:
        times = _write(engine, policy_from_text(policy), cache_kib, stdin, stdout)
    except _Abandoned:
        return 0
    except sa.exc.IntegrityError as error:
        _write_frame(stdout, _error_message(integrity_error(error)))
        return 1
    except sa.exc.OperationalError as error:
        _write_frame(stdout, _error_message(unavailable(url, error, backend)))
        return 1
    except Exception as error:  # every error goes back to the loading process, which raises it
        _write_frame(stdout, _error_message(error))
        return 1
    finally:
        engine.dispose()
    _write_frame(stdout, ("done", *times))
    return 0


def _write(
    engine: sa.Engine, policy: Policy, cache_kib: int, stdin: IO[bytes], stdout: IO[bytes]
) -> tuple[float, float, float, float, float]:
    """The load's transaction.

    Returns:
        Seconds spent waiting for rows, building indexes, committing and
        checkpointing, and the processor seconds used until the indexes.
    """
    waited = indexes = inserting = 0.0
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with connection.begin():
            for pragma in load_pragmas(cache_kib):
                connection.exec_driver_sql(pragma)
            chain = Chain.lock(connection)
            keep_policy(connection, policy, WRITTEN_UNDER)
            if chain.sequence != 0:
                _write_frame(stdout, ("occupied",))
                raise _Abandoned
            deferred = DeferredIndexes(connection, DEFERRED_BY_WRITER)
            deferred.drop()
            _write_frame(stdout, ("ready", chain.sequence, chain.last))
            written = 0
            while True:
                started = time.perf_counter()
                message = _read_frame(stdin)
                waited += time.perf_counter() - started
                if message is None:
                    raise _Abandoned
                if message[0] == "rows":
                    rows = FreshRows(message[1], message[2], message[3])
                    write_fresh(connection, rows, chain.streams_sql, chain.access_sql)
                    written += rows.count()
                    continue
                _finish, sequence, last, divisions, load, received = message
                inserting = time.process_time()
                if sequence != chain.sequence + written:
                    raise StoreUnavailable(
                        f"{written} records arrived but the load ended at sequence {sequence}"
                    )
                started = time.perf_counter()
                deferred.build()
                indexes = time.perf_counter() - started
                if divisions:
                    put_divisions(connection, [Division(code=c, name=n, parent=p) for c, n, p in divisions])
                chain.sequence, chain.last = sequence, last
                chain.save(connection)
                if sequence > 0:  # the load's entry in the ledger (antidrug_core.ledger)
                    append_entries(
                        connection,
                        [Entry(EntryKind.LOAD, "", load or {}, 1, sequence)],
                        at=dt.datetime.fromisoformat(received),
                    )
                break
            committing = time.perf_counter()
        committed = time.perf_counter() - committing
        started = time.perf_counter()
        checkpoint(connection)
        return waited, indexes, committed, time.perf_counter() - started, inserting


def checkpoint(connection: sa.Connection) -> None:
    """Copy a load's write-ahead log into the database file and empty the log (SQLite).

    The commit made the load durable; this returns the log's space (as big
    as the load) to the disk, instead of leaving it for the next writer.
    Readers still reading older data keep what they need: the checkpoint
    does what it can without waiting for them.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").close()  # outside any transaction
