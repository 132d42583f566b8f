"""The reference evaluator in parts: any split of the files, counted in any order, in this process or
in others, gives exactly the results of one pass over every file (hypothesis, and real processes)."""

from __future__ import annotations

import functools
import itertools
import random
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.indicators import (
    EvaluationRequest,
    Period,
    View,
    evaluate_files,
    standard_catalogue,
)
from antidrug_core.indicators.evaluate import _dataset_files
from antidrug_core.indicators.parallel import FileSource, evaluate_parts
from antidrug_core.indicators.reference import Tally, with_policy
from antidrug_core.interchange import read_dataset
from antidrug_core.model import DivisionTree, SubjectKind
from antidrug_core.state import SubjectFile, build_file
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from antidrug_core.testing.datasets import PERIOD, dataset_documents

CATALOGUE = standard_catalogue()
LAWS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parts(files: list[SubjectFile], count: int, rng: random.Random) -> list[FileSource]:
    """``files`` dealt at random into ``count`` parts (some may be empty), the parts shuffled."""
    dealt: list[list[SubjectFile]] = [[] for _ in range(count)]
    for file in files:
        dealt[rng.randrange(count)].append(file)
    rng.shuffle(dealt)
    return [functools.partial(tuple, part) for part in dealt]


@LAWS
@given(
    dataset_documents(),
    st.sampled_from([PERIOD, Period.parse("2023Q1"), Period.parse("2022-10-01/2023-09-30")]),
    st.sampled_from(list(View)),
    st.integers(1, 5),
    st.randoms(use_true_random=False),
)
def test_any_split_of_the_files_gives_the_results_of_one_pass(
    document: dict[str, Any], period: Period, view: View, count: int, rng: random.Random
) -> None:
    dataset = read_dataset(document)
    request = with_policy(EvaluationRequest(period=period, view=view), dataset.policy)
    files = list(_dataset_files(dataset, request))
    whole = evaluate_files(files, CATALOGUE, request, dataset.tree, policy=dataset.policy)
    parts = _parts(files, count, rng)
    assert evaluate_parts(parts, CATALOGUE, request, dataset.tree, policy=dataset.policy) == whole


def test_a_tally_of_other_definitions_is_refused() -> None:
    with pytest.raises(ValueError, match="definitions"):
        Tally(len(CATALOGUE)).add_tally(Tally(len(CATALOGUE) - 1))


def _synthetic_files(people: int, first: int, stop: int) -> list[SubjectFile]:
    """The files of synthetic people ``first`` to ``stop`` (module-level: a worker process calls it)."""
    spec = SyntheticSpec.demo(people=people, townships=6)
    return [
        build_file(SubjectKind.PERSON, records[0].subject, records)
        for records in person_records(spec, first=first, stop=stop)
    ]


def test_parts_counted_in_other_processes_give_the_results_of_one_pass() -> None:
    people = 600
    spec = SyntheticSpec.demo(people=people, townships=6)
    tree = DivisionTree(divisions(spec))
    request = with_policy(EvaluationRequest(period=Period.parse("2025H1")), spec.policy)
    whole = evaluate_files(_synthetic_files(people, 0, people), CATALOGUE, request, tree, policy=spec.policy)
    assert any(r.numerator for r in whole), "the synthetic people must count somewhere"
    cuts = [0, 150, 151, 420, people]
    parts: list[FileSource] = [
        functools.partial(_synthetic_files, people, lower, upper) for lower, upper in itertools.pairwise(cuts)
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        found = evaluate_parts(parts, CATALOGUE, request, tree, policy=spec.policy, executor=pool)
    assert found == whole
