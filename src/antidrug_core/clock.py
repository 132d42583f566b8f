"""Time: injected clocks and local dates.

The core never reads the wall clock; a host passes a clock, so that tests,
replays and "as known at" evaluations all see the time they are given.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Protocol
from zoneinfo import ZoneInfo

import attrs

__all__ = ["DEFAULT_TIME_ZONE", "Clock", "FixedClock", "local_date", "start_of_day", "zone"]

DEFAULT_TIME_ZONE = "Asia/Shanghai"
"""China uses one time zone; a host elsewhere sets its own."""


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> dt.datetime:
        """The current instant, time-zone aware."""
        ...


@attrs.define
class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    current: dt.datetime

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        """Move the clock on by ``delta``."""
        self.current += delta


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The time zone ``name``, loaded once."""
    return ZoneInfo(name)


def local_date(instant: dt.datetime, time_zone: str = DEFAULT_TIME_ZONE) -> dt.date:
    """The calendar date of ``instant`` in ``time_zone`` (a date is always a local date)."""
    return instant.astimezone(zone(time_zone)).date()


def start_of_day(day: dt.date, time_zone: str = DEFAULT_TIME_ZONE) -> dt.datetime:
    """Midnight at the start of ``day`` in ``time_zone``, as an aware timestamp."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone(time_zone))
