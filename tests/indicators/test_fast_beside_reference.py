"""A fast evaluator answers for people; the units and organisations of a store are read beside it.

A catalogue with figures of every subject must not lose the fast path for
its people, and the figures must be exactly those of the reference evaluator
alone, whichever side found a division.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import attrs

from antidrug_core import hookimpl
from antidrug_core.indicators import (
    EvaluationRequest,
    IndicatorDefinition,
    IndicatorResult,
    evaluate_dataset,
    evaluate_in_store,
)
from antidrug_core.indicators.evaluate import evaluate_files
from antidrug_core.interchange import Dataset, read_dataset
from antidrug_core.model import Actor, DivisionTree, SubjectKind
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import Recorder, Scope
from antidrug_core.testing import open_memory_store
from antidrug_core.testing.datasets import PERIOD

from .test_store import DOCUMENT, load

WITH_UNITS: dict[str, Any] = copy.deepcopy(DOCUMENT)
WITH_UNITS["divisions"].append({"code": "522631103", "name": "丙乡"})
WITH_UNITS["units"] = [
    # 丙乡 has a unit and nobody under management: only the reference side finds it.
    {"id": "U1", "name": "某化工有限公司", "division": "522631103", "roles": ["use"]},
    {"id": "U2", "name": "某试剂经营部", "division": "522631101", "roles": ["trade"]},
]


def unnamed(dataset: Dataset) -> Dataset:
    """The dataset with 丙乡 unnamed: a store knows a division by its code alone until someone names it."""
    return attrs.evolve(dataset, divisions=tuple(d for d in dataset.divisions if d.code != "522631103"))


class PeopleOnlyEvaluator:
    """A fake fast evaluator: answers for people (by the reference evaluator) and notes what it was asked."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    @hookimpl
    def antidrug_evaluate_indicators(
        self,
        recorder: Recorder,
        scope: Scope,
        request: EvaluationRequest,
        definitions: Sequence[IndicatorDefinition],
        tree: DivisionTree,
    ) -> list[IndicatorResult] | None:
        self.asked.append([d.id for d in definitions])
        if any(d.subject is not SubjectKind.PERSON for d in definitions):
            return None
        with open_memory_store() as scratch:
            load(scratch, unnamed(read_dataset(WITH_UNITS)))
            with scratch.unit_of_work(Actor.local_administrator()) as uow:
                files = list(uow.subject_files(SubjectKind.PERSON, request.known_at))
        divisions = sorted(request.divisions) if request.divisions is not None else None
        return evaluate_files(
            files, list(definitions), request, tree, policy=request.policy, divisions=divisions
        )


def test_people_go_to_the_fast_evaluator_and_units_beside_it_with_the_reference_figures() -> None:
    dataset = read_dataset(WITH_UNITS)
    fast = PeopleOnlyEvaluator()
    request = EvaluationRequest(period=PERIOD, policy=dataset.policy)
    with open_memory_store(plugins=make_plugin_manager(plugins=[fast])) as store:
        load(store, unnamed(dataset))
        with store.unit_of_work(Actor.local_administrator()) as uow:
            results = evaluate_in_store(uow, request)
    # Asked twice: the second time for 丙乡 too, which only the units' side found.
    assert len(fast.asked) == 2
    assert all("precursor_units" not in asked for asked in fast.asked)
    assert results == evaluate_dataset(dataset, request)
    units = {r.division: r.numerator for r in results if r.indicator == "precursor_units"}
    assert units == {"522631": 2, "522631101": 1, "522631102": 0, "522631103": 1}
