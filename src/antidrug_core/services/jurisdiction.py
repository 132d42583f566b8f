"""Two-sided transfers (异地管控): requested by one division, answered by the other.

While a request waits, the person stays with the sender, so nobody is ever
unmanaged (脱管/漏管). On acceptance the receiving division is responsible
from the acceptance date and the person's open test schedule moves with
them, in the same unit of work.
"""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import (
    DivisionCode,
    HouseholdChanged,
    InvalidInput,
    NoticeKind,
    Permission,
    PermissionDenied,
    PersonId,
    RecordId,
    ResidenceChanged,
    TestDue,
    TransferAccepted,
    TransferRejected,
    TransferRequested,
)
from antidrug_core.services._notices import notify_about
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import DueStatus, due_tests, responsible_division_on

__all__ = ["accept_transfer", "reject_transfer", "request_transfer"]


def request_transfer(
    uow: UnitOfWork,
    person: PersonId,
    to_division: DivisionCode,
    on: dt.date,
    *,
    household: DivisionCode | None = None,
    residence: DivisionCode | None = None,
) -> TransferRequested:
    """Ask ``to_division`` to take the person over; it is told after commit.

    Args:
        household: The household place the person moved to, when that move is
            the reason: it is recorded when the transfer is accepted.
        residence: Likewise, the residence the person moved to.
    """
    uow.require(Permission.MANAGE)
    from_division = responsible_division_on(uow.file(person), on, uow.policy)
    request = uow.add(
        TransferRequested,
        person=person,
        on=on,
        from_division=from_division,
        to_division=to_division,
        household=household,
        residence=residence,
    )
    notify_about(
        uow,
        NoticeKind.TRANSFER_WAITING,
        person,
        on,
        f"{from_division} 申请将管控对象移交至 {to_division}，请确认接收。",
        record=request.id,
        extra=frozenset({to_division}),
    )
    return request


def _request(uow: UnitOfWork, person: PersonId, request: RecordId) -> TransferRequested:
    found = uow.file(person).get(request)
    if not isinstance(found, TransferRequested):
        raise InvalidInput.of("request", f"there is no transfer request {request!r} for this person")
    if not uow.actor.covers(found.to_division):
        raise PermissionDenied(
            f"only the receiving division {found.to_division} may answer transfer {request!r}"
        )
    return found


def accept_transfer(uow: UnitOfWork, person: PersonId, request: RecordId, on: dt.date) -> TransferAccepted:
    """The receiving division takes the person over from ``on``.

    Due tests still open on ``on`` (upcoming or in their window) are re-issued
    for the receiving division, replacing the sender's.
    """
    uow.require(Permission.MANAGE)
    asked = _request(uow, person, request)
    accepted = uow.add(TransferAccepted, person=person, on=on, request=request)
    # The move the transfer was for takes effect with the acceptance, in the same unit of work.
    if asked.household is not None:
        uow.add(HouseholdChanged, person=person, on=on, household=asked.household)
    if asked.residence is not None:
        uow.add(ResidenceChanged, person=person, on=on, residence=asked.residence)
    file = uow.file(person)
    for state in due_tests(file, on, uow.policy):
        if state.status in (DueStatus.UPCOMING, DueStatus.DUE):
            uow.add(
                TestDue,
                person=person,
                on=state.due.on,
                kind=state.due.kind,
                division=responsible_division_on(file, state.due.on, uow.policy),
                voids=state.due.id,
            )
    notify_about(
        uow,
        NoticeKind.TRANSFER_ANSWERED,
        person,
        on,
        f"{asked.to_division} 已接收管控对象。",
        record=accepted.id,
        extra=frozenset({asked.from_division}),
    )
    return accepted


def reject_transfer(
    uow: UnitOfWork, person: PersonId, request: RecordId, on: dt.date, reason: str
) -> TransferRejected:
    """The receiving division declines, saying why; the sender stays responsible."""
    uow.require(Permission.MANAGE)
    asked = _request(uow, person, request)
    rejected = uow.add(TransferRejected, person=person, on=on, request=request, reason=reason)
    notify_about(
        uow,
        NoticeKind.TRANSFER_ANSWERED,
        person,
        on,
        f"{asked.to_division} 未接收管控对象：{reason}",
        record=rejected.id,
        extra=frozenset({asked.to_division}),
    )
    return rejected
