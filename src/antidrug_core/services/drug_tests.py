"""Tests: generating due tests from the schedule policy, results, excuses, overdue notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import attrs

from antidrug_core.model import (
    DivisionCode,
    NoticeKind,
    PersonId,
    RecordId,
    StatusChanged,
    TestDone,
    TestDue,
    TestExcused,
    TestKind,
    TestResult,
    is_within,
)
from antidrug_core.services._notices import notify_about, notify_if_abstinence_ended
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import DueStatus, DueTest, PersonFile, due_tests, responsible_division_on

__all__ = [
    "OUTSTANDING",
    "OutstandingTest",
    "excuse_test",
    "notify_overdue_tests",
    "outstanding_tests",
    "overdue_tests",
    "record_test_result",
    "schedule_tests",
]


@attrs.frozen
class OutstandingTest:
    """A due test not taken, with whom it is for and the division responsible for them."""

    person: PersonId
    """The pseudonymous person."""
    division: DivisionCode
    """The person's responsible division on the date asked about."""
    test: DueTest
    """The due test and where it stands (due, overdue or missed)."""


def _measures(file: PersonFile) -> list[tuple[StatusChanged, dt.date | None]]:
    """Each spell of a status, as (the change that began it, the day it ended or None)."""
    spells: list[tuple[StatusChanged, dt.date | None]] = []
    changes = file.of_type(StatusChanged)
    for index, change in enumerate(changes):
        if index and changes[index - 1].status is change.status:
            continue  # a repeated change continues the spell
        following = next((c for c in changes[index + 1 :] if c.status is not change.status), None)
        spells.append((change, following.on if following else None))
    return spells


def schedule_tests(uow: UnitOfWork, person: PersonId, through: dt.date) -> list[TestDue]:
    """Add the due tests the schedule policy sets for the person up to ``through``.

    The schedule is the one of the person's responsible division when each
    measure began, counted from that date. Dates that already have a due test
    of the same kind are left alone, so calling this again adds only what is
    new: it is safe to run every day.
    """
    file = uow.file(person)
    made: list[TestDue] = []
    for start, end in _measures(file):
        division = responsible_division_on(file, start.on, uow.policy)
        schedule = uow.rules.schedules.for_division(division)
        if start.status not in schedule.statuses:
            continue
        existing = {d.on for d in file.of_type(TestDue) if d.kind is schedule.kind}
        for day in schedule.due_dates(start.on):
            if day > through or (end is not None and day >= end) or day in existing:
                continue
            made.append(uow.add(TestDue, person=person, on=day, kind=schedule.kind))
    return made


def record_test_result(
    uow: UnitOfWork,
    person: PersonId,
    on: dt.date,
    kind: TestKind,
    result: TestResult,
    due: RecordId | None = None,
) -> TestDone:
    """A test taken. A positive result is a relapse: the three-year count restarts from ``on``.

    After ``abstinent_3y`` a positive result also ends the abstinence: the
    divisions are told to decide a measure.
    """
    done = uow.add(TestDone, person=person, on=on, kind=kind, result=result, due=due)
    notify_if_abstinence_ended(uow, done)
    return done


def excuse_test(uow: UnitOfWork, person: PersonId, due: RecordId, on: dt.date, reason: str) -> TestExcused:
    """Excuse a due test with a reason (ill, in hospital, away with leave …)."""
    return uow.add(TestExcused, person=person, on=on, due=due, reason=reason)


OUTSTANDING: frozenset[DueStatus] = frozenset({DueStatus.DUE, DueStatus.OVERDUE, DueStatus.MISSED})
"""Where a due test stands while nobody has taken or excused it and its window has opened."""


def outstanding_tests(
    uow: UnitOfWork,
    as_of: dt.date,
    *,
    statuses: Collection[DueStatus] = OUTSTANDING,
    division: DivisionCode | None = None,
) -> list[OutstandingTest]:
    """The due tests in the actor's divisions that stand in one of ``statuses`` on ``as_of``.

    Args:
        as_of: The date they are judged on; any date, past or future, gives the same
            answer from the same records.
        statuses: Which to list (by default every test whose window opened and that
            was neither taken nor excused: due, overdue and missed).
        division: Only people whose responsible division on ``as_of`` is this one or
            lies below it.

    Returns:
        One entry per due test, by responsible division, due date and person.
    """
    found: list[OutstandingTest] = []
    wanted = frozenset(statuses)
    for file in uow.files():
        if file.registration is None:
            continue
        states = [s for s in due_tests(file, as_of, uow.policy) if s.status in wanted]
        if not states:
            continue
        responsible = responsible_division_on(file, as_of, uow.policy)
        if division is not None and not is_within(responsible, division):
            continue
        found += [OutstandingTest(file.person, responsible, state) for state in states]
    return sorted(found, key=lambda t: (t.division, t.test.due.on, t.person, t.test.due.id))


def overdue_tests(
    uow: UnitOfWork, as_of: dt.date, *, overdue_only: bool = False
) -> list[tuple[PersonId, DueTest]]:
    """Every due test in the actor's divisions not taken in its window by ``as_of``.

    Missed tests (overdue longer than the policy allows, ``DueStatus.MISSED``) are
    included and marked so, unless ``overdue_only``: a missed test is the more
    urgent one, and leaving it out hid exactly the people most behind.
    """
    statuses = {DueStatus.OVERDUE} if overdue_only else {DueStatus.OVERDUE, DueStatus.MISSED}
    return [(t.person, t.test) for t in outstanding_tests(uow, as_of, statuses=statuses)]


def notify_overdue_tests(uow: UnitOfWork, as_of: dt.date) -> int:
    """Tell the divisions concerned about every overdue test; returns how many notices.

    Only tests overdue on ``as_of`` (not yet missed): each was told about while
    it was overdue, and telling again every day about a missed one would drown
    the new ones.
    """
    overdue = overdue_tests(uow, as_of, overdue_only=True)
    for person, state in overdue:
        notify_about(
            uow,
            NoticeKind.TEST_OVERDUE,
            person,
            as_of,
            f"{state.due.on} 应做{'尿检' if state.due.kind is TestKind.URINE else '毛发检测'}未完成。",
            record=state.due.id,
        )
    return len(overdue)
