"""What the cases' figures do not say on their own: whole-document equalities, labels and reasons."""

from __future__ import annotations

from .conftest import Rates, case_named


def test_a_known_at_after_everything_was_recorded_gives_the_same_document_as_none(rates: Rates) -> None:
    later = rates(case_named("known_at.a_known_at_after_everything_was_recorded_is_the_same_as_none"))
    everything = rates(case_named("known_at.without_known_at_every_record_counts"))
    assert later["results"] == everything["results"]


def test_results_are_listed_by_division_then_in_catalogue_order(rates: Rates) -> None:
    output = rates(
        case_named("end_day_inclusion.every_division_of_the_dataset_gets_a_result_for_every_indicator")
    )
    indicators = sorted({r["indicator"] for r in output["results"]})
    assert len(output["results"]) == 4 * len(indicators)
    assert [r["indicator"] for r in output["results"][:2]] == ["face_check_rate", "risk_assessment_rate"]
    assert all(r["reason"] for r in output["results"] if r["value"] is None)


def test_a_co_managing_view_is_labelled_on_every_result(rates: Rates) -> None:
    output = rates(
        case_named(
            "responsibility_policies.a_co_managing_division_sees_its_own_people_and_nothing_is_added_upward"
        )
    )
    assert {r["view"] for r in output["results"]} == {"cooperating"}


def test_a_result_without_a_value_says_why(rates: Rates) -> None:
    output = rates(case_named("zero_denominator.no_value_when_nobody_is_left_in_the_denominator"))
    found = {(r["indicator"], r["division"]): r for r in output["results"]}
    for key in [
        ("face_check_rate", "522631102"),
        ("app_login_rate", "522631101"),
        ("urine_test_rate", "522631101"),
    ]:
        assert found[key]["reason"]
    assert "reason" not in found[("face_check_rate", "522631101")]
    assert "DE 1" in found[("urine_test_rate", "522631101")]["reason"]
