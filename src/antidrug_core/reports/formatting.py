"""How figures read in a work summary: percentages, counts with units, approximations, dates.

The summaries write ``91.67%`` and ``100%``, ``12人``, ``35人次``, ``逾万人次``,
``近2万份``, ``30余场``. Each form here is an explicit rule applied to the
exact number, never a float, so the same figure always reads the same way
and an auditor can say why a report wrote what it wrote. Every rule also
refuses to overstate: ``100%`` only for everyone, ``0%`` only for no one,
``逾`` and ``余`` only above the round number, ``近`` only just below it.
"""

from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction

from antidrug_core.indicators.period import Period

__all__ = [
    "PERCENT_PLACES",
    "Approximation",
    "amount_text",
    "approximate",
    "change_text",
    "chart_value_text",
    "count_text",
    "date_text",
    "next_period",
    "percent_text",
    "period_text",
    "points_text",
]

PERCENT_PLACES = 2
"""Decimals of a percentage in a summary (``91.67%``)."""


def _half_up(value: Fraction) -> int:
    """``value`` rounded half away from zero to a whole number."""
    sign = -1 if value < 0 else 1
    whole, remainder = divmod(abs(value.numerator), value.denominator)
    if 2 * remainder >= value.denominator:
        whole += 1
    return sign * whole


def _fixed(hundredths: int) -> str:
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{part:02d}"


def percent_text(value: Fraction | None) -> str:
    """A rate as the summaries write it: ``91.67%``, ``100%``, ``0%``; ``—`` without a value.

    Rule: the exact fraction as a percentage, two decimals, rounded half up;
    a whole percentage drops its decimals (``100%``, ``50%``). A rate that is
    not exactly 1 never reads ``100%`` (it reads ``99.99%``), and one that is
    not exactly 0 never reads ``0%`` (it reads ``0.01%``): a summary must not
    claim everyone, or no one, when that is not so.
    """
    if value is None:
        return "—"
    hundredths = _half_up(value * 10_000)
    if value < 1 and hundredths >= 10_000:
        hundredths = 9_999
    if value > 0 and hundredths == 0:
        hundredths = 1
    if hundredths % 100 == 0:
        return f"{hundredths // 100}%"
    return f"{_fixed(hundredths)}%"


def amount_text(value: Fraction) -> str:
    """A count or an exact amount in plain digits, without trailing zeros: ``12``, ``1250.5``, ``9550.75``.

    Sums of decimals (亩, 元) have a power of ten below them, so the digits
    are exact; anything else is shown to six decimals, rounded half up.
    """
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, remainder = divmod(value.numerator, value.denominator)
    if not remainder:
        return f"{sign}{whole}"
    places = 0
    while (value * 10**places).denominator != 1 and places < 6:
        places += 1
    scaled = _half_up(value * 10**places)
    digits = f"{scaled:0{places + 1}d}"
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
    return f"{sign}{text}"


def chart_value_text(unit: str | None, value: Fraction | None) -> str:
    """A value on a chart or in its table: a rate as ``percent_text``, a count or amount as ``amount_text``.

    Args:
        unit: The chart's unit; None for a chart of rates.
        value: The value, or None where there is none (``—``).
    """
    if unit is None or value is None:
        return percent_text(value)
    return amount_text(value)


def points_text(difference: Fraction) -> str:
    """A difference of two rates in percentage points, two decimals, half up (``1.25个百分点``)."""
    hundredths = _half_up(abs(difference) * 10_000)
    if hundredths % 100 == 0:
        return f"{hundredths // 100}个百分点"
    return f"{_fixed(hundredths)}个百分点"


def change_text(current: Fraction | int, previous: Fraction | int, *, unit: str | None) -> str:
    """Period-on-period change: ``提高1.25个百分点`` / ``下降2个百分点`` for rates (``unit`` None),
    ``增加3人`` / ``减少2人次`` for counts, ``持平`` when equal."""
    difference = Fraction(current) - Fraction(previous)
    if difference == 0:
        return "持平"
    if unit is None:
        return ("提高" if difference > 0 else "下降") + points_text(difference)
    return ("增加" if difference > 0 else "减少") + f"{abs(difference)}{unit}"


class Approximation(enum.StrEnum):
    """The approximate forms of the summaries, each a rule on the exact number."""

    EXACT = "exact"
    """The number itself: ``12345人次``."""
    OVER = "逾"
    """More than a round number of one significant figure: 10234 → ``逾万``, 3600 → ``逾3000``."""
    NEARLY = "近"
    """Just under (within a tenth of) the next round number: 19600 → ``近2万``; otherwise ``余``."""
    MORE_THAN = "余"
    """A round number and more: 34 → ``30余``, 1234 → ``1200余``, 12345 → ``1.2万余``."""


def _round_down(number: int, figures: int) -> int:
    """``number`` cut to ``figures`` significant figures (1234, 2 → 1200)."""
    scale: int = 10 ** max(len(str(number)) - figures, 0)
    return number // scale * scale


def _round_up(number: int) -> int:
    """``number`` raised to one significant figure (19600 → 20000; 20000 stays)."""
    scale: int = 10 ** (len(str(number)) - 1)
    return -(-number // scale) * scale


def _wan(number: int, *, alone: bool = False) -> str:
    """A round number as written: 20000 → ``2万``, 12000 → ``1.2万``, 10000 → ``万`` when ``alone``."""
    if number < 10_000:
        return str(number)
    whole, rest = divmod(number, 10_000)
    if rest == 0:
        return "万" if alone and whole == 1 else f"{whole}万"
    if rest % 1_000 == 0:
        return f"{whole}.{rest // 1_000}万"
    return str(number)


def approximate(number: int, style: Approximation) -> str:
    """``number`` in the approximate form ``style``, or exactly when the form would not be true.

    Rules (each true of the exact number):

    * ``逾`` (OVER): the number cut to one significant figure, when the number
      is above it: 10234 → ``逾万``, 25000 → ``逾2万``, 3600 → ``逾3000``;
      a round number itself (10000) or a number under 10 is written exactly.
    * ``近`` (NEARLY): the next round number of one significant figure, when
      the number is below it by at most a tenth of it: 19600 → ``近2万``,
      95 → ``近100``; otherwise the ``余`` rule.
    * ``余`` (MORE_THAN): the number cut to one significant figure under 100
      (34 → ``30余``) and to two from 100 on (1234 → ``1200余``,
      12345 → ``1.2万余``), when the number is above it; otherwise exact.
    """
    if number < 0:
        raise ValueError("approximations are for counts, which are not negative")
    if style is Approximation.EXACT or number < 10:
        return str(number)
    if style is Approximation.OVER:
        base = _round_down(number, 1)
        return f"逾{_wan(base, alone=True)}" if base < number else _wan(number)
    if style is Approximation.NEARLY:
        target = _round_up(number)
        if target > number and (target - number) * 10 <= target:
            return f"近{_wan(target, alone=True)}"
    base = _round_down(number, 1 if number < 100 else 2)
    if number >= 10_000:
        base = number // 1_000 * 1_000
    return f"{_wan(base)}余" if base < number else _wan(number)


def count_text(number: int, unit: str, style: Approximation = Approximation.EXACT) -> str:
    """A count with its unit: ``12人``, ``35人次``, ``逾万人次``, ``近2万份``, ``30余场``."""
    return f"{approximate(number, style)}{unit}"


def date_text(day: dt.date) -> str:
    """``2025年12月31日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def _is_half(period: Period) -> int | None:
    year = period.start.year
    if period == Period(dt.date(year, 1, 1), dt.date(year, 6, 30)):
        return 1
    if period == Period(dt.date(year, 7, 1), dt.date(year, 12, 31)):
        return 2
    return None


def _is_year(period: Period) -> bool:
    year = period.start.year
    return period == Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _quarter(period: Period) -> int | None:
    start = period.start
    if start.day != 1 or start.month % 3 != 1:
        return None
    return (
        (start.month + 2) // 3 if Period.parse(f"{start.year}Q{(start.month + 2) // 3}") == period else None
    )


def period_text(period: Period) -> str:
    """``2025年上半年``, ``2025年``, ``2025年第三季度``, or ``2025年7月1日至2025年9月15日``."""
    half = _is_half(period)
    if half is not None:
        return f"{period.start.year}年{'上' if half == 1 else '下'}半年"
    if _is_year(period):
        return f"{period.start.year}年"
    quarter = _quarter(period)
    if quarter is not None:
        return f"{period.start.year}年第{'一二三四'[quarter - 1]}季度"
    return f"{date_text(period.start)}至{date_text(period.end)}"


def next_period(period: Period) -> Period:
    """The period of the same kind right after ``period`` (the one a plan is for)."""
    length = period.end - period.start
    half = _is_half(period)
    if half is not None:
        year = period.start.year + (half == 2)
        return Period.parse(f"{year}H{1 if half == 2 else 2}")
    if _is_year(period):
        return Period.parse(str(period.start.year + 1))
    quarter = _quarter(period)
    if quarter is not None:
        year = period.start.year + (quarter == 4)
        return Period.parse(f"{year}Q{quarter % 4 + 1}")
    start = period.end + dt.timedelta(days=1)
    return Period(start, start + length)
