"""Use cases for an organisation's work log: publicity, volunteers, surveys, plants, organisation, ratings.

Each verb checks what the record says against the rules in force (key
dates, channels, rating schemes) and against the organisation's work log
(a volunteer who is not on the team cannot leave; plants are destroyed
after they are found, once), then stages one record. Every verb takes an
optional ``id``: called again with the same id (a host retrying after a
failure), it returns the record already there instead of adding a second,
so it is safe to run again.

Plants found and not destroyed need someone to act (铲除): recording them
queues a notice for the division where they grow, delivered after commit,
and ``notify_plants_not_destroyed`` repeats it for every finding still
outstanding on a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from antidrug_core.model import (
    ActivityHeld,
    DivisionCode,
    FundingAllocated,
    InvalidInput,
    LeadingGroupSet,
    LetterKind,
    LettersSigned,
    MeetingHeld,
    MeetingKind,
    NoticeKind,
    OrganisationId,
    OrganisationRecord,
    PlantsDestroyed,
    PlantsFound,
    PlantSpecies,
    Problem,
    RatingAssessed,
    RecordId,
    SubjectKind,
    SurveyConducted,
    TrainingHeld,
    VolunteerJoined,
    VolunteerLeft,
    is_within,
)
from antidrug_core.services._notices import notify_about_organisation
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import OrganisationFile, organisation_on, plants_not_destroyed_on, volunteers_on

__all__ = [
    "allocate_funding",
    "assess_rating",
    "enrol_volunteer",
    "hold_activity",
    "hold_meeting",
    "hold_training",
    "notify_plants_not_destroyed",
    "record_letters",
    "record_plants_destroyed",
    "record_plants_found",
    "release_volunteer",
    "set_leading_group",
    "survey_land",
]

R = TypeVar("R", bound=OrganisationRecord)

_SPECIES = {PlantSpecies.POPPY: "罂粟", PlantSpecies.CANNABIS: "大麻", PlantSpecies.OTHER: "毒品原植物"}


def _record(
    uow: UnitOfWork,
    cls: type[R],
    organisation: OrganisationId,
    on: dt.date,
    id: RecordId | None,
    **fields: Any,
) -> R:
    """Check a record against the rules and the work log, then stage it; an existing ``id`` is returned."""
    file = uow.organisation_file(organisation)
    if id is not None:
        existing = file.get(id)
        if isinstance(existing, cls):
            return existing
    record_id = id or uow.new_id()
    candidate = cls(
        id=record_id,
        on=on,
        recorded_at=uow.now(),
        recorded_by=uow.actor.id,
        organisation=organisation,
        **fields,
    )
    problems = uow.rules.prevention.problems(candidate) + _work_log_problems(candidate, file)
    if problems:
        raise InvalidInput(problems)
    return uow.add(cls, id=record_id, on=on, organisation=organisation, **fields)


def _work_log_problems(record: OrganisationRecord, file: OrganisationFile) -> list[Problem]:
    """What the organisation's own log says against ``record``."""
    problems: list[Problem] = []

    def problem(field: str, reason: str) -> None:
        problems.append(Problem(field, reason, record.id))

    state = organisation_on(file, record.on)
    where = getattr(record, "division", None)
    if state is not None and where is not None and not is_within(where, state.division):
        problem(
            "division",
            f"{where} is outside the organisation's division {state.division}: its work is "
            "counted where it is done, and only there",
        )
    if isinstance(record, VolunteerLeft) and record.volunteer not in volunteers_on(file, record.on):
        problems.append(
            Problem("volunteer", f"{record.volunteer!r} is not on the team on {record.on}", record.id)
        )
    if isinstance(record, PlantsDestroyed):
        found = file.get(record.found)
        if not isinstance(found, PlantsFound):
            problems.append(
                Problem("found", f"there is no finding {record.found!r} of this organisation", record.id)
            )
        elif record.on < found.on:
            problems.append(
                Problem("on", f"the plants were found on {found.on}, after {record.on}", record.id)
            )
    return problems


def hold_activity(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    theme: str,
    channels: Iterable[str],
    key_date: str | None = None,
    division: DivisionCode | None = None,
    sessions: int = 1,
    reach: int = 0,
    materials: int = 0,
    banners: int = 0,
    posters: int = 0,
    vehicles: int = 0,
    volunteers: int = 0,
    id: RecordId | None = None,
) -> ActivityHeld:
    """Record a prevention or publicity activity (宣传活动) and its reach.

    Args:
        channels: Channel ids in force (``school`` … ``online``); 六进 is six of them.
        key_date: The key date it marked (``0626``), if any.
        division: Where it was held, when not the organisation's whole division.
        sessions, reach, materials, banners, posters, vehicles, volunteers: 场次, 人次,
            份, 幅, 张次, 台次, 义工人次.

    Raises:
        InvalidInput: an unknown key date or channel, a count below zero, a division
            outside the organisation's.
    """
    return _record(
        uow,
        ActivityHeld,
        organisation,
        on,
        id,
        theme=theme,
        channels=tuple(channels),
        key_date=key_date,
        division=division,
        sessions=sessions,
        reach=reach,
        materials=materials,
        banners=banners,
        posters=posters,
        vehicles=vehicles,
        volunteers=volunteers,
    )


def enrol_volunteer(
    uow: UnitOfWork, organisation: OrganisationId, volunteer: str, on: dt.date, *, id: RecordId | None = None
) -> VolunteerJoined:
    """A volunteer joins the team (禁毒义工) from ``on``.

    Enrolling someone already on the team on ``on`` adds nothing and returns
    the join in force, so a repeated enrolment never counts a volunteer twice.
    """
    file = uow.organisation_file(organisation)
    if volunteer in volunteers_on(file, on):
        joins = [r for r in file.of_type(VolunteerJoined) if r.volunteer == volunteer and r.on <= on]
        return joins[-1]
    return _record(uow, VolunteerJoined, organisation, on, id, volunteer=volunteer)


def release_volunteer(
    uow: UnitOfWork, organisation: OrganisationId, volunteer: str, on: dt.date, *, id: RecordId | None = None
) -> VolunteerLeft:
    """A volunteer leaves the team from ``on``.

    Raises:
        InvalidInput: the volunteer is not on the team on ``on``.
    """
    return _record(uow, VolunteerLeft, organisation, on, id, volunteer=volunteer)


def hold_training(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    topic: str,
    participants: int,
    id: RecordId | None = None,
) -> TrainingHeld:
    """Record a training of staff or volunteers (培训) and how many took part."""
    return _record(uow, TrainingHeld, organisation, on, id, topic=topic, participants=participants)


def survey_land(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    division: DivisionCode,
    area_mu: Decimal | int | str,
    personnel: int,
    days: int = 1,
    place: str | None = None,
    id: RecordId | None = None,
) -> SurveyConducted:
    """Record a field survey for drug plants (踏查, 禁种铲毒) ending on ``on``.

    Args:
        division: Whose land was surveyed (within the organisation's division).
        area_mu: 亩, exactly: a ``Decimal``, a whole number or a decimal string.
        personnel: 出动人次.
        days: How many days it lasted.
        place: The named place (重点林区), if any.
    """
    return _record(
        uow,
        SurveyConducted,
        organisation,
        on,
        id,
        division=division,
        area_mu=area_mu,
        personnel=personnel,
        days=days,
        place=place,
    )


def record_plants_found(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    division: DivisionCode,
    species: PlantSpecies | str,
    plants: int,
    area_mu: Decimal | int | str | None = None,
    id: RecordId | None = None,
) -> PlantsFound:
    """Record illegal cultivation found (发现非法种植); the division where it grows is told to destroy it."""
    found = _record(
        uow,
        PlantsFound,
        organisation,
        on,
        id,
        division=division,
        species=species,
        plants=plants,
        area_mu=area_mu,
    )
    _notify_outstanding(uow, found, on)
    return found


def record_plants_destroyed(
    uow: UnitOfWork,
    organisation: OrganisationId,
    found: RecordId,
    on: dt.date,
    *,
    id: RecordId | None = None,
) -> PlantsDestroyed:
    """The plants of finding ``found`` were eradicated (铲除) on ``on``.

    Destroying plants already destroyed adds nothing and returns the record
    that destroyed them.

    Raises:
        InvalidInput: no such finding of this organisation, or a date before it.
    """
    file = uow.organisation_file(organisation)
    done = [r for r in file.of_type(PlantsDestroyed) if r.found == found]
    if done:
        return done[0]
    return _record(uow, PlantsDestroyed, organisation, on, id, found=found)


def set_leading_group(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    leader: str,
    deputies: Iterable[str] = (),
    members: int = 0,
    office: bool = False,
    id: RecordId | None = None,
) -> LeadingGroupSet:
    """Set the leading group (领导小组) from ``on``, replacing any earlier one. Titles, not names."""
    return _record(
        uow,
        LeadingGroupSet,
        organisation,
        on,
        id,
        leader=leader,
        deputies=tuple(deputies),
        members=members,
        office=office,
    )


def record_letters(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    kind: LetterKind | str,
    count: int,
    counterparts: Iterable[str] = (),
    id: RecordId | None = None,
) -> LettersSigned:
    """Record letters signed: 目标责任书 (``responsibility``) or 禁毒承诺书 (``commitment``)."""
    return _record(
        uow, LettersSigned, organisation, on, id, kind=kind, count=count, counterparts=tuple(counterparts)
    )


def allocate_funding(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    amount: Decimal | int | str,
    purpose: str,
    id: RecordId | None = None,
) -> FundingAllocated:
    """Record money set aside for the work (经费保障), in yuan, exactly."""
    return _record(uow, FundingAllocated, organisation, on, id, amount=amount, purpose=purpose)


def hold_meeting(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    kind: MeetingKind | str,
    participants: int = 0,
    id: RecordId | None = None,
) -> MeetingHeld:
    """Record a meeting on the work (部署会议, 传达学习)."""
    return _record(uow, MeetingHeld, organisation, on, id, kind=kind, participants=participants)


def assess_rating(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    scheme: str,
    scores: Mapping[str, Decimal | int | str],
    id: RecordId | None = None,
) -> RatingAssessed:
    """Record a checklist rating (星级评定) under ``scheme``, in force from ``on``.

    Raises:
        InvalidInput: an unknown scheme, or a score above an item's maximum, for an
            unknown item, or missing; each naming the record.
    """
    return _record(uow, RatingAssessed, organisation, on, id, scheme=scheme, scores=dict(scores))


def _notify_outstanding(uow: UnitOfWork, found: PlantsFound, on: dt.date) -> None:
    species = _SPECIES[found.species]
    notify_about_organisation(
        uow,
        NoticeKind.PLANTS_NOT_DESTROYED,
        found.organisation,
        on,
        f"{found.on} 在 {found.division} 发现非法种植{species}{found.plants}株，尚未铲除。",
        record=found.id,
        division=found.division,
    )


def notify_plants_not_destroyed(uow: UnitOfWork, as_of: dt.date) -> int:
    """Tell the divisions where plants found are not yet destroyed on ``as_of``; returns how many notices."""
    sent = 0
    for file in uow.subject_files(SubjectKind.ORGANISATION):
        for found in plants_not_destroyed_on(file, as_of):
            _notify_outstanding(uow, found, as_of)
            sent += 1
    return sent
