"""Fakes for tests of the library and of hosts embedding it (fakes, not mocks)."""

from __future__ import annotations

import datetime as dt
import itertools

import attrs

from antidrug_core.clock import FixedClock
from antidrug_core.model import Notice
from antidrug_core.plugins import hookimpl

__all__ = ["FixedClock", "RecordingNotifier", "SequentialIds", "at"]


def at(day: dt.date | str, hour: int = 9) -> dt.datetime:
    """A China Standard Time instant on ``day`` at ``hour`` o'clock."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=8)))


@attrs.define
class RecordingNotifier:
    """A notification plugin that keeps what it is given; register it with a store."""

    notices: list[Notice] = attrs.field(factory=list)

    @hookimpl
    def antidrug_deliver_notice(self, notice: Notice) -> None:
        self.notices.append(notice)


@attrs.define
class SequentialIds:
    """Record ids ``r1``, ``r2`` … so tests can name what they made."""

    prefix: str = "r"
    _counter: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def __call__(self) -> str:
        return f"{self.prefix}{next(self._counter)}"
