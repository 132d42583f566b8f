"""Exact fractions and the strings made from them (docs/reference/indicators.md, Numbers)."""

from __future__ import annotations

import decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.indicators import NO_VALUE, Rounding, Unit, display, round_fraction, value_text

rates = st.builds(
    lambda denominator, share: Fraction(share % (denominator + 1), denominator),
    st.integers(1, 10_000_000),
    st.integers(0, 10_000_000),
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(2, 3), "66.67%"),
        (Fraction(1, 8), "12.50%"),
        (Fraction(1, 1), "100.00%"),
        (Fraction(0, 5), "0.00%"),
        (Fraction(9, 10), "90.00%"),
        (Fraction(1, 3), "33.33%"),
        (Fraction(1, 200), "0.50%"),
        (Fraction(1, 400), "0.25%"),
        (Fraction(1, 80000), "0.00%"),
        (Fraction(1, 20000), "0.01%"),  # 0.005 % is exactly half: up
    ],
)
def test_percentages_are_rounded_half_up_from_the_exact_fraction(value: Fraction, shown: str) -> None:
    assert display(value, Unit.PERCENT, 2, Rounding.HALF_UP) == shown


def test_the_rounding_mode_and_decimals_belong_to_the_definition() -> None:
    eighth = Fraction(1, 8)
    assert display(eighth, Unit.RATIO, 2, Rounding.HALF_UP) == "0.13"
    assert display(eighth, Unit.RATIO, 2, Rounding.HALF_EVEN) == "0.12"
    assert display(eighth, Unit.RATIO, 2, Rounding.DOWN) == "0.12"
    assert display(Fraction(1, 300), Unit.RATIO, 2, Rounding.UP) == "0.01"
    assert display(Fraction(2, 3), Unit.PERCENT, 0, Rounding.HALF_UP) == "67%"
    assert display(Fraction(2, 3), Unit.PERCENT, 4, Rounding.HALF_UP) == "66.6667%"


def test_a_count_reads_as_a_whole_number() -> None:
    assert display(Fraction(12), Unit.COUNT, 0, Rounding.HALF_UP) == "12"


def test_no_value_is_a_dash() -> None:
    assert display(None, Unit.PERCENT, 2, Rounding.HALF_UP) == NO_VALUE == "—"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(9, 10), "0.9"),
        (Fraction(1, 1), "1"),
        (Fraction(0), "0"),
        (Fraction(12), "12"),
        (Fraction(1, 8), "0.125"),
        (Fraction(2, 3), "0.666666666667"),
        (Fraction(1, 3), "0.333333333333"),
        (Fraction(1, 4096), "0.000244140625"),  # terminates in exactly 12 places
        (Fraction(1, 8192), "0.000122070313"),  # terminates in 13: rounded half-up to 12
        (Fraction(1, 2**40), "0.000000000001"),
    ],
)
def test_values_are_exact_when_they_terminate_within_twelve_places(value: Fraction, text: str) -> None:
    assert value_text(value) == text


def _decimal_half_up(value: Fraction, places: int) -> decimal.Decimal:
    with decimal.localcontext(decimal.Context(prec=80)):
        exact = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
        return exact.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)


@given(rates, st.integers(0, 6))
def test_display_is_the_half_up_rounding_of_the_exact_value(value: Fraction, decimals: int) -> None:
    shown = display(value, Unit.PERCENT, decimals, Rounding.HALF_UP)
    assert shown.endswith("%")
    assert decimal.Decimal(shown[:-1]) == _decimal_half_up(value * 100, decimals)


@given(rates)
def test_a_value_reads_back_as_the_exact_fraction_or_within_half_a_unit_of_the_twelfth_place(
    value: Fraction,
) -> None:
    text = value_text(value)
    back = Fraction(text)
    if (value * 10**12).denominator == 1:
        assert back == value
    else:
        assert len(text.split(".")[1]) == 12
        assert abs(back - value) <= Fraction(1, 2 * 10**12)
        assert decimal.Decimal(text) == _decimal_half_up(value, 12)


@given(st.fractions(), st.integers(0, 8), st.sampled_from(Rounding))
def test_rounding_never_moves_further_than_one_unit(value: Fraction, places: int, mode: Rounding) -> None:
    rounded = Fraction(round_fraction(value, places, mode), 10**places)
    assert abs(rounded - value) < Fraction(1, 10**places)
