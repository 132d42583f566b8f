"""A move that would make another division responsible opens a two-sided transfer instead (双向管控)."""

from __future__ import annotations

import datetime as dt

import antidrug_core as ad
from antidrug_core import services
from antidrug_core.clock import FixedClock
from antidrug_core.model import HouseholdChanged, ResidenceChanged, TransferRequested
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.state import places_on, responsible_division_on
from antidrug_core.testing import at

HOME, AWAY = "522631101", "522631102"
SENDER = ad.Actor(id="home", role=ad.Role.OFFICER, divisions={HOME})
RECEIVER = ad.Actor(id="away", role=ad.Role.OFFICER, divisions={AWAY})
MOVED, ACCEPTED = dt.date(2023, 5, 1), dt.date(2023, 5, 10)


def store_with_p1(policy: Policy | None = None) -> ad.Store:
    store = ad.open_store("memory://", clock=FixedClock(at("2023-06-01")), policy=policy)
    with store.unit_of_work(SENDER) as uow:
        services.register_person(uow, person="P1", household=HOME, residence=HOME, on=dt.date(2023, 1, 5))
        uow.commit()
    return store


def test_a_household_moved_to_another_township_waits_for_that_township_to_accept() -> None:
    store = store_with_p1()
    with store.unit_of_work(SENDER) as uow:
        made = services.change_household(uow, "P1", AWAY, MOVED)
        uow.commit()
    assert isinstance(made, TransferRequested)
    assert (made.from_division, made.to_division, made.household) == (HOME, AWAY, AWAY)
    with store.unit_of_work(RECEIVER) as uow:
        file = uow.file("P1")  # the receiving side sees the person while the request waits
        assert responsible_division_on(file, dt.date(2023, 5, 9), store.policy) == HOME
        assert places_on(file, dt.date(2023, 5, 9)).household == HOME
        services.accept_transfer(uow, "P1", made.id, ACCEPTED)
        uow.commit()
    with store.unit_of_work(RECEIVER) as uow:
        file = uow.file("P1")
    assert responsible_division_on(file, ACCEPTED, store.policy) == AWAY
    assert places_on(file, ACCEPTED).household == AWAY
    assert [r.on for r in file.of_type(HouseholdChanged)] == [ACCEPTED]


def test_a_move_that_leaves_responsibility_where_it_is_is_recorded_at_once() -> None:
    store = store_with_p1()  # household first: a new residence does not move responsibility
    with store.unit_of_work(SENDER) as uow:
        made = services.change_residence(uow, "P1", AWAY, MOVED)
        uow.commit()
    assert isinstance(made, ResidenceChanged)


def test_under_residence_first_a_residence_moved_away_opens_the_transfer() -> None:
    store = store_with_p1(Policy(responsible=Responsibility.RESIDENCE_FIRST))
    with store.unit_of_work(SENDER) as uow:
        made = services.change_residence(uow, "P1", AWAY, MOVED)
        uow.commit()
    assert isinstance(made, TransferRequested)
    assert made.residence == AWAY
    with store.unit_of_work(SENDER) as uow:
        assert responsible_division_on(uow.file("P1"), ACCEPTED, store.policy) == HOME
