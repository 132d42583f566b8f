"""The verbs of an organisation's work log: checked against the rules and the log, safe to run again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from antidrug_core.model import Actor, InvalidInput, NoticeKind, PlantsFound, Role
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.services import (
    allocate_funding,
    assess_rating,
    enrol_volunteer,
    hold_activity,
    hold_meeting,
    hold_training,
    notify_plants_not_destroyed,
    record_letters,
    record_plants_destroyed,
    record_plants_found,
    register_organisation,
    release_volunteer,
    set_leading_group,
    survey_land,
)
from antidrug_core.state import leading_group_on, plants_not_destroyed_on, rating_on, volunteers_on
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, RecordingNotifier, SequentialIds, at, open_memory_store

COUNTY = "522631"
TOWNSHIP = "522631101"
ELSEWHERE = "522632101"
DAY = dt.date(2023, 6, 26)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def store(notifier: RecordingNotifier) -> Iterator[Store]:
    plugins = make_plugin_manager(plugins=[notifier])
    with open_memory_store(clock=FixedClock(at("2023-07-01")), plugins=plugins, ids=SequentialIds()) as s:
        with s.unit_of_work(Actor.local_administrator()) as uow:
            register_organisation(
                uow,
                name="某县林业和草原局",
                kind="department",
                division=COUNTY,
                on=DAY,
                organisation="forestry",
            )
            uow.commit()
        yield s


def admin() -> Actor:
    return Actor.local_administrator()


def test_every_verb_stages_one_record_the_state_then_reads(store: Store) -> None:
    with store.unit_of_work(admin()) as uow:
        hold_activity(
            uow,
            "forestry",
            DAY,
            theme="国际禁毒日宣传",
            channels=["village"],
            key_date="0626",
            reach=1200,
            banners=3,
        )
        enrol_volunteer(uow, "forestry", "V1", dt.date(2023, 3, 1))
        hold_training(uow, "forestry", DAY, topic="毒品原植物识别", participants=40)
        survey_land(uow, "forestry", DAY, division=TOWNSHIP, area_mu="3500.5", personnel=120, days=15)
        set_leading_group(
            uow, "forestry", dt.date(2023, 1, 5), leader="局长", deputies=["分管副局长"], office=True
        )
        record_letters(
            uow, "forestry", dt.date(2023, 2, 1), kind="responsibility", count=12, counterparts=["各林场"]
        )
        allocate_funding(uow, "forestry", dt.date(2023, 2, 1), amount="20000.00", purpose="印发宣传资料")
        hold_meeting(uow, "forestry", dt.date(2023, 1, 10), kind="deployment", participants=35)
        assess_rating(
            uow,
            "forestry",
            DAY,
            scheme="example_star@1",
            scores={"organisation": 24, "facilities": 22, "staff": 21, "mechanisms": 20},
        )
        uow.commit()
    with store.unit_of_work(admin()) as uow:
        file = uow.organisation_file("forestry")
        assert len(file) == 10
        assert volunteers_on(file, DAY) == {"V1"}
        group = leading_group_on(file, DAY)
        assert group is not None
        assert group.deputies == ("分管副局长",)
        rating = rating_on(file, DAY, uow.rules.prevention.rating_schemes)
        assert rating is not None
        assert (rating.total, rating.stars) == (Decimal(87), 3)


def test_a_repeated_call_with_the_same_id_returns_the_record_already_there(store: Store) -> None:
    with store.unit_of_work(admin()) as uow:
        first = hold_training(uow, "forestry", DAY, topic="培训", participants=40, id="training-1")
        again = hold_training(uow, "forestry", DAY, topic="培训", participants=40, id="training-1")
        assert again is first
        joined = enrol_volunteer(uow, "forestry", "V1", dt.date(2023, 3, 1))
        assert enrol_volunteer(uow, "forestry", "V1", dt.date(2023, 4, 1)) == joined
        uow.commit()
    with store.unit_of_work(admin()) as uow:
        assert len(uow.organisation_file("forestry")) == 3


def test_a_volunteer_not_on_the_team_cannot_leave_it(store: Store) -> None:
    with store.unit_of_work(admin()) as uow:
        with pytest.raises(InvalidInput, match="'V9' is not on the team on 2023-06-26"):
            release_volunteer(uow, "forestry", "V9", DAY)
        enrol_volunteer(uow, "forestry", "V9", dt.date(2023, 1, 1))
        release_volunteer(uow, "forestry", "V9", DAY)
        assert volunteers_on(uow.organisation_file("forestry"), DAY) == set()


def test_unknown_key_dates_channels_and_out_of_scheme_scores_are_refused_naming_the_record(
    store: Store,
) -> None:
    with store.unit_of_work(admin()) as uow:
        with pytest.raises(InvalidInput) as caught:
            hold_activity(uow, "forestry", DAY, theme="宣传", channels=["market"], key_date="1203", id="a1")
        assert {(p.field, p.row) for p in caught.value.problems} == {("channels", "a1"), ("key_date", "a1")}
        with pytest.raises(InvalidInput, match="above the item's maximum"):
            assess_rating(uow, "forestry", DAY, scheme="example_star@1", scores={"organisation": 30})
        assert uow.staged() == {}, "nothing refused is staged"


def test_work_outside_the_organisations_division_is_refused(store: Store) -> None:
    with (
        store.unit_of_work(admin()) as uow,
        pytest.raises(InvalidInput, match="outside the organisation's division"),
    ):
        survey_land(uow, "forestry", DAY, division=ELSEWHERE, area_mu=10, personnel=3)


def test_plants_found_notify_the_division_where_they_grow_and_stay_outstanding_until_destroyed(
    store: Store, notifier: RecordingNotifier
) -> None:
    with store.unit_of_work(admin()) as uow:
        found = record_plants_found(
            uow, "forestry", dt.date(2023, 5, 10), division=TOWNSHIP, species="poppy", plants=30
        )
        assert notifier.notices == [], "nobody hears before the commit"
        uow.commit()
    notice = notifier.notices[-1]
    assert notice.kind is NoticeKind.PLANTS_NOT_DESTROYED
    assert notice.divisions == {TOWNSHIP}
    assert "罂粟30株" in notice.message
    with store.unit_of_work(admin()) as uow:
        assert notify_plants_not_destroyed(uow, dt.date(2023, 5, 11)) == 1
        with pytest.raises(InvalidInput, match="found on 2023-05-10, after 2023-05-09"):
            record_plants_destroyed(uow, "forestry", found.id, dt.date(2023, 5, 9))
        destroyed = record_plants_destroyed(uow, "forestry", found.id, dt.date(2023, 5, 12))
        assert record_plants_destroyed(uow, "forestry", found.id, dt.date(2023, 5, 13)) == destroyed
        uow.commit()
    with store.unit_of_work(admin()) as uow:
        assert plants_not_destroyed_on(uow.organisation_file("forestry"), dt.date(2023, 6, 1)) == ()
        assert notify_plants_not_destroyed(uow, dt.date(2023, 6, 1)) == 0


def test_destroying_a_finding_that_is_not_there_is_refused(store: Store) -> None:
    with store.unit_of_work(admin()) as uow, pytest.raises(InvalidInput, match="no finding"):
        record_plants_destroyed(uow, "forestry", "nothing", DAY)


def test_an_officer_records_only_for_organisations_in_its_divisions(store: Store) -> None:
    outsider = Actor(id="o", role=Role.OFFICER, divisions={ELSEWHERE})
    with store.unit_of_work(outsider) as uow, pytest.raises(LookupError):
        hold_training(uow, "forestry", DAY, topic="培训", participants=4)


def test_plants_found_are_a_record_of_the_organisation(store: Store) -> None:
    with store.unit_of_work(admin()) as uow:
        found = record_plants_found(
            uow, "forestry", DAY, division=TOWNSHIP, species="cannabis", plants=4, area_mu="0.5"
        )
        assert isinstance(found, PlantsFound)
        assert found.area_mu == Decimal("0.5")
