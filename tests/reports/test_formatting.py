"""How figures read: each rule on the exact number, and none overstates."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.indicators import Period
from antidrug_core.reports.formatting import (
    Approximation,
    approximate,
    change_text,
    count_text,
    date_text,
    next_period,
    percent_text,
    period_text,
    points_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(11, 12), "91.67%"),
        (Fraction(1), "100%"),
        (Fraction(1, 2), "50%"),
        (Fraction(0), "0%"),
        (Fraction(1, 8), "12.50%"),
        (Fraction(2, 3), "66.67%"),
        (Fraction(9_999, 10_000), "99.99%"),
        (Fraction(99_999, 100_000), "99.99%"),
        (Fraction(1, 100_000), "0.01%"),
        (Fraction(1, 20_000), "0.01%"),
        (None, "—"),
    ],
)
def test_a_rate_reads_as_the_summaries_write_it(value: Fraction | None, text: str) -> None:
    assert percent_text(value) == text


rates = st.fractions(min_value=0, max_value=1)


@given(rates)
def test_a_rate_says_everyone_or_no_one_only_when_it_is_so(value: Fraction) -> None:
    text = percent_text(value)
    assert (text == "100%") == (value == 1)
    assert (text == "0%") == (value == 0)


@given(rates)
def test_a_rate_is_within_half_a_hundredth_of_a_percent_of_the_exact_value(value: Fraction) -> None:
    shown = Fraction(percent_text(value).rstrip("%"))
    tolerance = Fraction(1, 100) if value not in (0, 1) else 0  # the clamps move by at most one step
    assert abs(shown - value * 100) <= max(Fraction(1, 200), tolerance)


@given(rates)
def test_a_rate_has_two_decimals_unless_it_is_a_whole_percent(value: Fraction) -> None:
    assert re.fullmatch(r"\d{1,3}(\.\d\d)?%", percent_text(value))
    assert not percent_text(value).endswith(".00%")


@pytest.mark.parametrize(
    ("number", "style", "unit", "text"),
    [
        (10_234, Approximation.OVER, "人次", "逾万人次"),
        (25_000, Approximation.OVER, "人次", "逾2万人次"),
        (3_600, Approximation.OVER, "份", "逾3000份"),
        (10_000, Approximation.OVER, "人次", "1万人次"),
        (19_600, Approximation.NEARLY, "份", "近2万份"),
        (9_600, Approximation.NEARLY, "份", "近万份"),
        (95, Approximation.NEARLY, "人", "近100人"),
        (15_000, Approximation.NEARLY, "份", "1.5万份"),
        (15_400, Approximation.NEARLY, "份", "1.5万余份"),
        (34, Approximation.MORE_THAN, "场", "30余场"),
        (30, Approximation.MORE_THAN, "场", "30场"),
        (1_234, Approximation.MORE_THAN, "份", "1200余份"),
        (12_345, Approximation.MORE_THAN, "人次", "1.2万余人次"),
        (7, Approximation.MORE_THAN, "台次", "7台次"),
        (12_345, Approximation.EXACT, "人次", "12345人次"),
        (0, Approximation.OVER, "幅", "0幅"),
    ],
)
def test_counts_read_with_their_units_and_the_summaries_approximations(
    number: int, style: Approximation, unit: str, text: str
) -> None:
    assert count_text(number, unit, style) == text


def read_back(text: str) -> tuple[str, int]:
    """The word and the round number an approximation states (``近2万`` → ("近", 20000))."""
    match = re.fullmatch(r"(逾|近)?(\d+(?:\.\d)?)?(万)?(余)?", text)
    assert match, text
    word = match.group(1) or match.group(4) or ""
    digits = Fraction(match.group(2) or "1")
    number = digits * (10_000 if match.group(3) else 1)
    assert number.denominator == 1
    return word, int(number)


counts = st.integers(min_value=0, max_value=10**9)


@given(counts, st.sampled_from(Approximation))
def test_an_approximation_is_true_of_the_exact_number(number: int, style: Approximation) -> None:
    word, stated = read_back(approximate(number, style))
    if word == "":
        assert stated == number
    elif word in ("逾", "余"):
        assert stated < number
    else:
        assert number < stated
        assert (stated - number) * 10 <= stated


@given(counts)
def test_over_states_a_round_number_of_one_significant_figure(number: int) -> None:
    word, stated = read_back(approximate(number, Approximation.OVER))
    if word:
        assert str(stated).rstrip("0") == str(stated)[0]


def test_approximations_are_for_counts() -> None:
    with pytest.raises(ValueError, match="not negative"):
        approximate(-1, Approximation.OVER)


@pytest.mark.parametrize(
    ("current", "previous", "unit", "text"),
    [
        (Fraction(9, 10), Fraction(3, 4), None, "提高15个百分点"),
        (Fraction(2, 3), Fraction(3, 4), None, "下降8.33个百分点"),
        (Fraction(1, 2), Fraction(1, 2), None, "持平"),
        (12, 9, "人", "增加3人"),
        (9, 12, "人次", "减少3人次"),
    ],
)
def test_a_change_between_periods_says_which_way_and_how_much(
    current: Fraction | int, previous: Fraction | int, unit: str | None, text: str
) -> None:
    assert change_text(current, previous, unit=unit) == text


def test_points_are_rounded_half_up() -> None:
    assert points_text(Fraction(1, 800)) == "0.13个百分点"


@pytest.mark.parametrize(
    ("period", "text", "following"),
    [
        ("2025H1", "2025年上半年", "2025年下半年"),
        ("2025H2", "2025年下半年", "2026年上半年"),
        ("2025", "2025年", "2026年"),
        ("2025Q3", "2025年第三季度", "2025年第四季度"),
        ("2025Q4", "2025年第四季度", "2026年第一季度"),
        ("2025-07-01/2025-09-15", "2025年7月1日至2025年9月15日", "2025年9月16日至2025年12月1日"),
    ],
)
def test_periods_read_in_words_and_know_the_next_one(period: str, text: str, following: str) -> None:
    assert period_text(Period.parse(period)) == text
    assert period_text(next_period(Period.parse(period))) == following


def test_dates_read_in_chinese() -> None:
    assert date_text(dt.date(2025, 12, 31)) == "2025年12月31日"
