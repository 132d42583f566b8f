"""Use cases for units and organisations: registering, changing, closing, and retracting their records.

The same unit of work serves every kind of subject; these verbs only name
the fields. Registering a unit or an organisation needs the ``manage``
permission (as registering a person does) and an actor whose divisions
include the subject's division.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from antidrug_core.model import (
    DivisionCode,
    OrganisationChanged,
    OrganisationClosed,
    OrganisationId,
    OrganisationKind,
    OrganisationRegistered,
    RecordId,
    RecordVoided,
    SubjectId,
    SubjectKind,
    UnitChanged,
    UnitClosed,
    UnitId,
    UnitRegistered,
    UnitRole,
    subject_registration_id,
)
from antidrug_core.services.unit_of_work import UnitOfWork

__all__ = [
    "change_organisation",
    "change_unit",
    "close_organisation",
    "close_unit",
    "register_organisation",
    "register_unit",
    "void_subject_record",
]


def register_unit(
    uow: UnitOfWork,
    *,
    name: str,
    division: DivisionCode,
    roles: Iterable[UnitRole | str],
    on: dt.date,
    uscc: str | None = None,
    since: dt.date | None = None,
    unit: UnitId | None = None,
) -> UnitId:
    """Bring a unit under supervision and return its id.

    Args:
        name: The unit's name, as on its licence.
        division: Where it is supervised.
        roles: What it does with precursor chemicals (生产, 经营, 使用, 储存, 运输).
        on: The date of the registration record.
        uscc: Its unified social credit code; a code whose GB 32100 check digit
            fails is refused.
        since: When it came under supervision, if not always.
        unit: Use this id instead of a new one (the enterprise's code in a host system).
    """
    unit = unit or UnitId(uow.new_id())
    uow.add(
        UnitRegistered,
        id=subject_registration_id(unit),
        unit=unit,
        on=on,
        name=name,
        division=division,
        roles=frozenset(roles),
        uscc=uscc,
        since=since,
    )
    return unit


def change_unit(
    uow: UnitOfWork,
    unit: UnitId,
    on: dt.date,
    *,
    name: str | None = None,
    division: DivisionCode | None = None,
    roles: Iterable[UnitRole | str] | None = None,
    uscc: str | None = None,
) -> UnitChanged:
    """Change a unit's name, division, roles or code from ``on``; what is not given stays."""
    return uow.add(
        UnitChanged,
        unit=unit,
        on=on,
        name=name,
        division=division,
        roles=None if roles is None else frozenset(roles),
        uscc=uscc,
    )


def close_unit(uow: UnitOfWork, unit: UnitId, on: dt.date) -> UnitClosed:
    """The unit leaves supervision from ``on``; its records stay, and its past work still counts."""
    return uow.add(UnitClosed, unit=unit, on=on)


def register_organisation(
    uow: UnitOfWork,
    *,
    name: str,
    kind: OrganisationKind | str,
    division: DivisionCode,
    on: dt.date,
    organisation: OrganisationId | None = None,
) -> OrganisationId:
    """Register an organisation that does and reports the work, and return its id."""
    organisation = organisation or OrganisationId(uow.new_id())
    uow.add(
        OrganisationRegistered,
        id=subject_registration_id(organisation),
        organisation=organisation,
        on=on,
        name=name,
        kind=kind,
        division=division,
    )
    return organisation


def change_organisation(
    uow: UnitOfWork,
    organisation: OrganisationId,
    on: dt.date,
    *,
    name: str | None = None,
    kind: OrganisationKind | str | None = None,
    division: DivisionCode | None = None,
) -> OrganisationChanged:
    """Change an organisation's name, kind or division from ``on``."""
    return uow.add(
        OrganisationChanged, organisation=organisation, on=on, name=name, kind=kind, division=division
    )


def close_organisation(uow: UnitOfWork, organisation: OrganisationId, on: dt.date) -> OrganisationClosed:
    """The organisation stops working from ``on`` (merged, dissolved)."""
    return uow.add(OrganisationClosed, organisation=organisation, on=on)


def void_subject_record(
    uow: UnitOfWork,
    kind: SubjectKind,
    subject: SubjectId,
    record: RecordId,
    on: dt.date,
    reason: str | None = None,
) -> RecordVoided:
    """Retract a record of a unit or an organisation (or a person) entered in error.

    To correct a record's content instead, add a record of the same type with
    ``voids`` set.
    """
    named = {kind.value: subject}
    return uow.add(RecordVoided, on=on, voids=record, reason=reason, **named)
