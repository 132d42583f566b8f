"""The reference evaluator over a SQL store, read and counted in several processes, answers exactly
what it answers in one pass over the store's files: on SQLite, PostgreSQL and MariaDB, for everyone
and for an officer's divisions."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from antidrug_core.bootstrap import open_store
from antidrug_core.indicators import EvaluationRequest, Period, evaluate_files, standard_catalogue
from antidrug_core.indicators.reference import with_policy
from antidrug_core.model import Actor, DivisionTree, Role, SubjectKind
from antidrug_core.ports import BulkRecorder
from antidrug_core.store import new_stream
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records, townships
from antidrug_sql.recorder import SqlRecorder
from antidrug_sql.slices import StoreSlice, evaluate_in_processes, person_bounds

SPEC = SyntheticSpec.demo(people=240, townships=6)
CATALOGUE = standard_catalogue()


def _load(url: str) -> None:
    with open_store(url, policy=SPEC.policy) as store:
        recorder = store.recorder
        assert isinstance(recorder, BulkRecorder)
        appends = (new_stream(r[0].subject, r, SPEC.policy) for r in person_records(SPEC))
        recorder.bulk_append(appends, divisions=divisions(SPEC))


@pytest.mark.parametrize("officer", [False, True], ids=["everyone", "officer"])
def test_slices_in_processes_give_the_one_pass_results(databases: Any, officer: bool) -> None:
    url = databases.new()
    _load(url)
    county = sorted({code[:6] for code in townships(SPEC)})[0]
    actor = Actor(id="o", role=Role.OFFICER, divisions={county}) if officer else Actor.local_administrator()
    request = with_policy(EvaluationRequest(period=Period.parse("2025H1")), SPEC.policy)
    with open_store(url, create=False) as store, store.unit_of_work(actor) as uow:
        tree = DivisionTree(uow.divisions())
        # Sealed files (封存) count in figures: the one pass reads them as the slices do.
        files = itertools.chain.from_iterable(uow.counted_files(kind) for kind in SubjectKind)
        whole = evaluate_files(files, CATALOGUE, request, tree, policy=SPEC.policy)
        recorder = store.recorder
        assert isinstance(recorder, SqlRecorder)
        found = evaluate_in_processes(
            url, recorder, CATALOGUE, request, tree, policy=SPEC.policy, scope=uow.scope, workers=3
        )
    assert found == whole
    assert sum(r.initial_population for r in whole if r.indicator == "managed") > 0


def test_the_slices_hold_every_person_once(databases: Any) -> None:
    url = databases.new()
    _load(url)
    with open_store(url, create=False) as store:
        recorder = store.recorder
        assert isinstance(recorder, SqlRecorder)
        bounds = person_bounds(recorder, 4)
    assert len(bounds) == 4
    seen = [file.subject for b in bounds for file in StoreSlice(url, SubjectKind.PERSON, b)()]
    assert len(seen) == len(set(seen)) == SPEC.people
