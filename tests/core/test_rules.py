"""Policies as data: schedules per jurisdiction, risk rules, level schemes, and what no rule may use."""

from __future__ import annotations

import datetime as dt

import pytest

from antidrug_core import services
from antidrug_core.model import Actor, InvalidInput, RiskLevel, Role, Status
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.rules import (
    NATIONAL_RISK_RULES,
    RuleRegistry,
    ScheduleStep,
    TestSchedule,
    add_months,
)
from antidrug_core.rules.levels import COLOUR_SCHEME, LETTER_SCHEME, LevelScheme
from antidrug_core.rules.risk import Factor, RiskRuleSet
from antidrug_core.testing import FixedClock, at, open_memory_store

D = dt.date.fromisoformat


def test_months_are_added_within_the_month() -> None:
    assert add_months(D("2023-01-31"), 1) == D("2023-02-28")
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert add_months(D("2023-11-15"), 3) == D("2024-02-15")


def test_the_default_schedule_thins_out_over_three_years() -> None:
    dates = TestSchedule(name="t").due_dates(D("2023-01-01"))
    assert len(dates) == 12 + 6 + 4
    assert dates[11:14] == [D("2023-12-01"), D("2024-01-01"), D("2024-03-01")]
    assert dates[-1] == D("2025-10-01")


def test_a_schedule_step_must_make_sense() -> None:
    with pytest.raises(ValueError, match="every >= 1"):
        ScheduleStep(0, 12, 0)


class StricterCounty:
    """A county whose own document asks for a test every month for two years."""

    @hookimpl
    def antidrug_register_rules(self, registry: RuleRegistry) -> None:
        registry.add_test_schedule("522632", TestSchedule(name="522632@1", steps=(ScheduleStep(0, 24, 1),)))


def test_a_jurisdictions_own_schedule_applies_to_its_people_only() -> None:
    clock = FixedClock(at("2023-07-01"))
    store = open_memory_store(clock=clock, plugins=make_plugin_manager(plugins=[StricterCounty()]))
    county = Actor(id="city", role=Role.OFFICER, divisions={"522600"})
    with store.unit_of_work(county) as uow:
        here = services.register_person(
            uow, household="522631101", on=D("2023-01-01"), status=Status.COMMUNITY_DETOX
        )
        there = services.register_person(
            uow, household="522632101", on=D("2023-01-01"), status=Status.COMMUNITY_DETOX
        )
        default_dues = services.schedule_tests(uow, here, through=D("2025-01-01"))
        strict_dues = services.schedule_tests(uow, there, through=D("2025-01-01"))
        uow.commit()
    assert (len(default_dues), len(strict_dues)) == (12 + 6 + 1, 24)


def test_rules_may_not_use_petitions_politics_ethnicity_or_religion() -> None:
    for label in ("涉访情况", "宗教信仰", "民族", "political activity", "petitions"):
        with pytest.raises(InvalidInput, match="drug use, health and safety"):
            Factor("x", label, {"yes": 3, "no": 0})
    with pytest.raises(InvalidInput):
        Factor("ethnicity", "某项", {"a": 1})


def test_the_national_rules_explain_their_proposal() -> None:
    proposal = NATIONAL_RISK_RULES.propose(
        {
            "drug_type": "cannabis",
            "use_degree": "occasional",
            "behaviour": "cooperative",
            "detox_history": "none",
            "time_abstinent": "over_3y",
            "family": "supportive",
            "work": "stable",
        }
    )
    assert (proposal.level, proposal.score) == (RiskLevel.LOW, 2)
    assert proposal.explain().startswith("建议等级 low，得分 2。吸食毒品种类：大麻类（+1）")


def test_a_rule_set_needs_sensible_thresholds() -> None:
    with pytest.raises(InvalidInput, match="medium_from"):
        RiskRuleSet(id="x", version=1, factors=(), high_from=3, medium_from=5)


def test_local_marks_map_onto_the_national_levels() -> None:
    assert LETTER_SCHEME.level_of("C2") is RiskLevel.LOW
    assert LETTER_SCHEME.mark_of(RiskLevel.HIGH) == "A"
    assert COLOUR_SCHEME.level_of("黄") is RiskLevel.MEDIUM
    with pytest.raises(InvalidInput, match="'D' is not a mark of letters"):
        LETTER_SCHEME.level_of("D")


def test_a_level_scheme_must_show_a_mark_for_every_level() -> None:
    with pytest.raises(InvalidInput, match="no mark for low"):
        LevelScheme(
            "x", {"1": RiskLevel.HIGH, "2": RiskLevel.MEDIUM}, {RiskLevel.HIGH: "1", RiskLevel.MEDIUM: "2"}
        )
