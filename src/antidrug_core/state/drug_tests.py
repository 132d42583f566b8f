"""Where each due test stands on a date: upcoming, due, done, overdue, excused or missed.

Never a stored flag set by a batch job: the same records give the same
answer for any date, so a report of last July can be reproduced today.

A due test is fulfilled by a test that names it (``due``), or, when none
names it, by a test of the same kind that names no due test and was taken
within the window (due date ± ``Policy.test_window_days``). A test that names
its due test but was taken after the window fulfils it late.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from antidrug_core.model import TestDone, TestDue, TestExcused
from antidrug_core.rules.policy import Policy
from antidrug_core.state.person_file import PersonFile

__all__ = ["DueStatus", "DueTest", "due_tests", "fulfilment"]


class DueStatus(enum.StrEnum):
    """Where a due test stands."""

    UPCOMING = "upcoming"
    """Its window has not opened yet."""
    DUE = "due"
    """Its window is open and it has not been taken."""
    DONE = "done"
    """Taken (see ``DueTest.late``)."""
    EXCUSED = "excused"
    """Excused with a reason."""
    OVERDUE = "overdue"
    """The window closed without a test; it can still be taken late."""
    MISSED = "missed"
    """Overdue for longer than the policy allows."""


@attrs.frozen
class DueTest:
    """A due test and where it stands on ``as_of``."""

    due: TestDue
    status: DueStatus
    as_of: dt.date
    fulfilled_by: TestDone | None = None
    excused_by: TestExcused | None = None
    late: bool = False
    """Done, but after the window closed."""


def fulfilment(file: PersonFile, due: TestDue, policy: Policy) -> TestDone | None:
    """The test that fulfils ``due``, whenever it was taken, or None."""
    window = dt.timedelta(days=policy.test_window_days)
    named = [t for t in file.of_type(TestDone) if t.due == due.id]
    if named:
        return named[0]
    for test in file.of_type(TestDone):
        if test.due is None and test.kind is due.kind and abs(test.on - due.on) <= window:
            return test
    return None


def due_tests(file: PersonFile, as_of: dt.date, policy: Policy) -> list[DueTest]:
    """Every due test in the file and where it stands on ``as_of``."""
    window = dt.timedelta(days=policy.test_window_days)
    grace = dt.timedelta(days=policy.missed_after_days)
    excuses = {e.due: e for e in file.of_type(TestExcused) if e.on <= as_of}
    states: list[DueTest] = []
    for due in file.of_type(TestDue):
        test = fulfilment(file, due, policy)
        if test is not None and test.on <= as_of:
            late = test.on > due.on + window
            states.append(DueTest(due, DueStatus.DONE, as_of, fulfilled_by=test, late=late))
        elif due.id in excuses:
            states.append(DueTest(due, DueStatus.EXCUSED, as_of, excused_by=excuses[due.id]))
        elif as_of < due.on - window:
            states.append(DueTest(due, DueStatus.UPCOMING, as_of))
        elif as_of <= due.on + window:
            states.append(DueTest(due, DueStatus.DUE, as_of))
        elif as_of <= due.on + window + grace:
            states.append(DueTest(due, DueStatus.OVERDUE, as_of))
        else:
            states.append(DueTest(due, DueStatus.MISSED, as_of))
    return states
