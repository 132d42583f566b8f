"""Risk confirmation as a complete record (PIPL art. 24), and level schemes both ways."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest

from antidrug_core import services
from antidrug_core.converter import structure, unstructure
from antidrug_core.model import (
    Actor,
    FactorValue,
    InvalidInput,
    LevelMark,
    NotFound,
    PersonId,
    RiskAssessed,
    RiskLevel,
    Status,
)
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.rules import NATIONAL_RISK_RULES, LevelScheme, RuleRegistry
from antidrug_core.rules.risk import Override, explain_assessment
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, at, open_memory_store

from .conftest import TOWNSHIP

D = dt.date.fromisoformat

ANSWERS = {
    "drug_type": "synthetic",
    "use_degree": "dependent",
    "behaviour": "cooperative",
    "detox_history": "none",
    "time_abstinent": "2_to_3y",
    "family": "supportive",
    "work": "stable",
}
"""Score 3 + 2 + 0 + 0 + 1 + 0 + 0 = 6: national@1 proposes low (medium from 7)."""

STRICTER = attrs.evolve(NATIONAL_RISK_RULES, version=2, medium_from=5)
"""Version 2 of the national rules: medium from 5, so the same answers propose medium."""


class NewRules:
    """A province that brought in version 2 of its rules; version 1 stays registered."""

    @hookimpl
    def antidrug_register_rules(self, registry: RuleRegistry) -> None:
        registry.risk_rules.add(STRICTER)
        registry.level_schemes.add(
            LevelScheme(
                "county",
                {
                    "一级": RiskLevel.HIGH,
                    "二级": RiskLevel.MEDIUM,
                    "三级": RiskLevel.LOW,
                    "C2": RiskLevel.MEDIUM,
                },
                {RiskLevel.HIGH: "一级", RiskLevel.MEDIUM: "二级", RiskLevel.LOW: "三级"},
            )
        )


def register(store: Store, officer: Actor) -> PersonId:
    with store.unit_of_work(officer) as uow:
        person = services.register_person(
            uow, household=TOWNSHIP, on=D("2023-01-05"), status=Status.COMMUNITY_DETOX
        )
        uow.commit()
    return person


# --- confirmation ------------------------------------------------------------------------------


def test_the_explanation_shown_is_kept_and_the_proposal_is_re_explained_by_its_version(
    store: Store, officer: Actor
) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS)
        assessed = services.confirm_risk_assessment(uow, pending)
        uow.commit()
    assert assessed.explanation == (pending.proposal.explain(),)
    assert (assessed.rule_set, assessed.proposed_level, assessed.reason) == ("national@1", None, None)
    with store.unit_of_work(officer) as uow:
        text = services.explain_risk_assessment(uow, person, assessed.id)
    assert text.startswith(pending.proposal.explain())
    assert text.endswith("（national@1）确认为low。")


def test_another_level_needs_a_reason_which_is_kept_and_explained(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS)
        for blank in (None, "", "   "):
            with pytest.raises(InvalidInput) as refused:
                services.confirm_risk_assessment(uow, pending, RiskLevel.HIGH, reason=blank)
            assert refused.value.problems[0].field == "reason"
        assessed = services.confirm_risk_assessment(
            uow, pending, RiskLevel.HIGH, reason="近期与吸毒人员交往密切"
        )
        uow.commit()
    assert (assessed.level, assessed.proposed_level, assessed.reason) == (
        RiskLevel.HIGH,
        RiskLevel.LOW,
        "近期与吸毒人员交往密切",
    )
    with store.unit_of_work(officer) as uow:
        text = services.explain_risk_assessment(uow, person, assessed.id)
    assert text.endswith("未采纳建议，确认为high，理由：近期与吸毒人员交往密切。")


def test_a_new_rule_set_version_leaves_old_assessments_explained_by_theirs(officer: Actor) -> None:
    clock = FixedClock(at("2023-07-01"))
    with open_memory_store(clock=clock, plugins=make_plugin_manager(plugins=[NewRules()])) as store:
        person = register(store, officer)
        with store.unit_of_work(officer) as uow:
            # Made before version 2 came in: under version 1, named as such.
            pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS, "national@1")
            old = services.confirm_risk_assessment(uow, pending)
            uow.commit()
        with store.unit_of_work(officer) as uow:
            pending = services.propose_risk_level(uow, person, D("2023-06-01"), ANSWERS)
            new = services.confirm_risk_assessment(uow, pending)
            uow.commit()
        assert (old.rule_set, old.level, new.rule_set, new.level) == (
            "national@1",
            RiskLevel.LOW,
            "national@2",
            RiskLevel.MEDIUM,
        )
        with store.unit_of_work(officer) as uow:
            assert services.explain_risk_assessment(uow, person, old.id).startswith("建议等级 low，得分 6。")
            assert "≥ 5，为中风险" in services.explain_risk_assessment(uow, person, new.id)
            with pytest.raises(NotFound):
                services.explain_risk_assessment(uow, person, "no-such-record")


def test_an_assessment_whose_rule_set_is_gone_is_explained_by_what_was_kept() -> None:
    gone = attrs.evolve(
        NATIONAL_RISK_RULES,
        id="retired",
        overrides=(Override("behaviour", "cooperative", RiskLevel.MEDIUM, "试行规则：不低于中风险。"),),
    )
    proposal = gone.propose(ANSWERS)
    record = RiskAssessed(
        id="a1",
        person="P1",
        on=D("2023-03-01"),
        recorded_at=at("2023-03-01"),
        recorded_by="officer",
        level=RiskLevel.MEDIUM,
        factors=tuple(FactorValue(k, v) for k, v in ANSWERS.items()),
        rule_set="retired@1",
        explanation=(proposal.explain(),),
    )
    assert explain_assessment(record, {}).startswith(proposal.explain())
    with pytest.raises(NotFound, match="cannot be explained"):
        explain_assessment(attrs.evolve(record, explanation=()), {})


# --- level schemes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "level", "mark", "letters", "colours"),
    [
        ("C2", RiskLevel.LOW, LevelMark("letters", "C2"), "C2", "蓝"),
        ("C1", RiskLevel.LOW, LevelMark("letters", "C1"), "C1", "蓝"),
        ("红", RiskLevel.HIGH, LevelMark("colours", "红"), "A", "红"),
        ("绿", RiskLevel.LOW, LevelMark("colours", "绿"), "C1", "绿"),
        ("medium", RiskLevel.MEDIUM, None, "B", "黄"),
        (RiskLevel.HIGH, RiskLevel.HIGH, None, "A", "红"),
    ],
)
def test_a_level_set_in_a_schemes_marks_reads_back_in_them(
    store: Store,
    officer: Actor,
    written: str,
    level: RiskLevel,
    mark: LevelMark | None,
    letters: str,
    colours: str,
) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        record = services.set_control_level(uow, person, written, D("2023-03-01"), reason="复评")
        uow.commit()
    assert (record.level, record.mark) == (level, mark)
    with store.unit_of_work(officer) as uow:
        assert services.control_level_as(uow, person, D("2023-03-01"), "letters") == letters
        assert services.control_level_as(uow, person, D("2023-03-01"), "colours") == colours
        assert services.control_level_as(uow, person, D("2023-02-28"), "letters") is None


def test_an_assessment_confirmed_in_marks_reads_back_in_them(store: Store, officer: Actor) -> None:
    person = register(store, officer)
    with store.unit_of_work(officer) as uow:
        pending = services.propose_risk_level(uow, person, D("2023-03-01"), ANSWERS)
        assessed = services.confirm_risk_assessment(uow, pending, "C2")  # low, as proposed: no reason needed
        uow.commit()
    assert (assessed.level, assessed.mark, assessed.proposed_level) == (
        RiskLevel.LOW,
        LevelMark("letters", "C2"),
        None,
    )
    with store.unit_of_work(officer) as uow:
        assert services.control_level_as(uow, person, D("2023-03-01"), "letters") == "C2"


def test_unknown_and_ambiguous_marks_are_refused_naming_the_schemes(officer: Actor) -> None:
    clock = FixedClock(at("2023-07-01"))
    with open_memory_store(clock=clock, plugins=make_plugin_manager(plugins=[NewRules()])) as store:
        person = register(store, officer)
        with store.unit_of_work(officer) as uow:
            with pytest.raises(InvalidInput, match="'Z' is neither high, medium nor low, nor a mark"):
                services.set_control_level(uow, person, "Z", D("2023-03-01"), reason="x")
            with pytest.raises(InvalidInput, match="'C2' stands for different levels in letters, county"):
                services.set_control_level(uow, person, "C2", D("2023-03-01"), reason="x")
            with pytest.raises(InvalidInput, match="no level scheme 'zz'"):
                services.set_control_level(uow, person, "C2", D("2023-03-01"), reason="x", scheme="zz")
            county = services.set_control_level(
                uow, person, "C2", D("2023-03-01"), reason="x", scheme="county"
            )
            uow.commit()
        assert (county.level, county.mark) == (RiskLevel.MEDIUM, LevelMark("county", "C2"))
        with store.unit_of_work(officer) as uow:
            assert services.control_level_as(uow, person, D("2023-03-01"), "county") == "C2"
            assert services.control_level_as(uow, person, D("2023-03-01"), "letters") == "B"


def test_a_level_scheme_is_plain_data_through_the_one_converter() -> None:
    text = '{"id": "zj", "marks": {"A": "high", "B": "medium", "C1": "low", "C2": "low"},'
    text += ' "shown": {"high": "A", "medium": "B", "low": "C1"}}'
    scheme = structure(json.loads(text), LevelScheme)
    assert unstructure(scheme) == json.loads(text)
    assert (scheme.level_of("C2"), scheme.mark_for(RiskLevel.LOW, LevelMark("zj", "C2"))) == (
        RiskLevel.LOW,
        "C2",
    )
    with pytest.raises(InvalidInput, match="marks: 'urgent' is not one of: high, medium, low"):
        structure({"id": "x", "marks": {"A": "urgent"}, "shown": {}}, LevelScheme)
    with pytest.raises(InvalidInput, match="mark 'B' shown for high must map back to it"):
        structure({"id": "x", "marks": {"A": "high", "B": "medium"}, "shown": {"high": "B"}}, LevelScheme)
