"""Units and organisations as of a date, and what every kind of subject shares: its file and who sees it.

A unit's or organisation's stream folds like a person file (``SubjectFile``):
effective records in canonical order, as known at ``known_at``. What holds
on a date (its name, division, roles; whether it is in scope) is the
registration changed by every later change dated on or before that date.

Who sees a subject is the one thing that differs by kind: a person is seen
by the divisions the responsibility policy makes responsible or
cooperating (``places.access_divisions``); a unit or an organisation by
the division it belongs to now, with every division above it, as a person
by the division responsible now: its records never leak to a division it
has left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

import attrs

from antidrug_core.model import (
    DivisionCode,
    OrganisationChanged,
    OrganisationClosed,
    OrganisationId,
    OrganisationKind,
    OrganisationRegistered,
    Record,
    SubjectId,
    SubjectKind,
    UnitChanged,
    UnitClosed,
    UnitId,
    UnitRegistered,
    UnitRole,
    ancestors,
)
from antidrug_core.rules import Policy
from antidrug_core.state.person_file import KindFile, PersonFile, SubjectFile
from antidrug_core.state.places import access_divisions

__all__ = [
    "FILE_TYPES",
    "OrganisationFile",
    "OrganisationState",
    "UnitFile",
    "UnitState",
    "build_file",
    "organisation_on",
    "subject_access",
    "unit_in_scope_on",
    "unit_on",
]


class UnitFile(KindFile[UnitRegistered]):
    """One unit's effective records: registration, changes, licences, ledger, counts, inspections."""

    __slots__ = ()
    kind = SubjectKind.UNIT

    @property
    def unit(self) -> UnitId:
        """The unit's id."""
        return self.subject


class OrganisationFile(KindFile[OrganisationRegistered]):
    """One organisation's effective records: its work log."""

    __slots__ = ()
    kind = SubjectKind.ORGANISATION

    @property
    def organisation(self) -> OrganisationId:
        """The organisation's id."""
        return self.subject


FILE_TYPES: Mapping[SubjectKind, type[SubjectFile]] = {
    SubjectKind.PERSON: PersonFile,
    SubjectKind.UNIT: UnitFile,
    SubjectKind.ORGANISATION: OrganisationFile,
}
"""The file class that folds each kind of subject's stream."""


def build_file(
    kind: SubjectKind, subject: SubjectId, records: Iterable[Record], known_at: dt.datetime | None = None
) -> SubjectFile:
    """The file of ``subject`` (a subject of ``kind``), as known at ``known_at``."""
    return FILE_TYPES[kind].build(subject, records, known_at)


@attrs.frozen
class UnitState:
    """What holds for a unit on a date."""

    unit: UnitId
    name: str
    division: DivisionCode
    roles: frozenset[UnitRole]
    uscc: str | None
    since: dt.date | None
    closed_on: dt.date | None
    """The date of the ``unit_closed`` in effect on or before the date, if any."""

    @property
    def in_scope(self) -> bool:
        """Under supervision on the date: not closed (``since`` is checked by ``unit_in_scope_on``)."""
        return self.closed_on is None


def unit_on(file: UnitFile, day: dt.date) -> UnitState | None:
    """The unit as it stood at the end of ``day``: None before its registration took effect.

    A registration dated after ``day`` still names the unit (a unit registered
    late is the same unit), so the registration counts whatever its date;
    changes and closures count from their own dates.
    """
    registration = file.registration
    if registration is None:
        return None
    name, division, roles, uscc = (
        registration.name,
        registration.division,
        registration.roles,
        registration.uscc,
    )
    for change in file.of_type(UnitChanged):
        if change.on > day:
            break
        name = change.name if change.name is not None else name
        division = change.division if change.division is not None else division
        roles = change.roles if change.roles is not None else roles
        uscc = change.uscc if change.uscc is not None else uscc
    closed = [c.on for c in file.of_type(UnitClosed) if c.on <= day]
    return UnitState(
        unit=file.unit,
        name=name,
        division=division,
        roles=roles,
        uscc=uscc,
        since=registration.since,
        closed_on=closed[-1] if closed else None,
    )


def unit_in_scope_on(file: UnitFile, day: dt.date) -> bool:
    """Whether the unit is under supervision on ``day`` (docs/reference/dataset.md, "in scope").

    ``since`` absent or on/before the day, and no ``unit_closed`` dated on or
    before it in effect.
    """
    state = unit_on(file, day)
    if state is None or not state.in_scope:
        return False
    return state.since is None or state.since <= day


@attrs.frozen
class OrganisationState:
    """What holds for an organisation on a date."""

    organisation: OrganisationId
    name: str
    kind: OrganisationKind
    division: DivisionCode
    closed_on: dt.date | None


def organisation_on(file: OrganisationFile, day: dt.date) -> OrganisationState | None:
    """The organisation as it stood at the end of ``day``; None without a registration."""
    registration = file.registration
    if registration is None:
        return None
    name, kind, division = registration.name, registration.kind, registration.division
    for change in file.of_type(OrganisationChanged):
        if change.on > day:
            break
        name = change.name if change.name is not None else name
        kind = change.kind if change.kind is not None else kind
        division = change.division if change.division is not None else division
    closed = [c.on for c in file.of_type(OrganisationClosed) if c.on <= day]
    return OrganisationState(
        organisation=file.organisation,
        name=name,
        kind=kind,
        division=division,
        closed_on=closed[-1] if closed else None,
    )


def _unit_or_organisation_access(file: SubjectFile, _policy: Policy) -> frozenset[DivisionCode]:
    if isinstance(file, UnitFile):
        state: UnitState | OrganisationState | None = unit_on(file, dt.date.max)
    else:
        assert isinstance(file, OrganisationFile)
        state = organisation_on(file, dt.date.max)
    if state is None:
        return frozenset()
    return frozenset((state.division, *ancestors(state.division)))


def _person_access(file: SubjectFile, policy: Policy) -> frozenset[DivisionCode]:
    assert isinstance(file, PersonFile)
    return access_divisions(file, policy)


_ACCESS: Mapping[SubjectKind, Callable[[SubjectFile, Policy], frozenset[DivisionCode]]] = {
    SubjectKind.PERSON: _person_access,
    SubjectKind.UNIT: _unit_or_organisation_access,
    SubjectKind.ORGANISATION: _unit_or_organisation_access,
}


def subject_access(file: SubjectFile, policy: Policy) -> frozenset[DivisionCode]:
    """The divisions whose actors may see the subject, every division above them included.

    Stores keep this set per stream, so scoping is one filter for every kind
    of subject. A file of no known kind, or without its registration, is
    seen by nobody but unrestricted actors.
    """
    if file.kind is None or file.opening() is None:
        return frozenset()
    return _ACCESS[file.kind](file, policy)
