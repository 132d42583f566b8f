"""Use cases of daily work with people: checks, talks, care, contact, licences, the app."""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import (
    AppInstalled,
    AppLogin,
    CareMeasure,
    CareProvided,
    ContactRestored,
    FaceCheck,
    FaceCheckMethod,
    FollowUp,
    FollowUpMethod,
    LicenceFound,
    LicenceNotified,
    LostContact,
    NoticeKind,
    PersonId,
)
from antidrug_core.services._notices import notify_about
from antidrug_core.services.unit_of_work import UnitOfWork

__all__ = [
    "record_app_installed",
    "record_app_login",
    "record_care",
    "record_face_check",
    "record_follow_up",
    "record_licence_found",
    "record_licence_notified",
    "report_lost_contact",
    "restore_contact",
]


def record_face_check(
    uow: UnitOfWork, person: PersonId, on: dt.date, method: FaceCheckMethod, note: str | None = None
) -> FaceCheck:
    """见面核查: the person was seen in a home visit, a video call or at the office."""
    return uow.add(FaceCheck, person=person, on=on, method=method, note=note)


def record_follow_up(uow: UnitOfWork, person: PersonId, on: dt.date, method: FollowUpMethod) -> FollowUp:
    """帮教谈话: a follow-up talk was held."""
    return uow.add(FollowUp, person=person, on=on, method=method)


def record_care(
    uow: UnitOfWork, person: PersonId, on: dt.date, measure: CareMeasure, note: str | None = None
) -> CareProvided:
    """关爱帮扶: a care measure was given."""
    return uow.add(CareProvided, person=person, on=on, measure=measure, note=note)


def report_lost_contact(uow: UnitOfWork, person: PersonId, on: dt.date) -> LostContact:
    """脱失: the person cannot be found from ``on``; both places are told to look (清零)."""
    record = uow.add(LostContact, person=person, on=on)
    notify_about(uow, NoticeKind.LOST_CONTACT, person, on, "管控对象失联，请组织查找。", record=record.id)
    return record


def restore_contact(uow: UnitOfWork, person: PersonId, on: dt.date) -> ContactRestored:
    """The person was found again."""
    return uow.add(ContactRestored, person=person, on=on)


def record_licence_found(uow: UnitOfWork, person: PersonId, on: dt.date) -> LicenceFound:
    """A driving licence holder: warned, and the traffic authority must be notified."""
    record = uow.add(LicenceFound, person=person, on=on)
    notify_about(
        uow,
        NoticeKind.LICENCE_FOUND,
        person,
        on,
        "管控对象持有机动车驾驶证，请通报交管部门。",
        record=record.id,
    )
    return record


def record_licence_notified(uow: UnitOfWork, person: PersonId, on: dt.date) -> LicenceNotified:
    """The traffic authority was notified (机动车驾驶证申领和使用规定 art. 79)."""
    return uow.add(LicenceNotified, person=person, on=on)


def record_app_installed(uow: UnitOfWork, person: PersonId, on: dt.date) -> AppInstalled:
    """The rehabilitation app was installed."""
    return uow.add(AppInstalled, person=person, on=on)


def record_app_login(uow: UnitOfWork, person: PersonId, on: dt.date) -> AppLogin:
    """The person logged in to the app."""
    return uow.add(AppLogin, person=person, on=on)
