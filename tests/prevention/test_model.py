"""Prevention record types: what they accept, what they refuse, and their plain form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from antidrug_core.converter import record_from_data, record_to_data
from antidrug_core.model import (
    ActivityHeld,
    FundingAllocated,
    InvalidInput,
    LettersSigned,
    PlantsFound,
    RatingAssessed,
    SurveyConducted,
    VolunteerJoined,
)
from antidrug_core.testing.fakes import at

BASE: dict[str, Any] = {
    "id": "r1",
    "on": dt.date(2023, 6, 26),
    "recorded_at": at("2023-06-26"),
    "recorded_by": "王专干",
    "organisation": "O1",
}


def test_an_activity_counts_one_session_and_nothing_else_unless_told() -> None:
    activity = ActivityHeld(
        **BASE, theme="国际禁毒日集中宣传", channels=["community", "school"], key_date="0626"
    )
    assert (activity.sessions, activity.reach, activity.materials, activity.division) == (1, 0, 0, None)
    assert activity.channels == ("community", "school")


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"channels": []}, "channels", "at least one"),
        ({"channels": "school"}, "channels", "must be a list"),
        ({"sessions": 0}, "sessions", "at least 1"),
        ({"reach": -1}, "reach", "at least 0"),
        ({"reach": 1.5}, "reach", "not a whole number"),
        ({"reach": True}, "reach", "not a whole number"),
        ({"division": "5226"}, "division", "not a division code"),
        ({"theme": " "}, "theme", "must not be empty"),
    ],
)
def test_an_activity_with_a_bad_field_is_refused_naming_it(
    fields: dict[str, Any], field: str, reason: str
) -> None:
    values = {"theme": "宣传", "channels": ["school"], **fields}
    with pytest.raises(InvalidInput) as caught:
        ActivityHeld(**BASE, **values)
    assert caught.value.problems[0].field == field
    assert reason in caught.value.problems[0].reason


@pytest.mark.parametrize("volunteer", ["张三", "522631199001011234", "13812345678", "52263119900101123X"])
def test_a_volunteer_is_a_pseudonym_never_a_name_an_identity_number_or_a_telephone(volunteer: str) -> None:
    with pytest.raises(InvalidInput, match="pseudonymous"):
        VolunteerJoined(**BASE, volunteer=volunteer)


def test_areas_and_money_are_exact_decimals_and_floats_are_refused() -> None:
    survey = SurveyConducted(**BASE, division="522631101", area_mu="1250.5", personnel=120, days=15)
    assert survey.area_mu == Decimal("1250.5")
    assert record_to_data(survey)["area_mu"] == "1250.5"
    with pytest.raises(InvalidInput, match="exactly"):
        FundingAllocated(**BASE, amount=0.1, purpose="宣传资料")
    with pytest.raises(InvalidInput, match="negative"):
        FundingAllocated(**BASE, amount="-5", purpose="宣传资料")
    with pytest.raises(InvalidInput, match="not a decimal"):
        PlantsFound(**BASE, division="522631101", species="poppy", plants=3, area_mu="两亩")


def test_letters_call_their_counterparts_with_in_plain_data() -> None:
    letters = LettersSigned(**BASE, kind="responsibility", count=6, counterparts=["各林场", "各股站"])
    data = record_to_data(letters)
    assert data["with"] == ["各林场", "各股站"]
    assert "counterparts" not in data
    assert record_from_data(data) == letters


def test_scores_are_a_mapping_in_plain_data_whole_points_as_numbers_half_points_exact() -> None:
    rating = RatingAssessed(**BASE, scheme="example_star@1", scores={"staff": "22.5", "organisation": 24})
    data = record_to_data(rating)
    assert data["scores"] == {"organisation": 24, "staff": "22.5"}
    assert record_from_data(data) == rating
    assert rating.score_of() == {"organisation": Decimal(24), "staff": Decimal("22.5")}


def test_a_float_score_in_plain_data_is_refused_naming_the_item() -> None:
    data = record_to_data(RatingAssessed(**BASE, scheme="s", scores={"staff": 20}))
    data["scores"] = {"staff": 22.5}
    with pytest.raises(InvalidInput) as caught:
        record_from_data(data, row=7)
    assert caught.value.problems[0].field == "scores.staff"
    assert caught.value.problems[0].row == 7


def test_a_species_outside_the_list_is_refused_with_the_allowed_values() -> None:
    with pytest.raises(InvalidInput, match="poppy, cannabis, other"):
        PlantsFound(**BASE, division="522631101", species="coca", plants=3)
