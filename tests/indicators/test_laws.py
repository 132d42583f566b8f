"""Laws every evaluation obeys, on any valid dataset (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.indicators import (
    POPULATIONS,
    EvaluationRequest,
    IndicatorDefinition,
    IndicatorResult,
    Period,
    Unit,
    View,
    display,
    evaluate_dataset,
    explain_dataset,
    standard_catalogue,
)
from antidrug_core.indicators.evidence import _Context, verdict
from antidrug_core.indicators.facts import PersonFacts
from antidrug_core.indicators.reference import holds, items_of
from antidrug_core.interchange import Dataset, read_dataset
from antidrug_core.testing.datasets import PERIOD, dataset_documents, definitions

LAWS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATALOGUE = standard_catalogue()
DISTINCT_COUNTS = {d.id for d in CATALOGUE if d.distinct is not None}
"""Counts of distinct values (“六进”, volunteers): not the number of items."""
periods = st.sampled_from(
    [
        PERIOD,
        Period.parse("2023Q1"),
        Period.parse("2023-06-30/2023-06-30"),
        Period.parse("2022-10-01/2023-09-30"),
    ]
)


def evaluate(dataset: Dataset, period: Period = PERIOD, **request: Any) -> list[IndicatorResult]:
    return evaluate_dataset(dataset, EvaluationRequest(period=period, **request))


def counts(result: IndicatorResult) -> tuple[int, ...]:
    return tuple(getattr(result, label) for label in POPULATIONS)


@LAWS
@given(dataset_documents(), periods)
def test_every_rate_lies_between_0_and_1_and_is_none_only_without_a_denominator(
    document: dict[str, Any], period: Period
) -> None:
    for result in evaluate(read_dataset(document), period):
        if result.unit is Unit.COUNT and result.indicator not in DISTINCT_COUNTS:
            assert result.value == result.net_numerator
            continue
        if result.unit in (Unit.COUNT, Unit.SUM):
            # A sum or a count of distinct values is a whole exact figure, never missing.
            assert result.value is not None
            assert result.value >= 0
            continue
        if result.unit is Unit.FLAG and result.net_denominator == 0 and result.value is not None:
            assert result.value in (0, 1)  # ``any`` and ``none`` flags answer even with nothing to count
            continue
        if result.net_denominator == 0:
            assert result.value is None
            assert result.display == "—"
            assert result.reason
        else:
            assert result.value is not None
            assert 0 <= result.value <= 1
            assert result.value == Fraction(result.net_numerator, result.net_denominator)


@LAWS
@given(dataset_documents(), periods)
def test_populations_are_gated_each_by_its_parent(document: dict[str, Any], period: Period) -> None:
    for r in evaluate(read_dataset(document), period):
        assert 0 <= r.denominator_exclusion <= r.denominator <= r.initial_population
        assert 0 <= r.numerator <= r.denominator - r.denominator_exclusion
        assert 0 <= r.denominator_exception <= r.denominator - r.denominator_exclusion - r.numerator
        assert 0 <= r.numerator_exclusion <= r.numerator


@LAWS
@given(dataset_documents(), periods, st.sampled_from(list(View)))
def test_the_member_sets_are_gated_and_their_sizes_are_the_results(
    document: dict[str, Any], period: Period, view: View
) -> None:
    dataset = read_dataset(document)
    request = EvaluationRequest(period=period, view=view)
    results = {(r.indicator, r.division): r for r in evaluate_dataset(dataset, request)}
    for definition in CATALOGUE:
        for explanation in explain_dataset(dataset, request, definition.id):
            sets = {label: set(keys) for label, keys in explanation.populations.items()}
            assert sets["denominator"] <= sets["initial_population"]
            assert sets["denominator_exclusion"] <= sets["denominator"]
            assert sets["numerator"] <= sets["denominator"] - sets["denominator_exclusion"]
            assert sets["denominator_exception"] <= (
                sets["denominator"] - sets["denominator_exclusion"] - sets["numerator"]
            )
            assert sets["numerator_exclusion"] <= sets["numerator"]
            result = results[definition.id, explanation.result.division]
            assert counts(result) == tuple(len(sets[label]) for label in POPULATIONS)
            assert explanation.result == result


@LAWS
@given(dataset_documents(), periods)
def test_a_parents_people_are_the_union_of_its_childrens_and_its_own(
    document: dict[str, Any], period: Period
) -> None:
    dataset = read_dataset(document)
    tree = dataset.tree
    request = EvaluationRequest(period=period)
    for definition in CATALOGUE:
        explanations = {e.result.division: e for e in explain_dataset(dataset, request, definition.id)}
        for code, explanation in explanations.items():
            children = tree.children(code)
            own = {s.key for s in explanation.subjects if s.division == code}
            below = set().union(*({s.key for s in explanations[c].subjects} for c in children))
            assert {s.key for s in explanation.subjects} == own | below
            assert not own & below, "someone is counted twice"
            for label in POPULATIONS:
                union = set().union(*(set(explanations[c].populations[label]) for c in children))
                direct = {
                    s.key for s in explanation.subjects if s.division == code and label in s.populations
                }
                assert set(explanation.populations[label]) == union | direct
                # so counts add up, and nobody is counted twice
                assert len(explanation.populations[label]) == len(direct) + sum(
                    len(explanations[c].populations[label]) for c in children
                )


def shuffled(document: dict[str, Any], order: Sequence[int], people: Sequence[int]) -> dict[str, Any]:
    copy = dict(document)
    copy["records"] = [document["records"][i] for i in order]
    copy["people"] = [document["people"][i] for i in people]
    return copy


@LAWS
@given(dataset_documents(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_records_or_people(document: dict[str, Any], rng: Any) -> None:
    order = list(range(len(document["records"])))
    people = list(range(len(document["people"])))
    rng.shuffle(order)
    rng.shuffle(people)
    assert evaluate(read_dataset(shuffled(document, order, people))) == evaluate(read_dataset(document))


@LAWS
@given(dataset_documents(), st.integers(0, 400))
def test_known_at_after_every_recording_is_the_same_as_no_known_at(
    document: dict[str, Any], later: int
) -> None:
    dataset = read_dataset(document)
    if not dataset.records:
        return
    last = max(r.recorded_at for r in dataset.records)
    now = last + dt.timedelta(hours=later)
    with_now = [attrs.evolve(r, known_at=None) for r in evaluate(dataset, known_at=now)]
    assert with_now == evaluate(dataset)


@LAWS
@given(
    dataset_documents(), st.datetimes(min_value=dt.datetime(2022, 9, 1), max_value=dt.datetime(2024, 1, 1))
)
def test_known_at_uses_exactly_the_records_recorded_by_then(
    document: dict[str, Any], when: dt.datetime
) -> None:
    known_at = when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    dataset = read_dataset(document)
    # The figure as known at T is the figure of the records recorded by T, voids included.
    earlier = attrs.evolve(dataset, records=tuple(r for r in dataset.records if r.recorded_at <= known_at))
    assert evaluate(dataset, known_at=known_at) == evaluate(earlier, known_at=known_at)


@LAWS
@given(dataset_documents(), periods)
def test_the_display_is_the_definitions_rounding_of_the_exact_value(
    document: dict[str, Any], period: Period
) -> None:
    by_id = {d.id: d for d in CATALOGUE}
    for r in evaluate(read_dataset(document), period):
        definition = by_id[r.indicator]
        assert r.display == display(r.value, definition.unit, definition.decimals, definition.rounding)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset_documents(max_people=4), definitions(), periods)
def test_the_evidence_gives_the_evaluators_answer_for_every_criterion(
    document: dict[str, Any], definition: IndicatorDefinition, period: Period
) -> None:
    dataset = read_dataset(document)
    histories = dataset.by_person()
    for file in dataset.files():
        facts = PersonFacts(file, period, dataset.policy)
        context = _Context.of(facts, histories[file.person])
        items = (
            [None] if definition.items is None else [item for item, _ in items_of(definition.items, facts)]
        )
        for item in items:
            for _, criterion in definition.criteria():
                assert verdict(criterion, context, item).met == holds(criterion, facts, item)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset_documents(max_people=4), definitions(), periods)
def test_local_definitions_obey_the_same_gating(
    document: dict[str, Any], definition: IndicatorDefinition, period: Period
) -> None:
    dataset = read_dataset(document)
    request = EvaluationRequest(period=period)
    results = evaluate_dataset(dataset, request, definitions=[definition])
    explanations = explain_dataset(dataset, request, definition.id, definitions=[definition])
    assert [e.result for e in explanations] == results
    for r in results:
        assert 0 <= r.denominator_exclusion <= r.denominator <= r.initial_population
        assert 0 <= r.numerator <= r.denominator - r.denominator_exclusion
        assert 0 <= r.denominator_exception <= r.denominator - r.denominator_exclusion - r.numerator
        assert 0 <= r.numerator_exclusion <= r.numerator
