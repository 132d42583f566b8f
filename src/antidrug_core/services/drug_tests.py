"""Tests: generating due tests from the schedule policy, results, excuses, overdue notices."""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import (
    NoticeKind,
    PersonId,
    RecordId,
    StatusChanged,
    TestDone,
    TestDue,
    TestExcused,
    TestKind,
    TestResult,
)
from antidrug_core.services._notices import notify_about, notify_if_abstinence_ended
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import DueStatus, DueTest, PersonFile, due_tests, responsible_division_on

__all__ = [
    "excuse_test",
    "notify_overdue_tests",
    "overdue_tests",
    "record_test_result",
    "schedule_tests",
]


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


def overdue_tests(uow: UnitOfWork, as_of: dt.date) -> list[tuple[PersonId, DueTest]]:
    """Every due test in the actor's divisions that is overdue on ``as_of``."""
    found: list[tuple[PersonId, DueTest]] = []
    for file in uow.files():
        for state in due_tests(file, as_of, uow.policy):
            if state.status is DueStatus.OVERDUE:
                found.append((file.person, state))
    return found


def notify_overdue_tests(uow: UnitOfWork, as_of: dt.date) -> int:
    """Tell the divisions concerned about every overdue test; returns how many notices."""
    overdue = overdue_tests(uow, as_of)
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
