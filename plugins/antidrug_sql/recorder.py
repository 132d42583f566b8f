"""The SQL recorder: streams in ``antidrug_records``, checked and chained at commit.

A session never holds a write lock while the unit of work runs. It reads
in short read transactions, buffers what is appended, and writes it all at
``commit`` in one write transaction that first takes the chain head (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` of the head row elsewhere).
Holding it, it checks every person's version again (someone may have
committed since the unit of work read) and every record id, then writes
people, access sets, records with their chain hashes, identities and
divisions, and moves the head. Any error anywhere rolls all of it back.

Scoping is part of every query: a person is read only when one of their
access divisions is in the actor's scope.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from antidrug_core.audit import ChainHead, ChainRow, canonical_json, chain_hash
from antidrug_core.bootstrap import mask_url
from antidrug_core.identity import Identity
from antidrug_core.model import (
    ConcurrencyConflict,
    Division,
    InvalidInput,
    PersonId,
    Problem,
    StoreUnavailable,
)
from antidrug_core.ports import Scope, StoredStream, StreamAppend
from antidrug_sql.engines import BUSY_TIMEOUT_SECONDS, WRITE, Backend, unavailable
from antidrug_sql.identities import IdentityCipher, resolve_key
from antidrug_sql.rows import (
    COMPARED_COLUMNS,
    Inserter,
    RecordInserter,
    key_problems,
    record_from_payload,
    record_values,
)
from antidrug_sql.tables import ACCESS, CHAIN_HEAD, DIVISIONS, IDENTITIES, META, PEOPLE, RECORDS

__all__ = ["SqlRecorder", "SqlSession"]

_CHUNK = 500
"""Values per ``IN (…)`` list: well under every engine's limit on bound parameters."""

_BULK_RECORDS = 20_000
"""Records per set-based insert when loading in bulk."""

_KEY_CHECK = "identity_key_check"


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _visible(person: sa.ColumnElement[Any], scope: Scope) -> sa.ColumnElement[bool]:
    """The scoping filter: the person has an access division in ``scope``."""
    if scope is None:
        return sa.true()
    return sa.exists().where(ACCESS.c.person == person, ACCESS.c.division.in_(sorted(scope)))


class SqlRecorder:
    """A store's records, people, identities and divisions in an SQL database."""

    def __init__(
        self,
        engine: sa.Engine,
        backend: Backend,
        url: str,
        identity_key: Callable[[], bytes | None],
        revisions: tuple[str | None, str],
    ) -> None:
        self.url = mask_url(url)
        self.engine = engine
        """The SQLAlchemy engine (tests attach fault-injecting events to it)."""
        self.backend = backend
        self._identity_key = identity_key
        self._cipher: IdentityCipher | None = None
        self._cipher_lock = threading.Lock()
        self._revisions = revisions

    def __repr__(self) -> str:
        return f"SqlRecorder({self.url!r})"

    # --- Recorder ------------------------------------------------------------------------

    def session(self) -> SqlSession:
        return SqlSession(self)

    def close(self) -> None:
        self.engine.dispose()

    def schema_revisions(self) -> tuple[str | None, str]:
        return self._revisions

    # --- connections ---------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A short read transaction (deferred on SQLite: it never blocks a writer)."""
        try:
            with self.engine.connect() as connection, connection.begin():
                yield connection
        except sa.exc.OperationalError as error:
            raise unavailable(self.url, error, self.backend) from None

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """The one write transaction of a commit; errors become the library's errors."""
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE: True})
                with connection.begin():
                    yield connection
        except sa.exc.IntegrityError as error:
            raise self._integrity_error(error) from None
        except sa.exc.OperationalError as error:
            raise self._operational_error(error) from None

    def _integrity_error(self, error: sa.exc.IntegrityError) -> Exception:
        text = str(error.orig).lower()
        if "foreign key" in text:  # first: the message also names the people table
            return InvalidInput(Problem("person", "refers to a person who is not in the store"))
        if "records_id" in text or "antidrug_records.id" in text:
            return InvalidInput(Problem("id", "a record id is already used in the store"))
        if any(name in text for name in ("person_version", "antidrug_records.person", "people", "primary")):
            return ConcurrencyConflict(
                "a person changed while this was being written (another writer appended, "
                "or the same person was written twice); read again and retry"
            )
        return InvalidInput(Problem("", f"the store refused the data: {text.splitlines()[0]}"))

    def _operational_error(self, error: sa.exc.OperationalError) -> Exception:
        text = str(error.orig).lower()
        if "database is locked" in text or "database is busy" in text:
            return StoreUnavailable(
                f"{self.url}: another writer held the database for more than "
                f"{BUSY_TIMEOUT_SECONDS} s; try again"
            )
        if "deadlock" in text or "could not serialize" in text or "lock wait timeout" in text:
            return ConcurrencyConflict("another writer was writing the same people; read again and retry")
        return unavailable(self.url, error, self.backend)

    # --- identities ----------------------------------------------------------------------

    def cipher(self) -> IdentityCipher:
        """The identity cipher under the host's key.

        Raises:
            StoreUnavailable: no key was given, or it is not the key this
                database's identities were written with.
        """
        with self._cipher_lock:
            if self._cipher is not None:
                return self._cipher
            key = resolve_key(self._identity_key)
            if key is None:
                raise StoreUnavailable(
                    f"{self.url}: names and identity numbers are stored encrypted and no identity key "
                    "was given; set ANTIDRUG_IDENTITY_KEY (32 bytes as hex or base64) or supply one "
                    "with the antidrug_identity_key hook"
                )
            cipher = IdentityCipher(key)
            with self.reading() as connection:
                stored = connection.execute(sa.select(META.c.value).where(META.c.key == _KEY_CHECK)).scalar()
            if stored is not None and stored != cipher.key_check():
                raise StoreUnavailable(
                    f"{self.url}: the identity key is not the one this database's identities were "
                    "written with; give the right key"
                )
            self._cipher = cipher
            return cipher

    # --- the audit chain -----------------------------------------------------------------

    def chain_head(self) -> ChainHead:
        with self.reading() as connection:
            row = connection.execute(
                sa.select(CHAIN_HEAD.c.sequence, CHAIN_HEAD.c.hash).where(CHAIN_HEAD.c.id == 1)
            ).one_or_none()
        if row is None:
            return ChainHead(sequence=0, hash=b"")
        return ChainHead(sequence=int(row.sequence), hash=bytes(row.hash))

    def chain(self) -> Iterator[ChainRow]:
        statement = sa.select(RECORDS).order_by(RECORDS.c.sequence)
        with (
            self.reading() as connection,
            connection.execution_options(yield_per=1000).execute(statement) as result,
        ):
            # Closed on the way out even when the caller stops early (a server-side cursor on PostgreSQL).
            for row in result.mappings():
                yield _chain_row(row)

    # --- bulk loading --------------------------------------------------------------------

    def bulk_append(
        self,
        appends: Iterable[StreamAppend],
        *,
        divisions: Sequence[Division] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        people = written = 0
        with self.writing() as connection:
            if self.backend.name == "sqlite":
                # A bigger page cache for this connection keeps index inserts off the disk.
                connection.exec_driver_sql("PRAGMA cache_size = -262144")
            try:
                chain = _Chain.lock(connection)
                fresh = chain.sequence == 0  # nothing stored: no versions or ids to check against
                for batch in _batches(appends, _BULK_RECORDS):
                    versions = {} if fresh else _versions(connection, [a.person for a in batch])
                    _check(connection, batch, versions, against_store=not fresh, loading=True)
                    written += chain.append(batch, versions)
                    people += len(batch)
                    if progress is not None:
                        progress(people, written)
                if divisions:
                    _put_divisions(connection, divisions)
                chain.save()
            finally:
                if self.backend.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA cache_size = -2000")
        return written


def _chain_row(row: sa.RowMapping) -> ChainRow:
    problem: str | None = None
    record = None
    try:
        record = record_from_payload(row["payload"])
    except (InvalidInput, ValueError) as error:
        problem = f"the payload does not read as a record ({str(error).splitlines()[0]})"
    if record is not None:
        expected = record_values(record)
        differing = [name for name in COMPARED_COLUMNS if row[name] != expected[name]]
        if differing:
            problem = f"the typed columns ({', '.join(differing)}) disagree with the stored record"
    return ChainRow(
        sequence=int(row["sequence"]),
        version=int(row["version"]),
        record=record,
        hash=bytes(row["hash"]),
        problem=problem,
    )


def _batches(appends: Iterable[StreamAppend], records: int) -> Iterator[list[StreamAppend]]:
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


def _versions(connection: sa.Connection, people: Sequence[PersonId]) -> dict[PersonId, int]:
    """The stored version of each of ``people`` that exists."""
    found: dict[PersonId, int] = {}
    for chunk in _chunks(sorted(set(people))):
        statement = sa.select(PEOPLE.c.person, PEOPLE.c.version).where(PEOPLE.c.person.in_(chunk))
        found.update((row.person, int(row.version)) for row in connection.execute(statement))
    return found


def _check(
    connection: sa.Connection,
    appends: Sequence[StreamAppend],
    versions: Mapping[PersonId, int],
    *,
    against_store: bool = True,
    loading: bool = False,
) -> None:
    """Refuse appends whose version moved on, and record ids already used or too long.

    Raises:
        ConcurrencyConflict: a stream's version is not the expected one.
        InvalidInput: a record id is already used (in the store or in ``appends``).
    """
    for append in appends:
        current = versions.get(append.person, 0)
        if current != append.expected_version and loading:
            raise ConcurrencyConflict(f"person {append.person!r} is already in the store ({current} records)")
        if current != append.expected_version:
            raise ConcurrencyConflict(
                f"person {append.person!r} changed since it was read "
                f"(version {current}, expected {append.expected_version}); read again and retry"
            )
    problems: list[Problem] = []
    ids: list[str] = []
    seen: set[str] = set()
    for append in appends:
        for record in append.records:
            problems.extend(key_problems(record))
            if record.id in seen:
                problems.append(Problem("id", f"record id {record.id!r} is already used", record.id))
            seen.add(record.id)
            ids.append(record.id)
    if against_store:
        for chunk in _chunks(sorted(seen)):
            used = connection.execute(sa.select(RECORDS.c.id).where(RECORDS.c.id.in_(chunk))).scalars()
            problems.extend(
                Problem("id", f"record id {used_id!r} is already used", used_id) for used_id in used
            )
    if problems:
        raise InvalidInput(problems)


class _Chain:
    """Appends streams under the locked chain head, hashing each record onto the last."""

    def __init__(self, connection: sa.Connection, sequence: int, last: bytes) -> None:
        self.connection = connection
        self.sequence = sequence
        self.last = last
        dialect = connection.dialect
        self._people = Inserter(PEOPLE, dialect)
        self._access = Inserter(ACCESS, dialect)
        self._records = RecordInserter(dialect)

    @classmethod
    def lock(cls, connection: sa.Connection) -> _Chain:
        """Take the chain head: from here on this transaction is the only writer."""
        row = connection.execute(
            sa.select(CHAIN_HEAD.c.sequence, CHAIN_HEAD.c.hash).where(CHAIN_HEAD.c.id == 1).with_for_update()
        ).one()
        return cls(connection, int(row.sequence), bytes(row.hash))

    def append(self, appends: Sequence[StreamAppend], versions: Mapping[PersonId, int]) -> int:
        """Write people, access sets and records of ``appends`` (already checked)."""
        connection = self.connection
        merged: dict[PersonId, list[StreamAppend]] = {}
        for append in appends:
            merged.setdefault(append.person, []).append(append)
        new_people: list[list[Any]] = []
        for person, items in merged.items():
            total = items[0].expected_version + sum(len(a.records) for a in items)
            if person in versions:
                moved = connection.execute(
                    sa.update(PEOPLE)
                    .where(PEOPLE.c.person == person, PEOPLE.c.version == items[0].expected_version)
                    .values(version=total)
                ).rowcount
                if moved != 1:
                    raise ConcurrencyConflict(f"person {person!r} changed while this was written; retry")
            else:
                new_people.append([person, total])
        self._people.insert(connection, new_people)
        known = [p for p in merged if p in versions]
        for chunk in _chunks(known):
            connection.execute(sa.delete(ACCESS).where(ACCESS.c.person.in_(chunk)))
        self._access.insert(
            connection,
            [[person, division] for person, items in merged.items() for division in sorted(items[-1].access)],
        )
        records = self._records
        sequence, last = self.sequence, self.last
        for items in merged.values():
            version = items[0].expected_version
            for record in itertools.chain.from_iterable(a.records for a in items):
                version += 1
                sequence += 1
                payload = canonical_json(record)
                last = chain_hash(last, sequence, payload.encode("utf-8"))
                records.add(record, sequence, version, payload, last)
        records.flush(connection)
        written = sequence - self.sequence
        self.sequence, self.last = sequence, last
        return written

    def save(self) -> None:
        """Move the head to the last record written."""
        self.connection.execute(
            sa.update(CHAIN_HEAD).where(CHAIN_HEAD.c.id == 1).values(sequence=self.sequence, hash=self.last)
        )


def _put_divisions(connection: sa.Connection, divisions: Sequence[Division]) -> None:
    latest = {d.code: d for d in divisions}
    codes = sorted(latest)
    for chunk in _chunks(codes):
        connection.execute(sa.delete(DIVISIONS).where(DIVISIONS.c.code.in_(chunk)))
    connection.execute(
        sa.insert(DIVISIONS),
        [{"code": d.code, "name": d.name, "parent": d.parent} for d in (latest[c] for c in codes)],
    )


def _division_problems(divisions: Sequence[Division]) -> list[Problem]:
    return [Problem("name", "is longer than 255 characters", d.code) for d in divisions if len(d.name) > 255]


class SqlSession:
    """One unit of work's view of the store: short reads now, one write transaction at commit."""

    def __init__(self, recorder: SqlRecorder) -> None:
        self._recorder = recorder
        self._appends: list[StreamAppend] = []
        self._identities: dict[PersonId, dict[str, Any]] = {}
        self._divisions: list[Division] = []

    # --- reading -------------------------------------------------------------------------

    def read_stream(self, person: PersonId, scope: Scope) -> StoredStream | None:
        statement = (
            sa.select(RECORDS.c.payload)
            .where(RECORDS.c.person == person, _visible(RECORDS.c.person, scope))
            .order_by(RECORDS.c.version)
        )
        with self._recorder.reading() as connection:
            payloads = connection.execute(statement).scalars().all()
        if not payloads:
            return None
        records = tuple(record_from_payload(p) for p in payloads)
        return StoredStream(person, len(records), records)

    def read_streams(
        self, scope: Scope, people: Collection[PersonId] | None = None
    ) -> Iterator[StoredStream]:
        if people is None:
            yield from self._streams(scope, None)
            return
        for chunk in _chunks(sorted(set(people))):
            yield from self._streams(scope, chunk)

    def _streams(self, scope: Scope, people: Sequence[PersonId] | None) -> Iterator[StoredStream]:
        statement = (
            sa.select(RECORDS.c.person, RECORDS.c.payload)
            .where(_visible(RECORDS.c.person, scope))
            .order_by(RECORDS.c.person, RECORDS.c.version)
        )
        if people is not None:
            statement = statement.where(RECORDS.c.person.in_(people))
        with (
            self._recorder.reading() as connection,
            connection.execution_options(yield_per=1000).execute(statement) as result,
        ):
            current: PersonId | None = None
            records: list[Any] = []
            for person, payload in result:
                if person != current:
                    if current is not None:
                        yield StoredStream(current, len(records), tuple(records))
                    current, records = person, []
                records.append(record_from_payload(payload))
            if current is not None:
                yield StoredStream(current, len(records), tuple(records))

    def get_identity(self, person: PersonId, scope: Scope) -> Identity | None:
        statement = sa.select(IDENTITIES.c.name, IDENTITIES.c.resident_id).where(
            IDENTITIES.c.person == person, _visible(IDENTITIES.c.person, scope)
        )
        with self._recorder.reading() as connection:
            row = connection.execute(statement).one_or_none()
        if row is None:
            return None
        cipher = self._recorder.cipher()
        table = IDENTITIES.name
        return Identity(
            name=cipher.decrypt(table, "name", person, bytes(row.name)),
            resident_id=cipher.decrypt(table, "resident_id", person, bytes(row.resident_id)),
        )

    def find_person(self, resident_id: str, scope: Scope) -> PersonId | None:
        index = self._recorder.cipher().blind_index(resident_id)
        statement = (
            sa.select(IDENTITIES.c.person)
            .where(IDENTITIES.c.resident_id_index == index, _visible(IDENTITIES.c.person, scope))
            .order_by(IDENTITIES.c.person)
            .limit(1)
        )
        with self._recorder.reading() as connection:
            found = connection.execute(statement).scalar()
        return None if found is None else PersonId(found)

    def divisions(self) -> list[Division]:
        statement = sa.select(DIVISIONS.c.code, DIVISIONS.c.name, DIVISIONS.c.parent).order_by(
            DIVISIONS.c.code
        )
        with self._recorder.reading() as connection:
            rows = connection.execute(statement).all()
        return [Division(code=row.code, name=row.name, parent=row.parent) for row in rows]

    # --- writing -------------------------------------------------------------------------

    def append(self, appends: Sequence[StreamAppend]) -> None:
        # Checked now, so mistakes surface where they are made; checked again at commit.
        with self._recorder.reading() as connection:
            _check(connection, appends, _versions(connection, [a.person for a in appends]))
        self._appends.extend(appends)

    def put_identity(self, person: PersonId, identity: Identity) -> None:
        # Encrypted now: without a key this fails before anything is written.
        cipher = self._recorder.cipher()
        table = IDENTITIES.name
        self._identities[person] = {
            "person": person,
            "name": cipher.encrypt(table, "name", person, identity.name),
            "resident_id": cipher.encrypt(table, "resident_id", person, identity.resident_id),
            "resident_id_index": cipher.blind_index(identity.resident_id),
        }

    def put_divisions(self, divisions: Sequence[Division]) -> None:
        problems = _division_problems(divisions)
        if problems:
            raise InvalidInput(problems)
        self._divisions.extend(divisions)

    def commit(self) -> None:
        try:
            if self._appends or self._identities or self._divisions:
                self._write()
        finally:
            self.rollback()

    def _write(self) -> None:
        recorder = self._recorder
        with recorder.writing() as connection:
            chain = _Chain.lock(connection)
            if self._appends:
                versions = _versions(connection, [a.person for a in self._appends])
                _check(connection, self._appends, versions)
                chain.append(self._appends, versions)
                chain.save()
            if self._identities:
                _put_identities(connection, list(self._identities.values()), recorder.cipher().key_check())
            if self._divisions:
                _put_divisions(connection, self._divisions)

    def rollback(self) -> None:
        self._appends.clear()
        self._identities.clear()
        self._divisions.clear()


def _put_identities(connection: sa.Connection, rows: list[dict[str, Any]], key_check: str) -> None:
    stored = connection.execute(sa.select(META.c.value).where(META.c.key == _KEY_CHECK)).scalar()
    if stored is None:
        connection.execute(sa.insert(META).values(key=_KEY_CHECK, value=key_check))
    elif stored != key_check:
        raise StoreUnavailable("the identity key is not the one this database's identities were written with")
    for chunk in _chunks(sorted(row["person"] for row in rows)):
        connection.execute(sa.delete(IDENTITIES).where(IDENTITIES.c.person.in_(chunk)))
    connection.execute(sa.insert(IDENTITIES), rows)
