"""A recorder that keeps streams of every subject, and their policy, in memory, behind one lock."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Collection, Iterator, Sequence

import attrs

from antidrug_core.audit import GENESIS, ChainHead, ChainRow, canonical_bytes, chain_hash
from antidrug_core.identity import Identity
from antidrug_core.ledger import SealedRead
from antidrug_core.model import (
    ConcurrencyConflict,
    Division,
    DivisionCode,
    InvalidInput,
    PersonId,
    Problem,
    Record,
    RecordId,
    SubjectId,
    SubjectKind,
)
from antidrug_core.ports import IdentityErasure, Scope, StoredStream, StreamAppend, erasure_order, id_taken
from antidrug_core.rules import Policy
from antidrug_core.rules.prevention import RatingScheme, schemes_to_keep
from antidrug_core.store import policy_conflict

__all__ = ["MemoryErasure", "MemoryRecorder", "MemorySession"]


@attrs.frozen
class MemoryErasure:
    """An erasure as the memory store remembers it (it keeps no ledger): never the identity."""

    person: PersonId
    rule: str
    as_of: dt.date
    by: str


@attrs.define
class _State:
    streams: dict[SubjectId, tuple[Record, ...]] = attrs.field(factory=dict)
    kinds: dict[SubjectId, SubjectKind] = attrs.field(factory=dict)
    access: dict[SubjectId, frozenset[DivisionCode]] = attrs.field(factory=dict)
    record_ids: set[RecordId] = attrs.field(factory=set)
    identities: dict[PersonId, Identity] = attrs.field(factory=dict)
    divisions: dict[DivisionCode, Division] = attrs.field(factory=dict)
    policy: Policy | None = None
    erasures: list[MemoryErasure] = attrs.field(factory=list)
    chain: list[ChainRow] = attrs.field(factory=list)
    head: ChainHead = attrs.field(factory=lambda: ChainHead(sequence=0, hash=GENESIS))
    sealed_reads: list[SealedRead] = attrs.field(factory=list)
    """Every query of a sealed file, in order (the SQL store enters them in its ledger)."""
    rating_schemes: dict[str, RatingScheme] = attrs.field(factory=dict)

    def keep(self, policy: Policy, what: str) -> None:
        """Keep ``policy`` if none is kept yet; refuse another (call under the lock)."""
        if self.policy is None:
            self.policy = policy
        elif self.policy != policy:
            raise policy_conflict(self.policy, policy, what)


class MemoryRecorder:
    """Streams, identities and divisions in memory."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._state = _State()
        self._lock = threading.Lock()
        self._writing = Policy()

    def session(self) -> MemorySession:
        return MemorySession(self)

    def close(self) -> None:
        """Nothing to release."""

    def stored_policy(self) -> Policy | None:
        with self._lock:
            return self._state.policy

    def write_under(self, policy: Policy) -> None:
        self._writing = policy

    def keep_policy(self, policy: Policy) -> None:
        with self._lock:
            self._state.keep(policy, "the policy to keep")

    # --- rating schemes (``RatingSchemeRecorder``) --------------------------------------------

    def kept_rating_schemes(self) -> tuple[RatingScheme, ...]:
        with self._lock:
            return tuple(self._state.rating_schemes.values())

    def keep_rating_schemes(self, schemes: Sequence[RatingScheme]) -> None:
        with self._lock:
            for scheme in schemes_to_keep(self._state.rating_schemes, schemes):
                self._state.rating_schemes[scheme.id] = scheme

    # --- the audit chain, as the SQL store keeps it (``antidrug_core.audit``) ---------------

    def chain(self) -> Iterator[ChainRow]:
        with self._lock:
            rows = list(self._state.chain)
        yield from rows

    def chain_head(self) -> ChainHead:
        with self._lock:
            return self._state.head

    # --- erasure (``ErasingRecorder``): the identity is dropped, the records kept --------------

    def identified(self, people: Collection[PersonId]) -> set[PersonId]:
        with self._lock:
            return {person for person in people if person in self._state.identities}

    def erase_identities(
        self,
        erasures: Sequence[IdentityErasure],
        *,
        by: str,
        batch: int = 500,
        step: Callable[[str], None] | None = None,
    ) -> list[PersonId]:
        told = step or (lambda _where: None)
        ordered = erasure_order(erasures)
        erased: list[PersonId] = []
        for start in range(0, len(ordered), max(batch, 1)):
            with self._lock:
                state = self._state
                done = [
                    e
                    for e in ordered[start : start + batch]
                    if e.person in state.identities and len(state.streams.get(e.person, ())) == e.version
                ]
                told("batch")  # before anything changes: a stop here leaves the batch as it was
                for erasure in done:
                    del state.identities[erasure.person]
                    state.erasures.append(MemoryErasure(erasure.person, erasure.rule, erasure.as_of, by))
            told("committed")
            erased += [e.person for e in done]
        return erased

    @property
    def erasures(self) -> list[MemoryErasure]:
        """Every erasure made, in order."""
        with self._lock:
            return list(self._state.erasures)

    # --- queries of sealed files --------------------------------------------------------

    def note_sealed_read(self, read: SealedRead) -> None:
        with self._lock:
            self._state.sealed_reads.append(read)

    def sealed_reads(self) -> list[SealedRead]:
        with self._lock:
            return list(self._state.sealed_reads)

    def _visible(self, subject: SubjectId, scope: Scope) -> bool:
        return scope is None or bool(self._state.access.get(subject, frozenset()) & scope)


class MemorySession:
    """Stages writes and applies them under the recorder's lock at commit."""

    def __init__(self, recorder: MemoryRecorder) -> None:
        self._recorder = recorder
        self._appends: list[StreamAppend] = []
        self._identities: dict[PersonId, Identity] = {}
        self._divisions: list[Division] = []

    @property
    def _state(self) -> _State:
        return self._recorder._state

    def read_stream(self, subject: SubjectId, scope: Scope) -> StoredStream | None:
        with self._recorder._lock:
            records = self._state.streams.get(subject)
            if records is None or not self._recorder._visible(subject, scope):
                return None
            return StoredStream(subject, self._state.kinds[subject], len(records), records)

    def read_streams(
        self,
        scope: Scope,
        subjects: Collection[SubjectId] | None = None,
        kind: SubjectKind = SubjectKind.PERSON,
    ) -> Iterator[StoredStream]:
        with self._recorder._lock:
            streams = self._state.streams
            chosen = sorted(streams if subjects is None else set(subjects) & set(streams))
            snapshot = [
                StoredStream(s, kind, len(streams[s]), streams[s])
                for s in chosen
                if self._state.kinds[s] is kind and self._recorder._visible(s, scope)
            ]
        yield from snapshot

    def append(self, appends: Sequence[StreamAppend]) -> None:
        with self._recorder._lock:
            self._check(appends)
        self._appends.extend(appends)

    def _check(self, appends: Sequence[StreamAppend]) -> None:
        state = self._state
        seen: set[RecordId] = set()
        problems: list[Problem] = []
        for append in appends:
            current = len(state.streams.get(append.subject, ()))
            if current != 0 and append.expected_version == 0:  # taken since it was checked: say no more
                raise id_taken(append.kind, append.subject, append.records[0].id if append.records else None)
            if current != append.expected_version:
                raise ConcurrencyConflict(
                    f"{append.kind.value} {append.subject!r} changed since it was read "
                    f"(version {current}, expected {append.expected_version}); read again and retry"
                )
            for record in append.records:
                if record.id in state.record_ids or record.id in seen:
                    problems.append(Problem("id", f"record id {record.id!r} is already used", record.id))
                seen.add(record.id)
        if problems:
            raise InvalidInput(problems)

    def subject_taken(self, subject: SubjectId) -> bool:
        with self._recorder._lock:
            return subject in self._state.streams

    def put_identity(self, person: PersonId, identity: Identity) -> None:
        self._identities[person] = identity

    def get_identity(self, person: PersonId, scope: Scope) -> Identity | None:
        with self._recorder._lock:
            if not self._recorder._visible(person, scope):
                return None
            return self._state.identities.get(person)

    def find_person(self, resident_id: str, scope: Scope) -> PersonId | None:
        with self._recorder._lock:
            for person, identity in self._state.identities.items():
                if identity.resident_id == resident_id and self._recorder._visible(person, scope):
                    return person
        return None

    def put_divisions(self, divisions: Sequence[Division]) -> None:
        self._divisions.extend(divisions)

    def divisions(self) -> list[Division]:
        with self._recorder._lock:
            return sorted(self._state.divisions.values(), key=lambda d: d.code)

    def commit(self) -> None:
        with self._recorder._lock:
            # Checked again under the lock: another session may have committed since append().
            self._check(self._appends)
            state = self._state
            if self._appends:
                state.keep(self._recorder._writing, "the policy these records were written under")
            sequence, last = state.head.sequence, state.head.hash
            for append in self._appends:
                version = len(state.streams.get(append.subject, ()))
                for record in append.records:
                    sequence, version = sequence + 1, version + 1
                    last = chain_hash(last, sequence, canonical_bytes(record))
                    state.chain.append(ChainRow(sequence=sequence, version=version, record=record, hash=last))
                state.streams[append.subject] = (
                    *state.streams.get(append.subject, ()),
                    *append.records,
                )
                state.kinds.setdefault(append.subject, append.kind)
                state.access[append.subject] = append.access
                state.record_ids.update(r.id for r in append.records)
            state.head = ChainHead(sequence=sequence, hash=last)
            state.identities.update(self._identities)
            state.divisions.update((d.code, d) for d in self._divisions)
        self.rollback()

    def rollback(self) -> None:
        self._appends.clear()
        self._identities.clear()
        self._divisions.clear()
