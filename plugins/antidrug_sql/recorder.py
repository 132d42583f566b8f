"""The SQL recorder: streams in ``antidrug_records``, checked and chained at commit.

A session never holds a write lock while the unit of work runs. It reads
in short read transactions, buffers what is appended, and writes it all at
``commit`` in one write transaction that first takes the chain head (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` of the head row elsewhere).
Holding it, it checks every stream's version again (someone may have
committed since the unit of work read) and every record id, then writes
stream heads, access sets, records with their chain hashes, identities and
divisions, and moves the head. Any error anywhere rolls all of it back.

Streams of every kind of subject (people, units, organisations) share the
tables: ``antidrug_streams`` keeps each stream's kind and version, and
``antidrug_records`` every record under its ``subject``. Scoping is part of
every query: a subject is read only when one of its access divisions is in
the actor's scope.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from antidrug_core.audit import ChainHead, ChainRow
from antidrug_core.bootstrap import mask_url
from antidrug_core.identity import Identity
from antidrug_core.ledger import (
    GENESIS,
    EntryKind,
    LateRecord,
    LedgerRow,
    LoadSource,
    SealedRead,
    StateReport,
    sealed_reads,
)
from antidrug_core.model import (
    ConcurrencyConflict,
    Division,
    InvalidInput,
    PersonId,
    Problem,
    StoreUnavailable,
    SubjectId,
    SubjectKind,
)
from antidrug_core.ports import IdentityErasure, KeyRotation, Scope, StoredStream, StreamAppend
from antidrug_core.rules import Policy
from antidrug_core.rules.prevention import RatingScheme
from antidrug_sql.audit_state import late_records, ledger_rows, verify_state
from antidrug_sql.chain import (
    Chain,
    DeferredIndexes,
    batches,
    check_appends,
    check_versions,
    chunks,
    division_problems,
    integrity_error,
    put_divisions,
    stored_versions,
    write_fresh,
)
from antidrug_sql.copying import FreshCopy, FreshInfile, analyse_loaded, infile_allowed
from antidrug_sql.engines import BUSY_TIMEOUT_SECONDS, WRITE, Backend, unavailable
from antidrug_sql.erasure import erase_identities, identified
from antidrug_sql.identities import IdentityCipher, resolve_key
from antidrug_sql.ledger import (
    Entry,
    append_entries,
    identity_entries,
    keep_rating_schemes,
    kept_rating_schemes,
)
from antidrug_sql.policy import keep_policy, read_policy
from antidrug_sql.rotation import new_key_from, rotate, rotation_in_progress
from antidrug_sql.rows import COMPARED_COLUMNS, record_from_payload, record_values
from antidrug_sql.tables import (
    ACCESS,
    CHAIN_HEAD,
    DIVISIONS,
    IDENTITIES,
    IDENTITY_KEYS,
    META,
    RECORDS,
    STREAMS,
)
from antidrug_sql.writer import (
    RESET_PRAGMAS,
    WRITTEN_UNDER,
    LoadTimes,
    WriterProcess,
    checkpoint,
    load_pragmas,
)

__all__ = ["SqlRecorder", "SqlSession"]

BULK_RECORDS = 20_000
"""Records per set-based insert when loading in bulk."""

LOAD_CACHE_KIB = 262_144
"""SQLite's page cache while loading in bulk (256 MiB): index builds sort in it, inserts stay off the disk."""

_KEY_CHECK = "identity_key_check"
_ROTATING = (
    "{url}: the identity key is being rotated and the rotation has not finished; "
    "run antidrug keys rotate again to finish it, then use the new key"
)


def _visible(subject: sa.ColumnElement[Any], scope: Scope) -> sa.ColumnElement[bool]:
    """The scoping filter: the subject (a person, a unit, an organisation) has an access division
    in ``scope``."""
    if scope is None:
        return sa.true()
    return sa.exists().where(ACCESS.c.subject == subject, ACCESS.c.division.in_(sorted(scope)))


class SqlRecorder:
    """A store's streams (of people, units and organisations), identities and divisions in an SQL database."""

    def __init__(
        self,
        engine: sa.Engine,
        backend: Backend,
        url: str,
        identity_key: Callable[[], bytes | None],
        revisions: tuple[str | None, str],
        *,
        processes: bool = False,
    ) -> None:
        self.url = mask_url(url)
        self.engine = engine
        """The SQLAlchemy engine (tests attach fault-injecting events to it)."""
        self.backend = backend
        self._identity_key = identity_key
        self._cipher: IdentityCipher | None = None
        self._cipher_lock = threading.Lock()
        self._revisions = revisions
        self.writing_policy = Policy()
        """The policy the access sets written here are computed under (``write_under``)."""
        self.last_load: LoadTimes | None = None
        """Where the last bulk load's time went."""
        self.processes = processes
        """Whether reads may start processes of their own (``StoreContext.processes``)."""

    def __repr__(self) -> str:
        return f"SqlRecorder({self.url!r})"

    # --- Recorder ------------------------------------------------------------------------

    def session(self) -> SqlSession:
        return SqlSession(self)

    def close(self) -> None:
        self.engine.dispose()

    def schema_revisions(self) -> tuple[str | None, str]:
        return self._revisions

    def stored_policy(self) -> Policy | None:
        with self.reading() as connection:
            try:
                return read_policy(connection)
            except StoreUnavailable as error:
                raise StoreUnavailable(f"{self.url}: {error}") from None

    def write_under(self, policy: Policy) -> None:
        self.writing_policy = policy

    def keep_policy(self, policy: Policy) -> None:
        with self.writing() as connection:
            Chain.lock(connection)  # one writer at a time decides
            keep_policy(connection, policy, "the policy to keep")

    # --- rating schemes (``RatingSchemeRecorder``), kept in the ledger -------------------------

    def kept_rating_schemes(self) -> tuple[RatingScheme, ...]:
        with self.reading() as connection:
            return kept_rating_schemes(connection)

    def keep_rating_schemes(self, schemes: Sequence[RatingScheme]) -> None:
        with self.writing() as connection:
            Chain.lock(connection)  # one writer at a time decides what is kept
            keep_rating_schemes(connection, schemes)

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
            raise integrity_error(error) from None
        except sa.exc.OperationalError as error:
            raise self._operational_error(error) from None

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
                if rotation_in_progress(connection):
                    raise StoreUnavailable(_ROTATING.format(url=self.url))
                stored = connection.execute(sa.select(META.c.value).where(META.c.key == _KEY_CHECK)).scalar()
            if stored is not None and stored != cipher.key_check():
                raise StoreUnavailable(
                    f"{self.url}: the identity key is not the one this database's identities were "
                    "written with; give the right key"
                )
            self._cipher = cipher
            return cipher

    def new_identity_key(self, from_host: bytes | None) -> bytes:
        return new_key_from(from_host)

    def rotate_identity_key(
        self, new_key: bytes, *, batch: int = 500, step: Callable[[str], None] | None = None
    ) -> KeyRotation:
        old_key = resolve_key(self._identity_key)
        if old_key is None:
            raise StoreUnavailable(
                f"{self.url}: a rotation needs the key the identities are encrypted with now "
                "(ANTIDRUG_IDENTITY_KEY or the antidrug_identity_key hook)"
            )
        with self._cipher_lock:
            self._cipher = None  # the old key's cipher must not outlive the rotation here
        return rotate(self.writing, old_key, new_key, batch=batch, step=step)

    # --- erasure (crypto-shredding) ------------------------------------------------------

    def identified(self, people: Collection[PersonId]) -> set[PersonId]:
        with self.reading() as connection:
            return identified(connection, list(people))

    def erase_identities(
        self,
        erasures: Sequence[IdentityErasure],
        *,
        by: str,
        batch: int = 500,
        step: Callable[[str], None] | None = None,
    ) -> list[PersonId]:
        erased = erase_identities(self.writing, erasures, by=by, batch=batch, step=step)
        if erased and self.backend.name == "sqlite":
            with self.engine.connect() as connection:
                checkpoint(connection)  # the log's copies of the deleted pages go too
        return erased

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

    @contextmanager
    def _snapshot(self) -> Iterator[sa.Connection]:
        """A read transaction that sees one snapshot throughout (REPEATABLE READ on the servers;
        a SQLite read transaction always does)."""
        try:
            with self.engine.connect() as connection:
                if self.backend.name != "sqlite":
                    connection.execution_options(isolation_level="REPEATABLE READ")
                with connection.begin():
                    yield connection
        except sa.exc.OperationalError as error:
            raise unavailable(self.url, error, self.backend) from None

    def verify_state(self) -> StateReport:
        with self._snapshot() as connection:
            return verify_state(connection)

    def late_records(self, margin: dt.timedelta) -> Iterator[LateRecord]:
        with self._snapshot() as connection:
            yield from late_records(connection, margin)

    def ledger(self) -> Iterator[LedgerRow]:
        with self.reading() as connection:
            yield from ledger_rows(connection)

    def ledger_head(self) -> ChainHead:
        with self.reading() as connection:
            row = connection.execute(
                sa.select(CHAIN_HEAD.c.ledger_sequence, CHAIN_HEAD.c.ledger_hash).where(CHAIN_HEAD.c.id == 1)
            ).one_or_none()
        if row is None:
            return ChainHead(sequence=0, hash=GENESIS)
        return ChainHead(
            sequence=int(row.ledger_sequence or 0),
            hash=bytes(row.ledger_hash) if row.ledger_hash is not None else GENESIS,
        )

    # --- queries of sealed files ---------------------------------------------------------

    def note_sealed_read(self, read: SealedRead) -> None:
        with self.writing() as connection:
            Chain.lock(connection)  # the ledger grows under the chain head, like every entry
            append_entries(connection, [Entry(EntryKind.SEALED_READ, read.person, read.data())], read.at)

    def sealed_reads(self) -> list[SealedRead]:
        with self._snapshot() as connection:
            return sealed_reads(ledger_rows(connection))

    # --- bulk loading --------------------------------------------------------------------

    def bulk_append(
        self,
        appends: Iterable[StreamAppend],
        *,
        divisions: Sequence[Division] = (),
        progress: Callable[[int, int], None] | None = None,
        source: LoadSource | None = None,
    ) -> int:
        load = _load_data(source)
        loading = batches(appends, BULK_RECORDS)
        first = next(loading, [])
        rest = loading
        if self.backend.name == "sqlite" and sum(len(a.records) for a in first) >= BULK_RECORDS:
            # More than one batch: worth a writer process, if the store is empty and one can start.
            url = self.engine.url.render_as_string(hide_password=False)
            writer = WriterProcess.start(url, self.url, self.writing_policy, LOAD_CACHE_KIB)
            if writer is not None:
                return self._load_with_writer(
                    writer, itertools.chain([first], rest), divisions, progress, load
                )
        return self._load(itertools.chain([first], rest), divisions, progress, load)

    def _load(
        self,
        loading: Iterable[list[StreamAppend]],
        divisions: Sequence[Division],
        progress: Callable[[int, int], None] | None,
        load: dict[str, str | None],
    ) -> int:
        """A bulk load in this process, in one transaction."""
        people = written = 0
        sqlite = self.backend.name == "sqlite"
        times: dict[str, float] = {}
        sending: FreshCopy | FreshInfile | None = None
        with self.writing() as connection:
            if sqlite:
                for pragma in load_pragmas(LOAD_CACHE_KIB):
                    connection.exec_driver_sql(pragma)
            try:
                chain = Chain.lock(connection)
                before = chain.sequence
                keep_policy(connection, self.writing_policy, WRITTEN_UNDER)
                fresh = chain.sequence == 0  # nothing stored: no versions to check against
                # Into an empty SQLite store the rows go in first and the indexes are built once at
                # the end, in this same transaction: a crash or an error leaves the store as it was.
                deferred = DeferredIndexes(connection) if sqlite and fresh else None
                if deferred is not None:
                    deferred.drop()
                # Into an empty server store the records go as text, sent by a thread: through COPY
                # (indexes built after them) on PostgreSQL, LOAD DATA on MariaDB where it is allowed.
                if self.backend.name == "postgresql" and fresh:
                    sending = FreshCopy(connection)
                    sending.drop()
                elif self.backend.name == "mysql" and fresh and infile_allowed(connection):
                    sending = FreshInfile(connection)
                for batch in loading:
                    if deferred is not None:  # ids checked as rows are made and when indexes are built
                        check_versions(batch, {}, loading=True)
                        rows = chain.fresh_rows(batch)
                        write_fresh(connection, rows, chain.streams_sql, chain.access_sql)
                        written += rows.count()
                    elif sending is not None:
                        check_versions(batch, {}, loading=True)
                        rows = chain.fresh_rows(batch, text=True)
                        sending.write(rows)
                        written += rows.count()
                    else:
                        versions = stored_versions(connection, [a.subject for a in batch])
                        check_appends(connection, batch, versions, loading=True)
                        written += chain.append(connection, batch, versions)
                    people += len(batch)
                    if progress is not None:
                        progress(people, written)
                started = time.perf_counter()
                if isinstance(sending, FreshCopy):
                    sending.build()
                elif sending is not None:
                    sending.finish()
                elif deferred is not None:
                    deferred.build()
                times["indexes"] = time.perf_counter() - started
                if divisions:
                    put_divisions(connection, divisions)
                chain.save(connection)
                if chain.sequence > before:
                    append_entries(
                        connection,
                        [Entry(EntryKind.LOAD, "", load, before + 1, chain.sequence)],
                        at=chain.received,
                    )
                if self.backend.name == "postgresql":
                    started = time.perf_counter()
                    analyse(connection)
                    times["statistics"] = time.perf_counter() - started
            finally:
                if sending is not None:  # before the rollback or the commit: it uses the connection
                    sending.stop()
                if sqlite:
                    for pragma in RESET_PRAGMAS:
                        connection.exec_driver_sql(pragma)
            times["commit"] = time.perf_counter()
        committed = time.perf_counter()
        if sqlite:
            with self.engine.connect() as connection:
                checkpoint(connection)
        emptied = time.perf_counter()
        if isinstance(sending, FreshInfile):
            times["statistics"] = analyse_loaded(self.engine)
        self.last_load = LoadTimes(
            False,
            indexes=times.get("indexes", 0.0),
            commit=committed - times["commit"],
            checkpoint=emptied - committed,
            statistics=times.get("statistics", 0.0),
        )
        return written

    def _load_with_writer(
        self,
        writer: WriterProcess,
        loading: Iterable[list[StreamAppend]],
        divisions: Sequence[Division],
        progress: Callable[[int, int], None] | None,
        load: dict[str, str | None],
    ) -> int:
        """A bulk load whose rows are made here and inserted by ``writer``, which holds the transaction."""
        people = written = 0
        chain = Chain(self.engine.dialect, writer.sequence, writer.last)
        try:
            for batch in loading:
                check_versions(batch, {}, loading=True)
                rows = chain.fresh_rows(batch)
                writer.send(rows)
                written += rows.count()
                people += len(batch)
                if progress is not None:
                    progress(people, written)
            self.last_load = writer.finish(chain, divisions, load)
        except BaseException:
            writer.abort()
            raise
        return written


def _load_data(source: LoadSource | None) -> dict[str, str | None]:
    """What a load's ledger entry says of it besides the records it wrote."""
    if source is None:
        return {"by": None, "file": None}
    return {"by": source.by, "file": source.file}


def analyse(connection: sa.Connection) -> None:
    """Gather PostgreSQL's planner statistics of the tables a bulk load filled, in its transaction.

    Right after a load PostgreSQL plans on no statistics (autovacuum has not
    come round yet) and picked nested loops over every record: the fast
    evaluator took 12.9 s on a just-loaded store of 2,000 people, 2.0 s after
    ``ANALYZE``. Statistics are sampled, so this is quick at any size, and
    inside the transaction a failure rolls the load back with everything
    else. MariaDB's ``ANALYZE TABLE`` would commit the load's transaction
    implicitly, so a MariaDB load samples its tables after the commit
    (``copying.analyse_loaded``): InnoDB counts a bulk insert's rows nowhere.
    """
    tables = ", ".join(table.name for table in (STREAMS, ACCESS, RECORDS))
    connection.exec_driver_sql(f"ANALYZE {tables}")


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


class SqlSession:
    """One unit of work's view of the store: short reads now, one write transaction at commit."""

    def __init__(self, recorder: SqlRecorder) -> None:
        self._recorder = recorder
        self._appends: list[StreamAppend] = []
        self._identities: dict[PersonId, dict[str, Any]] = {}
        self._divisions: list[Division] = []

    # --- reading -------------------------------------------------------------------------

    def read_stream(self, subject: SubjectId, scope: Scope) -> StoredStream | None:
        statement = (
            sa.select(STREAMS.c.kind, RECORDS.c.payload)
            .select_from(RECORDS.join(STREAMS, STREAMS.c.subject == RECORDS.c.subject))
            .where(RECORDS.c.subject == subject, _visible(RECORDS.c.subject, scope))
            .order_by(RECORDS.c.version)
        )
        with self._recorder.reading() as connection:
            rows = connection.execute(statement).all()
        if not rows:
            return None
        records = tuple(record_from_payload(row.payload) for row in rows)
        return StoredStream(subject, SubjectKind(rows[0].kind), len(records), records)

    def read_streams(
        self,
        scope: Scope,
        subjects: Collection[SubjectId] | None = None,
        kind: SubjectKind = SubjectKind.PERSON,
    ) -> Iterator[StoredStream]:
        if subjects is None:
            yield from self._streams(scope, None, kind)
            return
        for chunk in chunks(sorted(set(subjects))):
            yield from self._streams(scope, chunk, kind)

    def _streams(
        self, scope: Scope, subjects: Sequence[SubjectId] | None, kind: SubjectKind
    ) -> Iterator[StoredStream]:
        if kind is SubjectKind.PERSON:  # nearly every stream: one pass over the records, in order
            statement = (
                sa.select(RECORDS.c.subject, RECORDS.c.payload)
                .select_from(RECORDS.join(STREAMS, STREAMS.c.subject == RECORDS.c.subject))
                .where(STREAMS.c.kind == kind.value, _visible(RECORDS.c.subject, scope))
            )
        else:
            # The few units or organisations of a province: found among the stream heads, their
            # records looked up by subject. A join read every record of the store to find them
            # (0.17 s at 20,000 people, growing with the province), on every evaluation.
            of_kind = sa.select(STREAMS.c.subject).where(STREAMS.c.kind == kind.value)
            statement = sa.select(RECORDS.c.subject, RECORDS.c.payload).where(
                RECORDS.c.subject.in_(of_kind), _visible(RECORDS.c.subject, scope)
            )
        statement = statement.order_by(RECORDS.c.subject, RECORDS.c.version)
        if subjects is not None:
            statement = statement.where(RECORDS.c.subject.in_(subjects))
        with (
            self._recorder.reading() as connection,
            connection.execution_options(yield_per=1000).execute(statement) as result,
        ):
            current: SubjectId | None = None
            records: list[Any] = []
            for subject, payload in result:
                if subject != current:
                    if current is not None:
                        yield StoredStream(current, kind, len(records), tuple(records))
                    current, records = subject, []
                records.append(record_from_payload(payload))
            if current is not None:
                yield StoredStream(current, kind, len(records), tuple(records))

    def get_identity(self, person: PersonId, scope: Scope) -> Identity | None:
        statement = (
            sa.select(IDENTITIES.c.name, IDENTITIES.c.resident_id, IDENTITY_KEYS.c.key)
            .select_from(IDENTITIES.outerjoin(IDENTITY_KEYS, IDENTITY_KEYS.c.person == IDENTITIES.c.person))
            .where(IDENTITIES.c.person == person, _visible(IDENTITIES.c.person, scope))
        )
        with self._recorder.reading() as connection:
            row = connection.execute(statement).one_or_none()
        if row is None:
            return None
        cipher = self._recorder.cipher()
        key = None if row.key is None else cipher.person_key(person, bytes(row.key))
        table = IDENTITIES.name
        return Identity(
            name=cipher.decrypt(table, "name", person, bytes(row.name), key),
            resident_id=cipher.decrypt(table, "resident_id", person, bytes(row.resident_id), key),
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

    def subject_taken(self, subject: SubjectId) -> bool:
        # The stream head's primary key only: the same one-row lookup however long the file is.
        with self._recorder.reading() as connection:
            found = connection.execute(
                sa.select(STREAMS.c.subject).where(STREAMS.c.subject == subject)
            ).first()
        return found is not None

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
            check_appends(connection, appends, stored_versions(connection, [a.subject for a in appends]))
        self._appends.extend(appends)

    def put_identity(self, person: PersonId, identity: Identity) -> None:
        # Encrypted now: without a key this fails before anything is written.
        # A key of the person's own each time: a rewritten identity leaves nothing under the old one.
        cipher = self._recorder.cipher()
        key = cipher.new_person_key(person)
        table = IDENTITIES.name
        self._identities[person] = {
            "person": person,
            "name": key.encrypt(table, "name", identity.name),
            "resident_id": key.encrypt(table, "resident_id", identity.resident_id),
            "resident_id_index": cipher.blind_index(identity.resident_id),
            "key": key.wrapped,
        }

    def put_divisions(self, divisions: Sequence[Division]) -> None:
        problems = division_problems(divisions)
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
            chain = Chain.lock(connection)
            if self._appends:
                keep_policy(connection, recorder.writing_policy, WRITTEN_UNDER)
                versions = stored_versions(connection, [a.subject for a in self._appends])
                check_appends(connection, self._appends, versions)
                before = chain.sequence
                chain.append(connection, self._appends, versions)
                chain.save(connection)
                append_entries(
                    connection,
                    [Entry(EntryKind.COMMIT, first=before + 1, last=chain.sequence)],
                    at=chain.received,
                )
            if self._identities:
                _check_people(connection, sorted(self._identities))
                _put_identities(connection, list(self._identities.values()), recorder.cipher().key_check())
            if self._divisions:
                put_divisions(connection, self._divisions)

    def rollback(self) -> None:
        self._appends.clear()
        self._identities.clear()
        self._divisions.clear()


def _check_people(connection: sa.Connection, people: Sequence[PersonId]) -> None:
    """Refuse identities for a unit or an organisation: only people have names kept encrypted.

    (One for a subject not in the store at all is refused by the foreign key.)
    """
    for chunk in chunks(people):
        others = connection.execute(
            sa.select(STREAMS.c.subject).where(
                STREAMS.c.subject.in_(chunk), STREAMS.c.kind != SubjectKind.PERSON.value
            )
        ).scalars()
        problems = [Problem("person", f"{subject!r} is not a person", subject) for subject in others]
        if problems:
            raise InvalidInput(problems)


def _put_identities(connection: sa.Connection, rows: list[dict[str, Any]], key_check: str) -> None:
    if rotation_in_progress(connection):  # under the chain head: no row slips in under the old key
        raise StoreUnavailable(_ROTATING.format(url="the store"))
    stored = connection.execute(sa.select(META.c.value).where(META.c.key == _KEY_CHECK)).scalar()
    if stored is None:
        connection.execute(sa.insert(META).values(key=_KEY_CHECK, value=key_check))
    elif stored != key_check:
        raise StoreUnavailable("the identity key is not the one this database's identities were written with")
    for chunk in chunks(sorted(row["person"] for row in rows)):
        connection.execute(sa.delete(IDENTITIES).where(IDENTITIES.c.person.in_(chunk)))
        connection.execute(sa.delete(IDENTITY_KEYS).where(IDENTITY_KEYS.c.person.in_(chunk)))
    connection.execute(
        sa.insert(IDENTITY_KEYS), [{"person": row["person"], "key": row["key"]} for row in rows]
    )
    connection.execute(sa.insert(IDENTITIES), [{k: v for k, v in row.items() if k != "key"} for row in rows])
    append_entries(connection, identity_entries(sorted(rows, key=lambda row: str(row["person"]))))
