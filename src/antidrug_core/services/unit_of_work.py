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
from antidrug_core.ledger import SealedRead
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
    StoreUnavailable,
    SubjectId,
    SubjectKind,
    UnitId,
)
from antidrug_core.model.limits import id_problem, record_limit_problems, text_problem
from antidrug_core.ports import (
    RecorderSession,
    Scope,
    SealedReadRecorder,
    StreamAppend,
    SubjectProbe,
    id_taken,
)
from antidrug_core.rules import Policy, Rules
from antidrug_core.state import (
    OrganisationFile,
    PersonFile,
    Seal,
    SubjectFile,
    UnitFile,
    build_file,
    could_be_sealed,
    seal_on,
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
    seal: Seal | None = None
    """The seal in force today on the stored records, None when open; known once ``sealed_known``."""
    sealed_known: bool = False

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
        self._opened: set[PersonId] = set()
        """Sealed files opened in this unit of work by an entered query (``sealed_file``)."""

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
        if kind is SubjectKind.PERSON and subject not in self._opened and self._seal(subject, stream):
            # Sealed (封存): for routine work the person is not there, in the same words.
            raise NotFound(f"no {_CALLED[kind]} {subject!r}")
        return stream

    def _seal(self, subject: SubjectId, stream: _Stream) -> Seal | None:
        # Judged on what the store holds: a decision staged here takes effect once committed, so
        # a unit of work can seal a file and go on reading it, or load a history that seals and
        # unseals it.
        if not stream.sealed_known:
            stream.seal = self.seal_of(subject, stream.stored)
            stream.sealed_known = True
        return stream.seal

    def seal_of(self, person: PersonId, records: Collection[Record]) -> Seal | None:
        """The seal in force today on the file ``records`` make (every record known now), or None.

        Sealing is about who may read a file now, so it is judged on
        everything known, whatever date a figure is computed as known at.
        """
        rule = self.rules.sealing
        if not could_be_sealed(records, rule):
            return None
        file = build_file(SubjectKind.PERSON, person, records)
        assert isinstance(file, PersonFile)
        return seal_on(file, rule, self.today())

    def _withheld(self, person: PersonId, records: Collection[Record]) -> bool:
        return person not in self._opened and self.seal_of(person, records) is not None

    def is_sealed(self, person: PersonId, records: Collection[Record]) -> bool:
        """Whether the file ``records`` make is sealed today and not opened in this unit of work.

        For code that reads streams itself (evidence, exports): a sealed file
        counts in aggregate figures and is named nowhere.
        """
        return self._withheld(person, records)

    def _file(self, kind: SubjectKind, subject: SubjectId, cls: type[F]) -> F:
        self.require(Permission.READ)
        file = self._stream(subject, kind).file(subject)
        assert isinstance(file, cls)
        return file

    def file(self, person: PersonId) -> PersonFile:
        """The person file with everything known, staged records included.

        Raises:
            NotFound: no such person, not in the actor's divisions, or sealed (封存)
                and not opened with ``sealed_file``: the same words for each.
        """
        return self._file(SubjectKind.PERSON, person, PersonFile)

    def sealed_file(self, person: PersonId, reason: str, *, purpose: str = "read") -> PersonFile:
        """Open a person's file, sealed or not, for an authorised query (治安管理处罚法 art. 136).

        The query (who, their role, which person, the reason, when) is
        entered in the store's audit ledger first, in its own transaction:
        it stays on the record whether or not this unit of work commits, and
        a store that cannot enter it refuses the read. The file stays open
        for the rest of this unit of work (its identity, new records).

        Args:
            person: Whose file.
            reason: Why; required, as for any query of sealed records.
            purpose: What the file is opened for (``read``, ``seal``, ``unseal``, ``export``).

        Raises:
            PermissionDenied: the role may not read sealed files.
            InvalidInput: no reason, or a reason or id that is not text.
            StoreUnavailable: the store keeps no ledger to enter the query in.
            NotFound: no such person in the actor's divisions.
        """
        self.require(Permission.READ)
        self.require(Permission.READ_SEALED)
        reason = reason.strip()
        problem = "a query of a sealed file must give its reason" if not reason else text_problem(reason)
        if problem is not None:
            raise InvalidInput.of("reason", problem)
        if id_problem(person) is not None or not person:
            raise InvalidInput.of("person", f"{person!r} is not a person id")
        recorder = self.store.recorder
        if not isinstance(recorder, SealedReadRecorder):
            raise StoreUnavailable(
                f"{self.store.url}: this store cannot enter queries of sealed files in an audit ledger, "
                "so it does not open them"
            )
        recorder.note_sealed_read(
            SealedRead(
                person=person,
                by=self.actor.id,
                role=self.actor.role.value,
                reason=reason,
                purpose=purpose,
                at=self.now(),
            )
        )
        self._opened.add(person)
        try:
            return self.file(person)
        except NotFound:
            self._opened.discard(person)
            raise

    def seal(self, person: PersonId) -> Seal | None:
        """The seal in force today on a file opened with ``sealed_file`` (or an open one), or None.

        Raises:
            NotFound: the person is not there for this actor (a sealed file not opened included).
        """
        return self._seal(person, self._stream(person, SubjectKind.PERSON))

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
            if kind is SubjectKind.PERSON and self._withheld(stream.subject, stream.records):
                continue  # sealed (封存): in no list
            yield build_file(kind, stream.subject, stream.records, known_at)

    def counted_files(self, kind: SubjectKind, known_at: dt.datetime | None = None) -> Iterator[SubjectFile]:
        """Every file of ``kind`` in the actor's scope, sealed files included, for aggregate figures.

        A sealed file still counts (sealing is not deletion, and a figure
        must not change because a file was sealed); what reads these files
        must show numbers only, never who.
        """
        self.require(Permission.READ)
        for stream in self.session.read_streams(self.scope, None, kind):
            yield build_file(kind, stream.subject, stream.records, known_at)

    def sealed_count(self) -> int:
        """How many person files in the actor's scope are sealed today: a number, never who."""
        self.require(Permission.READ)
        return sum(
            1
            for stream in self.session.read_streams(self.scope)
            if self._withheld(stream.subject, stream.records)
        )

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
        found = self.session.find_person(resident_id, self.scope)
        if found is not None and not self.exists(found):
            return None  # a sealed file is found by no number
        return found

    def identity_on_file_elsewhere(self, resident_id: str) -> bool:
        """Whether a person with this identity number is on file outside the actor's divisions, or
        in a sealed file.

        It answers yes or no and nothing more — not who, not where, not
        which of the two — so a registration can be refused (one person, one
        file) without the refusal showing another township's file or a
        sealed one.
        """
        self.require(Permission.SEE_IDENTITY)
        return (
            self.session.find_person(resident_id, None) is not None and self.find_person(resident_id) is None
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
