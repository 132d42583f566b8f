"""Derived state: pure functions of a person's records, for any date and any known_at."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.model import (
    ContactRestored,
    ControlLevelSet,
    FaceCheck,
    HouseholdChanged,
    LostContact,
    RecordVoided,
    RelapseFound,
    ResidenceChanged,
    RiskAssessed,
    SeriousBreach,
    Status,
    StatusChanged,
    TestDone,
    TestDue,
    TestExcused,
    TransferAccepted,
    TransferRejected,
    TransferRequested,
)
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.state import (
    DueStatus,
    PersonFile,
    abstinence,
    access_divisions,
    control_level_on,
    due_tests,
    in_lost_contact_on,
    lost_contact_spells,
    overdue_measures,
    places_on,
    reassessment_reasons,
    responsible_division_on,
    status_on,
)
from antidrug_core.testing import History, at

HOME, AWAY, FAR = "522631101", "522631102", "522632101"
HOUSEHOLD_FIRST = Policy()
RESIDENCE_FIRST = Policy(responsible=Responsibility.RESIDENCE_FIRST)
D = dt.date.fromisoformat


# --- status ----------------------------------------------------------------------------------


def test_status_is_the_latest_change_on_or_before_the_day() -> None:
    h = History()
    h.add(StatusChanged, "2021-03-01", status=Status.COMMUNITY_DETOX)
    h.add(StatusChanged, "2023-06-30", status=Status.COMPULSORY_ISOLATION)
    file = h.file()
    assert status_on(file, D("2021-02-28")) is None
    assert status_on(file, D("2021-03-01")) is Status.COMMUNITY_DETOX
    assert status_on(file, D("2023-06-29")) is Status.COMMUNITY_DETOX
    assert status_on(file, D("2023-06-30")) is Status.COMPULSORY_ISOLATION


def test_of_two_changes_on_one_day_the_later_recorded_wins() -> None:
    h = History()
    h.add(StatusChanged, "2023-01-01", status=Status.REGISTERED, recorded="2023-01-02T10:00:00+08:00")
    h.add(StatusChanged, "2023-01-01", status=Status.COMMUNITY_DETOX, recorded="2023-01-01T10:00:00+08:00")
    assert status_on(h.file(), D("2023-01-01")) is Status.REGISTERED


@given(st.randoms(use_true_random=False))
def test_a_folded_state_does_not_depend_on_the_order_records_arrive_in(random: object) -> None:
    h = _busy_history()
    shuffled = list(h.records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    original, reordered = h.file(), PersonFile.build(h.person, shuffled)
    assert original.records == reordered.records
    for day in (D("2022-12-31"), D("2023-03-15"), D("2023-06-30"), D("2023-12-31")):
        assert status_on(original, day) == status_on(reordered, day)
        assert responsible_division_on(original, day, HOUSEHOLD_FIRST) == responsible_division_on(
            reordered, day, HOUSEHOLD_FIRST
        )
        assert control_level_on(original, day) == control_level_on(reordered, day)
        assert due_tests(original, day, HOUSEHOLD_FIRST) == due_tests(reordered, day, HOUSEHOLD_FIRST)
    assert abstinence(original) == abstinence(reordered)


def _busy_history() -> History:
    h = History(household=HOME, on="2022-06-01")
    h.add(StatusChanged, "2022-06-01", status=Status.COMMUNITY_DETOX)
    h.add(RiskAssessed, "2022-06-05", level="medium")
    request = h.add(TransferRequested, "2023-02-01", from_division=HOME, to_division=AWAY)
    h.add(TransferAccepted, "2023-02-10", request=request.id)
    due = h.add(TestDue, "2023-03-01", kind="urine")
    h.add(TestDone, "2023-03-03", kind="urine", result="negative", due=due.id)
    h.add(ControlLevelSet, "2023-03-04", level="high", reason="x")
    h.add(ControlLevelSet, "2023-03-04", level="low", reason="y", recorded="2023-03-05")
    check = h.add(FaceCheck, "2023-04-01", method="home_visit")
    h.add(RecordVoided, "2023-04-02", voids=check.id)
    h.add(LostContact, "2023-05-01")
    h.add(ContactRestored, "2023-05-20")
    return h


# --- known_at and voids ----------------------------------------------------------------------


def test_known_at_leaves_out_what_was_recorded_later() -> None:
    h = History()
    h.add(FaceCheck, "2023-06-28", method="home_visit", recorded="2023-07-10")
    assert len(h.file("2023-07-05").of_type(FaceCheck)) == 0
    assert len(h.file("2023-07-10T09:00:00+08:00").of_type(FaceCheck)) == 1


def test_a_void_counts_only_from_when_it_was_recorded() -> None:
    h = History()
    check = h.add(FaceCheck, "2023-06-28", method="home_visit")
    h.add(RecordVoided, "2023-07-08", voids=check.id)
    assert h.file("2023-07-05").of_type(FaceCheck) == (check,)
    assert h.file().of_type(FaceCheck) == ()
    assert h.file().voided_by[check.id].type_tag == "voided"


def test_a_correction_replaces_the_record_it_voids() -> None:
    h = History()
    wrong = h.add(StatusChanged, "2023-01-01", status=Status.COMMUNITY_REHAB)
    right = h.add(StatusChanged, "2023-01-01", status=Status.COMMUNITY_DETOX, voids=wrong.id)
    assert h.file().of_type(StatusChanged) == (right,)


def test_voiding_a_void_restores_the_original() -> None:
    h = History()
    check = h.add(FaceCheck, "2023-06-01", method="home_visit")
    void = h.add(RecordVoided, "2023-06-02", voids=check.id)
    h.add(RecordVoided, "2023-06-03", voids=void.id)
    assert h.file().of_type(FaceCheck) == (check,)
    assert h.file("2023-06-02").of_type(FaceCheck) == ()


# --- places and responsibility ---------------------------------------------------------------


def test_the_household_place_is_responsible_by_default_and_the_residence_under_residence_first() -> None:
    h = History(household=HOME, residence=AWAY)
    assert responsible_division_on(h.file(), D("2023-01-01"), HOUSEHOLD_FIRST) == HOME
    assert responsible_division_on(h.file(), D("2023-01-01"), RESIDENCE_FIRST) == AWAY


def test_residence_first_falls_back_to_the_household_when_residence_is_unknown() -> None:
    assert responsible_division_on(History(household=HOME).file(), D("2023-01-01"), RESIDENCE_FIRST) == HOME


def test_place_changes_take_effect_from_their_own_date() -> None:
    h = History(household=HOME, residence=HOME)
    h.add(ResidenceChanged, "2023-05-01", residence=AWAY)
    h.add(HouseholdChanged, "2023-06-01", household=FAR)
    assert places_on(h.file(), D("2023-04-30")).residence == HOME
    assert places_on(h.file(), D("2023-05-01")).residence == AWAY
    assert responsible_division_on(h.file(), D("2023-05-31"), RESIDENCE_FIRST) == AWAY
    assert responsible_division_on(h.file(), D("2023-06-01"), HOUSEHOLD_FIRST) == FAR


def test_a_pending_transfer_leaves_the_person_with_the_sender() -> None:
    h = History(household=HOME)
    h.add(TransferRequested, "2023-03-01", from_division=HOME, to_division=AWAY)
    assert responsible_division_on(h.file(), D("2023-12-31"), HOUSEHOLD_FIRST) == HOME


def test_an_accepted_transfer_moves_responsibility_from_the_acceptance_date() -> None:
    h = History(household=HOME)
    request = h.add(TransferRequested, "2023-03-01", from_division=HOME, to_division=AWAY)
    h.add(TransferAccepted, "2023-03-10", request=request.id)
    assert responsible_division_on(h.file(), D("2023-03-09"), HOUSEHOLD_FIRST) == HOME
    assert responsible_division_on(h.file(), D("2023-03-10"), HOUSEHOLD_FIRST) == AWAY


def test_after_a_transfer_only_another_transfer_moves_responsibility() -> None:
    h = History(household=HOME, residence=HOME)
    request = h.add(TransferRequested, "2023-03-01", from_division=HOME, to_division=AWAY)
    h.add(TransferAccepted, "2023-03-10", request=request.id)
    h.add(ResidenceChanged, "2023-04-01", residence=FAR)
    assert responsible_division_on(h.file(), D("2023-05-01"), RESIDENCE_FIRST) == AWAY


def test_a_rejected_transfer_changes_nothing() -> None:
    h = History(household=HOME)
    request = h.add(TransferRequested, "2023-03-01", from_division=HOME, to_division=AWAY)
    h.add(TransferRejected, "2023-03-02", request=request.id, reason="不在本地")
    assert responsible_division_on(h.file(), D("2023-12-31"), HOUSEHOLD_FIRST) == HOME


def test_a_transfer_whose_acceptance_was_voided_no_longer_counts() -> None:
    h = History(household=HOME)
    request = h.add(TransferRequested, "2023-03-01", from_division=HOME, to_division=AWAY)
    accepted = h.add(TransferAccepted, "2023-03-10", request=request.id)
    h.add(RecordVoided, "2023-03-11", voids=accepted.id)
    assert responsible_division_on(h.file(), D("2023-12-31"), HOUSEHOLD_FIRST) == HOME


def test_access_covers_every_place_the_pending_receiver_and_every_division_above() -> None:
    h = History(household=HOME, residence=AWAY)
    h.add(TransferRequested, "2023-03-01", from_division=HOME, to_division=FAR)
    assert access_divisions(h.file(), HOUSEHOLD_FIRST) == {
        HOME,
        AWAY,
        FAR,
        "522631",
        "522632",
        "522600",
        "520000",
    }


# --- the three-year count --------------------------------------------------------------------


def test_three_years_run_from_the_start_of_community_detox() -> None:
    h = History()
    h.add(StatusChanged, "2020-05-10", status=Status.COMMUNITY_DETOX)
    assert abstinence(h.file()).reached_on == D("2023-05-10")


def test_a_positive_test_restarts_the_count() -> None:
    h = History()
    h.add(StatusChanged, "2020-05-10", status=Status.COMMUNITY_DETOX)
    h.add(TestDone, "2022-01-04", kind="urine", result="positive")
    assert abstinence(h.file()).reached_on == D("2025-01-04")
    assert not abstinence(h.file()).reached_by(D("2024-12-31"))


def test_voiding_the_positive_test_removes_the_relapse() -> None:
    h = History()
    h.add(StatusChanged, "2020-05-10", status=Status.COMMUNITY_DETOX)
    positive = h.add(TestDone, "2022-01-04", kind="urine", result="positive")
    h.add(RecordVoided, "2022-01-20", voids=positive.id, reason="复检阴性")
    assert abstinence(h.file()).reached_on == D("2023-05-10")


def test_release_from_compulsory_isolation_starts_the_count() -> None:
    h = History()
    h.add(StatusChanged, "2019-01-01", status=Status.COMPULSORY_ISOLATION)
    h.add(StatusChanged, "2021-01-01", status=Status.COMMUNITY_REHAB)
    assert abstinence(h.file()).anchor.on == D("2021-01-01")  # type: ignore[union-attr]


def test_a_serious_breach_stops_the_count_until_the_next_anchor() -> None:
    h = History()
    h.add(StatusChanged, "2020-01-01", status=Status.COMMUNITY_DETOX)
    h.add(SeriousBreach, "2021-01-01", kind="refused_tests")
    assert abstinence(h.file()).reached_on is None
    h.add(RelapseFound, "2021-06-01")
    assert abstinence(h.file()).reached_on == D("2024-06-01")


def test_someone_found_using_counts_from_the_day_found() -> None:
    h = History()
    h.add(StatusChanged, "2020-03-03", status=Status.REGISTERED)
    assert abstinence(h.file()).reached_on == D("2023-03-03")


def test_three_years_from_29_february_end_on_1_march() -> None:
    h = History()
    h.add(StatusChanged, "2020-02-29", status=Status.COMMUNITY_DETOX)
    assert abstinence(h.file()).reached_on == D("2023-03-01")


# --- tests due, done, overdue, excused, missed -------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2023-02-20", DueStatus.UPCOMING),
        ("2023-02-22", DueStatus.DUE),
        ("2023-03-08", DueStatus.DUE),
        ("2023-03-09", DueStatus.OVERDUE),
        ("2023-04-07", DueStatus.OVERDUE),
        ("2023-04-08", DueStatus.MISSED),
    ],
)
def test_a_due_test_moves_from_upcoming_to_missed_with_the_calendar(as_of: str, expected: DueStatus) -> None:
    h = History()
    h.add(TestDue, "2023-03-01", kind="urine")
    [state] = due_tests(h.file(), D(as_of), HOUSEHOLD_FIRST)
    assert state.status is expected


def test_a_test_within_the_window_fulfils_the_due_test_even_unnamed() -> None:
    h = History()
    h.add(TestDue, "2023-03-01", kind="urine")
    done = h.add(TestDone, "2023-03-06", kind="urine", result="negative")
    [state] = due_tests(h.file(), D("2023-06-30"), HOUSEHOLD_FIRST)
    assert (state.status, state.fulfilled_by, state.late) == (DueStatus.DONE, done, False)


def test_a_test_of_the_other_kind_does_not_fulfil_it() -> None:
    h = History()
    h.add(TestDue, "2023-03-01", kind="urine")
    h.add(TestDone, "2023-03-02", kind="hair", result="negative")
    assert due_tests(h.file(), D("2023-06-30"), HOUSEHOLD_FIRST)[0].status is DueStatus.MISSED


def test_a_named_test_taken_after_the_window_fulfils_it_late() -> None:
    h = History()
    due = h.add(TestDue, "2023-03-01", kind="urine")
    h.add(TestDone, "2023-03-20", kind="urine", result="negative", due=due.id)
    [state] = due_tests(h.file(), D("2023-06-30"), HOUSEHOLD_FIRST)
    assert (state.status, state.late) == (DueStatus.DONE, True)
    assert due_tests(h.file(), D("2023-03-19"), HOUSEHOLD_FIRST)[0].status is DueStatus.OVERDUE


def test_an_excused_test_is_excused_from_the_day_of_the_excuse() -> None:
    h = History()
    due = h.add(TestDue, "2023-03-01", kind="urine")
    h.add(TestExcused, "2023-03-05", due=due.id, reason="住院")
    assert due_tests(h.file(), D("2023-03-04"), HOUSEHOLD_FIRST)[0].status is DueStatus.DUE
    assert due_tests(h.file(), D("2023-03-05"), HOUSEHOLD_FIRST)[0].status is DueStatus.EXCUSED


def test_the_window_is_the_policys() -> None:
    h = History()
    h.add(TestDue, "2023-03-01", kind="urine")
    h.add(TestDone, "2023-03-12", kind="urine", result="negative")
    wide = Policy(test_window_days=14)
    assert due_tests(h.file(), D("2023-06-30"), wide)[0].status is DueStatus.DONE
    assert due_tests(h.file(), D("2023-06-30"), HOUSEHOLD_FIRST)[0].status is DueStatus.MISSED


# --- contact, control --------------------------------------------------------------------------


def test_lost_contact_holds_from_the_day_lost_until_the_day_found() -> None:
    h = History()
    h.add(LostContact, "2023-02-01")
    h.add(ContactRestored, "2023-02-20")
    h.add(LostContact, "2023-06-01")
    assert lost_contact_spells(h.file()) == [(D("2023-02-01"), D("2023-02-20")), (D("2023-06-01"), None)]
    assert in_lost_contact_on(h.file(), D("2023-02-01"))
    assert not in_lost_contact_on(h.file(), D("2023-02-20"))
    assert in_lost_contact_on(h.file(), D("2023-12-31"))


def test_the_control_level_is_set_by_the_latest_assessment_or_level_record() -> None:
    h = History()
    h.add(RiskAssessed, "2023-01-10", level="medium")
    h.add(ControlLevelSet, "2023-03-01", level="high", reason="失联后找回")
    h.add(RiskAssessed, "2023-05-01", level="low")
    file = h.file()
    assert control_level_on(file, D("2023-01-09")) is None
    assert control_level_on(file, D("2023-02-01")) == "medium"
    assert control_level_on(file, D("2023-04-01")) == "high"
    assert control_level_on(file, D("2023-05-01")) == "low"


def test_a_change_of_circumstances_asks_for_reassessment() -> None:
    h = History()
    h.add(RiskAssessed, "2023-01-10", level="low")
    assert reassessment_reasons(h.file(), D("2023-02-01")) == []
    h.add(TestDone, "2023-02-03", kind="urine", result="positive")
    assert reassessment_reasons(h.file(), D("2023-02-05")) == ["2023-02-03 test_done"]


def test_an_old_assessment_asks_for_reassessment_by_its_levels_rule() -> None:
    h = History()
    h.add(RiskAssessed, "2023-01-10", level="high")
    assert reassessment_reasons(h.file(), D("2023-06-30")) == ["评估已超过 90 天"]


def test_a_high_level_needs_a_face_check_every_week() -> None:
    h = History()
    h.add(RiskAssessed, "2023-01-10", level="high")
    h.add(FaceCheck, "2023-01-10", method="home_visit")
    assert overdue_measures(h.file(), D("2023-01-15")) == ["follow_up"]
    assert overdue_measures(h.file(), D("2023-01-18")) == ["face_check", "follow_up"]


def test_a_timestamp_without_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="recorded_at"):
        FaceCheck(
            id="x",
            person="P1",
            on=D("2023-01-01"),
            recorded_at=dt.datetime(2023, 1, 1),
            recorded_by="t",
            method="home_visit",
        )
    assert at("2023-01-01").utcoffset() == dt.timedelta(hours=8)
