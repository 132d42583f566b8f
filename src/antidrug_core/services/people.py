"""Use cases for the person file: registering, status, places, corrections, the three-year count."""

from __future__ import annotations

import datetime as dt

from antidrug_core.identity import Identity
from antidrug_core.model import (
    ActivityChanged,
    DivisionCode,
    HouseholdChanged,
    InvalidInput,
    NoticeKind,
    Permission,
    PersonId,
    PersonRegistered,
    RecordId,
    RecordVoided,
    RelapseFound,
    ResidenceChanged,
    SeriousBreach,
    SeriousBreachKind,
    Status,
    StatusChanged,
    TransferRequested,
    registration_id,
)
from antidrug_core.services._notices import notify_about, notify_if_abstinence_ended
from antidrug_core.services.jurisdiction import request_transfer
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import PersonFile, abstinence, is_managed_on, responsible_division_on

__all__ = [
    "change_activity",
    "change_household",
    "change_residence",
    "change_status",
    "conclude_abstinence",
    "people_reaching_abstinence",
    "record_relapse",
    "record_serious_breach",
    "register_person",
    "void_record",
]


def register_person(
    uow: UnitOfWork,
    *,
    household: DivisionCode,
    on: dt.date,
    status: Status | None = None,
    residence: DivisionCode | None = None,
    activity: DivisionCode | None = None,
    identity: Identity | None = None,
    person: PersonId | None = None,
) -> PersonId:
    """Open a person file (一人一档) and return the person's pseudonymous id.

    Args:
        household: Division of household registration.
        on: The date the person was registered.
        status: The status from ``on`` (recorded as a status change), if known.
        residence: Division of residence, if known.
        activity: Division of actual activity, if different.
        identity: Name and resident identity number; stored apart and
            encrypted. A person already on file with the same number is
            refused: in the actor's divisions as a duplicate, elsewhere with
            the advice to request a transfer, never showing that file.
        person: Use this id instead of a new one (imports from another system). Leave it
            out on a platform: the store then assigns a random one. Ids are one namespace per
            store, so a chosen id already taken anywhere is refused (``ports.id_taken``: the
            same words wherever it is taken, never where or by what).
    """
    if identity is not None and uow.find_person(identity.resident_id) is not None:
        raise InvalidInput.of(
            "identity.resident_id", "a person with this identity number is already registered"
        )
    if identity is not None and uow.identity_on_file_elsewhere(identity.resident_id):
        raise InvalidInput.of(
            "identity.resident_id",
            "a person with this identity number is on file in another division or in a sealed file "
            "(一人一档): ask that division to transfer the file (移交), or an administrator to unseal it, "
            "instead of registering the person again",
        )
    person = person or PersonId(uow.new_id())
    uow.add(
        PersonRegistered,
        id=registration_id(person),
        person=person,
        on=on,
        household=household,
        residence=residence,
        activity=activity,
    )
    if status is not None:
        uow.add(StatusChanged, person=person, on=on, status=status)
    if identity is not None:
        uow.set_identity(person, identity)
    return person


def change_status(uow: UnitOfWork, person: PersonId, status: Status, on: dt.date) -> StatusChanged:
    """From ``on``, the person's status is ``status``."""
    return uow.add(StatusChanged, person=person, on=on, status=status)


def change_residence(
    uow: UnitOfWork, person: PersonId, residence: DivisionCode, on: dt.date
) -> ResidenceChanged | TransferRequested:
    """The person moved.

    When the move would make another division responsible (under the
    residence-first policy), it opens a two-sided transfer to that division
    instead; the move is recorded when the division accepts (双向管控).
    """
    candidate = ResidenceChanged(
        id="candidate",
        person=person,
        on=on,
        recorded_at=uow.now(),
        recorded_by=uow.actor.id,
        residence=residence,
    )
    receiving = _receiving_division(uow, candidate)
    if receiving is not None:
        return request_transfer(uow, person, receiving, on, residence=residence)
    return uow.add(ResidenceChanged, person=person, on=on, residence=residence)


def change_household(
    uow: UnitOfWork, person: PersonId, household: DivisionCode, on: dt.date
) -> HouseholdChanged | TransferRequested:
    """The person's household registration moved.

    When the move would make another division responsible (户籍地为主), it
    opens a two-sided transfer to that division instead of moving
    responsibility by itself; the move is recorded when the division accepts.
    """
    candidate = HouseholdChanged(
        id="candidate",
        person=person,
        on=on,
        recorded_at=uow.now(),
        recorded_by=uow.actor.id,
        household=household,
    )
    receiving = _receiving_division(uow, candidate)
    if receiving is not None:
        return request_transfer(uow, person, receiving, on, household=household)
    return uow.add(HouseholdChanged, person=person, on=on, household=household)


def _receiving_division(uow: UnitOfWork, move: HouseholdChanged | ResidenceChanged) -> DivisionCode | None:
    """The division a place change would make responsible, when it is not the one responsible now."""
    file = uow.file(move.person)
    before = responsible_division_on(file, move.on, uow.policy)
    after = responsible_division_on(PersonFile.build(file.person, [*file.records, move]), move.on, uow.policy)
    return after if after != before else None


def change_activity(
    uow: UnitOfWork, person: PersonId, activity: DivisionCode | None, on: dt.date
) -> ActivityChanged:
    """The place the person actually spends time changed (None: same as residence)."""
    return uow.add(ActivityChanged, person=person, on=on, activity=activity)


def void_record(
    uow: UnitOfWork, person: PersonId, record: RecordId, on: dt.date, reason: str | None = None
) -> RecordVoided:
    """Retract a record entered in error; it no longer counts from now on.

    To correct a record's content instead, add a record of the same type
    with ``voids`` set (``uow.add(FaceCheck, …, voids=old_id)``).
    """
    return uow.add(RecordVoided, person=person, on=on, voids=record, reason=reason)


def record_relapse(uow: UnitOfWork, person: PersonId, on: dt.date) -> RelapseFound:
    """Renewed use found other than by a test; restarts the three-year count.

    After ``abstinent_3y`` it also ends the abstinence (``state.status_on``):
    the divisions are told to decide a measure.
    """
    relapse = uow.add(RelapseFound, person=person, on=on)
    notify_if_abstinence_ended(uow, relapse)
    return relapse


def record_serious_breach(
    uow: UnitOfWork, person: PersonId, kind: SeriousBreachKind, on: dt.date
) -> SeriousBreach:
    """A serious breach of the community measure (戒毒条例 art. 20)."""
    return uow.add(SeriousBreach, person=person, on=on, kind=kind)


def people_reaching_abstinence(uow: UnitOfWork, by: dt.date) -> list[tuple[PersonFile, dt.date]]:
    """Who, still under active management, completes three years without relapse by ``by``, and when."""
    due: list[tuple[PersonFile, dt.date]] = []
    for file in uow.files():
        count = abstinence(file, by)
        if count.reached_on is not None and count.reached_by(by) and is_managed_on(file, by):
            due.append((file, count.reached_on))
    return due


def conclude_abstinence(uow: UnitOfWork, by: dt.date) -> list[StatusChanged]:
    """Take out of active management everyone who completed three years by ``by``.

    Each gets a status change to ``abstinent_3y`` dated the day the three
    years were complete, and their divisions are told. Their history stays;
    retention after that is a host decision (see docs, "People's data").
    """
    uow.require(Permission.MANAGE)
    made: list[StatusChanged] = []
    for file, reached_on in people_reaching_abstinence(uow, by):
        change = uow.add(StatusChanged, person=file.person, on=reached_on, status=Status.ABSTINENT_3Y)
        notify_about(
            uow,
            NoticeKind.ABSTINENCE_REACHED,
            file.person,
            reached_on,
            "戒断三年未复吸，已解除社区动态管控。",
            record=change.id,
        )
        made.append(change)
    return made
