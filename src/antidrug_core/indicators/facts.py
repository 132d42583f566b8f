"""One subject's file seen from one period: the facts every criterion reads, each computed once.

The facts come from ``antidrug_core.state`` (status, places, transfers,
lost contact, test fulfilment; a unit's or organisation's state on a date),
so a figure and every other view of a subject agree. Facts are built for
one subject at a time and dropped, so evaluation holds one subject in
memory, not the population.

``SubjectFacts`` is what every kind shares (records, dates, where the
subject counts); ``PersonFacts``, ``UnitFacts`` and ``OrganisationFacts``
add what only that kind has. ``facts_for`` picks the class for a file.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterator
from typing import Any

from antidrug_core.indicators.criteria import When
from antidrug_core.indicators.period import Period
from antidrug_core.indicators.results import View
from antidrug_core.model import (
    RECORD_TYPES,
    DivisionCode,
    Record,
    RecordId,
    Status,
    SubjectKind,
    TestDone,
    TestDue,
    TestExcused,
    TestKind,
    TransferAccepted,
)
from antidrug_core.rules.policy import Policy
from antidrug_core.state import (
    OrganisationFile,
    OrganisationState,
    PersonFile,
    SubjectFile,
    TransferState,
    UnitFile,
    UnitState,
    cooperating_divisions_on,
    fulfilment,
    lost_contact_spells,
    organisation_on,
    responsible_division_on,
    status_on,
    transfers,
    unit_in_scope_on,
    unit_on,
)

__all__ = ["OrganisationFacts", "PersonFacts", "Spell", "SubjectFacts", "UnitFacts", "facts_for"]

Spell = tuple[dt.date, dt.date | None]
"""A spell of lost contact: (lost on, restored on or None)."""


class SubjectFacts(abc.ABC):
    """What the criteria ask of any subject's file, as of one period, under one policy."""

    __slots__ = ("_memo", "end", "file", "period", "policy", "start")

    kind: SubjectKind = SubjectKind.PERSON

    def __init__(self, file: SubjectFile, period: Period, policy: Policy) -> None:
        self.file = file
        self.period = period
        self.start = period.start
        self.end = period.end
        self.policy = policy
        self._memo: dict[Any, Any] = {}

    @property
    def subject(self) -> str:
        """The subject's id."""
        return self.file.subject

    @abc.abstractmethod
    def homes(self, view: View) -> tuple[DivisionCode, ...]:
        """The divisions the subject (and each of its items, unless it names its own) counts in directly.

        Each kind of subject answers in its own way (a person by responsibility, a unit or an
        organisation by where it is), so there is no default to fall back on.
        """

    def item_division(self, record: Record) -> DivisionCode | None:
        """The division an item record names for itself; None when it counts in the subject's home.

        A unit's or organisation's record with a ``division`` field (an
        activity held elsewhere, a survey of a village's land) counts there;
        a person's records always count where the person does.
        """
        if self.kind is SubjectKind.PERSON:
            return None
        own = getattr(record, "division", None)
        return own if isinstance(own, str) else None

    # --- records ------------------------------------------------------------------------

    def of_type(self, tag: str) -> tuple[Record, ...]:
        """The effective records of one type, in canonical order."""
        return self.file.of_type(RECORD_TYPES[tag])

    def dated(self, record: Record, when: When) -> bool:
        """Whether ``record`` is dated as ``when`` says (in the period, or on or before its end)."""
        return self.date_is(record.on, when)

    def date_is(self, day: dt.date, when: When) -> bool:
        """Whether ``day`` is in the period, on or before its end, or on or after its end."""
        if when is When.PERIOD:
            return self.start <= day <= self.end
        if when is When.FROM_PERIOD_END:
            return day >= self.end
        return day <= self.end

    def records(self, types: tuple[str, ...]) -> Iterator[Record]:
        """The effective records of ``types``."""
        for tag in types:
            yield from self.of_type(tag)


class UnitFacts(SubjectFacts):
    """A unit as of the period: where it is supervised and whether it is in scope."""

    __slots__ = ()
    kind = SubjectKind.UNIT

    def state_at_end(self) -> UnitState | None:
        """The unit as it stood at the end of the period."""
        if "state" not in self._memo:
            assert isinstance(self.file, UnitFile)
            self._memo["state"] = unit_on(self.file, self.end)
        result: UnitState | None = self._memo["state"]
        return result

    def in_scope_at_end(self) -> bool:
        """Under supervision on the period end (``state.unit_in_scope_on``)."""
        assert isinstance(self.file, UnitFile)
        return unit_in_scope_on(self.file, self.end)

    def homes(self, view: View) -> tuple[DivisionCode, ...]:
        """The unit's division at the period end; no co-managing division has a view of a unit."""
        state = self.state_at_end()
        if state is None or view is View.COOPERATING:
            return ()
        return (state.division,)


class OrganisationFacts(SubjectFacts):
    """An organisation as of the period: its division, kind and whether it works."""

    __slots__ = ()
    kind = SubjectKind.ORGANISATION

    def state_at_end(self) -> OrganisationState | None:
        """The organisation as it stood at the end of the period."""
        if "state" not in self._memo:
            assert isinstance(self.file, OrganisationFile)
            self._memo["state"] = organisation_on(self.file, self.end)
        result: OrganisationState | None = self._memo["state"]
        return result

    def in_scope_at_end(self) -> bool:
        """Registered and not closed on or before the period end."""
        state = self.state_at_end()
        return state is not None and state.closed_on is None

    def homes(self, view: View) -> tuple[DivisionCode, ...]:
        """The organisation's division at the period end; no co-managing view."""
        state = self.state_at_end()
        if state is None or view is View.COOPERATING:
            return ()
        return (state.division,)


class PersonFacts(SubjectFacts):
    """What the criteria ask of one person file, as of one period, under one policy."""

    __slots__ = ()
    kind = SubjectKind.PERSON

    def __init__(self, file: PersonFile, period: Period, policy: Policy) -> None:
        super().__init__(file, period, policy)

    # --- who, and where -------------------------------------------------------------------

    @property
    def person(self) -> str:
        return self.file.subject

    @property
    def person_file(self) -> PersonFile:
        """The person file (一人一档)."""
        assert isinstance(self.file, PersonFile)
        return self.file

    def status_at_end(self) -> Status | None:
        """The status on the period end (the latest effective status change on or before it)."""
        if "status" not in self._memo:
            self._memo["status"] = status_on(self.person_file, self.end)
        result: Status | None = self._memo["status"]
        return result

    def responsible_at_end(self) -> DivisionCode:
        """The one responsible division on the period end: where the person is attributed."""
        if "responsible" not in self._memo:
            self._memo["responsible"] = responsible_division_on(self.person_file, self.end, self.policy)
        result: DivisionCode = self._memo["responsible"]
        return result

    def homes(self, view: View) -> tuple[DivisionCode, ...]:
        """The divisions the person counts in directly: the responsible one, or the co-managing ones."""
        if view is View.RESPONSIBLE:
            return (self.responsible_at_end(),)
        return tuple(sorted(cooperating_divisions_on(self.person_file, self.end, self.policy)))

    # --- lost contact -------------------------------------------------------------------

    def spells(self) -> list[Spell]:
        """Every spell of lost contact in the file, in date order."""
        if "spells" not in self._memo:
            self._memo["spells"] = lost_contact_spells(self.person_file)
        result: list[Spell] = self._memo["spells"]
        return result

    def spell_touches_period(self, spell: Spell) -> bool:
        """Lost on or before the end and not restored before the start (the restoring day counts)."""
        lost, restored = spell
        return lost <= self.end and (restored is None or restored >= self.start)

    def spell_open_at_end(self, spell: Spell) -> bool:
        """Lost on or before the end and not restored by it."""
        lost, restored = spell
        return lost <= self.end and (restored is None or restored > self.end)

    # --- tests --------------------------------------------------------------------------

    def due_in_period(self, kind: TestKind | None) -> list[TestDue]:
        """Due tests dated in the period, of ``kind`` (any when None)."""
        key = ("due", kind)
        if key not in self._memo:
            self._memo[key] = [
                due
                for due in self.file.of_type(TestDue)
                if self.start <= due.on <= self.end and (kind is None or due.kind is kind)
            ]
        result: list[TestDue] = self._memo[key]
        return result

    def excuses_by_end(self) -> dict[RecordId, TestExcused]:
        """Effective excuses dated on or before the period end, by the due test they excuse."""
        if "excuses" not in self._memo:
            self._memo["excuses"] = {e.due: e for e in self.file.of_type(TestExcused) if e.on <= self.end}
        result: dict[RecordId, TestExcused] = self._memo["excuses"]
        return result

    def fulfilling_test(self, due: TestDue) -> TestDone | None:
        """The test that fulfils ``due`` (``state.fulfilment``), whenever it was taken."""
        return fulfilment(self.person_file, due, self.policy)

    def in_window(self, due: TestDue, test: TestDone) -> bool:
        """Whether ``test`` was taken within the due window and on or before the period end."""
        return abs((test.on - due.on).days) <= self.policy.test_window_days and test.on <= self.end

    # --- transfers ----------------------------------------------------------------------

    def transfers_accepted_in_period(self) -> list[tuple[TransferAccepted, TransferState]]:
        """Each transfer whose acceptance is dated in the period, with its acceptance."""
        found: list[tuple[TransferAccepted, TransferState]] = []
        for transfer in transfers(self.person_file):
            answer = transfer.answer
            if isinstance(answer, TransferAccepted) and self.start <= answer.on <= self.end:
                found.append((answer, transfer))
        return found


_FACTS: dict[SubjectKind, type[SubjectFacts]] = {
    SubjectKind.PERSON: PersonFacts,
    SubjectKind.UNIT: UnitFacts,
    SubjectKind.ORGANISATION: OrganisationFacts,
}


def facts_for(file: SubjectFile, period: Period, policy: Policy) -> SubjectFacts:
    """The facts of ``file`` (a person's, a unit's or an organisation's) as of ``period``."""
    if file.kind is None:
        raise TypeError(f"{file!r} is of no kind of subject")
    cls = _FACTS[file.kind]
    return cls(file, period, policy)
