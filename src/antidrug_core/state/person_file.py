"""A subject's file: one subject's records as known at some moment.

A ``SubjectFile`` holds the records that count — those recorded by
``known_at`` and not voided by a void known by then — in one canonical
order, so that everything derived from it is independent of the order in
which records arrived. The person file (一人一档, ``PersonFile``) is the
case every person derivation in ``state`` reads; units and organisations
have theirs in ``state.subjects``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar, Generic, TypeVar, cast

from antidrug_core.model import (
    REGISTRATIONS,
    PersonId,
    PersonRegistered,
    Record,
    RecordId,
    RecordVoided,
    SubjectId,
    SubjectKind,
)

__all__ = ["KindFile", "PersonFile", "SubjectFile", "canonical_order", "latest_on_or_before"]

R = TypeVar("R", bound=Record)


def canonical_order(record: Record) -> tuple[dt.date, dt.datetime, str]:
    """Sort key: effective date, then recording time, then id (a total order)."""
    return (record.on, record.recorded_at, record.id)


def latest_on_or_before(records: Iterable[R], day: dt.date) -> R | None:
    """The last of ``records`` (in canonical order) that took effect on or before ``day``."""
    found: R | None = None
    for record in records:
        if record.on > day:
            break
        found = record
    return found


class SubjectFile:
    """One subject's effective records, in canonical order, indexed by type.

    The same fold serves every kind of subject: a person file (一人一档), a
    unit's stream, an organisation's work log. Build one with :meth:`build`
    (or ``build_file``, which picks the class for the kind). It is
    read-only; a new fact means a new file.
    """

    __slots__ = ("_by_id", "_by_type", "known_at", "records", "subject", "voided_by")

    kind: ClassVar[SubjectKind | None] = None
    """The kind of subject the class folds; None for the plain, kind-agnostic file."""
    subject: SubjectId
    records: tuple[Record, ...]
    known_at: dt.datetime | None
    voided_by: Mapping[RecordId, Record]
    _by_type: Mapping[type[Record], tuple[Record, ...]]
    _by_id: Mapping[RecordId, Record]

    def __init__(
        self,
        subject: SubjectId,
        records: tuple[Record, ...],
        known_at: dt.datetime | None,
        voided_by: Mapping[RecordId, Record],
    ) -> None:
        self.subject = subject
        self.records = records
        self.known_at = known_at
        self.voided_by = voided_by
        by_type: dict[type[Record], list[Record]] = defaultdict(list)
        for record in records:
            by_type[type(record)].append(record)
        self._by_type = {cls: tuple(items) for cls, items in by_type.items()}
        self._by_id = {record.id: record for record in records}

    @classmethod
    def build(
        cls: type[F],
        subject: SubjectId,
        records: Iterable[Record],
        known_at: dt.datetime | None = None,
    ) -> F:
        """The file of ``subject`` from all its records, as known at ``known_at``.

        Args:
            subject: Whose file.
            records: Every record of the subject, in any order.
            known_at: Use only records recorded at or before this instant
                (and only voids known by then); None uses everything.
        """
        known = [r for r in records if known_at is None or r.recorded_at <= known_at]
        voided_by = _voided(known)
        counting = tuple(
            sorted(
                (r for r in known if r.id not in voided_by and not isinstance(r, RecordVoided)),
                key=canonical_order,
            )
        )
        return cls(subject, counting, known_at, voided_by)

    def of_type(self, cls: type[R]) -> tuple[R, ...]:
        """The effective records of exactly type ``cls``, in canonical order."""
        return self._by_type.get(cls, ())  # type: ignore[return-value]

    def get(self, record_id: RecordId) -> Record | None:
        """The effective record with this id, or None (unknown, or voided)."""
        return self._by_id.get(record_id)

    def opening(self) -> Record | None:
        """The record that opened the stream (its kind's registration; the first, should there be
        corrections), or None for a plain file."""
        if self.kind is None:
            return None
        found = self.of_type(REGISTRATIONS[self.kind])
        return found[0] if found else None

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.subject!r}, {len(self.records)} records, known_at={self.known_at})"
        )


F = TypeVar("F", bound=SubjectFile)
G = TypeVar("G", bound=Record)


class KindFile(SubjectFile, Generic[G]):
    """The file of one kind of subject, whose opening is that kind's registration ``G``.

    ``registration`` is ``opening()`` typed for the kind, so a person's,
    a unit's and an organisation's file answer it by the one mechanism.
    """

    __slots__ = ()

    @property
    def registration(self) -> G | None:
        """The record that opened the file (the first, should there be corrections)."""
        # ``kind`` names the registration type (``REGISTRATIONS``) that ``G`` stands for.
        return cast("G | None", self.opening())


class PersonFile(KindFile[PersonRegistered]):
    """One person's effective records (一人一档). Every person derivation in ``state`` reads one."""

    __slots__ = ()
    kind = SubjectKind.PERSON

    @property
    def person(self) -> PersonId:
        """The pseudonymous person id."""
        return self.subject


def _voided(known: list[Record]) -> dict[RecordId, Record]:
    """Which known records are voided, and by which record.

    A void counts only while it is itself in effect, so voiding a void
    restores the original. Chains are resolved from the newest void back.
    """
    voiders: dict[RecordId, list[Record]] = defaultdict(list)
    for record in known:
        if record.voids is not None:
            voiders[record.voids].append(record)
    if not voiders:
        return {}
    in_effect: dict[RecordId, bool] = {}

    def effective(record: Record, seen: frozenset[RecordId]) -> bool:
        if record.id in in_effect:
            return in_effect[record.id]
        if record.id in seen:  # a cycle; validation refuses them, a reader must still stop
            return False
        result = not any(effective(v, seen | {record.id}) for v in voiders.get(record.id, ()))
        in_effect[record.id] = result
        return result

    voided: dict[RecordId, Record] = {}
    for target, candidates in voiders.items():
        for voider in sorted(candidates, key=canonical_order):
            if effective(voider, frozenset()):
                voided[target] = voider
                break
    return voided
