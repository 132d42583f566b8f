"""Evaluating in a store: the same figures as the dataset, scoped to the actor, fast when a plugin can."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings

from antidrug_core import hookimpl
from antidrug_core.identity import Identity
from antidrug_core.indicators import (
    EvaluationRequest,
    HasRecord,
    IndicatorDefinition,
    IndicatorResult,
    Unit,
    When,
    evaluate_dataset,
    evaluate_in_store,
    explain_in_store,
    standard_catalogue,
)
from antidrug_core.interchange import Dataset, read_dataset
from antidrug_core.model import Actor, Record, Role, SubjectKind
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.store import Store
from antidrug_core.testing import open_memory_store
from antidrug_core.testing.datasets import PERIOD, dataset_documents

REQUEST = EvaluationRequest(period=PERIOD)

DOCUMENT: dict[str, Any] = {
    "format": "antidrug-dataset/1",
    "divisions": [
        {"code": "522631", "name": "某县"},
        {"code": "522631101", "name": "甲乡"},
        {"code": "522631102", "name": "乙镇"},
    ],
    "people": [
        {"id": "P1", "household": "522631101", "registered_on": "2020-01-01"},
        {"id": "P2", "household": "522631102", "residence": "522631101", "registered_on": "2020-01-01"},
    ],
    "records": [
        {"type": "status_changed", "person": "P1", "on": "2020-01-01", "status": "registered"},
        {"type": "status_changed", "person": "P2", "on": "2020-01-01", "status": "community_detox"},
        {"type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"},
        {"type": "follow_up", "person": "P2", "on": "2023-03-01", "method": "phone"},
    ],
}


def references_first(records: Sequence[Record]) -> list[Record]:
    """The records in an order a unit of work accepts: each after the records it names."""
    ordered: list[Record] = []
    placed: set[str] = set()
    waiting = list(records)
    while waiting:
        ready = [r for r in waiting if all(ref in placed for ref in named(r))]
        ordered.extend(ready)
        placed.update(r.id for r in ready)
        waiting = [r for r in waiting if r.id not in placed]
    return ordered


def named(record: Record) -> list[str]:
    found = [getattr(record, field, None) for field in ("voids", "due", "request")]
    return [ref for ref in found if isinstance(ref, str)]


def load(store: Store, dataset: Dataset, identities: dict[str, Identity] | None = None) -> None:
    with store.unit_of_work(Actor.local_administrator()) as uow:
        uow.add_divisions(dataset.divisions)
        for record in references_first(dataset.records):
            uow.add_record(record, live=False)
        for person, identity in (identities or {}).items():
            uow.set_identity(person, identity)
        uow.commit()


def in_store(dataset: Dataset, request: EvaluationRequest, actor: Actor | None = None, **options: Any) -> Any:
    with open_memory_store(policy=dataset.policy, **options) as store:
        load(store, dataset)
        with store.unit_of_work(actor or Actor.local_administrator()) as uow:
            return evaluate_in_store(uow, request)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset_documents())
def test_a_store_gives_the_figures_of_the_same_records_as_a_dataset(document: dict[str, Any]) -> None:
    dataset = read_dataset(document)
    assert in_store(dataset, REQUEST) == evaluate_dataset(dataset, REQUEST)


def test_the_request_policy_overrides_the_stores() -> None:
    dataset = read_dataset(DOCUMENT)
    residence = attrs.evolve(REQUEST, policy=Policy(responsible=Responsibility.RESIDENCE_FIRST))
    results = in_store(dataset, attrs.evolve(residence, indicators=("managed",)))
    managed = {r.division: r.numerator for r in results if r.indicator == "managed"}
    # Residence first: P2 lives in 甲乡, so 甲乡 holds both.
    assert managed == {"522631": 2, "522631101": 2, "522631102": 0}
    assert {r.policy.responsible for r in results} == {Responsibility.RESIDENCE_FIRST}


def test_an_actor_gets_figures_only_for_divisions_within_its_own() -> None:
    dataset = read_dataset(DOCUMENT)
    officer = Actor(id="o1", role=Role.OFFICER, divisions={"522631101"})
    results = in_store(dataset, EvaluationRequest(period=PERIOD, indicators=("managed",)), actor=officer)
    # 甲乡's officer sees P2 too (it co-manages P2), but 乙镇's and the county's figures would be
    # partial for it: only 甲乡 is reported, with the one person it is responsible for.
    assert [(r.division, r.numerator) for r in results] == [("522631101", 1)]


def test_a_division_the_store_does_not_name_can_still_be_asked_for() -> None:
    dataset = read_dataset(DOCUMENT)
    request = EvaluationRequest(period=PERIOD, indicators=("managed",), divisions=("522600",))
    with open_memory_store() as store:
        load(store, attrs.evolve(dataset, divisions=()))
        with store.unit_of_work(Actor.local_administrator()) as uow:
            results = evaluate_in_store(uow, request)
    # The city 522600 holds both townships by their codes.
    assert [(r.division, r.numerator) for r in results] == [("522600", 2)]


class CountyIndicators:
    """A host plugin adding a local indicator as data."""

    definition = IndicatorDefinition(
        id="follow_up_rate",
        version=1,
        name_zh="帮教回访率",
        name_en="Follow-up rate",
        unit=Unit.PERCENT,
        numerator=HasRecord(("follow_up",), When.PERIOD),
    )

    @hookimpl
    def antidrug_register_indicators(self, registry: Any) -> None:
        registry.add(self.definition)


def test_a_local_indicator_from_a_plugin_is_evaluated_after_the_catalogue() -> None:
    dataset = read_dataset(DOCUMENT)
    plugins = make_plugin_manager(plugins=[CountyIndicators()])
    results = in_store(dataset, EvaluationRequest(period=PERIOD, divisions=("522631",)), plugins=plugins)
    assert [r.indicator for r in results][-1] == "follow_up_rate"
    local = results[-1]
    # Everyone attributed (no initial criterion): P1, P2; a follow-up in the period: P2.
    assert (local.initial_population, local.numerator, local.display) == (2, 1, "50.00%")


class FastEvaluator:
    """A storage plugin's fast evaluator, faked: it answers with what it was asked."""

    def __init__(self, answer: list[IndicatorResult] | None) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def antidrug_evaluate_indicators(
        self, recorder: Any, scope: Any, request: Any, definitions: Any, tree: Any
    ) -> list[IndicatorResult] | None:
        self.calls.append(
            {
                "recorder": recorder,
                "scope": scope,
                "request": request,
                "definitions": definitions,
                "tree": tree,
            }
        )
        return self.answer


def test_a_fast_evaluators_answer_is_used_when_it_gives_one() -> None:
    dataset = read_dataset(DOCUMENT)
    # The people's figures: a fast evaluator is asked for those (units and organisations are read
    # beside it, tests/indicators/test_fast_beside_reference.py).
    people = tuple(d.id for d in standard_catalogue() if d.subject is SubjectKind.PERSON)
    request = attrs.evolve(REQUEST, indicators=people)
    reference = evaluate_dataset(dataset, request)
    fast = FastEvaluator(reference[:1])
    officer = Actor(id="o1", role=Role.OFFICER, divisions={"522631101"})
    answer = in_store(dataset, request, actor=officer, plugins=make_plugin_manager(plugins=[fast]))
    assert answer == reference[:1]
    (call,) = fast.calls
    assert call["scope"] == frozenset({"522631101"})
    assert call["request"].policy == dataset.policy, "the policy is filled in for the plugin"
    assert [d.id for d in call["definitions"]] == list(people)
    assert "522631102" in call["tree"]


def test_the_reference_evaluator_answers_when_no_plugin_does() -> None:
    dataset = read_dataset(DOCUMENT)
    fast = FastEvaluator(None)
    answer = in_store(dataset, REQUEST, plugins=make_plugin_manager(plugins=[fast]))
    assert answer == evaluate_dataset(dataset, REQUEST)
    assert len(fast.calls) == 1


def explain_as(actor: Actor) -> Any:
    dataset = read_dataset(DOCUMENT)
    request = EvaluationRequest(period=PERIOD, divisions=("522631101",))
    with open_memory_store() as store:
        load(store, dataset, {"P1": Identity("张三", "11010519491231002X")})
        with store.unit_of_work(actor) as uow:
            (explanation,) = explain_in_store(uow, request, "face_check_rate")
    return explanation


def test_evidence_shows_identities_masked_to_actors_who_may_see_them() -> None:
    explanation = explain_as(Actor(id="o1", role=Role.OFFICER, divisions={"522631101"}))
    (p1,) = explanation.subjects
    assert p1.identity == "张* 110105********002X"
    assert "张三" not in repr(explanation)


def test_evidence_is_pseudonymous_for_auditors() -> None:
    explanation = explain_as(Actor(id="a1", role=Role.AUDITOR, divisions={"522631"}))
    assert [(s.person, s.identity) for s in explanation.subjects] == [("P1", None)]
    assert explanation.populations["numerator"] == ("P1",)
