"""Use cases: what a host calls, what they record, what they refuse, and the notices they send."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from antidrug_core import services
from antidrug_core.identity import Identity
from antidrug_core.model import (
    Actor,
    FaceCheckMethod,
    InvalidInput,
    NotFound,
    NoticeKind,
    PermissionDenied,
    PersonId,
    RiskLevel,
    Role,
    Status,
    StatusChanged,
    TestDue,
    TestKind,
    TestResult,
)
from antidrug_core.services import UnitOfWork
from antidrug_core.state import DueStatus, due_tests, responsible_division_on, status_on
from antidrug_core.store import Store
from antidrug_core.testing import RecordingNotifier

from .conftest import ELSEWHERE, OTHER, TOWNSHIP

D = dt.date.fromisoformat


def register(store: Store, actor: Actor, on: str = "2023-01-05", **fields: object) -> PersonId:
    with store.unit_of_work(actor) as uow:
        person = services.register_person(
            uow,
            household=fields.pop("household", TOWNSHIP),
            on=D(on),  # type: ignore[arg-type]
            status=fields.pop("status", Status.COMMUNITY_DETOX),
            **fields,  # type: ignore[arg-type]
        )
        uow.commit()
    return person


def failing(store: Store, actor: Actor, work: Callable[[UnitOfWork], object]) -> InvalidInput:
    """Run ``work(uow)`` and commit, expecting InvalidInput; return it for inspection."""

    def attempt() -> None:
        with store.unit_of_work(actor) as uow:
            work(uow)
            uow.commit()

    with pytest.raises(InvalidInput) as raised:
        attempt()
    return raised.value


# --- registering -------------------------------------------------------------------------------


def test_registering_opens_a_file_with_its_places_and_status(store: Store, officer: Actor) -> None:
    person = register(store, officer, residence=OTHER)
    with store.unit_of_work(officer) as uow:
        file = uow.file(person)
    assert status_on(file, D("2023-01-05")) is Status.COMMUNITY_DETOX
    assert file.registration is not None
    assert file.registration.residence == OTHER
    assert file.registration.id == f"{person}:registered"


def test_an_invalid_identity_number_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="resident_id: not a valid resident identity number"):
        Identity("张三", "110105194912310021")


def test_the_same_identity_number_cannot_be_registered_twice(store: Store, officer: Actor) -> None:
    register(store, officer, identity=Identity("张三", "11010519491231002X"))
    error = failing(
        store,
        officer,
        lambda uow: services.register_person(
            uow, household=TOWNSHIP, on=D("2023-02-01"), identity=Identity("张三", "11010519491231002X")
        ),
    )
    assert error.problems[0].field == "identity.resident_id"


def test_an_identity_prints_masked() -> None:
    identity = Identity("张三丰", "11010519491231002X")
    assert repr(identity) == "Identity(name='张**', resident_id='110105********002X')"
    assert "11010519491231002X" not in repr(identity)


def test_nobody_registers_a_person_outside_their_divisions(store: Store, officer: Actor) -> None:
    with pytest.raises(PermissionDenied):
        register(store, officer, household=ELSEWHERE)


def test_a_social_worker_may_record_but_not_register(
    store: Store, social_worker: Actor, officer: Actor
) -> None:
    person = register(store, officer)
    with store.unit_of_work(social_worker) as uow:
        services.record_face_check(uow, person, D("2023-03-01"), FaceCheckMethod.HOME_VISIT)
        uow.commit()
    with pytest.raises(PermissionDenied):
        register(store, social_worker)


def test_an_auditor_reads_but_never_writes(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    auditor = Actor(id="audit", role=Role.AUDITOR, divisions={"522631"})
    with store.unit_of_work(auditor) as uow:
        assert uow.people() == [person]
        with pytest.raises(PermissionDenied):
            services.record_face_check(uow, person, D("2023-03-01"), FaceCheckMethod.HOME_VISIT)
        with pytest.raises(PermissionDenied):
            uow.identity(person)


# --- bad input named by field, with nothing half-written ----------------------------------------


def test_a_void_of_a_missing_record_is_refused(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    error = failing(store, officer, lambda uow: services.void_record(uow, person, "nope", D("2023-03-01")))
    assert (error.problems[0].field, error.problems[0].reason) == (
        "voids",
        "there is no record 'nope' of this person to void",
    )


def test_a_record_cannot_be_voided_twice(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        check = services.record_face_check(uow, person, D("2023-03-01"), FaceCheckMethod.HOME_VISIT)
        services.void_record(uow, person, check.id, D("2023-03-02"))
        uow.commit()
    error = failing(store, officer, lambda uow: services.void_record(uow, person, check.id, D("2023-03-03")))
    assert "already voided" in error.problems[0].reason


def test_a_correction_must_be_of_the_same_type(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        check = services.record_face_check(uow, person, D("2023-03-01"), FaceCheckMethod.HOME_VISIT)
        uow.commit()
    error = failing(
        store,
        officer,
        lambda uow: uow.add(
            StatusChanged, person=person, on=D("2023-03-01"), status=Status.REGISTERED, voids=check.id
        ),
    )
    assert "a status_changed can only replace a status_changed" in error.problems[0].reason


def test_a_transfer_to_the_division_already_responsible_is_refused(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    error = failing(
        store, officer, lambda uow: services.request_transfer(uow, person, TOWNSHIP, D("2023-03-01"))
    )
    assert next((p.field, p.reason) for p in error.problems) == (
        "to",
        "the transfer goes to the division it comes from (522631101)",
    )


def test_a_test_result_for_an_unknown_due_is_refused(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    error = failing(
        store,
        officer,
        lambda uow: services.record_test_result(
            uow, person, D("2023-03-01"), TestKind.URINE, TestResult.NEGATIVE, due="r999"
        ),
    )
    assert (error.problems[0].field, error.problems[0].reason) == (
        "due",
        "there is no due test 'r999' for this person",
    )


def test_a_date_that_does_not_exist_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="day is out of range"):
        D("2023-02-29")


def test_a_date_in_the_future_is_refused_for_a_fact(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    error = failing(
        store,
        officer,
        lambda uow: services.record_face_check(uow, person, D("2023-07-02"), FaceCheckMethod.HOME_VISIT),
    )
    assert error.problems[0].field == "on"
    assert "in the future" in error.problems[0].reason


def test_a_person_outside_the_actors_divisions_cannot_be_written_to(
    store: Store, officer: Actor, receiver: Actor
) -> None:
    person = register(store, officer)
    with pytest.raises(NotFound), store.unit_of_work(receiver) as uow:
        services.record_face_check(uow, person, D("2023-03-01"), FaceCheckMethod.HOME_VISIT)


def test_one_bad_record_rolls_back_the_whole_unit_of_work(store: Store, officer: Actor) -> None:
    person = register(store, officer)

    def work(uow: UnitOfWork) -> None:
        services.record_face_check(uow, person, D("2023-03-01"), FaceCheckMethod.HOME_VISIT)
        services.record_care(uow, person, D("2023-03-02"), "counselling")  # type: ignore[arg-type]
        services.record_care(uow, person, D("2023-03-02"), "a hug")  # type: ignore[arg-type]

    error = failing(store, officer, work)
    assert error.problems[0].field == "measure"
    with store.unit_of_work(officer) as uow:
        assert len(uow.file(person)) == 2


def test_a_contact_restored_without_being_lost_is_refused(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    error = failing(store, officer, lambda uow: services.restore_contact(uow, person, D("2023-03-01")))
    assert error.problems[0].reason == "the person is not in lost contact on 2023-03-01"


def test_a_login_to_an_app_never_installed_is_refused(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    error = failing(store, officer, lambda uow: services.record_app_login(uow, person, D("2023-03-01")))
    assert (error.problems[0].field, error.problems[0].reason) == (
        "on",
        "the app is not installed on 2023-03-01; record its installation first",
    )
    with store.unit_of_work(officer) as uow:
        services.record_app_installed(uow, person, D("2023-03-01"))
        services.record_app_login(uow, person, D("2023-03-01"))
        uow.commit()
    with store.unit_of_work(officer) as uow:
        assert len(uow.file(person)) == 4


# --- transfers ---------------------------------------------------------------------------------


def test_a_transfer_waits_for_the_receiver_and_moves_the_open_test_schedule(
    store: Store, officer: Actor, receiver: Actor, notifier: RecordingNotifier
) -> None:
    person = register(store, officer, on="2023-01-05")
    with store.unit_of_work(officer) as uow:
        services.schedule_tests(uow, person, through=D("2023-12-31"))
        request = services.request_transfer(uow, person, OTHER, D("2023-05-20"))
        uow.commit()
    assert notifier.notices[-1].kind is NoticeKind.TRANSFER_WAITING
    assert OTHER in notifier.notices[-1].divisions
    with store.unit_of_work(receiver) as uow:
        assert responsible_division_on(uow.file(person), D("2023-06-01"), store.policy) == TOWNSHIP
        services.accept_transfer(uow, person, request.id, D("2023-06-01"))
        uow.commit()
    with store.unit_of_work(receiver) as uow:
        file = uow.file(person)
    assert responsible_division_on(file, D("2023-06-01"), store.policy) == OTHER
    dues = file.of_type(TestDue)
    assert [d.on.month for d in dues if d.division == OTHER] == [6, 7, 8, 9, 10, 11, 12]
    assert all(d.division is None for d in dues if d.on < D("2023-05-25"))
    assert notifier.notices[-1].kind is NoticeKind.TRANSFER_ANSWERED


def test_only_the_receiving_division_answers_a_transfer(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        request = services.request_transfer(uow, person, OTHER, D("2023-05-20"))
        uow.commit()
    with pytest.raises(PermissionDenied), store.unit_of_work(officer) as uow:
        services.accept_transfer(uow, person, request.id, D("2023-06-01"))


def test_a_transfer_is_answered_once(store: Store, officer: Actor, receiver: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        request = services.request_transfer(uow, person, OTHER, D("2023-05-20"))
        uow.commit()

    def answer_twice(uow: UnitOfWork) -> None:
        services.reject_transfer(uow, person, request.id, D("2023-05-21"), "不在本地居住")
        services.accept_transfer(uow, person, request.id, D("2023-05-22"))

    error = failing(store, receiver, answer_twice)
    assert "already answered" in error.problems[0].reason


def test_after_a_rejection_the_receiver_no_longer_sees_the_person(
    store: Store, officer: Actor, receiver: Actor
) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        request = services.request_transfer(uow, person, OTHER, D("2023-05-20"))
        uow.commit()
    with store.unit_of_work(receiver) as uow:
        services.reject_transfer(uow, person, request.id, D("2023-05-21"), "不在本地居住")
        uow.commit()
    with store.unit_of_work(receiver) as uow:
        assert not uow.exists(person)


# --- tests -------------------------------------------------------------------------------------


def test_the_default_schedule_is_monthly_in_year_one(store: Store, officer: Actor) -> None:
    person = register(store, officer, on="2023-01-31")
    with store.unit_of_work(officer) as uow:
        made = services.schedule_tests(uow, person, through=D("2023-06-30"))
        again = services.schedule_tests(uow, person, through=D("2023-06-30"))
        uow.commit()
    assert [d.on.isoformat() for d in made] == [
        "2023-01-31",
        "2023-02-28",
        "2023-03-31",
        "2023-04-30",
        "2023-05-31",
        "2023-06-30",
    ]
    assert again == []


def test_a_positive_result_restarts_the_three_years(store: Store, officer: Actor) -> None:
    person = register(store, officer, on="2020-01-05")
    with store.unit_of_work(officer) as uow:
        services.record_test_result(uow, person, D("2022-08-01"), TestKind.URINE, TestResult.POSITIVE)
        uow.commit()
    with store.unit_of_work(officer) as uow:
        assert services.people_reaching_abstinence(uow, D("2023-06-30")) == []


def test_overdue_tests_are_found_and_their_divisions_told(
    store: Store, officer: Actor, notifier: RecordingNotifier
) -> None:
    person = register(store, officer, on="2023-05-01")
    with store.unit_of_work(officer) as uow:
        services.schedule_tests(uow, person, through=D("2023-07-01"))
        uow.commit()
    with store.unit_of_work(officer) as uow:
        overdue = services.overdue_tests(uow, D("2023-06-05"))
        assert [state.due.on for _, state in overdue] == [D("2023-05-01")]  # 06-01 is still in its window
        assert services.notify_overdue_tests(uow, D("2023-06-05")) == 1
        uow.commit()
    assert [n.kind for n in notifier.notices] == [NoticeKind.TEST_OVERDUE]


def test_an_excused_test_needs_a_reason_and_a_due_test(store: Store, officer: Actor) -> None:
    person = register(store, officer, on="2023-05-01")
    with store.unit_of_work(officer) as uow:
        [due, *_] = services.schedule_tests(uow, person, through=D("2023-06-01"))
        uow.commit()
    error = failing(
        store, officer, lambda uow: services.excuse_test(uow, person, due.id, D("2023-05-02"), " ")
    )
    assert error.problems[0].field == "reason"
    with store.unit_of_work(officer) as uow:
        services.excuse_test(uow, person, due.id, D("2023-05-02"), "住院治疗")
        uow.commit()
        assert due_tests(uow.file(person), D("2023-07-01"), store.policy)[0].status is DueStatus.EXCUSED


# --- risk ----------------------------------------------------------------------------------------

ANSWERS = {
    "drug_type": "synthetic",
    "use_degree": "dependent",
    "behaviour": "danger_to_others",
    "detox_history": "none",
    "time_abstinent": "2_to_3y",
    "family": "supportive",
    "work": "stable",
}


def test_rules_propose_a_level_with_reasons_and_a_person_confirms_it(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS)
        assert len(uow.file(person)) == 2  # a proposal records nothing
        assessed = services.confirm_risk_assessment(uow, pending)
        uow.commit()
    assert pending.proposal.score == 10
    assert pending.proposal.level is RiskLevel.HIGH
    assert "不低于高风险" in pending.proposal.explain()
    assert (assessed.level, assessed.confirmed_by, assessed.rule_set) == (
        RiskLevel.HIGH,
        "officer",
        "national@1",
    )


def test_a_reviewer_may_override_the_proposal_and_the_override_is_kept(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS)
        with pytest.raises(InvalidInput, match="reason: the rules proposed high; confirming medium"):
            services.confirm_risk_assessment(uow, pending, level=RiskLevel.MEDIUM)
        assessed = services.confirm_risk_assessment(
            uow, pending, level=RiskLevel.MEDIUM, reason="已稳定就业半年，家庭支持好转"
        )
        uow.commit()
    assert (assessed.level, assessed.proposed_level) == (RiskLevel.MEDIUM, RiskLevel.HIGH)
    assert assessed.reason == "已稳定就业半年，家庭支持好转"


def test_a_social_worker_cannot_confirm_an_assessment(
    store: Store, officer: Actor, social_worker: Actor
) -> None:
    person = register(store, officer)
    with store.unit_of_work(social_worker) as uow:
        pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS)
        with pytest.raises(PermissionDenied):
            services.confirm_risk_assessment(uow, pending)


def test_unanswered_and_unknown_answers_are_all_named(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    answers = {**ANSWERS, "work": "astronaut", "hobby": "chess"}
    del answers["family"]
    with pytest.raises(InvalidInput) as raised, store.unit_of_work(officer) as uow:
        services.propose_risk_level(uow, person, D("2023-03-01"), answers)
    assert [p.field for p in raised.value.problems] == ["answers.hobby", "answers.family", "answers.work"]


# --- notices and the three-year conclusion -------------------------------------------------------


def test_a_licence_holder_is_reported_to_both_places(
    store: Store, officer: Actor, notifier: RecordingNotifier
) -> None:
    person = register(store, officer, residence=OTHER)
    with store.unit_of_work(officer) as uow:
        services.record_licence_found(uow, person, D("2023-03-01"))
        uow.commit()
    [notice] = notifier.notices
    assert (notice.kind, notice.divisions, notice.person) == (
        NoticeKind.LICENCE_FOUND,
        {TOWNSHIP, OTHER},
        person,
    )


def test_three_years_without_relapse_end_active_management_by_a_recorded_decision(
    store: Store, officer: Actor, notifier: RecordingNotifier
) -> None:
    done = register(store, officer, on="2020-03-01")
    still = register(store, officer, on="2021-03-01")
    with store.unit_of_work(officer) as uow:
        concluded = services.conclude_abstinence(uow, D("2023-06-30"))
        uow.commit()
    assert [(c.person, c.on) for c in concluded] == [(done, D("2023-03-01"))]
    with store.unit_of_work(officer) as uow:
        assert status_on(uow.file(done), D("2023-06-30")) is Status.ABSTINENT_3Y
        assert status_on(uow.file(still), D("2023-06-30")) is Status.COMMUNITY_DETOX
        assert len(uow.file(done)) == 3  # the history stays
    assert [n.kind for n in notifier.notices] == [NoticeKind.ABSTINENCE_REACHED]
