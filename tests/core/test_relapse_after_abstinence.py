"""A relapse after three years without one ends the abstinence: managed again, and the division is told."""

from __future__ import annotations

import datetime as dt

from antidrug_core import services
from antidrug_core.model import Actor, NoticeKind, PersonId, Status, TestKind, TestResult
from antidrug_core.state import abstinence, is_managed_on, status_on
from antidrug_core.store import Store
from antidrug_core.testing import RecordingNotifier

from .conftest import TOWNSHIP

D = dt.date.fromisoformat


def abstinent(store: Store, officer: Actor) -> PersonId:
    """Someone in community treatment from 2019-03-01, abstinent three years from 2022-03-01."""
    with store.unit_of_work(officer) as uow:
        person = services.register_person(
            uow, household=TOWNSHIP, on=D("2019-03-01"), status=Status.COMMUNITY_DETOX
        )
        uow.commit()
    with store.unit_of_work(officer) as uow:
        services.conclude_abstinence(uow, D("2022-06-30"))
        uow.commit()
    return person


def test_a_positive_test_after_abstinence_makes_the_person_registered_from_its_date(
    store: Store, officer: Actor, notifier: RecordingNotifier
) -> None:
    person = abstinent(store, officer)
    with store.unit_of_work(officer) as uow:
        test = services.record_test_result(uow, person, D("2023-02-10"), TestKind.URINE, TestResult.POSITIVE)
        uow.commit()
    with store.unit_of_work(officer) as uow:
        file = uow.file(person)
    assert status_on(file, D("2023-02-09")) is Status.ABSTINENT_3Y
    assert status_on(file, D("2023-02-10")) is Status.REGISTERED
    assert is_managed_on(file, D("2023-06-30"))
    count = abstinence(file, D("2023-06-30"))
    assert (count.anchor, count.reached_on) == (test, D("2026-02-10"))  # the count restarts
    kinds = [n.kind for n in notifier.notices]
    assert kinds == [NoticeKind.ABSTINENCE_REACHED, NoticeKind.ABSTINENCE_ENDED]
    [ended] = [n for n in notifier.notices if n.kind is NoticeKind.ABSTINENCE_ENDED]
    assert (ended.person, ended.on, ended.record, ended.divisions) == (
        person,
        D("2023-02-10"),
        test.id,
        {TOWNSHIP},
    )
    assert "决定" in ended.message


def test_a_relapse_found_otherwise_ends_it_too_and_only_the_first_is_told(
    store: Store, officer: Actor, notifier: RecordingNotifier
) -> None:
    person = abstinent(store, officer)
    with store.unit_of_work(officer) as uow:
        services.record_relapse(uow, person, D("2023-01-05"))
        services.record_test_result(uow, person, D("2023-02-10"), TestKind.URINE, TestResult.POSITIVE)
        uow.commit()
    with store.unit_of_work(officer) as uow:
        assert status_on(uow.file(person), D("2023-01-05")) is Status.REGISTERED
    assert [n.kind for n in notifier.notices].count(NoticeKind.ABSTINENCE_ENDED) == 1


def test_a_negative_test_or_a_relapse_before_abstinence_changes_nothing(
    store: Store, officer: Actor, notifier: RecordingNotifier
) -> None:
    person = abstinent(store, officer)
    with store.unit_of_work(officer) as uow:
        services.record_test_result(uow, person, D("2023-02-10"), TestKind.URINE, TestResult.NEGATIVE)
        uow.commit()
    with store.unit_of_work(officer) as uow:
        assert status_on(uow.file(person), D("2023-06-30")) is Status.ABSTINENT_3Y
    assert NoticeKind.ABSTINENCE_ENDED not in [n.kind for n in notifier.notices]


def test_a_later_status_change_decides_again_and_three_more_years_conclude_again(
    store: Store, officer: Actor
) -> None:
    person = abstinent(store, officer)
    with store.unit_of_work(officer) as uow:
        services.record_relapse(uow, person, D("2023-01-05"))
        services.change_status(uow, person, Status.COMPULSORY_ISOLATION, D("2023-03-01"))
        uow.commit()
    with store.unit_of_work(officer) as uow:
        file = uow.file(person)
    assert status_on(file, D("2023-02-01")) is Status.REGISTERED
    assert status_on(file, D("2023-03-01")) is Status.COMPULSORY_ISOLATION
    other = abstinent(store, officer)
    with store.unit_of_work(officer) as uow:
        services.record_relapse(uow, other, D("2023-01-05"))
        uow.commit()
    with store.unit_of_work(officer) as uow:
        [(file, reached)] = services.people_reaching_abstinence(uow, D("2026-06-30"))
    assert (file.person, reached) == (other, D("2026-01-05"))
