"""Status over time, the managed population and the three-year count.

Three-year anchors (戒毒条例 art. 7): the count runs from the
date drug use was found for someone not assessed as addicted; from the start
of 社区戒毒 or 社区康复; from release after compulsory isolation. Any relapse
(a positive test, or use found otherwise) restarts it. A serious breach of a
community measure (戒毒条例 art. 20) stops it until the next anchor.

Reaching three years is *said* here; taking the person out of active
management is a record (``status_changed`` to ``abstinent_3y``) made by a
person through ``services.conclude_abstinence``, because it is a legal
decision and figures must not change under an auditor's feet as the clock
ticks.
"""

from __future__ import annotations

import datetime as dt

import attrs

from antidrug_core.model import (
    ACTIVE_STATUSES,
    Record,
    RelapseFound,
    SeriousBreach,
    Status,
    StatusChanged,
    TestDone,
    TestResult,
)
from antidrug_core.state.person_file import PersonFile, canonical_order, latest_on_or_before

__all__ = [
    "ABSTINENCE_YEARS",
    "Abstinence",
    "abstinence",
    "is_managed_on",
    "measure_start",
    "relapses",
    "status_on",
]

ABSTINENCE_YEARS = 3

_MEASURES = frozenset({Status.COMMUNITY_DETOX, Status.COMMUNITY_REHAB})


def status_on(file: PersonFile, day: dt.date) -> Status | None:
    """The status in effect on ``day``: the latest status change on or before it."""
    change = latest_on_or_before(file.of_type(StatusChanged), day)
    return change.status if change else None


def is_managed_on(file: PersonFile, day: dt.date) -> bool:
    """Whether the person is under active community management on ``day``."""
    return status_on(file, day) in ACTIVE_STATUSES


def measure_start(file: PersonFile, day: dt.date) -> StatusChanged | None:
    """The status change that began the community measure in effect on ``day``, if any.

    A repeated change into the same measure continues it rather than restarting it.
    """
    start: StatusChanged | None = None
    previous: Status | None = None
    for change in file.of_type(StatusChanged):
        if change.on > day:
            break
        if change.status in _MEASURES and change.status != previous:
            start = change
        elif change.status not in _MEASURES:
            start = None
        previous = change.status
    return start


def relapses(file: PersonFile) -> tuple[Record, ...]:
    """The evidence of renewed use: positive tests and relapses found otherwise."""
    positive = [t for t in file.of_type(TestDone) if t.result is TestResult.POSITIVE]
    return tuple(sorted((*positive, *file.of_type(RelapseFound)), key=canonical_order))


@attrs.frozen
class Abstinence:
    """Where the three-year count stands."""

    anchor: Record | None
    """The record the count runs from, or None when it is not running."""
    reached_on: dt.date | None
    """The date three years are complete, or None when the count is not running."""

    def reached_by(self, day: dt.date) -> bool:
        """Whether three years are complete on ``day``."""
        return self.reached_on is not None and self.reached_on <= day


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the anniversary falls on 1 March
        return dt.date(day.year + years, 3, 1)


def abstinence(file: PersonFile, day: dt.date = dt.date.max) -> Abstinence:
    """The three-year count as of ``day`` (by default, with everything the file holds)."""
    anchor: Record | None = None
    previous: Status | None = None
    events: list[Record] = [
        *file.of_type(StatusChanged),
        *relapses(file),
        *file.of_type(SeriousBreach),
    ]
    for event in sorted(events, key=canonical_order):
        if event.on > day:
            break
        if isinstance(event, StatusChanged):
            if event.status in _MEASURES and event.status != previous:
                anchor = event
            elif previous is Status.COMPULSORY_ISOLATION and event.status in ACTIVE_STATUSES:
                anchor = event  # released
            elif event.status is Status.REGISTERED and anchor is None and previous is None:
                anchor = event  # found using, not assessed as addicted
            previous = event.status
        elif isinstance(event, SeriousBreach):
            anchor = None
        else:
            anchor = event  # a relapse restarts the count
    if anchor is None:
        return Abstinence(None, None)
    return Abstinence(anchor, _add_years(anchor.on, ABSTINENCE_YEARS))
