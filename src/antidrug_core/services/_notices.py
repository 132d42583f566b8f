"""Addressing notices: the divisions that act on a person."""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import DivisionCode, Notice, NoticeKind, PersonId, RecordId
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import cooperating_divisions_on, responsible_division_on

__all__ = ["notify_about"]


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
    notice = Notice(kind=kind, person=person, divisions=divisions, on=on, message=message, record=record)
    uow.notify(notice)
    return notice
