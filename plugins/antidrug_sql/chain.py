"""What a write transaction does under the chain head: checks, then stream heads, access sets and records.

Every writer (a unit of work's commit, a bulk load, the writer process of a
large load) first takes the chain head row (``Chain.lock``): from then on it
is the only writer, so the versions and record ids it checks cannot change
under it, and the records it appends get the next sequence numbers without
a gap. ``Chain`` hashes each record onto the last and moves the head at the
end (``save``).

A load into an empty store (``fresh``) has nothing to check against: its
rows are made by ``Chain.fresh_rows`` (plain tuples, which can travel to
another process, or lines of text for a server's ``COPY`` or ``LOAD DATA``)
and inserted by ``write_fresh`` (SQLite) or ``antidrug_sql.copying``; the
secondary indexes are dropped before and built after the rows
(``DeferredIndexes``), in the same transaction, where the engine allows it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from antidrug_core.audit import chain_hash
from antidrug_core.ledger import EntryKind
from antidrug_core.model import ConcurrencyConflict, Division, InvalidInput, Problem, Record, SubjectId
from antidrug_core.ports import StreamAppend, id_taken
from antidrug_sql.canonical import payload_of
from antidrug_sql.ledger import Entry, append_entries
from antidrug_sql.rows import Inserter, RecordInserter, key_problems, sqlite_timestamp
from antidrug_sql.sqlite_rows import SqliteRecordRows
from antidrug_sql.tables import ACCESS, CHAIN_HEAD, DIVISIONS, RECORDS, STREAMS, has_index
from antidrug_sql.text_rows import TextBatch, TextRecordRows

__all__ = [
    "CHUNK",
    "Chain",
    "DeferredIndexes",
    "FreshRows",
    "batches",
    "check_appends",
    "check_versions",
    "chunks",
    "division_problems",
    "given_twice",
    "integrity_error",
    "put_divisions",
    "stored_versions",
    "write_fresh",
]

CHUNK = 500
"""Values per ``IN (…)`` list: well under every engine's limit on bound parameters."""


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def batches(appends: Iterable[StreamAppend], records: int) -> Iterator[list[StreamAppend]]:
    """Whole streams, gathered until a batch holds at least ``records`` records."""
    batch: list[StreamAppend] = []
    size = 0
    for append in appends:
        batch.append(append)
        size += len(append.records)
        if size >= records:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def stored_versions(connection: sa.Connection, subjects: Sequence[SubjectId]) -> dict[SubjectId, int]:
    """The stored version of each of ``subjects`` whose stream exists, whatever its kind."""
    found: dict[SubjectId, int] = {}
    for chunk in chunks(sorted(set(subjects))):
        statement = sa.select(STREAMS.c.subject, STREAMS.c.version).where(STREAMS.c.subject.in_(chunk))
        found.update((row.subject, int(row.version)) for row in connection.execute(statement))
    return found


def check_versions(
    appends: Sequence[StreamAppend], versions: Mapping[SubjectId, int], *, loading: bool = False
) -> None:
    """Refuse appends whose stream is not at the version they expect.

    Raises:
        ConcurrencyConflict: naming the subject and both versions.
        InvalidInput: a new subject's id was taken meanwhile (``id_taken``: not where, nor how much).
    """
    for append in appends:
        current = versions.get(append.subject, 0)
        named = f"{append.kind.value} {append.subject!r}"
        if current != append.expected_version and loading:
            raise ConcurrencyConflict(f"{named} is already in the store ({current} records)")
        if current != 0 and append.expected_version == 0:  # taken since it was checked: say no more
            raise id_taken(append.kind, append.subject, append.records[0].id if append.records else None)
        if current != append.expected_version:
            raise ConcurrencyConflict(
                f"{named} changed since it was read "
                f"(version {current}, expected {append.expected_version}); read again and retry"
            )


def check_appends(
    connection: sa.Connection,
    appends: Sequence[StreamAppend],
    versions: Mapping[SubjectId, int],
    *,
    loading: bool = False,
) -> None:
    """Refuse appends whose version moved on, and record ids already used or too long.

    Raises:
        ConcurrencyConflict: a stream's version is not the expected one.
        InvalidInput: a record id is already used (in the store or in ``appends``).
    """
    check_versions(appends, versions, loading=loading)
    problems: list[Problem] = []
    seen: set[str] = set()
    for append in appends:
        for record in append.records:
            problems.extend(key_problems(record))
            if record.id in seen:
                problems.append(Problem("id", f"record id {record.id!r} is already used", record.id))
            seen.add(record.id)
    for chunk in chunks(sorted(seen)):
        used = connection.execute(sa.select(RECORDS.c.id).where(RECORDS.c.id.in_(chunk))).scalars()
        problems.extend(Problem("id", f"record id {used_id!r} is already used", used_id) for used_id in used)
    if problems:
        raise InvalidInput(problems)


@attrs.define
class FreshRows:
    """A batch of new streams as rows ready for the driver: plain tuples (another process can take
    SQLite's), the records as lines of text on a server."""

    streams: list[tuple[Any, ...]]
    """``(subject, kind, version)`` for ``antidrug_streams``."""
    access: list[tuple[Any, ...]]
    """``(subject, division)`` for ``antidrug_access``."""
    records: list[tuple[str, list[tuple[Any, ...]]]]
    """Each insert statement of ``antidrug_records`` with its rows (SQLite)."""
    lines: list[TextBatch] = attrs.Factory(list)
    """The records as lines of text for a server (PostgreSQL's ``COPY``, MariaDB's ``LOAD DATA``): one
    batch of every column, in the chain's order."""

    def count(self) -> int:
        """How many records the batch holds."""
        return sum(len(rows) for _sql, rows in self.records) + sum(len(batch) for batch in self.lines)


_Stream = tuple[SubjectId, int, list[tuple[Record, ...]]]
"""A subject's records to write: the subject, the version before them, and the records of each append
in order."""


def _merged(appends: Sequence[StreamAppend]) -> dict[SubjectId, list[StreamAppend]]:
    """Appends by subject, in the order they came (one unit of work may append to a stream twice)."""
    merged: dict[SubjectId, list[StreamAppend]] = {}
    for append in appends:
        merged.setdefault(append.subject, []).append(append)
    return merged


class Chain:
    """Appends streams under the locked chain head, hashing each record onto the last."""

    def __init__(
        self, dialect: sa.Dialect, sequence: int, last: bytes, received: dt.datetime | None = None
    ) -> None:
        self.sequence = sequence
        self.last = last
        self.received = received or dt.datetime.now(dt.UTC)
        """When the store received what this writer appends, by its own clock: every row's
        ``received_at`` and the time of the commit's or load's ledger entry."""
        self._streams = Inserter(STREAMS, dialect)
        self._access = Inserter(ACCESS, dialect)
        received_text = sqlite_timestamp(self.received)
        self._sqlite = SqliteRecordRows(received_text) if dialect.name == "sqlite" else None
        self._text = (
            TextRecordRows(dialect.name, received_text) if dialect.name in ("postgresql", "mysql") else None
        )
        self._records = RecordInserter(dialect, self.received)

    @classmethod
    def lock(cls, connection: sa.Connection) -> Chain:
        """Take the chain head: from here on this transaction is the only writer."""
        row = connection.execute(
            sa.select(CHAIN_HEAD.c.sequence, CHAIN_HEAD.c.hash).where(CHAIN_HEAD.c.id == 1).with_for_update()
        ).one()
        return cls(connection.dialect, int(row.sequence), bytes(row.hash))

    @property
    def streams_sql(self) -> str:
        """The driver's insert statement of ``antidrug_streams`` (SQLite)."""
        return self._streams.sql

    @property
    def access_sql(self) -> str:
        """The driver's insert statement of ``antidrug_access`` (SQLite)."""
        return self._access.sql

    def append(
        self, connection: sa.Connection, appends: Sequence[StreamAppend], versions: Mapping[SubjectId, int]
    ) -> int:
        """Write the stream heads, access sets and records of ``appends`` (checked); return how many
        records were written."""
        merged = _merged(appends)
        new_streams: list[list[Any]] = []
        for subject, items in merged.items():
            total = items[0].expected_version + sum(len(a.records) for a in items)
            if subject in versions:
                moved = connection.execute(
                    sa.update(STREAMS)
                    .where(STREAMS.c.subject == subject, STREAMS.c.version == items[0].expected_version)
                    .values(version=total)
                ).rowcount
                if moved != 1:
                    raise ConcurrencyConflict(
                        f"{items[0].kind.value} {subject!r} changed while this was written; retry"
                    )
            else:
                new_streams.append([subject, items[0].kind.value, total])
        self._streams.insert(connection, new_streams)
        known = [s for s in merged if s in versions]
        for chunk in chunks(known):
            connection.execute(sa.delete(ACCESS).where(ACCESS.c.subject.in_(chunk)))
        self._access.insert(
            connection,
            [
                [subject, division]
                for subject, items in merged.items()
                for division in sorted(items[-1].access)
            ],
        )
        streams = [
            (subject, items[0].expected_version, [a.records for a in items])
            for subject, items in merged.items()
        ]
        before = self.sequence
        if self._sqlite is not None:
            for sql, rows in self._sqlite_rows(streams):
                connection.exec_driver_sql(sql, rows)
        else:
            _check_subjects(streams)
            sequence, last = self.sequence, self.last
            records = self._records
            for _subject, version, parts in streams:
                for record in itertools.chain.from_iterable(parts):
                    version += 1
                    sequence += 1
                    payload = payload_of(record)
                    last = chain_hash(last, sequence, payload.encode("utf-8"))
                    records.add(record, sequence, version, payload, last)
            records.flush(connection)
            self.sequence, self.last = sequence, last
        return self.sequence - before

    def fresh_rows(self, appends: Sequence[StreamAppend], *, text: bool = False) -> FreshRows:
        """The rows of new streams, the chain moved past them: the records as SQLite's rows, or as lines
        of text when ``text`` (PostgreSQL's ``COPY``, MariaDB's ``LOAD DATA``).

        Raises:
            InvalidInput: a record id (or another key) is too long, naming each.
        """
        merged = _merged(appends)
        heads = [
            (subject, items[0].kind.value, sum(len(a.records) for a in items))
            for subject, items in merged.items()
        ]
        access = [
            (subject, division) for subject, items in merged.items() for division in sorted(items[-1].access)
        ]
        streams = [(subject, 0, [a.records for a in items]) for subject, items in merged.items()]
        if text:
            assert self._text is not None, "lines of text on SQLite"
            self._build(self._text, streams)
            return FreshRows(heads, access, [], list(self._text.pending()))
        return FreshRows(heads, access, self._sqlite_rows(streams))

    def _sqlite_rows(self, streams: list[_Stream]) -> list[tuple[str, list[Any]]]:
        """Make the rows of ``streams`` with SQLite's compiled builders; move the chain past them."""
        rows = self._sqlite
        assert rows is not None, "compiled rows on another engine"
        self._build(rows, streams)
        return list(rows.pending())

    def _build(self, rows: SqliteRecordRows | TextRecordRows, streams: list[_Stream]) -> None:
        """Queue the rows of ``streams`` in ``rows``, each hashed onto the last; move the chain past them.

        Raises:
            InvalidInput: a record id (or another key) is too long, naming each (nothing is queued).
        """
        builders = rows.builders()
        problems: list[Problem] = []
        sequence, last = self.sequence, self.last
        try:
            for subject, version, parts in streams:
                for record in itertools.chain.from_iterable(parts):
                    version += 1
                    sequence += 1
                    if record.subject != subject:
                        problems.append(_in_another_stream(record, subject))
                        continue
                    build = builders.get(type(record))
                    if build is None:
                        build = rows.of(type(record)).build
                        builders = rows.builders()
                    found = build(record, sequence, version, last)
                    if found is None:  # an unusual value or an id too long: the general path says which
                        wrong = key_problems(record)
                        if wrong:
                            problems.extend(wrong)
                            continue
                        found = rows.add(record, sequence, version, last)
                    last = found
            if problems:
                raise InvalidInput(problems)
        except BaseException:
            rows.clear()
            raise
        self.sequence, self.last = sequence, last

    def save(self, connection: sa.Connection) -> None:
        """Move the head to the last record written."""
        connection.execute(
            sa.update(CHAIN_HEAD).where(CHAIN_HEAD.c.id == 1).values(sequence=self.sequence, hash=self.last)
        )


def _in_another_stream(record: Record, subject: SubjectId) -> Problem:
    """The problem of a record given in another subject's stream."""
    reason = f"record {record.id!r} is about {record.subject!r}, not {subject!r} whose stream it is in"
    return Problem("subject", reason, record.id)


def _check_subjects(streams: Sequence[_Stream]) -> None:
    """Refuse records given in another subject's stream, naming each (the compiled rows check as they go).

    A stream's records must be its subject's: the row's subject column is
    read from the record, the stream head from the append, and a load into an
    empty MariaDB store does not check the one against the other (its foreign
    key checks are off, ``antidrug_sql.copying``).

    Raises:
        InvalidInput: naming each such record.
    """
    problems = [
        _in_another_stream(record, subject)
        for subject, _version, parts in streams
        for record in itertools.chain.from_iterable(parts)
        if record.subject != subject
    ]
    if problems:
        raise InvalidInput(problems)


def given_twice(subjects: Sequence[str]) -> ConcurrencyConflict:
    """The refusal of a load that gives a subject's stream more than once, naming the subjects found
    (the first ten; none where the engine's refusal named none)."""
    if not subjects:
        return ConcurrencyConflict(
            "the rows are not unique on (subject, version): a subject's records were given twice"
        )
    named = ", ".join(repr(subject) for subject in subjects[:10])
    more = f" and {len(subjects) - 10} more" if len(subjects) > 10 else ""
    return ConcurrencyConflict(f"a load gives each subject's stream once: {named}{more} given twice")


def write_fresh(connection: sa.Connection, rows: FreshRows, streams_sql: str, access_sql: str) -> None:
    """Insert a batch of new streams' rows (SQLite), one ``executemany`` per statement.

    Raises:
        ConcurrencyConflict: a subject's stream was given twice, naming it.
    """
    if rows.streams:
        # SQLite's refusal names the key, not the value: the rows inserted before it say which.
        driver: Any = connection.connection.driver_connection
        inserted = driver.total_changes
        try:
            connection.exec_driver_sql(streams_sql, rows.streams)
        except sa.exc.IntegrityError:
            refused = rows.streams[driver.total_changes - inserted :][:1]
            raise given_twice([subject for subject, _kind, _version in refused]) from None
    if rows.access:
        connection.exec_driver_sql(access_sql, rows.access)
    for sql, records in rows.records:
        connection.exec_driver_sql(sql, records)


def integrity_error(error: sa.exc.IntegrityError) -> Exception:
    """The library's error for a constraint the database enforced."""
    text = str(error.orig).lower()
    if "foreign key" in text:  # first: the message also names the streams table
        # Records and access sets are written with their stream: only an identity can refer to none.
        return InvalidInput(Problem("person", "refers to a person who is not in the store"))
    if "records_id" in text or "antidrug_records.id" in text:
        return InvalidInput(Problem("id", "a record id is already used in the store"))
    if any(name in text for name in ("subject_version", "antidrug_records.subject", "streams", "primary")):
        return ConcurrencyConflict(
            "a stream changed while this was being written (another writer appended, "
            "or the same subject was written twice); read again and retry"
        )
    return InvalidInput(Problem("", f"the store refused the data: {text.splitlines()[0]}"))


class DeferredIndexes:
    """The secondary indexes of the record and access tables, dropped for a load and built after it."""

    def __init__(self, connection: sa.Connection, names: Collection[str] | None = None) -> None:
        """Args:
        connection: The load's connection, in its transaction.
        names: The indexes to defer (None: all of them that this engine has; some are one
            engine's only, such as MariaDB's ``(subject, type)``).
        """
        self.connection = connection
        dialect = connection.dialect.name
        # Unique ones first: a duplicate is found before time goes into the others.
        self.indexes = sorted(
            (
                index
                for table in (RECORDS, ACCESS)
                for index in table.indexes
                if has_index(index, dialect) and (names is None or index.name in names)
            ),
            key=lambda index: (not index.unique, str(index.name)),
        )

    def drop(self) -> None:
        """Drop them (in the load's transaction: a rollback brings them back)."""
        for index in self.indexes:
            self.connection.execute(sa.schema.DropIndex(index))

    def build(self) -> None:
        """Build every index again.

        Raises:
            InvalidInput: a record id is used twice, naming it and the subjects whose records use it.
            ConcurrencyConflict: a subject's stream was given twice.
        """
        # PostgreSQL aborts the whole transaction on an error: a savepoint keeps it open to name them.
        saving = self.connection.dialect.name == "postgresql"
        for index in self.indexes:
            savepoint = self.connection.begin_nested() if saving else None
            try:
                self.connection.execute(sa.schema.CreateIndex(index))
            except sa.exc.IntegrityError:
                if savepoint is not None:
                    savepoint.rollback()
                raise self._duplicates(index) from None
            if savepoint is not None:
                savepoint.commit()

    def _duplicates(self, index: sa.Index) -> Exception:
        columns = [column.name for column in index.columns]
        if columns != ["id"]:
            twice = (
                sa.select(RECORDS.c.subject)
                .group_by(RECORDS.c.subject, RECORDS.c.version)
                .having(sa.func.count() > 1)
                .subquery()
            )
            subjects = self.connection.execute(
                sa.select(twice.c.subject).distinct().order_by(twice.c.subject).limit(CHUNK)
            ).scalars()
            return given_twice(list(subjects))
        twice = (
            sa.select(RECORDS.c.id).group_by(RECORDS.c.id).having(sa.func.count() > 1).limit(CHUNK)
        ).subquery()
        rows = self.connection.execute(
            sa.select(RECORDS.c.id, RECORDS.c.subject)
            .where(RECORDS.c.id.in_(sa.select(twice.c.id)))
            .order_by(RECORDS.c.id, RECORDS.c.sequence)
        ).all()
        owners_of: dict[str, list[str]] = {}
        for row in rows:
            owners_of.setdefault(row.id, []).append(row.subject)
        return InvalidInput(
            [
                Problem(
                    "id",
                    f"record id {record_id!r} is used {len(owners)} times "
                    f"(in the records of {_listed(owners)})",
                    record_id,
                )
                for record_id, owners in owners_of.items()
            ]
        )


def _listed(names: Sequence[str]) -> str:
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def put_divisions(connection: sa.Connection, divisions: Sequence[Division]) -> None:
    """Add or rename divisions (the latest name given wins), and enter each in the ledger."""
    latest = {d.code: d for d in divisions}
    codes = sorted(latest)
    for chunk in chunks(codes):
        connection.execute(sa.delete(DIVISIONS).where(DIVISIONS.c.code.in_(chunk)))
    named = [latest[code] for code in codes]
    connection.execute(
        sa.insert(DIVISIONS), [{"code": d.code, "name": d.name, "parent": d.parent} for d in named]
    )
    append_entries(
        connection, [Entry(EntryKind.DIVISION, d.code, {"name": d.name, "parent": d.parent}) for d in named]
    )


def division_problems(divisions: Sequence[Division]) -> list[Problem]:
    """Division names too long for their column."""
    return [Problem("name", "is longer than 255 characters", d.code) for d in divisions if len(d.name) > 255]
