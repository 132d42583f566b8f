"""Key dates, channels and rating schemes are data; the example scheme says it is one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.model import ActivityHeld, InvalidInput, RatingAssessed
from antidrug_core.rules import (
    EXAMPLE_STAR_SCHEME,
    Channel,
    KeyDate,
    RatingItem,
    RatingScheme,
    RuleRegistry,
    StarLevel,
)
from antidrug_core.testing.fakes import at


def rating(scores: dict[str, object], scheme: str = "example_star@1") -> RatingAssessed:
    return RatingAssessed(
        id="rate-1",
        on=dt.date(2023, 5, 1),
        recorded_at=at("2023-05-01"),
        recorded_by="县禁毒办",
        organisation="centre",
        scheme=scheme,
        scores=scores,
    )


def activity(**fields: Any) -> ActivityHeld:
    values: dict[str, Any] = {"theme": "宣传", "channels": ["school"], **fields}
    return ActivityHeld(
        id="act-1",
        on=dt.date(2023, 6, 26),
        recorded_at=at("2023-06-26"),
        recorded_by="x",
        organisation="O1",
        **values,
    )


def test_the_shipped_scheme_is_labelled_an_example_with_the_four_parts_of_seed_2() -> None:
    assert EXAMPLE_STAR_SCHEME.example
    assert "示例" in EXAMPLE_STAR_SCHEME.name
    assert [item.name for item in EXAMPLE_STAR_SCHEME.items] == [
        "组织领导",
        "基础配套",
        "队伍建设",
        "工作机制",
    ]


def test_a_score_above_the_maximum_an_unknown_item_and_a_missing_one_are_each_named_with_the_record() -> None:
    rules = RuleRegistry().build().prevention
    with pytest.raises(InvalidInput) as caught:
        rules.check([rating({"organisation": 26, "facilities": 20, "staff": 20, "garden": 5})])
    problems = {(p.field, p.row) for p in caught.value.problems}
    assert problems == {
        ("scores.organisation", "rate-1"),
        ("scores.garden", "rate-1"),
        ("scores.mechanisms", "rate-1"),
    }
    assert "above the item's maximum 25" in str(caught.value)


def test_an_unknown_scheme_is_refused_naming_the_record_and_the_known_ones() -> None:
    rules = RuleRegistry().build().prevention
    with pytest.raises(
        InvalidInput, match=r"row rate-1: scheme: no rating scheme 'ningxia@2023' \(known: example"
    ):
        rules.check([rating({"a": 1}, scheme="ningxia@2023")])


def test_an_unknown_key_date_or_channel_is_refused_and_a_host_can_add_its_own() -> None:
    registry = RuleRegistry()
    rules = registry.build().prevention
    with pytest.raises(InvalidInput) as caught:
        rules.check([activity(key_date="1203", channels=["market", "school"])])
    assert {p.field for p in caught.value.problems} == {"key_date", "channels"}
    registry.key_dates.add(KeyDate("1203", "全国法制宣传日", 12, 4))
    registry.channels.add(Channel("market", "集镇赶集日"))
    registry.build().prevention.check([activity(key_date="1203", channels=["market", "school"])])


def test_a_dataset_scheme_joins_the_rules_and_replaces_one_of_the_same_id() -> None:
    own = RatingScheme(
        id="example_star@1",
        name="本省细则",
        items=[RatingItem("all", "全部", 10)],
        stars=[StarLevel(1, 5)],
    )
    rules = RuleRegistry().build().prevention.with_schemes([own])
    rules.check([rating({"all": 6})])
    assert rules.rating_schemes["example_star@1"].stars_for(Decimal(6)) == 1


@pytest.mark.parametrize(
    ("items", "stars", "reason"),
    [
        ([RatingItem("a", "甲", 10), RatingItem("a", "乙", 10)], [], "twice"),
        ([RatingItem("a", "甲", 10)], [StarLevel(1, 8), StarLevel(2, 7)], "higher total"),
        ([RatingItem("a", "甲", 10)], [StarLevel(1, 11)], "more than the items can give"),
        ([RatingItem("a", "甲", 10)], [StarLevel(0, 1)], "at least 1"),
    ],
)
def test_a_scheme_that_cannot_be_right_is_refused(
    items: list[RatingItem], stars: list[StarLevel], reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        RatingScheme(id="bad@1", name="坏", items=items, stars=stars)


def test_the_example_stars_are_the_highest_level_reached() -> None:
    assert [EXAMPLE_STAR_SCHEME.stars_for(Decimal(t)) for t in (0, 59, 60, "69.5", 70, 94, 95, 100)] == [
        0,
        0,
        1,
        1,
        2,
        4,
        5,
        5,
    ]


totals = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)


@given(totals, totals)
def test_stars_never_fall_as_the_total_rises(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert EXAMPLE_STAR_SCHEME.stars_for(low) <= EXAMPLE_STAR_SCHEME.stars_for(high)


def test_the_key_dates_read_as_a_summary_writes_them() -> None:
    dates = RuleRegistry().build().prevention.key_dates
    assert dates["0626"].label == "6·26 国际禁毒日"
    assert dates["june_month"].label == "全民禁毒宣传月"
    assert RuleRegistry().build().prevention.six_entries == {
        "school",
        "village",
        "venue",
        "workplace",
        "community",
        "family",
    }
