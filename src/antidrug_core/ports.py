"""What the core needs from storage, as ``typing.Protocol`` interfaces.

A storage plugin provides a ``Recorder``: it can insert records and select
them, nothing else. Everything else a store does (validation, scoping
checks, notices, derived state) is done once, in the core's unit of work, so
every back end behaves the same and one contract test suite
(``antidrug_core.testing``) can prove it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from antidrug_core.model import (
    Division,
    DivisionCode,
    InvalidInput,
    PersonId,
    Problem,
    Record,
    SubjectId,
    SubjectKind,
)

if TYPE_CHECKING:
    from antidrug_core.audit import ChainHead, ChainRow
    from antidrug_core.identity import Identity
    from antidrug_core.ledger import LateRecord, LedgerRow, LoadSource, SealedRead, StateReport
    from antidrug_core.rules import Policy
    from antidrug_core.rules.prevention import RatingScheme

__all__ = [
    "AuditableRecorder",
    "BulkRecorder",
    "ErasingRecorder",
    "IdentityErasure",
    "KeyRotatingRecorder",
    "KeyRotation",
    "LedgerRecorder",
    "Recorder",
    "RecorderSession",
    "Scope",
    "SealedReadRecorder",
    "StoreContext",
    "StoredStream",
    "StreamAppend",
    "SubjectProbe",
    "VersionedRecorder",
    "erasure_order",
    "id_taken",
]

Scope = frozenset[DivisionCode] | None
"""The divisions an actor may see, or None for every division. A subject is
in scope when any of its access divisions (``state.subject_access``, which
include every division above its places) is in the set."""


@attrs.frozen
class StoredStream:
    """One subject's records as stored, with the version they were read at."""

    subject: SubjectId
    kind: SubjectKind
    """What kind of subject the stream is about (a person, a unit, an organisation)."""
    version: int
    """How many records the stream holds; the next append expects this."""
    records: tuple[Record, ...]
    """In the order they were appended."""


@attrs.frozen
class StreamAppend:
    """Records to append to one subject's stream, guarded by the version read."""

    subject: SubjectId
    kind: SubjectKind
    """The kind of subject; a stream keeps the kind its first append gave it."""
    expected_version: int
    """The version the writer read (0 for a new subject). If the stream has
    moved on, the append is a ``ConcurrencyConflict`` and nothing is written."""
    records: tuple[Record, ...]
    access: frozenset[DivisionCode]
    """The subject's access divisions after these records, every ancestor included."""


def id_taken(kind: SubjectKind, subject: SubjectId, row: str | None = None) -> InvalidInput:
    """The one refusal of a new subject whose id is already taken in the store, wherever it is.

    Ids are one namespace per store, so a caller-chosen id that another
    township already uses must be refused; the refusal is the same words and
    type whether the id is taken in the caller's own divisions, in one it
    cannot see, or by a subject of another kind, and whether the unit of work
    or the store at commit finds it, so that it tells no more than "taken"
    (never where, by what, or how many records). Store-assigned ids (the
    default) are random and never meet it.
    """
    return InvalidInput(
        Problem(
            kind.value,
            f"{subject!r} is already registered in this store (ids are one namespace: it may be a file "
            "outside your divisions); choose another id, or leave it out and the store assigns one",
            row,
        )
    )


@runtime_checkable
class SubjectProbe(Protocol):
    """A session that can tell whether an id is taken without reading the subject's records.

    The unit of work asks it before opening a new subject, so that refusing
    a taken id costs the same whatever the other file holds (a file of a
    thousand records would otherwise take longer to refuse than one of two).
    """

    def subject_taken(self, subject: SubjectId) -> bool:
        """Whether any subject, of any kind, in any division, has this id."""
        ...


class RecorderSession(Protocol):
    """One transaction against a store. Nothing is visible to others before ``commit``."""

    def read_stream(self, subject: SubjectId, scope: Scope) -> StoredStream | None:
        """The subject's stream, of whatever kind, or None when there is none or it is out of ``scope``."""
        ...

    def read_streams(
        self,
        scope: Scope,
        subjects: Collection[SubjectId] | None = None,
        kind: SubjectKind = SubjectKind.PERSON,
    ) -> Iterator[StoredStream]:
        """Every stream of ``kind`` in ``scope`` (or just ``subjects``), ordered by id, streamed."""
        ...

    def append(self, appends: Sequence[StreamAppend]) -> None:
        """Append records to streams, all or nothing.

        Raises:
            ConcurrencyConflict: a stream's version is not the expected one.
            InvalidInput: a record id is already used in the store.
        """
        ...

    def put_identity(self, person: PersonId, identity: Identity) -> None:
        """Keep (or replace) who ``person`` is; stores encrypt it at rest."""
        ...

    def get_identity(self, person: PersonId, scope: Scope) -> Identity | None:
        """Who ``person`` is, if known and in scope."""
        ...

    def find_person(self, resident_id: str, scope: Scope) -> PersonId | None:
        """The person with this resident identity number, if any and in scope."""
        ...

    def put_divisions(self, divisions: Sequence[Division]) -> None:
        """Add or rename divisions."""
        ...

    def divisions(self) -> list[Division]:
        """Every division the store knows, by code."""
        ...

    def commit(self) -> None:
        """Make everything in this session durable and visible, atomically."""
        ...

    def rollback(self) -> None:
        """Forget everything in this session."""
        ...


class Recorder(Protocol):
    """A store's storage: opened by the storage hook from a URL.

    A recorder serves one ``Store``. Besides records it keeps the policy
    they were written under: the responsibility policy decides each
    person's access set, so a store written under one policy must not be
    read or extended under another. The first commit that appends records
    keeps the policy given to ``write_under`` (in the same transaction), and
    every later commit is refused when the store keeps another.
    """

    url: str
    """The URL it was opened with, password masked."""

    def session(self) -> RecorderSession:
        """Begin a transaction."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...

    def stored_policy(self) -> Policy | None:
        """The policy the store keeps, or None while it keeps none (no records written yet)."""
        ...

    def write_under(self, policy: Policy) -> None:
        """Name the policy the access sets this recorder will write are computed under.

        Nothing is written now. The first commit (or bulk load) that appends
        records keeps ``policy`` when the store keeps none; a commit that
        appends records to a store that keeps another policy raises
        ``InvalidInput`` naming both, and writes nothing.
        """
        ...

    def keep_policy(self, policy: Policy) -> None:
        """Keep ``policy`` now, before any record (``antidrug init --policy``).

        Raises:
            InvalidInput: the store already keeps another policy, naming both.
        """
        ...


@attrs.frozen(kw_only=True)
class StoreContext:
    """What the storage hook is given besides the URL."""

    identity_key: Callable[[], bytes | None]
    """Asks the host for the key that encrypts identities (the
    ``antidrug_identity_key`` hook); None when no host plugin supplies one,
    and a store then looks for its own fallback (an environment variable)."""
    create: bool = True
    """Create the schema when the database is empty (the embedded default
    does; a platform usually migrates explicitly with ``antidrug init``)."""
    upgrade: bool = False
    """Bring an older schema up to this library's (``antidrug init`` does).
    Without it a store refuses an older database and names the command that
    upgrades it, so that no schema changes behind a platform's back."""
    processes: bool = False
    """The store may start processes of its own to read (a large SQLite store
    reads its slices of people in processes rather than threads). Only for a
    process the library owns, such as the command line: a library embedded in
    a host never starts processes inside the host's call."""


# --- Optional capabilities: a recorder may offer these besides the protocol above. ---------


@runtime_checkable
class AuditableRecorder(Protocol):
    """A recorder that keeps its records in a hash chain (``antidrug_core.audit``)."""

    def chain(self) -> Iterator[ChainRow]:
        """Every stored record with its sequence number and stored hash, in sequence order, streamed."""
        ...

    def chain_head(self) -> ChainHead:
        """Where the store records that its chain ends."""
        ...


@runtime_checkable
class RatingSchemeRecorder(Protocol):
    """A recorder that keeps the rating schemes loaded with a dataset, so its ratings keep their stars.

    A rating names its scheme (``example_star@1``); the stars are the scheme's.
    A store that kept only the ratings would give other stars, or none, once
    the file is gone: it keeps the schemes too, each once and never changed.
    """

    def kept_rating_schemes(self) -> tuple[RatingScheme, ...]:
        """The rating schemes the store keeps, in the order they were kept."""
        ...

    def keep_rating_schemes(self, schemes: Sequence[RatingScheme]) -> None:
        """Keep the schemes not kept yet, in one transaction; a scheme kept already is left as it is.

        Raises:
            InvalidInput: a scheme differs from the kept one of its id (``schemes_to_keep``).
        """
        ...


@runtime_checkable
class BulkRecorder(Protocol):
    """A recorder that can load many people at once with set-based inserts."""

    def bulk_append(
        self,
        appends: Iterable[StreamAppend],
        *,
        divisions: Sequence[Division] = (),
        progress: Callable[[int, int], None] | None = None,
        source: LoadSource | None = None,
    ) -> int:
        """Append many streams in one transaction and return how many records were written.

        The guarantees are a session's: all or nothing, versions checked,
        the chain extended, access sets kept, and the policy given to
        ``Recorder.write_under`` kept or checked as by a commit. Records are
        not checked against the person file (the caller validated them,
        e.g. with ``read_dataset``). ``appends`` is consumed lazily, so it
        may be a generator over more people than fit in memory;
        ``progress`` is told the people and records handed over so far
        after each batch. A store that keeps a ledger enters the load in it
        with ``source`` (who ran it, the file's digest).

        Raises:
            ConcurrencyConflict: a stream's version is not the expected one.
            InvalidInput: a record id is already used (naming it), or the
                store keeps another policy (naming both).
        """
        ...


@runtime_checkable
class LedgerRecorder(Protocol):
    """A recorder that keeps a ledger beside its audit chain (``antidrug_core.ledger``)."""

    def verify_state(self) -> StateReport:
        """Check the ledger, and the policy, divisions, identities, stream heads and access sets
        against it and the chained records."""
        ...

    def late_records(self, margin: dt.timedelta) -> Iterator[LateRecord]:
        """Records whose claimed recording time is earlier than their receipt by more than
        ``margin``, in sequence order."""
        ...

    def ledger(self) -> Iterator[LedgerRow]:
        """Every ledger entry, in sequence order, streamed (for checkpoints)."""
        ...

    def ledger_head(self) -> ChainHead:
        """Where the store records that its ledger ends: its entry count and last hash."""
        ...


@runtime_checkable
class SealedReadRecorder(Protocol):
    """A recorder that enters each query of a sealed file in its audit ledger.

    A unit of work opens a sealed file only on a recorder that can enter the
    query first: no entry, no read.
    """

    def note_sealed_read(self, read: SealedRead) -> None:
        """Enter ``read`` in the ledger now, in its own transaction, before the file is shown."""
        ...

    def sealed_reads(self) -> list[SealedRead]:
        """Every query of a sealed file the store entered, oldest first."""
        ...


@attrs.frozen
class KeyRotation:
    """What a key rotation did."""

    rotated: int
    """Identities re-encrypted by this run (a rerun counts only what was left)."""
    identities: int | None
    """Identities the store holds under the new key; None when there was nothing to rotate
    (no identities, or the store was under the new key already)."""


@runtime_checkable
class KeyRotatingRecorder(Protocol):
    """A recorder whose identities can move to a new key."""

    def new_identity_key(self, from_host: bytes | None) -> bytes:
        """The key to rotate to: ``from_host`` (the ``antidrug_new_identity_key`` hook), else the
        store's documented environment variable.

        Raises:
            InvalidInput: no new key was given, or it is not 32 bytes.
        """
        ...

    def rotate_identity_key(
        self, new_key: bytes, *, batch: int = 500, step: Callable[[str], None] | None = None
    ) -> KeyRotation:
        """Re-encrypt every identity and rebuild the blind index under ``new_key``; resumable,
        safe to stop at any point. ``step`` is told each step (a test stops it there)."""
        ...


@attrs.frozen
class IdentityErasure:
    """One person's identity to erase, and why (``antidrug_core.retention``)."""

    person: PersonId
    rule: str
    """The retention rule that made it due (its id)."""
    as_of: dt.date
    """The date the rule was applied as of."""
    version: int
    """The version of the person's stream the decision was made on: if it moved on since (a
    relapse recorded meanwhile), the person is not erased."""


def erasure_order(erasures: Sequence[IdentityErasure]) -> list[IdentityErasure]:
    """One erasure per person, the first given for them, in the order of their ids.

    Every store erases in this order, so a run stopped midway and run again
    takes the same batches, and a person named twice is erased once, by the
    rule that named them first.
    """
    return sorted({e.person: e for e in reversed(erasures)}.values(), key=lambda e: str(e.person))


@runtime_checkable
class ErasingRecorder(Protocol):
    """A recorder that can erase identities for good, keeping the records (crypto-shredding)."""

    def identified(self, people: Collection[PersonId]) -> set[PersonId]:
        """Which of ``people`` still have an identity on file (no key needed: nothing is decrypted)."""
        ...

    def erase_identities(
        self,
        erasures: Sequence[IdentityErasure],
        *,
        by: str,
        batch: int = 500,
        step: Callable[[str], None] | None = None,
    ) -> list[PersonId]:
        """Destroy each person's identity (data key, ciphertexts, blind index) and enter each
        erasure in the store's ledger, ``batch`` people per transaction; the records stay.

        Idempotent and safe to stop at any point: a person without an identity, or whose stream
        is no longer at the erasure's ``version``, is skipped. ``step`` is told ``"batch"``
        (inside a batch's transaction, before it commits) and ``"committed"``.

        Returns:
            The people erased by this call.
        """
        ...


@runtime_checkable
class VersionedRecorder(Protocol):
    """A recorder over a database whose schema has revisions (migrations)."""

    def schema_revisions(self) -> tuple[str | None, str]:
        """The schema revision the database had when opened (None: it was empty), and the one it has now."""
        ...
