"""Figures as exact fractions, and the strings people read.

No float ever touches a figure (docs/reference/indicators.md, Numbers): a score is a
``Fraction`` of two counts, and every string is made from it with integer
arithmetic, so ``2/3`` displays as ``66.67%`` on every machine.
"""

from __future__ import annotations

import functools
from fractions import Fraction

from antidrug_core.indicators.definitions import Rounding, Unit

__all__ = ["FLAG_TEXT", "NO_VALUE", "VALUE_PLACES", "display", "exact_text", "round_fraction", "value_text"]

VALUE_PLACES = 12
"""``value`` strings terminate within this many places, or are rounded half-up to it
(docs/reference/results.md)."""

NO_VALUE = "—"
"""What is displayed when there is no value (a net denominator of 0)."""

FLAG_TEXT = {True: "是", False: "否"}
"""How a flag displays (docs/reference/indicators.md: 是/否 in Chinese output; ``true``/``false`` in JSON)."""


def round_fraction(value: Fraction, places: int, mode: Rounding = Rounding.HALF_UP) -> int:
    """``value × 10^places`` rounded to a whole number as ``mode`` says.

    Ties (exactly half) go away from zero under ``half_up`` and to the even
    neighbour under ``half_even``; ``down`` truncates towards zero and ``up``
    goes away from zero whenever anything is left over.
    """
    scaled = Fraction(value) * 10**places
    sign = -1 if scaled < 0 else 1
    quotient, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if remainder:
        twice = 2 * remainder
        denominator = scaled.denominator
        if (
            mode is Rounding.UP
            or (mode is Rounding.HALF_UP and twice >= denominator)
            or (
                mode is Rounding.HALF_EVEN
                and (twice > denominator or (twice == denominator and quotient % 2))
            )
        ):
            quotient += 1
    result: int = sign * quotient
    return result


def _fixed(units: int, places: int) -> str:
    """A whole number of ``10^-places`` written with exactly ``places`` decimals."""
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**places)
    if not places:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{places}d}"


def value_text(value: Fraction) -> str:
    """The ``value`` of ``antidrug-rates/1``: the exact decimal if it terminates within 12 places, else
    rounded half-up to 12 places.

    An exact value is written in its shortest form (``0.9``, ``1``, ``12``);
    a rounded one keeps all twelve places (``0.666666666667``), so a reader
    can tell an exact figure from a rounded one.
    """
    scaled = value * 10**VALUE_PLACES
    if scaled.denominator == 1:
        text = _fixed(scaled.numerator, VALUE_PLACES)
        return text.rstrip("0").rstrip(".") if "." in text else text
    return _fixed(round_fraction(value, VALUE_PLACES, Rounding.HALF_UP), VALUE_PLACES)


def exact_text(value: Fraction) -> str:
    """A terminating fraction (a sum of decimals) as its exact decimal without trailing zeros
    (``12.5``, ``1200``); one that does not terminate falls back to ``value_text``."""
    denominator = value.denominator
    places = 0
    while denominator % 10 == 0 or denominator % 2 == 0 or denominator % 5 == 0:
        if denominator % 10 == 0:
            denominator //= 10
        elif denominator % 2 == 0:
            denominator //= 2
        else:
            denominator //= 5
        places += 1
    if denominator != 1:
        return value_text(value)
    text = _fixed(round_fraction(value, places, Rounding.DOWN), places)
    return text.rstrip("0").rstrip(".") if "." in text else text


def display(value: Fraction | None, unit: Unit, decimals: int, mode: Rounding) -> str:
    """The figure as people read it: ``90.00%`` for a percentage, ``0.90`` for a ratio, ``12`` for a count,
    ``1234.5`` for a sum (exact, without trailing zeros), ``是``/``否`` for a flag.

    Rounded from the exact value (never from a rounded one) to ``decimals``
    places as ``mode`` says; ``—`` when there is no value.
    """
    if value is None:
        return NO_VALUE
    return _display(value.numerator, value.denominator, unit, decimals, mode)


@functools.lru_cache(maxsize=1 << 16)
def _display(numerator: int, denominator: int, unit: Unit, decimals: int, mode: Rounding) -> str:
    """``display`` of ``numerator / denominator``, kept for the values last shown: a province's
    catalogue is 150,000 results, most of them small counts and the same few fractions, and
    working each one out again took a quarter of the whole catalogue's time at 100,000 people.
    Keyed by integers, which hash and compare faster than fractions."""
    value = Fraction(numerator, denominator)
    if unit is Unit.SUM:
        return exact_text(value)
    if unit is Unit.FLAG:
        return FLAG_TEXT[bool(value)]
    if unit is Unit.PERCENT:
        return _fixed(round_fraction(value * 100, decimals, mode), decimals) + "%"
    return _fixed(round_fraction(value, decimals, mode), decimals)
