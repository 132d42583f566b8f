"""Retention: who is due for erasure of their identity, and erasing them (PIPL art. 47).

``plan_retention`` reads; ``apply_retention`` erases. Erasing is irreversible,
so it is never done by the clock: an administrator runs it, for a date no
later than today, and the store checks under its write lock that each
person's file has not moved on since it was read (a relapse recorded
meanwhile ends an abstinence, and the person is not erased). The records
stay; the store destroys the person's data key, ciphertexts and blind
index, and enters each erasure in its ledger (who, when, which rule, the
digest of what was destroyed: never the identity).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from antidrug_core.model import (
    InvalidInput,
    Permission,
    PermissionDenied,
    PersonId,
    Role,
    StoreUnavailable,
    SubjectKind,
)
from antidrug_core.ports import ErasingRecorder, IdentityErasure
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import build_file
from antidrug_core.state.person_file import PersonFile
from antidrug_core.state.retention import RetentionDue, retention_due

__all__ = ["RetentionApplied", "RetentionCase", "apply_retention", "plan_retention"]


@attrs.frozen
class RetentionCase:
    """A person a retention rule's period runs for, as of a date."""

    person: PersonId
    due: RetentionDue
    """The rule, the anchor's date and the day the identity may be erased."""
    version: int
    """The version of the person's file the case was read at."""
    identified: bool
    """Whether the store still holds the identity (False: erased already)."""
    as_of: dt.date

    @property
    def to_erase(self) -> bool:
        """Whether applying retention as of ``as_of`` erases the identity."""
        return self.identified and self.due.is_due(self.as_of)


@attrs.frozen
class RetentionApplied:
    """What ``apply_retention`` did."""

    erased: tuple[PersonId, ...]
    """The people whose identities were erased now."""
    planned: tuple[RetentionCase, ...]
    """The cases that were due; those not erased had their file change since, or were erased by
    another run meanwhile: run again to decide them anew."""


def _erasing(uow: UnitOfWork) -> ErasingRecorder:
    recorder = uow.store.recorder
    if not isinstance(recorder, ErasingRecorder):
        raise StoreUnavailable(f"{uow.store.url}: this store cannot erase identities")
    return recorder


def plan_retention(uow: UnitOfWork, as_of: dt.date) -> list[RetentionCase]:
    """Every person in the actor's scope whose retention period runs as of ``as_of``, due or not.

    Reads no identity (no key is needed): whether one is still held is asked of the store.
    """
    uow.require(Permission.READ)
    recorder = _erasing(uow)
    rules = uow.rules.retention
    found: list[tuple[PersonId, RetentionDue, int]] = []
    for stream in uow.session.read_streams(uow.scope, None, SubjectKind.PERSON):
        file = build_file(SubjectKind.PERSON, stream.subject, stream.records)
        assert isinstance(file, PersonFile)
        due = retention_due(file, rules, as_of)
        if due is not None:
            found.append((PersonId(stream.subject), due, stream.version))
    held = recorder.identified([person for person, _due, _version in found])
    return [RetentionCase(person, due, version, person in held, as_of) for person, due, version in found]


def apply_retention(
    uow: UnitOfWork,
    as_of: dt.date,
    *,
    batch: int = 500,
    step: Callable[[str], None] | None = None,
) -> RetentionApplied:
    """Erase the identity of everyone in the actor's scope who is due as of ``as_of``.

    Safe to stop at any point and to run again: each batch of people is erased whole, in its own
    transaction, and a rerun erases whoever is left. The unit of work is only read; nothing needs
    committing.

    Raises:
        PermissionDenied: the actor is not an administrator.
        InvalidInput: ``as_of`` is later than today (an identity is never erased early).
    """
    uow.require(Permission.MANAGE)
    if uow.actor.role is not Role.ADMINISTRATOR:
        raise PermissionDenied(f"actor {uow.actor.id!r} ({uow.actor.role}) may not erase identities")
    today = uow.today()
    if as_of > today:
        raise InvalidInput.of(
            "as_of",
            f"{as_of.isoformat()} is later than today ({today.isoformat()}): identities are erased "
            "when their period has run out, never ahead of it (plan ahead with retention plan)",
        )
    due = [case for case in plan_retention(uow, as_of) if case.to_erase]
    erasures = [IdentityErasure(case.person, case.due.rule.id, as_of, case.version) for case in due]
    erased = _erasing(uow).erase_identities(erasures, by=uow.actor.id, batch=batch, step=step)
    return RetentionApplied(tuple(erased), tuple(due))
