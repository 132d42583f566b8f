"""Addressing notices: the divisions that act on a person, a unit or an organisation."""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import (
    DivisionCode,
    Notice,
    NoticeKind,
    OrganisationId,
    PersonId,
    RecordId,
    SubjectKind,
    UnitId,
)
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import cooperating_divisions_on, organisation_on, responsible_division_on, unit_on

__all__ = ["notify_about", "notify_about_organisation", "notify_about_unit"]


def notify_about(
    uow: UnitOfWork,
    kind: NoticeKind,
    person: PersonId,
    on: dt.date,
    message: str,
    *,
    record: RecordId | None = None,
    extra: frozenset[DivisionCode] = frozenset(),
) -> Notice:
    """Queue a notice for the person's responsible and cooperating divisions (双向管控)."""
    file = uow.file(person)
    divisions = frozenset(
        {
            responsible_division_on(file, on, uow.policy),
            *cooperating_divisions_on(file, on, uow.policy),
            *extra,
        }
    )
    notice = Notice(kind=kind, subject=person, divisions=divisions, on=on, message=message, record=record)
    uow.notify(notice)
    return notice


def notify_about_unit(
    uow: UnitOfWork,
    kind: NoticeKind,
    unit: UnitId,
    on: dt.date,
    message: str,
    *,
    record: RecordId | None = None,
) -> Notice:
    """Queue a notice for the division that supervises the unit on ``on``."""
    state = unit_on(uow.unit_file(unit), on)
    divisions = frozenset() if state is None else frozenset({state.division})
    notice = Notice(
        kind=kind,
        subject=unit,
        subject_kind=SubjectKind.UNIT,
        divisions=divisions,
        on=on,
        message=message,
        record=record,
    )
    uow.notify(notice)
    return notice


def notify_about_organisation(
    uow: UnitOfWork,
    kind: NoticeKind,
    organisation: OrganisationId,
    on: dt.date,
    message: str,
    *,
    record: RecordId | None = None,
    division: DivisionCode | None = None,
) -> Notice:
    """Queue a notice for the organisation's division (or ``division``, where the work was done)."""
    state = organisation_on(uow.organisation_file(organisation), on)
    where = division or (None if state is None else state.division)
    notice = Notice(
        kind=kind,
        subject=organisation,
        subject_kind=SubjectKind.ORGANISATION,
        divisions=frozenset() if where is None else frozenset({where}),
        on=on,
        message=message,
        record=record,
    )
    uow.notify(notice)
    return notice
