"""The unit of work: one actor's changes, checked, scoped and committed together.

``with store.unit_of_work(actor) as uow: … uow.commit()``. Records added are
checked against the file they join (a person's, a unit's, an
organisation's) and staged; ``commit`` appends them all or none, then
delivers the notices they caused. Leaving the block without ``commit``
changes nothing. Every kind of subject goes through the same stream
mechanism; only the file class and who may see it differ by kind
(``state.subjects``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from antidrug_core.clock import Clock, local_date
from antidrug_core.identity import Identity
from antidrug_core.model import (
    REGISTRATIONS,
    Actor,
    Division,
    InvalidInput,
    NotFound,
    Notice,
    OrganisationId,
    Permission,
    PermissionDenied,
    PersonId,
    Record,
    RecordId,
    Role,
    SubjectId,
    SubjectKind,
    UnitId,
)
from antidrug_core.model.limits import record_limit_problems
from antidrug_core.ports import RecorderSession, Scope, StreamAppend, SubjectProbe, id_taken
from antidrug_core.rules import Policy, Rules
from antidrug_core.state import (
    OrganisationFile,
    PersonFile,
    SubjectFile,
    UnitFile,
    build_file,
    subject_access,
)
from antidrug_core.validation import reference_problems, state_problems

if TYPE_CHECKING:
    from antidrug_core.store import Store

__all__ = ["UnitOfWork"]

R = TypeVar("R", bound=Record)
F = TypeVar("F", bound=SubjectFile)

_CALLED = {SubjectKind.PERSON: "person", SubjectKind.UNIT: "unit", SubjectKind.ORGANISATION: "organisation"}

log = logging.getLogger("antidrug_core")


@attrs.define
class _Stream:
    kind: SubjectKind
    version: int
    stored: list[Record]
    staged: list[Record] = attrs.field(factory=list)
    _file: SubjectFile | None = None

    def file(self, subject: SubjectId) -> SubjectFile:
        if self._file is None:
            self._file = build_file(self.kind, subject, [*self.stored, *self.staged])
        return self._file

    def history(self) -> dict[RecordId, Record]:
        return {r.id: r for r in (*self.stored, *self.staged)}

    def stage(self, record: Record) -> None:
        self.staged.append(record)
        self._file = None


class UnitOfWork:
    """One actor's transaction. Obtain it from ``Store.unit_of_work``."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self._session: RecorderSession | None = None
        self._streams: dict[SubjectId, _Stream] = {}
        self._identities: dict[PersonId, Identity] = {}
        self._divisions: list[Division] = []
        self._notices: list[Notice] = []
        self._committed = False

    # --- context -------------------------------------------------------------------------

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work is entered once")
        self._session = self.store.recorder.session()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.session.rollback()

    @property
    def session(self) -> RecorderSession:
        if self._session is None:
            raise RuntimeError("use the unit of work in a with-block")
        return self._session

    # --- what the work is done under -----------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self.store.policy

    @property
    def rules(self) -> Rules:
        return self.store.rules

    @property
    def clock(self) -> Clock:
        return self.store.clock

    @property
    def scope(self) -> Scope:
        """What the actor may see: its divisions, or None for everything."""
        return None if self.actor.unrestricted else self.actor.divisions

    def now(self) -> dt.datetime:
        """The clock's time: every record made in this unit of work is recorded at it."""
        return self.clock.now()

    def today(self) -> dt.date:
        """The local date now, in the jurisdiction's time zone."""
        return local_date(self.now(), self.policy.time_zone)

    def new_id(self) -> RecordId:
        """A fresh record id from the store's id source."""
        return RecordId(self.store.ids())

    def require(self, permission: Permission) -> None:
        """Refuse the action unless the actor's role allows it.

        Raises:
            PermissionDenied: naming the actor, its role and the permission.
        """
        if not self.actor.may(permission):
            raise PermissionDenied(f"actor {self.actor.id!r} ({self.actor.role}) may not {permission}")

    # --- reading -------------------------------------------------------------------------

    def _stream(self, subject: SubjectId, kind: SubjectKind) -> _Stream:
        stream = self._streams.get(subject)
        if stream is None:
            stored = self.session.read_stream(subject, self.scope)
            if stored is None or stored.kind is not kind:
                # A subject of another kind under this id is, for this question, not there.
                raise NotFound(f"no {_CALLED[kind]} {subject!r}")
            stream = _Stream(stored.kind, stored.version, list(stored.records))
            self._streams[subject] = stream
        elif stream.kind is not kind:
            raise NotFound(f"no {_CALLED[kind]} {subject!r}")
        return stream

    def _file(self, kind: SubjectKind, subject: SubjectId, cls: type[F]) -> F:
        self.require(Permission.READ)
        file = self._stream(subject, kind).file(subject)
        assert isinstance(file, cls)
        return file

    def file(self, person: PersonId) -> PersonFile:
        """The person file with everything known, staged records included.

        Raises:
            NotFound: no such person, or not in the actor's divisions.
        """
        return self._file(SubjectKind.PERSON, person, PersonFile)

    def unit_file(self, unit: UnitId) -> UnitFile:
        """The unit's file with everything known, staged records included.

        Raises:
            NotFound: no such unit, or not in the actor's divisions.
        """
        return self._file(SubjectKind.UNIT, unit, UnitFile)

    def organisation_file(self, organisation: OrganisationId) -> OrganisationFile:
        """The organisation's file with everything known, staged records included.

        Raises:
            NotFound: no such organisation, or not in the actor's divisions.
        """
        return self._file(SubjectKind.ORGANISATION, organisation, OrganisationFile)

    def exists(self, subject: SubjectId, kind: SubjectKind = SubjectKind.PERSON) -> bool:
        """Whether a subject of ``kind`` with this id exists for this actor."""
        try:
            self._stream(subject, kind)
        except NotFound:
            return False
        return True

    def subject_files(
        self,
        kind: SubjectKind,
        known_at: dt.datetime | None = None,
        subjects: Collection[SubjectId] | None = None,
    ) -> Iterator[SubjectFile]:
        """Every file of ``kind`` in the actor's scope, streamed, as known at ``known_at``.

        Records staged in this unit of work are not included; read files after commit.
        """
        self.require(Permission.READ)
        for stream in self.session.read_streams(self.scope, subjects, kind):
            yield build_file(kind, stream.subject, stream.records, known_at)

    def files(
        self, known_at: dt.datetime | None = None, people: Collection[PersonId] | None = None
    ) -> Iterator[PersonFile]:
        """Every person file in the actor's scope, streamed, as known at ``known_at``.

        Records staged in this unit of work are not included; read files after commit.
        """
        for file in self.subject_files(SubjectKind.PERSON, known_at, people):
            assert isinstance(file, PersonFile)
            yield file

    def people(self) -> list[PersonId]:
        """The ids of every person in the actor's scope."""
        return [file.person for file in self.files()]

    def identity(self, person: PersonId) -> Identity | None:
        """Who the person is, for actors whose role may see identities.

        Raises:
            PermissionDenied: the role may not see identities.
            NotFound: no such person in scope.
        """
        self.require(Permission.SEE_IDENTITY)
        self._stream(person, SubjectKind.PERSON)
        if person in self._identities:
            return self._identities[person]
        return self.session.get_identity(person, self.scope)

    def find_person(self, resident_id: str) -> PersonId | None:
        """The person with this resident identity number, within the actor's scope."""
        self.require(Permission.SEE_IDENTITY)
        for person, identity in self._identities.items():
            if identity.resident_id == resident_id:
                return person
        return self.session.find_person(resident_id, self.scope)

    def identity_on_file_elsewhere(self, resident_id: str) -> bool:
        """Whether a person with this identity number is on file outside the actor's divisions.

        It answers yes or no and nothing more — not who, not where — so a
        registration can be refused (one person, one file) without the
        refusal showing another township's file.
        """
        self.require(Permission.SEE_IDENTITY)
        if self.scope is None:
            return False
        return self.session.find_person(resident_id, None) is not None and (
            self.session.find_person(resident_id, self.scope) is None
        )

    def divisions(self) -> list[Division]:
        """The divisions the store knows."""
        return [*self.session.divisions(), *self._divisions]

    # --- writing -------------------------------------------------------------------------

    def add(self, cls: type[R], *, on: dt.date, id: RecordId | None = None, **fields: Any) -> R:
        """Make a record of type ``cls`` by this actor, now, check it and stage it.

        Args:
            cls: The record type.
            on: The date it took effect.
            id: A given id (a registration's is fixed); a new one by default.
            fields: The record's own fields, with the one naming its subject
                (``person=``, ``unit=`` or ``organisation=``).

        Raises:
            InvalidInput: every problem with the record, by field.
            NotFound: the subject does not exist for this actor.
        """
        try:
            record = cls(
                id=id or self.new_id(),
                on=on,
                recorded_at=self.store.recording_time(),
                recorded_by=self.actor.id,
                **fields,
            )
        except TypeError as error:
            raise InvalidInput.of(cls.type_tag, str(error)) from None
        self.add_record(record)
        return record

    def add_record(self, record: Record, *, live: bool = True) -> None:
        """Check ``record`` and stage it.

        Args:
            record: A complete record (id, times and author set by the caller).
            live: Apply the rules for changes made now (``state_problems``).
                Imports of history already accepted elsewhere pass False.
        """
        self.require(Permission.WRITE)
        limits = record_limit_problems(record)
        if limits:
            raise InvalidInput(limits)
        subject, kind = record.subject, record.subject_kind
        opens = isinstance(record, REGISTRATIONS[kind]) and record.voids is None
        if opens:
            self.require(Permission.MANAGE)
            if subject in self._streams:
                raise id_taken(kind, subject, record.id)
            stream = _Stream(kind, 0, [])
        else:
            stream = self._stream(subject, kind)
        file = stream.file(subject)
        problems = reference_problems(record, stream.history(), file)
        if live:
            problems += state_problems(record, file, self.policy, self.today())
        if problems:
            raise InvalidInput(problems)
        if opens:
            staged_file = build_file(kind, subject, [record])
            if self.scope is not None and not (subject_access(staged_file, self.policy) & self.scope):
                raise PermissionDenied(
                    f"actor {self.actor.id!r} may not register a {_CALLED[kind]} outside its divisions "
                    f"({_where(record)})"
                )
            # Last, so that whether the id is taken decides nothing else a caller could see: ids are
            # one namespace, and an id taken by any subject, seen or not, gets the one refusal.
            if self._taken(subject):
                raise id_taken(kind, subject, record.id)
            self._streams[subject] = stream
        stream.stage(record)

    def _taken(self, subject: SubjectId) -> bool:
        """Whether the store holds a subject with this id, asked without reading its records."""
        if isinstance(self.session, SubjectProbe):
            return self.session.subject_taken(subject)
        return self.session.read_stream(subject, None) is not None

    def set_identity(self, person: PersonId, identity: Identity) -> None:
        """Record who the person is; kept apart from records and encrypted by the store."""
        self.require(Permission.MANAGE)
        if person not in self._streams:
            self._stream(person, SubjectKind.PERSON)
        self._identities[person] = identity

    def add_divisions(self, divisions: Collection[Division]) -> None:
        """Name divisions (for reports); codes need no registration to be used.

        A division's name is what every report prints and what decides how
        figures read, so only an administrator whose divisions include it (a
        township's, or a county's for its townships) may add or rename it.

        Raises:
            PermissionDenied: the actor is not an administrator, or a division
                lies outside its divisions.
        """
        self.require(Permission.MANAGE)
        if self.actor.role is not Role.ADMINISTRATOR:
            raise PermissionDenied(f"actor {self.actor.id!r} ({self.actor.role}) may not name divisions")
        outside = sorted(d.code for d in divisions if not self.actor.covers(d.code))
        if outside:
            raise PermissionDenied(
                f"actor {self.actor.id!r} may not name divisions outside its own: {outside}"
            )
        self._divisions.extend(divisions)

    def notify(self, notice: Notice) -> None:
        """Queue a notice; it goes out after commit, never before."""
        self._notices.append(notice)

    def staged(self) -> Mapping[SubjectId, tuple[Record, ...]]:
        """What this unit of work will append, by subject."""
        return {p: tuple(s.staged) for p, s in self._streams.items() if s.staged}

    def commit(self) -> None:
        """Append everything staged, atomically, then deliver the notices.

        Raises:
            ConcurrencyConflict: someone appended to one of the same people
                since it was read; nothing was written.
        """
        if self._committed:
            raise RuntimeError("a unit of work commits once")
        appends = [
            StreamAppend(
                subject=subject,
                kind=stream.kind,
                expected_version=stream.version,
                records=tuple(stream.staged),
                access=subject_access(stream.file(subject), self.policy),
            )
            for subject, stream in self._streams.items()
            if stream.staged
        ]
        session = self.session
        if self._divisions:
            session.put_divisions(self._divisions)
        if appends:
            session.append(appends)
        for person, identity in self._identities.items():
            session.put_identity(person, identity)
        session.commit()
        self._committed = True
        self._deliver(self._notices)

    def _deliver(self, notices: list[Notice]) -> None:
        for notice in notices:
            try:
                self.store.plugins.hook.antidrug_deliver_notice(notice=notice)
            except Exception:
                # The facts are committed; a failing channel must not make the caller
                # believe they were not. The host sees the failure in its logs.
                log.exception("delivering notice %s about %s failed", notice.kind, notice.subject)


def _where(registration: Record) -> str:
    """The place a registration puts its subject, for the message refusing it."""
    household = getattr(registration, "household", None)
    if household is not None:
        return f"household {household}"
    return f"division {getattr(registration, 'division', '?')}"
