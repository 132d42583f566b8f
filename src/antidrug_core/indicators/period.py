"""Reporting periods: closed intervals of local dates."""

from __future__ import annotations

import datetime as dt
import re

import attrs

from antidrug_core.model import InvalidInput

__all__ = ["Period"]

_HALF = re.compile(r"(\d{4})H([12])")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_YEAR = re.compile(r"\d{4}")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})")


@attrs.frozen
class Period:
    """``[start, end]``: both days included, in the jurisdiction's time zone."""

    start: dt.date
    end: dt.date

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput.of("period", f"ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``2023-01-01/2023-06-30``, ``2023H1``, ``2023Q3`` or ``2023``.

        Raises:
            InvalidInput: naming the text and the forms accepted.
        """
        text = text.strip()
        try:
            if match := _RANGE.fullmatch(text):
                return cls(dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2)))
            if match := _HALF.fullmatch(text):
                year, half = int(match.group(1)), int(match.group(2))
                return cls(
                    dt.date(year, 1 if half == 1 else 7, 1),
                    dt.date(year, 6 if half == 1 else 12, 30 if half == 1 else 31),
                )
            if match := _QUARTER.fullmatch(text):
                year, quarter = int(match.group(1)), int(match.group(2))
                first = dt.date(year, 3 * quarter - 2, 1)
                after = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
                return cls(first, after - dt.timedelta(days=1))
            if _YEAR.fullmatch(text):
                return cls(dt.date(int(text), 1, 1), dt.date(int(text), 12, 31))
        except ValueError as error:
            raise InvalidInput.of("period", f"{text!r}: {error}") from None
        raise InvalidInput.of(
            "period",
            f"{text!r} is not a period (use START/END as YYYY-MM-DD/YYYY-MM-DD, 2023H1, 2023Q3 or 2023)",
        )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def days(self) -> int:
        """How many days the period holds, both ends included."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for period-on-period change).

        Halves, quarters and years give the previous half, quarter or year.
        """
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            index = self.start.year * 12 + self.start.month - 1 - months
            start = dt.date(index // 12, index % 12 + 1, 1)
            return Period(start, self.start - dt.timedelta(days=1))
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.start - dt.timedelta(days=1))
