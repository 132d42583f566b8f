"""The chemical catalogue is data: every glossary entry, found by id or Chinese name, extended by a host."""

from __future__ import annotations

import datetime as dt

import pytest

from antidrug_core.model import InvalidInput
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.rules import (
    NATIONAL_CATALOGUE,
    Category,
    ChemicalCatalogue,
    RuleRegistry,
    chemical_from_data,
)
from antidrug_core.testing import FixedClock, at, open_memory_store

GLOSSARY = {
    Category.ONE: "1-苯基-2-丙酮, 3,4-亚甲基二氧苯基-2-丙酮, 胡椒醛, 黄樟素, 黄樟油, 异黄樟素, "
    "N-乙酰邻氨基苯酸, 邻氨基苯甲酸, 麦角酸, 麦角胺, 麦角新碱, 麻黄素类, 羟亚胺, "
    "邻氯苯基环戊酮, 1-苯基-2-溴-1-丙酮, "
    "3-氧-2-苯基丁腈, N-苯乙基-4-哌啶酮, 4-苯胺基-N-苯乙基哌啶, N-甲基-1-苯基-1-氯-2-丙胺",
    Category.TWO: "苯乙酸, 醋酸酐, 三氯甲烷, 乙醚, 哌啶, 1-苯基-1-丙酮, 溴素, α-苯乙酰乙酸甲酯, "
    "α-乙酰乙酰苯胺, 3,4-亚甲基二氧苯基-2-丙酮缩水甘油酸, 3,4-亚甲基二氧苯基-2-丙酮缩水甘油酯",
    Category.THREE: "甲苯, 丙酮, 甲基乙基酮, 高锰酸钾, 硫酸, 盐酸, 苯乙腈, γ-丁内酯",
}
"""GLOSSARY.md's lists; 缩水甘油酸(酯) is the acid and its esters, two entries as in 国办函〔2021〕58号."""


def test_every_glossary_entry_is_in_the_catalogue_in_its_category() -> None:
    for category, names in GLOSSARY.items():
        for name in names.split(", "):
            entry = NATIONAL_CATALOGUE.get(NATIONAL_CATALOGUE.resolve(name))
            assert entry.category is category, name
    assert len(NATIONAL_CATALOGUE) == sum(len(n.split(", ")) for n in GLOSSARY.values())


def test_the_starred_entries_are_pharmaceutical_and_the_rest_are_not() -> None:
    starred = {"麦角酸", "麦角胺", "麦角新碱", "麻黄素类"}
    assert {e.name for e in NATIONAL_CATALOGUE if e.pharmaceutical} == starred


def test_salts_are_controlled_in_categories_one_and_two_only() -> None:
    for entry in NATIONAL_CATALOGUE:
        assert entry.salts is (entry.category is not Category.THREE), entry.name


def test_an_entry_with_a_cas_number_is_named_by_it_and_one_without_gets_a_catalogue_id() -> None:
    assert NATIONAL_CATALOGUE.resolve("硫酸") == "7664-93-9"
    assert NATIONAL_CATALOGUE.get("7664-93-9").english == "sulfuric acid"
    ephedrines = NATIONAL_CATALOGUE.get(NATIONAL_CATALOGUE.resolve("麻黄素类"))
    assert (ephedrines.id, ephedrines.cas) == ("ephedrines", None)
    for entry in NATIONAL_CATALOGUE:
        assert entry.cas is None or entry.id == entry.cas


def test_every_entry_says_when_it_came_into_force_and_where_from() -> None:
    assert NATIONAL_CATALOGUE.get("7664-93-9").in_force == dt.date(2005, 11, 1)
    assert "国务院令第445号" in NATIONAL_CATALOGUE.get("7664-93-9").source
    gbl = NATIONAL_CATALOGUE.get(NATIONAL_CATALOGUE.resolve("γ-丁内酯"))
    assert "国办函〔2021〕58号" in gbl.source
    assert not gbl.controlled_on(dt.date(2020, 1, 1))


def test_a_chemical_is_found_by_id_by_chinese_name_or_by_another_name() -> None:
    assert NATIONAL_CATALOGUE.resolve(" 7664-93-9 ") == "7664-93-9"
    assert NATIONAL_CATALOGUE.resolve("氯仿") == NATIONAL_CATALOGUE.resolve("三氯甲烷") == "67-66-3"


def test_an_unknown_chemical_is_an_error_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="chemical: '水' is not in the chemical catalogue"):
        NATIONAL_CATALOGUE.resolve("水")
    with pytest.raises(InvalidInput, match="chemical: '1-1-1' is not in the chemical catalogue"):
        NATIONAL_CATALOGUE.get("1-1-1")


def test_a_catalogue_refuses_one_name_for_two_entries() -> None:
    entry = NATIONAL_CATALOGUE.get("7664-93-9")
    clash = chemical_from_data(
        {"id": "X-1", "name": "硫酸", "english": "x", "category": 3, "in_force": "2030-01-01", "source": "s"}
    )
    with pytest.raises(InvalidInput, match="names both"):
        ChemicalCatalogue([entry, clash])


def test_an_entry_written_as_data_is_checked_field_by_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        chemical_from_data({"id": "X-1", "name": "", "category": 3, "in_force": "2030-13-01"})
    fields = {p.field for p in caught.value.problems}
    assert {"english", "source", "in_force"} <= fields


class NextAmendment:
    """A host that adds next year's catalogue entry as data."""

    @hookimpl
    def antidrug_register_rules(self, registry: RuleRegistry) -> None:
        registry.add_chemical(
            {
                "id": "CN-2027-1",
                "name": "某新增物质",
                "english": "a new precursor",
                "category": 2,
                "salts": True,
                "in_force": "2027-01-01",
                "source": "某公告（2026年）",
            }
        )


def test_a_host_adds_an_entry_by_data_through_the_rules_hook() -> None:
    store = open_memory_store(
        clock=FixedClock(at("2027-02-01")), plugins=make_plugin_manager(plugins=[NextAmendment()])
    )
    catalogue = store.rules.chemicals
    assert catalogue.resolve("某新增物质") == "CN-2027-1"
    assert "7664-93-9" in catalogue
    assert "CN-2027-1" not in NATIONAL_CATALOGUE
