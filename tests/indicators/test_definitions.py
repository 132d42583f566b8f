"""Definitions are data: checked when built, one canonical form, a digest that names them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

from antidrug_core.indicators import (
    CATALOGUE_VERSION,
    CATALOGUE_VERSIONS,
    AcceptedTransfers,
    Basis,
    Direction,
    DueExcused,
    DueTests,
    FulfilledInWindow,
    HasRecord,
    IndicatorDefinition,
    Not,
    StatusIn,
    Unit,
    When,
    Where,
    canonical_form,
    definition_from_data,
    definition_to_data,
    digest,
    earlier_definitions,
    select_definitions,
    standard_catalogue,
)
from antidrug_core.indicators.prevention import prevention_catalogue
from antidrug_core.model import InvalidInput, Status, SubjectKind
from antidrug_core.testing.datasets import definitions

PINNED_FILES = {
    version: Path(__file__).with_name(f"catalogue-v{version}.json") for version in CATALOGUE_VERSIONS
}


def local(**overrides: Any) -> IndicatorDefinition:
    fields: dict[str, Any] = {
        "id": "follow_up_rate",
        "version": 1,
        "name_zh": "帮教回访率",
        "name_en": "Follow-up rate",
        "unit": Unit.PERCENT,
        "initial": StatusIn({Status.COMMUNITY_DETOX}),
        "numerator": HasRecord(("follow_up",), When.PERIOD),
    }
    fields.update(overrides)
    return IndicatorDefinition(**fields)


def problem_fields(error: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {p.field for p in error.value.problems}


@pytest.mark.parametrize("version", CATALOGUE_VERSIONS)
def test_every_catalogue_version_is_pinned_byte_for_byte(version: int) -> None:
    pinned = json.loads(PINNED_FILES[version].read_text(encoding="utf-8"))
    assert pinned["catalogue_version"] == version
    made = [{"digest": digest(d), "definition": definition_to_data(d)} for d in standard_catalogue(version)]
    assert made == pinned["definitions"], "a catalogue change needs a new version and a new pinned file"


def test_the_catalogue_in_force_is_version_2_where_only_test_adherence_changed() -> None:
    assert standard_catalogue() == standard_catalogue(CATALOGUE_VERSION)
    assert CATALOGUE_VERSION == 2
    first = {d.id: d for d in standard_catalogue(1)}
    second = {d.id: d for d in standard_catalogue(2)}
    changed = {id for id in first if digest(first[id]) != digest(second[id])}
    assert changed == {"test_adherence"}
    assert (first["test_adherence"].version, second["test_adherence"].version) == (1, 2)
    assert second["test_adherence"].denominator_exception == DueExcused()
    assert earlier_definitions() == [first["test_adherence"]]


def test_an_earlier_version_is_chosen_by_id_and_version() -> None:
    [old] = select_definitions(standard_catalogue(), ["test_adherence@1"])
    assert (old.id, old.version, old.denominator_exception) == ("test_adherence", 1, None)
    [current] = select_definitions(standard_catalogue(), ["test_adherence@2"])
    assert current == select_definitions(standard_catalogue(), ["test_adherence"])[0]
    with pytest.raises(InvalidInput, match=r"'test_adherence@3': no such version \(known: 1, 2\)"):
        select_definitions(standard_catalogue(), ["test_adherence@3"])
    with pytest.raises(InvalidInput, match="no catalogue version 9"):
        standard_catalogue(9)


def test_the_catalogue_holds_every_rate_of_the_specification_table_and_the_counts_under_it() -> None:
    ids = [d.id for d in standard_catalogue()]
    rates = [
        "face_check_rate",
        "risk_assessment_rate",
        "tiered_control_rate",
        "care_rate",
        "urine_test_rate",
        "hair_test_rate",
        "test_adherence",
        "app_install_rate",
        "app_login_rate",
        "lost_contact_found_rate",
        "licence_notified_rate",
    ]
    assert ids[: len(rates)] == rates
    counts = {d.id for d in standard_catalogue() if d.unit is Unit.COUNT and d.subject is SubjectKind.PERSON}
    assert {
        "managed",
        "managed_registered",
        "managed_community_detox",
        "managed_community_rehab",
        "managed_maintenance_treatment",
        "abstinent_3y",
        "newly_registered",
        "transfers_in",
        "transfers_out",
        "lost_contact_at_end",
        "urine_tests_due",
        "urine_tests_done",
        "hair_tests_due",
        "hair_tests_done",
        "positive_tests",
    } == counts
    beyond = [d.id for d in standard_catalogue() if d.subject is not SubjectKind.PERSON]
    assert beyond == [
        "precursor_units",
        "precursor_inspection_rate",
        "ledger_match_rate",
        "rectification_rate",
        "precursor_inspections",
        "precursor_findings",
        "precursor_incidents",
        "rectifications_overdue",
        "licences_in_force",
        *(d.id for d in prevention_catalogue()),
    ]
    assert len(ids) == len(set(ids))
    assert all(d.version == (2 if d.id == "test_adherence" else 1) for d in standard_catalogue())


@given(definitions())
def test_a_definition_reads_back_from_its_plain_data_unchanged(definition: IndicatorDefinition) -> None:
    data = json.loads(json.dumps(definition_to_data(definition)))
    assert definition_from_data(data) == definition
    assert digest(definition_from_data(data)) == digest(definition)


def test_every_catalogue_definition_reads_back_unchanged() -> None:
    for definition in standard_catalogue():
        assert definition_from_data(definition_to_data(definition)) == definition


def test_the_canonical_form_is_sorted_compact_utf8_json() -> None:
    form = canonical_form(local())
    text = form.decode("utf-8")
    assert "帮教回访率" in text
    assert ": " not in text
    assert ", " not in text
    assert json.loads(text) == definition_to_data(local())
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_any_change_to_a_definition_changes_its_digest() -> None:
    base = local()
    changes = [
        attrs.evolve(base, version=2),
        attrs.evolve(base, name_zh="回访率"),
        attrs.evolve(base, decimals=1),
        attrs.evolve(base, numerator=HasRecord(("follow_up",), When.BY_PERIOD_END)),
        attrs.evolve(base, initial=StatusIn({Status.COMMUNITY_DETOX, Status.COMMUNITY_REHAB})),
        attrs.evolve(base, higher_is_better=None),
    ]
    digests = {digest(d) for d in [base, *changes]}
    assert len(digests) == len(changes) + 1
    assert digest(local()) == digest(base)


def test_equal_conditions_written_in_another_order_are_the_same_definition() -> None:
    one = local(numerator=HasRecord(("test_done", "test_due"), When.PERIOD, Where.of(kind=["urine", "hair"])))
    other = local(
        numerator=HasRecord(("test_due", "test_done"), When.PERIOD, Where.of(kind=["hair", "urine"]))
    )
    assert digest(one) == digest(other)


def test_a_definition_with_several_mistakes_is_refused_naming_each() -> None:
    with pytest.raises(InvalidInput) as error:
        local(id="Follow Up", version=0, name_en=" ", decimals=13)
    assert problem_fields(error) == {"id", "version", "name_en", "decimals"}


def test_a_record_type_field_or_value_the_library_does_not_know_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        local(numerator=HasRecord(("home_visit",), When.PERIOD))
    assert "unknown record type 'home_visit'" in str(error.value)
    with pytest.raises(InvalidInput, match="has no field 'colour'"):
        local(numerator=HasRecord(("face_check",), When.PERIOD, Where.of(colour=["red"])))
    with pytest.raises(InvalidInput, match="never 'telepathy'"):
        local(numerator=HasRecord(("face_check",), When.PERIOD, Where.of(method=["telepathy"])))


def test_an_item_criterion_needs_due_test_items() -> None:
    with pytest.raises(InvalidInput, match="fulfilled_in_window is about a due test"):
        local(numerator=Not(FulfilledInWindow()))
    with pytest.raises(InvalidInput, match="cannot pick the initial population"):
        local(basis=Basis.EVENT, items=DueTests(), initial=FulfilledInWindow())
    with pytest.raises(InvalidInput, match="due_tests"):
        local(basis=Basis.EVENT, items=AcceptedTransfers(Direction.IN), numerator=FulfilledInWindow())


def test_items_go_with_event_based_definitions_only() -> None:
    with pytest.raises(InvalidInput, match="says which items"):
        local(basis=Basis.EVENT)
    with pytest.raises(InvalidInput, match="counts people"):
        local(items=DueTests())


def test_plain_data_with_unknown_fields_or_criteria_is_refused_naming_them() -> None:
    data = definition_to_data(local())
    data["colour"] = "red"
    data["numerator"] = {"op": "has_face", "types": ["face_check"]}
    with pytest.raises(InvalidInput) as error:
        definition_from_data(data)
    text = str(error.value)
    assert "colour" in text
    assert "unknown criterion 'has_face'" in text


def test_a_where_condition_must_list_values() -> None:
    data = definition_to_data(local())
    data["numerator"] = {
        "op": "has_record",
        "types": ["face_check"],
        "when": "period",
        "where": {"method": "x"},
    }
    with pytest.raises(InvalidInput, match="non-empty list"):
        definition_from_data(data)


def test_a_part_names_its_whole_and_a_field_its_items_have() -> None:
    from antidrug_core.indicators import PartOf, Records
    from antidrug_core.indicators.canonical import definition_from_data
    from antidrug_core.indicators.prevention import activity_parts
    from antidrug_core.model import SubjectKind

    for part in activity_parts():
        assert definition_from_data(definition_to_data(part)) == part
    fields: dict[str, Any] = {
        "id": "activities_by_theme",
        "version": 1,
        "name_zh": "按主题",
        "name_en": "By theme",
        "unit": Unit.SUM,
        "subject": SubjectKind.ORGANISATION,
        "basis": "event",
        "items": Records(("activity_held",)),
        "sum_of": "sessions",
    }
    with pytest.raises(InvalidInput) as error:
        IndicatorDefinition(**fields, part_of=PartOf("activities", "weather", "rain"))
    assert problem_fields(error) == {"part_of.by"}
    with pytest.raises(InvalidInput) as error:
        IndicatorDefinition(**fields, part_of=PartOf("activities_by_theme", "theme"))
    assert problem_fields(error) == {"part_of.whole"}
    with pytest.raises(InvalidInput) as error:
        local(part_of=PartOf("face_check_rate", "method", "home_visit"))
    assert problem_fields(error) == {"part_of.by"}
