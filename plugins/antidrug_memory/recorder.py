"""A recorder that keeps streams of every subject, and their policy, in memory, behind one lock."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence

import attrs

from antidrug_core.audit import GENESIS, ChainHead, ChainRow, canonical_bytes, chain_hash
from antidrug_core.identity import Identity
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
from antidrug_core.ports import Scope, StoredStream, StreamAppend
from antidrug_core.rules import Policy
from antidrug_core.rules.prevention import RatingScheme, schemes_to_keep
from antidrug_core.store import policy_conflict

__all__ = ["MemoryRecorder", "MemorySession"]


@attrs.define
class _State:
    streams: dict[SubjectId, tuple[Record, ...]] = attrs.field(factory=dict)
    kinds: dict[SubjectId, SubjectKind] = attrs.field(factory=dict)
    access: dict[SubjectId, frozenset[DivisionCode]] = attrs.field(factory=dict)
    record_ids: set[RecordId] = attrs.field(factory=set)
    identities: dict[PersonId, Identity] = attrs.field(factory=dict)
    divisions: dict[DivisionCode, Division] = attrs.field(factory=dict)
    policy: Policy | None = None
    chain: list[ChainRow] = attrs.field(factory=list)
    head: ChainHead = attrs.field(factory=lambda: ChainHead(sequence=0, hash=GENESIS))
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
