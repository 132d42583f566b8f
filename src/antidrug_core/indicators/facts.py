"""One person's file seen from one period: the facts every criterion reads, each computed once.

The facts come from ``antidrug_core.state`` (status, places, transfers,
lost contact, test fulfilment), so a figure and every other view of a person
agree. A ``PersonFacts`` is built for one person at a time and dropped, so
evaluation holds one person in memory, not the population.
"""

from __future__ import annotations

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
    TestDone,
    TestDue,
    TestExcused,
    TestKind,
    TransferAccepted,
)
from antidrug_core.rules.policy import Policy
from antidrug_core.state import (
    PersonFile,
    TransferState,
    cooperating_divisions_on,
    fulfilment,
    lost_contact_spells,
    responsible_division_on,
    status_on,
    transfers,
)

__all__ = ["PersonFacts", "Spell"]

Spell = tuple[dt.date, dt.date | None]
"""A spell of lost contact: (lost on, restored on or None)."""


class PersonFacts:
    """What the criteria ask of one person file, as of one period, under one policy."""

    __slots__ = ("_memo", "end", "file", "period", "policy", "start")

    def __init__(self, file: PersonFile, period: Period, policy: Policy) -> None:
        self.file = file
        self.period = period
        self.start = period.start
        self.end = period.end
        self.policy = policy
        self._memo: dict[Any, Any] = {}

    # --- who, and where -------------------------------------------------------------------

    @property
    def person(self) -> str:
        return self.file.person

    def status_at_end(self) -> Status | None:
        """The status on the period end (the latest effective status change on or before it)."""
        if "status" not in self._memo:
            self._memo["status"] = status_on(self.file, self.end)
        result: Status | None = self._memo["status"]
        return result

    def responsible_at_end(self) -> DivisionCode:
        """The one responsible division on the period end: where the person is attributed."""
        if "responsible" not in self._memo:
            self._memo["responsible"] = responsible_division_on(self.file, self.end, self.policy)
        result: DivisionCode = self._memo["responsible"]
        return result

    def homes(self, view: View) -> tuple[DivisionCode, ...]:
        """The divisions the person counts in directly: the responsible one, or the co-managing ones."""
        if view is View.RESPONSIBLE:
            return (self.responsible_at_end(),)
        return tuple(sorted(cooperating_divisions_on(self.file, self.end, self.policy)))

    # --- records ------------------------------------------------------------------------

    def of_type(self, tag: str) -> tuple[Record, ...]:
        """The effective records of one type, in canonical order."""
        return self.file.of_type(RECORD_TYPES[tag])

    def dated(self, record: Record, when: When) -> bool:
        """Whether ``record`` is dated as ``when`` says (in the period, or on or before its end)."""
        if when is When.PERIOD:
            return self.start <= record.on <= self.end
        return record.on <= self.end

    def records(self, types: tuple[str, ...]) -> Iterator[Record]:
        """The effective records of ``types``."""
        for tag in types:
            yield from self.of_type(tag)

    # --- lost contact -------------------------------------------------------------------

    def spells(self) -> list[Spell]:
        """Every spell of lost contact in the file, in date order."""
        if "spells" not in self._memo:
            self._memo["spells"] = lost_contact_spells(self.file)
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
        return fulfilment(self.file, due, self.policy)

    def in_window(self, due: TestDue, test: TestDone) -> bool:
        """Whether ``test`` was taken within the due window and on or before the period end."""
        return abs((test.on - due.on).days) <= self.policy.test_window_days and test.on <= self.end

    # --- transfers ----------------------------------------------------------------------

    def transfers_accepted_in_period(self) -> list[tuple[TransferAccepted, TransferState]]:
        """Each transfer whose acceptance is dated in the period, with its acceptance."""
        found: list[tuple[TransferAccepted, TransferState]] = []
        for transfer in transfers(self.file):
            answer = transfer.answer
            if isinstance(answer, TransferAccepted) and self.start <= answer.on <= self.end:
                found.append((answer, transfer))
        return found
