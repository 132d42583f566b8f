"""What an organisation's work log says holds on a date, in any arrival order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.model import (
    LeadingGroupSet,
    PlantsDestroyed,
    PlantsFound,
    RatingAssessed,
    Record,
    VolunteerJoined,
    VolunteerLeft,
)
from antidrug_core.rules import EXAMPLE_STAR_SCHEME
from antidrug_core.state import leading_group_on, plants_not_destroyed_on, rating_on, volunteers_on
from antidrug_core.testing.fakes import at

_serial = iter(range(1_000_000))


def made(cls: Any, day: str, **fields: Any) -> Any:
    return cls(
        id=fields.pop("id", f"r{next(_serial)}"),
        on=dt.date.fromisoformat(day),
        recorded_at=at(day),
        recorded_by="x",
        organisation="O1",
        **fields,
    )


def test_a_volunteer_counts_from_joining_until_leaving() -> None:
    records = [
        made(VolunteerJoined, "2023-01-10", volunteer="V1"),
        made(VolunteerJoined, "2023-02-01", volunteer="V2"),
        made(VolunteerLeft, "2023-03-01", volunteer="V1"),
        made(VolunteerJoined, "2023-05-01", volunteer="V1"),
    ]
    assert volunteers_on(records, dt.date(2023, 1, 9)) == set()
    assert volunteers_on(records, dt.date(2023, 2, 28)) == {"V1", "V2"}
    assert volunteers_on(records, dt.date(2023, 3, 1)) == {"V2"}
    assert volunteers_on(records, dt.date(2023, 12, 31)) == {"V1", "V2"}


def test_a_volunteer_who_joined_and_left_the_same_day_is_not_counted() -> None:
    joined = made(VolunteerJoined, "2023-01-10", volunteer="V1")
    left = VolunteerLeft(
        id="later",
        on=dt.date(2023, 1, 10),
        recorded_at=at("2023-01-10", 15),
        recorded_by="x",
        organisation="O1",
        volunteer="V1",
    )
    assert volunteers_on([left, joined], dt.date(2023, 1, 10)) == set()


@st.composite
def team_histories(draw: st.DrawFn) -> tuple[list[Record], int, int]:
    """Well-formed histories: each volunteer alternates join, leave, join … on rising dates."""
    records: list[Record] = []
    for n in range(draw(st.integers(0, 6))):
        day = dt.date(2023, 1, 1)
        for step in range(draw(st.integers(0, 5))):
            day += dt.timedelta(days=draw(st.integers(1, 60)))
            cls = VolunteerJoined if step % 2 == 0 else VolunteerLeft
            records.append(made(cls, day.isoformat(), volunteer=f"V{n}"))
    end = dt.date(2023, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400)))
    joins = sum(1 for r in records if isinstance(r, VolunteerJoined) and r.on <= end)
    leaves = sum(1 for r in records if isinstance(r, VolunteerLeft) and r.on <= end)
    return draw(st.permutations(records)), joins - leaves, end.toordinal()


@given(team_histories())
def test_the_team_is_joins_minus_leaves_in_any_arrival_order(history: tuple[list[Record], int, int]) -> None:
    records, expected, end = history
    assert len(volunteers_on(records, dt.date.fromordinal(end))) == expected


def test_the_leading_group_in_force_is_the_latest_set() -> None:
    first = made(
        LeadingGroupSet, "2023-01-05", leader="局长", deputies=["分管副局长"], members=8, office=True
    )
    second = made(LeadingGroupSet, "2023-07-01", leader="党组书记、局长", members=10)
    assert leading_group_on([second, first], dt.date(2022, 12, 31)) is None
    assert leading_group_on([second, first], dt.date(2023, 6, 30)) == first
    assert leading_group_on([second, first], dt.date(2023, 12, 31)) == second


def test_plants_stay_outstanding_until_destroyed() -> None:
    found = made(PlantsFound, "2023-05-10", id="f1", division="522631101", species="poppy", plants=30)
    other = made(PlantsFound, "2023-06-01", id="f2", division="522631102", species="cannabis", plants=4)
    destroyed = made(PlantsDestroyed, "2023-05-12", found="f1")
    records = [destroyed, other, found]
    assert plants_not_destroyed_on(records, dt.date(2023, 5, 11)) == (found,)
    assert plants_not_destroyed_on(records, dt.date(2023, 5, 12)) == ()
    assert plants_not_destroyed_on(records, dt.date(2023, 6, 30)) == (other,)


def test_the_rating_in_force_carries_its_total_and_stars() -> None:
    scores = {"organisation": 23, "facilities": 22, "staff": "21.5", "mechanisms": 20}
    early = made(RatingAssessed, "2022-11-01", scheme="example_star@1", scores=dict.fromkeys(scores, 10))
    late = made(RatingAssessed, "2023-05-20", scheme="example_star@1", scores=scores)
    schemes = {EXAMPLE_STAR_SCHEME.id: EXAMPLE_STAR_SCHEME}
    assert rating_on([late, early], dt.date(2022, 10, 31), schemes) is None
    before = rating_on([late, early], dt.date(2023, 5, 19), schemes)
    assert before is not None
    assert (before.total, before.stars) == (Decimal(40), 0)
    now = rating_on([late, early], dt.date(2023, 6, 30), schemes)
    assert now is not None
    assert (now.total, now.stars, now.scheme) == (Decimal("86.5"), 3, EXAMPLE_STAR_SCHEME)
    unknown = rating_on([late], dt.date(2023, 6, 30), {})
    assert unknown is not None
    assert unknown.stars is None
