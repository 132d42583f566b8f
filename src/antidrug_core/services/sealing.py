"""Sealing a person's file by decision (封存), and opening it again (解除封存).

Both are decisions of a role with ``Permission.SEAL`` and
``Permission.READ_SEALED`` (the administrator's, by default): the file is
opened for the decision through ``UnitOfWork.sealed_file``, so the query is
in the store's ledger, and the decision itself is a record in the person's
stream, in the audit chain. A seal by rule (``rules.SealingRule``) needs no
verb: it follows from the records and the date.
"""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import FileSealed, FileUnsealed, InvalidInput, Permission, PersonId
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import Seal

__all__ = ["seal_file", "sealed_since", "unseal_file"]


def sealed_since(uow: UnitOfWork, person: PersonId, reason: str) -> Seal | None:
    """The seal in force today on ``person``'s file, asked as an authorised query (entered in the ledger).

    Raises:
        PermissionDenied: the role may not read sealed files.
        NotFound: no such person in the actor's divisions.
    """
    uow.sealed_file(person, reason)
    return uow.seal(person)


def seal_file(
    uow: UnitOfWork, person: PersonId, *, basis: str, reason: str, on: dt.date | None = None
) -> FileSealed:
    """Seal ``person``'s file from ``on`` (today by default) by decision.

    Raises:
        PermissionDenied: the role may not seal files or read sealed ones.
        InvalidInput: the file is already sealed (saying since when), or no basis or reason.
        NotFound: no such person in the actor's divisions.
    """
    uow.require(Permission.SEAL)
    uow.sealed_file(person, reason, purpose="seal")
    day = on or uow.today()
    seal = uow.seal(person)
    if seal is not None:
        raise InvalidInput.of("person", f"the file of {person!r} is sealed already, since {seal.since}")
    return uow.add(FileSealed, person=person, on=day, basis=basis.strip(), reason=reason.strip())


def unseal_file(
    uow: UnitOfWork, person: PersonId, *, basis: str, reason: str, on: dt.date | None = None
) -> FileUnsealed:
    """Open ``person``'s sealed file again from ``on`` (today by default) by decision.

    Made when the person is managed again (a relapse found after the seal),
    or on a court's or prosecutor's request; routine roles see the file
    again from then on.

    Raises:
        PermissionDenied: the role may not seal files or read sealed ones.
        InvalidInput: the file is not sealed, or no basis or reason.
        NotFound: no such person in the actor's divisions.
    """
    uow.require(Permission.SEAL)
    uow.sealed_file(person, reason, purpose="unseal")
    day = on or uow.today()
    if uow.seal(person) is None:
        raise InvalidInput.of("person", f"the file of {person!r} is not sealed")
    return uow.add(FileUnsealed, person=person, on=day, basis=basis.strip(), reason=reason.strip())
