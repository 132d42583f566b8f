"""When tests fall due: a schedule policy per jurisdiction.

National law sets no frequency ("periodically, as the police require"), so
the schedule is data. The default is the common local one: monthly in year
one of a measure, every two months in year two, every three in year three.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Mapping

import attrs

from antidrug_core.model import DivisionCode, Status, TestKind, ancestors

__all__ = [
    "DEFAULT_TEST_SCHEDULE",
    "SchedulePolicies",
    "ScheduleStep",
    "TestSchedule",
    "add_months",
]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved on by whole months, kept inside the month (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@attrs.frozen
class ScheduleStep:
    """From month ``start`` (inclusive) to ``stop`` (exclusive) of a measure, a test every ``every``."""

    start: int
    """Months after the measure began; 0 is the day it began."""
    stop: int
    """The month this step ends, exclusive."""
    every: int
    """Months between tests."""

    def __attrs_post_init__(self) -> None:
        if not (0 <= self.start < self.stop) or self.every < 1:
            raise ValueError(f"schedule step {self} needs 0 <= start < stop and every >= 1")

    def months(self) -> Iterator[int]:
        """The month offsets of this step's tests."""
        return iter(range(self.start, self.stop, self.every))


@attrs.frozen(kw_only=True)
class TestSchedule:
    """Which people get which tests how often, counted from the start of their measure."""

    __test__ = False  # not a pytest test class

    name: str
    """An id for the schedule, shown where a due test is explained."""
    kind: TestKind = TestKind.URINE
    """The kind of test scheduled; hair tests are campaigns and set by hand."""
    statuses: frozenset[Status] = frozenset({Status.COMMUNITY_DETOX, Status.COMMUNITY_REHAB})
    """The measures the schedule applies to."""
    steps: tuple[ScheduleStep, ...] = (
        ScheduleStep(0, 12, 1),
        ScheduleStep(12, 24, 2),
        ScheduleStep(24, 36, 3),
    )
    """The frequency by year of the measure."""

    def due_dates(self, measure_start: dt.date) -> list[dt.date]:
        """Every date a test falls due for a measure that began on ``measure_start``."""
        return sorted({add_months(measure_start, m) for step in self.steps for m in step.months()})


DEFAULT_TEST_SCHEDULE = TestSchedule(name="default@1")
"""Monthly in year one, every two months in year two, every three in year three."""


@attrs.frozen
class SchedulePolicies:
    """The schedule each jurisdiction uses: the nearest division with its own, else the default."""

    default: TestSchedule = DEFAULT_TEST_SCHEDULE
    """The schedule where no division above has its own."""
    local: Mapping[DivisionCode, TestSchedule] = attrs.field(factory=dict)
    """Schedules set by a division for everything below it."""

    def for_division(self, code: DivisionCode) -> TestSchedule:
        """The schedule that applies to people managed by ``code``."""
        for candidate in (code, *ancestors(code)):
            if candidate in self.local:
                return self.local[candidate]
        return self.default
