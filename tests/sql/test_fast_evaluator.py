"""The SQL store's fast evaluator answers exactly what the reference evaluator answers.

A differential test: hypothesis draws datasets (void chains, corrections,
late records, transfers answered twice, place changes, people with no
status …) and questions (periods, ``known_at``, policies, views, scopes,
divisions, local definitions), loads each dataset into a fresh store on
SQLite, PostgreSQL and MariaDB, and holds the fast evaluator's results —
every gross count and every display string — to the reference evaluator's
over the same records (``evaluate_dataset`` of the people the actor may
see). Most stores also hold a unit's and an organisation's streams (every
record type of theirs, voids included, dated across the periods asked
about), which no figure about people may count. Focused tests name the
cases where set-based SQL most easily goes wrong, with figures worked out by
hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.bootstrap import open_store
from antidrug_core.commands.common import open_cli_store
from antidrug_core.commands.store import load_dataset
from antidrug_core.indicators import (
    Criterion,
    EvaluationRequest,
    HasRecord,
    IndicatorDefinition,
    IndicatorResult,
    Not,
    Period,
    StatusIn,
    Unit,
    View,
    When,
    evaluate_dataset,
    evaluate_in_store,
    select_definitions,
    standard_catalogue,
)
from antidrug_core.interchange import Dataset, read_dataset
from antidrug_core.model import (
    Actor,
    DivisionTree,
    InvalidInput,
    Record,
    Role,
    Status,
    SubjectKind,
    is_within,
)
from antidrug_core.ports import BulkRecorder, StreamAppend
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.state import PersonFile, access_divisions, build_file, subject_access
from antidrug_core.store import Store
from antidrug_core.testing import every_record_type, open_memory_store
from antidrug_core.testing.datasets import COUNTY, DIVISIONS, NEIGHBOUR_TOWNSHIP, TOWNSHIPS, dataset_documents
from antidrug_core.testing.datasets import definitions as local_definitions
from antidrug_sql import evaluator, facts, slices, tables, translation
from antidrug_sql.engines import create_store_engine
from antidrug_sql.evaluator import evaluate_indicators
from antidrug_sql.facts import Question, void_depth

CST = dt.timezone(dt.timedelta(hours=8))
CODES = [d["code"] for d in DIVISIONS]


# --- stores ------------------------------------------------------------------------------------


def wipe(engine: sa.Engine) -> None:
    """Empty a store's tables, so the next example starts from nothing (faster than a new database)."""
    with engine.begin() as connection:
        for table in (
            tables.ACCESS,
            tables.IDENTITIES,
            tables.IDENTITY_KEYS,
            tables.RECORDS,
            tables.STREAMS,
            tables.DIVISIONS,
        ):
            connection.execute(sa.delete(table))
        connection.execute(sa.delete(tables.META).where(tables.META.c.key == "policy"))
        connection.execute(sa.update(tables.CHAIN_HEAD).values(sequence=0, hash=bytes(32)))


class Stores:
    """One database for a test; each ``loaded`` empties it and loads a dataset through the bulk path."""

    def __init__(self, url: str) -> None:
        self.url = url
        open_store(url).close()  # creates the schema
        self.engine, _backend = create_store_engine(url)

    @contextmanager
    def loaded(self, dataset: Dataset, others: Sequence[Record] = ()) -> Iterator[Store]:
        """The store holding ``dataset``, and ``others`` (records of units and organisations)."""
        wipe(self.engine)
        with open_store(self.url, policy=dataset.policy) as store:
            load_dataset(store, dataset)
            if others:
                with store.unit_of_work(Actor.local_administrator()) as uow:
                    for record in others:
                        uow.add_record(record, live=False)
                    uow.commit()
            yield store

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def stores(databases: Any) -> Iterator[Stores]:
    made = Stores(databases.new())
    yield made
    made.close()


def actor_for(scope: frozenset[str] | None) -> Actor:
    if scope is None:
        return Actor.local_administrator()
    return Actor(id="officer", role=Role.OFFICER, divisions=scope)


def people_catalogue() -> list[IndicatorDefinition]:
    """The standard catalogue's figures about people: the ones a fast evaluator is asked for
    (``evaluate_in_store`` reads units and organisations beside it)."""
    return [d for d in standard_catalogue() if d.subject is SubjectKind.PERSON]


def fast(
    store: Store,
    request: EvaluationRequest,
    scope: frozenset[str] | None = None,
    definitions: Sequence[IndicatorDefinition] | None = None,
) -> list[IndicatorResult] | None:
    """What the store's plugins answer through the hook, asked as ``evaluate_in_store`` asks."""
    with store.unit_of_work(actor_for(scope)) as uow:
        request = attrs.evolve(request, policy=request.policy or uow.policy)
        answer: list[IndicatorResult] | None = store.plugins.hook.antidrug_evaluate_indicators(
            recorder=store.recorder,
            scope=uow.scope,
            request=request,
            definitions=list(definitions or people_catalogue()),
            tree=DivisionTree(uow.divisions()),
        )
    return answer


def reference(
    dataset: Dataset,
    request: EvaluationRequest,
    scope: frozenset[str] | None = None,
    definitions: Sequence[IndicatorDefinition] | None = None,
) -> list[IndicatorResult]:
    """The reference evaluator over the people the actor may see, reporting what a store reports."""
    if scope is not None:
        visible = {
            person
            for person, records in dataset.by_person().items()
            if access_divisions(PersonFile.build(person, records), dataset.policy) & scope
        }
        dataset = attrs.evolve(dataset, records=tuple(r for r in dataset.records if r.person in visible))
    results = evaluate_dataset(dataset, request, definitions=definitions or people_catalogue())
    if scope is not None and request.divisions is None:
        results = [r for r in results if any(is_within(r.division, s) for s in scope)]
    return results


def differences(found: list[IndicatorResult] | None, expected: list[IndicatorResult]) -> list[str]:
    """Each result that differs, by indicator, division and field (empty when equal)."""
    assert found is not None, "the fast evaluator left this to the reference evaluator"
    listed, wanted = ([(r.division, r.indicator) for r in results] for results in (found, expected))
    if listed != wanted:
        return [f"results for {listed} instead of {wanted}"]
    return [
        f"{a.indicator} at {a.division}: {field} {getattr(a, field)!r} != {getattr(b, field)!r}"
        for a, b in zip(found, expected, strict=True)
        for field in attrs.fields_dict(IndicatorResult)
        if getattr(a, field) != getattr(b, field)
    ]


# --- the differential test -------------------------------------------------------------------------


@st.composite
def requests(draw: st.DrawFn) -> EvaluationRequest:
    start = draw(
        st.sampled_from([dt.date(2023, 1, 1), dt.date(2022, 12, 31), dt.date(2023, 7, 1)])
        | st.dates(dt.date(2022, 10, 1), dt.date(2023, 8, 31))
    )
    end = start + dt.timedelta(days=draw(st.sampled_from([0, 30, 180]) | st.integers(0, 300)))
    known_at = draw(
        st.none()
        | st.sampled_from([dt.datetime(2023, 1, 1, tzinfo=CST), dt.datetime(2023, 7, 1, 9, tzinfo=CST)])
        | st.datetimes(dt.datetime(2022, 9, 1), dt.datetime(2023, 11, 30), timezones=st.just(CST))
    )
    policy = draw(
        st.none()
        | st.builds(
            Policy, responsible=st.sampled_from(Responsibility), test_window_days=st.sampled_from([0, 3, 7])
        )
    )
    divisions = draw(
        st.none() | st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True).map(tuple)
    )
    return EvaluationRequest(
        period=Period(start, end),
        known_at=known_at,
        policy=policy,
        divisions=divisions,
        view=draw(st.sampled_from(View)),
    )


scopes = st.none() | st.sets(st.sampled_from([*CODES, "520000"]), min_size=1, max_size=2).map(frozenset)


def units_and_organisations(days: int) -> list[Record]:
    """A unit's and an organisation's streams holding every record type of theirs, ``days`` later
    than ``every_record_type`` dates them (recorded as much later)."""
    streams = every_record_type(TOWNSHIPS[0], TOWNSHIPS[1], unit="U9", organisation="O9")
    shift = dt.timedelta(days=days)
    return [
        attrs.evolve(record, on=record.on + shift, recorded_at=record.recorded_at + shift)
        for subject in ("U9", "O9")
        for record in streams[subject]
    ]


others = st.just(()) | st.integers(0, 600).map(units_and_organisations)
"""No other subjects, or a unit and an organisation with records dated from 2022 to 2024."""


@st.composite
def catalogues(draw: st.DrawFn) -> list[IndicatorDefinition]:
    """The standard catalogue, now and then with local definitions drawn at random after it."""
    catalogue = people_catalogue()
    taken = {d.id for d in catalogue}
    local = draw(st.lists(local_definitions(), max_size=2, unique_by=lambda d: d.id))
    return [*catalogue, *(d for d in local if d.id not in taken)]


EXAMPLES = {"sqlite": 60, "postgresql": 35, "mysql": 35}


def test_the_fast_evaluator_gives_the_reference_evaluators_figures(engine: str, stores: Stores) -> None:
    @settings(
        max_examples=EXAMPLES[engine],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        dataset_documents(max_people=5, void_again=True, late_registrations=True),
        requests(),
        scopes,
        catalogues(),
        others,
    )
    def same_figures(
        document: dict[str, Any],
        request: EvaluationRequest,
        scope: frozenset[str] | None,
        definitions: list[IndicatorDefinition],
        other_subjects: list[Record],
    ) -> None:
        dataset = read_dataset(document)
        with stores.loaded(dataset, other_subjects) as store:
            found = fast(store, request, scope, definitions)
        assert differences(found, reference(dataset, request, scope, definitions)) == []

    same_figures()


def test_reading_the_people_in_slices_adds_up_to_the_same_figures(stores: Stores) -> None:
    """Large stores, and an actor's scope of many people, are read in slices of people, one thread
    each; the sizes of the slices must add up to what one read finds, whichever ids the cuts fall
    between (cut among the province's people, or among the scope's)."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(dataset_documents(max_people=8), requests(), scopes, st.integers(2, 5), others)
    def same_figures(
        document: dict[str, Any],
        request: EvaluationRequest,
        scope: frozenset[str] | None,
        slices: int,
        other_subjects: list[Record],
    ) -> None:
        dataset = read_dataset(document)
        definitions = people_catalogue()
        with (
            stores.loaded(dataset, other_subjects) as store,
            store.unit_of_work(actor_for(scope)) as uow,
        ):
            request = attrs.evolve(request, policy=request.policy or uow.policy)
            tree = DivisionTree(uow.divisions())
            sliced = evaluate_indicators(store.recorder, uow.scope, request, definitions, tree, slices=slices)
        assert differences(sliced, reference(dataset, request, scope, definitions)) == []

    same_figures()


def test_a_read_asked_again_reuses_its_statements_and_every_slice_counts_its_own_people(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statements of a read are built once and kept (``evaluator._KeptStatements``): asked again, and by
    every slice whose bounds are of the same shape (the middle slices of four), the same statements
    run with each slice's own bounds, and the figures stay the reference evaluator's."""
    built: list[int] = []
    building = evaluator._build_statements

    def counted(*args: Any, **kwargs: Any) -> tuple[translation.Tally, ...]:
        tallies = building(*args, **kwargs)
        built.append(len(tallies))
        return tallies

    monkeypatch.setattr(evaluator, "_build_statements", counted)
    monkeypatch.setattr(evaluator, "_KEPT_STATEMENTS", evaluator._KeptStatements(most=16))
    people = [
        {"id": f"P{n:02}", "household": TOWNSHIPS[n % 2], "registered_on": "2020-01-01"} for n in range(12)
    ]
    statuses = [
        {"type": "status_changed", "id": f"s{n}", "person": f"P{n:02}", "on": "2020-01-01"}
        | {"status": "registered"}
        for n in range(12)
    ]
    dataset = read_dataset(
        {
            "format": "antidrug-dataset/1",
            "divisions": [dict(d) for d in DIVISIONS],
            "people": people,
            "records": statuses,
        }
    )
    request = EvaluationRequest(period=H1, policy=dataset.policy)
    definitions = people_catalogue()
    expected = reference(dataset, request, None, definitions)
    with stores.loaded(dataset) as store, store.unit_of_work(Actor.local_administrator()) as uow:
        tree = DivisionTree(uow.divisions())
        first = evaluate_indicators(store.recorder, uow.scope, request, definitions, tree, slices=4)
        shapes = len(built)
        again = evaluate_indicators(store.recorder, uow.scope, request, definitions, tree, slices=4)
        assert len(built) == shapes  # asked again: nothing built
        later = attrs.evolve(request, period=Period.parse("2023H2"))
        evaluate_indicators(store.recorder, uow.scope, later, definitions, tree, slices=4)
        assert len(built) == 2 * shapes  # another period: built for it
    assert shapes == 3  # four slices, three shapes of bounds: the two middle slices share one
    assert differences(first, expected) == []
    assert differences(again, expected) == []


def split(dataset: Dataset, kept: int) -> tuple[Dataset, list[StreamAppend]]:
    """``dataset`` with the first ``kept`` records of each subject (their registration among them),
    and the rest appended to each stream: the store before a day's work, and the day."""
    before: list[Record] = []
    day: list[StreamAppend] = []
    for subject, records in dataset.by_subject().items():
        before += records[:kept]
        if records[kept:]:
            kind = records[0].subject_kind
            access = subject_access(build_file(kind, subject, records), dataset.policy)
            day.append(StreamAppend(subject, kind, kept, tuple(records[kept:]), access))
    return attrs.evolve(dataset, records=tuple(before)), day


def test_a_scope_read_again_after_a_days_work_counts_what_a_whole_read_counts(stores: Stores) -> None:
    """An actor's scope keeps its counts person by person between reads (``evaluator._kept_sizes``):
    after records are appended, only their people are read again. Whatever the day holds (later
    statuses, voids, transfers into and out of the scope, excuses, records known later), the
    figures are the reference evaluator's over every record, and a whole read's."""

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        dataset_documents(max_people=6),
        requests(),
        st.sets(st.sampled_from([*CODES, "520000"]), min_size=1, max_size=2).map(frozenset),
        st.integers(1, 4),
    )
    def same_figures(
        document: dict[str, Any], request: EvaluationRequest, scope: frozenset[str], kept: int
    ) -> None:
        dataset = read_dataset(document)
        before, day = split(dataset, kept)
        followed: list[list[str]] = []
        changed_since = evaluator._changed_since

        def following(*args: Any) -> list[str]:
            followed.append(changed_since(*args))
            return followed[-1]

        with stores.loaded(before) as store, pytest.MonkeyPatch.context() as patch:
            patch.setattr(evaluator, "_changed_since", following)
            first = fast(store, request, scope)
            recorder = store.recorder
            assert isinstance(recorder, BulkRecorder)
            recorder.bulk_append(day)
            again = fast(store, request, scope)
            read_again = [subject for changed in followed for subject in changed]
            assert read_again == sorted(a.subject for a in day)  # only the day's people
            evaluator.forget_kept_counts()
            whole = fast(store, request, scope)
        assert differences(first, reference(before, request, scope)) == []
        assert differences(again, reference(dataset, request, scope)) == []
        assert again == whole

    same_figures()


def test_a_kept_count_is_not_followed_past_a_store_made_again(stores: Stores) -> None:
    """The counts are kept with the hashes of the chain heads they were read at: a store emptied and
    loaded again behind the same recorder's back, to the same chain head, is read whole, not taken
    as unchanged."""

    def moved_to(township: str) -> Dataset:
        people = [{"id": f"P{n}", "household": township, "registered_on": "2022-01-01"} for n in range(3)]
        divisions = [dict(d) for d in DIVISIONS]
        return read_dataset({"format": "antidrug-dataset/1", "divisions": divisions, "people": people})

    first, other = moved_to(A), moved_to(B)
    request = EvaluationRequest(period=H1, policy=first.policy)
    scope = frozenset({A})
    with stores.loaded(first) as store:
        assert differences(fast(store, request, scope), reference(first, request, scope)) == []
        wipe(stores.engine)
        load_dataset(store, other)
        assert differences(fast(store, request, scope), reference(other, request, scope)) == []


# --- the cases set-based SQL most easily gets wrong ------------------------------------------------

A, B = TOWNSHIPS[0], TOWNSHIPS[1]
H1 = Period.parse("2023H1")


def document(*records: dict[str, Any], people: Sequence[dict[str, Any]] | None = None) -> Dataset:
    """A dataset of the test divisions, person P1 in township A by default, and ``records``."""
    numbered = [{"id": f"r{i}", "person": "P1", **record} for i, record in enumerate(records, 1)]
    return read_dataset(
        {
            "format": "antidrug-dataset/1",
            "divisions": [dict(d) for d in DIVISIONS],
            "people": list(people or [{"id": "P1", "household": A, "registered_on": "2020-01-01"}]),
            "records": [
                {
                    "type": "status_changed",
                    "id": "status",
                    "person": "P1",
                    "on": "2020-01-01",
                    "status": "registered",
                },
                *numbered,
            ],
        }
    )


def figures(results: list[IndicatorResult] | None, indicator: str) -> dict[str, tuple[int, int, str]]:
    """(numerator, net denominator, display) of one indicator, by division."""
    assert results is not None
    return {
        r.division: (r.numerator, r.net_denominator, r.display) for r in results if r.indicator == indicator
    }


def check(stores: Stores, dataset: Dataset, request: EvaluationRequest) -> list[IndicatorResult]:
    with stores.loaded(dataset) as store:
        found = fast(store, request)
    assert differences(found, reference(dataset, request)) == []
    assert found is not None
    return found


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


def test_a_void_of_a_void_restores_the_original_as_known_at_each_step(stores: Stores) -> None:
    dataset = document(
        {
            "type": "face_check",
            "on": "2023-03-01",
            "method": "home_visit",
            "recorded_at": "2023-03-01T09:00:00+08:00",
        },
        {"type": "face_check", "on": "2023-03-02", "voids": "r1", "recorded_at": "2023-04-01T09:00:00+08:00"},
        {"type": "face_check", "on": "2023-03-03", "voids": "r2", "recorded_at": "2023-05-01T09:00:00+08:00"},
        {"type": "face_check", "on": "2023-03-04", "voids": "r3", "recorded_at": "2023-06-01T09:00:00+08:00"},
    )
    seen = []
    for known in ("2023-03-15", "2023-04-15", "2023-05-15", "2023-06-15"):
        results = check(stores, dataset, EvaluationRequest(period=H1, known_at=at(known)))
        seen.append(figures(results, "face_check_rate")[A][0])
    # checked; voided; the void voided (checked again); the void of the void voided (voided again)
    assert seen == [1, 0, 1, 0]


def test_a_record_voided_again_after_its_void_was_voided_stays_voided(stores: Stores) -> None:
    dataset = document(
        {
            "type": "care_provided",
            "on": "2023-03-01",
            "measure": "counselling",
            "recorded_at": "2023-03-01T09:00:00+08:00",
        },
        {
            "type": "care_provided",
            "on": "2023-03-02",
            "voids": "r1",
            "recorded_at": "2023-04-01T09:00:00+08:00",
        },
        {
            "type": "care_provided",
            "on": "2023-03-03",
            "voids": "r2",
            "recorded_at": "2023-05-01T09:00:00+08:00",
        },
        {
            "type": "care_provided",
            "on": "2023-03-04",
            "voids": "r1",
            "recorded_at": "2023-06-01T09:00:00+08:00",
        },
    )
    seen = []
    for known in ("2023-04-15", "2023-05-15", "2023-06-15"):
        results = check(stores, dataset, EvaluationRequest(period=H1, known_at=at(known)))
        seen.append(figures(results, "care_rate")[A][0])
    assert seen == [0, 1, 0]


def test_a_transfer_accepted_on_the_last_day_moves_the_person_that_day(stores: Stores) -> None:
    dataset = document(
        {"type": "transfer_requested", "on": "2023-06-20", "from": A, "to": B},
        {"type": "transfer_accepted", "on": "2023-06-30", "request": "r1"},
    )
    results = check(stores, dataset, EvaluationRequest(period=H1))
    assert figures(results, "managed")[B][0] == 1
    assert figures(results, "managed")[A][0] == 0
    assert (figures(results, "transfers_in")[B][0], figures(results, "transfers_out")[A][0]) == (1, 1)
    # a day earlier the period had not seen the acceptance: still in A, and no transfer
    before = check(stores, dataset, EvaluationRequest(period=Period(H1.start, dt.date(2023, 6, 29))))
    assert (figures(before, "managed")[A][0], figures(before, "transfers_in")[B][0]) == (1, 0)


def test_the_first_answer_to_a_transfer_request_is_the_one_that_counts(stores: Stores) -> None:
    dataset = document(
        {"type": "transfer_requested", "on": "2023-03-01", "from": A, "to": B},
        {"type": "transfer_rejected", "on": "2023-03-05", "request": "r1", "reason": "未在本辖区居住"},
        {"type": "transfer_accepted", "on": "2023-03-09", "request": "r1"},
    )
    results = check(stores, dataset, EvaluationRequest(period=H1))
    assert (figures(results, "managed")[A][0], figures(results, "transfers_in")[B][0]) == (1, 0)


def test_someone_leaving_management_on_the_last_day_is_not_managed_at_its_end(stores: Stores) -> None:
    dataset = document(
        {"type": "face_check", "on": "2023-03-01", "method": "video_call"},
        {"type": "status_changed", "on": "2023-06-30", "status": "in_custody"},
    )
    results = check(stores, dataset, EvaluationRequest(period=H1))
    assert figures(results, "managed")[A][0] == 0
    assert figures(results, "face_check_rate")[A] == (0, 0, "—")
    earlier = check(stores, dataset, EvaluationRequest(period=Period(H1.start, dt.date(2023, 6, 29))))
    assert figures(earlier, "face_check_rate")[A] == (1, 1, "100.00%")


@pytest.mark.parametrize(
    ("responsible", "home"), [(Responsibility.HOUSEHOLD_FIRST, A), (Responsibility.RESIDENCE_FIRST, B)]
)
def test_the_policy_decides_between_household_and_residence(
    stores: Stores, responsible: Responsibility, home: str
) -> None:
    dataset = document(
        {"type": "residence_changed", "on": "2022-05-01", "residence": B},
        people=[{"id": "P1", "household": A, "residence": A, "registered_on": "2020-01-01"}],
    )
    policy = Policy(responsible=responsible)
    results = check(stores, dataset, EvaluationRequest(period=H1, policy=policy))
    assert {d for d, (n, _, _) in figures(results, "managed").items() if n and len(d) == 9} == {home}
    cooperating = check(stores, dataset, EvaluationRequest(period=H1, policy=policy, view=View.COOPERATING))
    other = B if home == A else A
    assert {d for d, (n, _, _) in figures(cooperating, "managed").items() if n} == {other}


def test_a_due_test_taken_late_or_outside_its_window_is_not_on_time(stores: Stores) -> None:
    dataset = document(
        {"id": "due1", "type": "test_due", "on": "2023-03-10", "kind": "urine"},
        {"type": "test_done", "on": "2023-03-25", "kind": "urine", "result": "negative", "due": "due1"},
        {"type": "test_done", "on": "2023-03-12", "kind": "urine", "result": "negative"},
        {"id": "due2", "type": "test_due", "on": "2023-04-10", "kind": "urine"},
        {"type": "test_done", "on": "2023-04-15", "kind": "urine", "result": "negative"},
        {"id": "due3", "type": "test_due", "on": "2023-06-28", "kind": "hair"},
        {"type": "test_excused", "on": "2023-06-29", "due": "due3", "reason": "住院"},
    )
    results = check(stores, dataset, EvaluationRequest(period=H1))
    # due1: its named test is 15 days late (the unnamed one does not count then); due2: an unnamed
    # test within 7 days; due3: excused, an exception in version 2 of test_adherence.
    assert figures(results, "test_adherence")[A] == (1, 2, "50.00%")
    assert figures(results, "hair_test_rate")[A] == (0, 0, "—")
    # Version 1, asked for by id and version, did not forgive it.
    request = EvaluationRequest(period=H1)
    version_1 = select_definitions(standard_catalogue(), ["test_adherence@1"])
    with stores.loaded(dataset) as store:
        first = fast(store, request, definitions=version_1)
    assert differences(first, reference(dataset, request, definitions=version_1)) == []
    assert figures(first, "test_adherence")[A] == (1, 3, "33.33%")
    assert {r.version for r in first or []} == {1}


def test_someone_with_no_status_at_the_end_is_outside_every_status_and_inside_its_negation(
    stores: Stores,
) -> None:
    # P2's only status change comes after the period: at its end P2 has no status at all, which
    # no set of statuses holds and every "not in" a set does (the facts carry it as no bit).
    people = [
        {"id": "P1", "household": A, "registered_on": "2020-01-01"},
        {"id": "P2", "household": A, "registered_on": "2023-02-01"},
    ]
    dataset = document(
        {"type": "status_changed", "person": "P2", "on": "2023-08-01", "status": "community_rehab"},
        people=people,
    )
    plain = {"version": 1, "name_zh": "本地", "name_en": "Local", "unit": Unit.COUNT}
    inside = IndicatorDefinition(id="inside", initial=StatusIn(frozenset(Status)), **plain)
    outside = IndicatorDefinition(
        id="outside", initial=Not(StatusIn(frozenset({Status.REGISTERED, Status.IN_CUSTODY}))), **plain
    )
    request = EvaluationRequest(period=H1)
    with stores.loaded(dataset) as store:
        found = fast(store, request, definitions=[inside, outside])
    assert differences(found, reference(dataset, request, definitions=[inside, outside])) == []
    assert (figures(found, "inside")[A][0], figures(found, "outside")[A][0]) == (1, 1)


class Unknown(Criterion):
    """A criterion no evaluator knows."""

    op: ClassVar[str] = "unknown"


def test_a_criterion_it_does_not_translate_is_left_to_the_reference_evaluator(stores: Stores) -> None:
    local = IndicatorDefinition(
        id="local", version=1, name_zh="本地", name_en="Local", unit=Unit.COUNT, initial=Unknown()
    )
    dataset = document()
    with stores.loaded(dataset) as store:
        assert fast(store, EvaluationRequest(period=H1), definitions=[*people_catalogue(), local]) is None
        assert fast(store, EvaluationRequest(period=H1)) is not None


def test_another_stores_recorder_is_left_alone() -> None:
    with open_memory_store() as store:
        assert fast(store, EvaluationRequest(period=H1)) is None


def test_a_store_evaluates_through_the_fast_evaluator(stores: Stores) -> None:
    dataset = document({"type": "face_check", "on": "2023-03-01", "method": "home_visit"})
    request = EvaluationRequest(period=H1, divisions=(COUNTY, NEIGHBOUR_TOWNSHIP))
    with stores.loaded(dataset) as store:
        answered = fast(store, request)
        with store.unit_of_work(Actor.local_administrator()) as uow:
            whole = evaluate_in_store(uow, request)
    # The store answers the whole catalogue: its people's figures are the fast evaluator's, and
    # every figure is the reference evaluator's.
    people = {d.id for d in people_catalogue()}
    assert [r for r in whole if r.indicator in people] == answered == reference(dataset, request)
    assert whole == reference(dataset, request, definitions=standard_catalogue())


def test_units_and_organisations_in_the_store_change_no_figure_about_people(stores: Stores) -> None:
    dataset = document(
        {"type": "face_check", "on": "2023-03-01", "method": "home_visit"},
        {"id": "due1", "type": "test_due", "on": "2023-03-10", "kind": "urine"},
    )
    # Registered, changed, voided and closed within the period, in the person's township.
    with_others = units_and_organisations(365)
    assert {r.on.year for r in with_others} == {2023}
    for request in (EvaluationRequest(period=H1), EvaluationRequest(period=H1, view=View.COOPERATING)):
        with stores.loaded(dataset, with_others) as store:
            found = fast(store, request)
        assert differences(found, reference(dataset, request)) == []
        if request.view is View.RESPONSIBLE:
            assert figures(found, "managed")[A][0] == 1


def test_a_figure_about_people_cannot_name_records_of_units_or_organisations() -> None:
    # The definition itself is refused, so no evaluator, fast or not, is ever asked to read it.
    with pytest.raises(InvalidInput, match="not a record of a person"):
        IndicatorDefinition(
            id="local",
            version=1,
            name_zh="本地",
            name_en="Local",
            unit=Unit.COUNT,
            numerator=HasRecord(types=("unit_registered",), when=When.PERIOD),
        )


@attrs.frozen(kw_only=True)
class UnitDefinition(IndicatorDefinition):
    """A definition of a kind the fast evaluator was not written for (say, over units)."""

    population: str = "unit"


def test_a_definition_with_a_field_it_was_not_written_for_is_left_to_the_reference_evaluator(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = {"version": 1, "name_zh": "本地", "name_en": "Local", "unit": Unit.COUNT}
    with stores.loaded(document()) as store:
        request = EvaluationRequest(period=H1)
        assert fast(store, request, definitions=[UnitDefinition(id="units", **plain)]) is None
        # A field added later is read only when it is at its default (say, a population of people).
        known = translation._KNOWN_FIELDS[IndicatorDefinition]
        monkeypatch.setitem(translation._KNOWN_FIELDS, IndicatorDefinition, known - {"description"})
        described = IndicatorDefinition(id="described", description="说明", **plain)
        assert fast(store, request, definitions=[described]) is None
        assert fast(store, request, definitions=[IndicatorDefinition(id="plain", **plain)]) is not None


@pytest.mark.parametrize(
    ("relapse", "managed"),
    [
        ({"type": "test_done", "on": "2023-02-10", "kind": "urine", "result": "positive"}, 1),
        ({"type": "relapse_found", "on": "2022-03-01"}, 1),
        ({"type": "test_done", "on": "2023-02-10", "kind": "urine", "result": "negative"}, 0),
        ({"type": "relapse_found", "on": "2023-07-01"}, 0),
        ({"type": "relapse_found", "on": "2022-02-28"}, 0),
    ],
)
def test_a_relapse_on_or_after_abstinence_makes_the_person_managed_again(
    stores: Stores, relapse: dict[str, Any], managed: int
) -> None:
    dataset = document({"type": "status_changed", "on": "2022-03-01", "status": "abstinent_3y"}, relapse)
    results = check(stores, dataset, EvaluationRequest(period=H1))
    assert figures(results, "managed")[A][0] == managed
    assert figures(results, "abstinent_3y")[A][0] == 1 - managed


def test_a_few_peoples_chains_of_voids_are_measured_among_their_own_records(stores: Stores) -> None:
    """A kept count's update reads the changed people at the depth of their own chains of voids
    (``facts.void_depth`` given them): a void names a record of its own subject, so the store's
    longest chain, someone else's, need not be followed for them."""
    dataset = document(
        {"type": "face_check", "on": "2023-03-01", "method": "home_visit"},
        {"type": "face_check", "on": "2023-03-02", "voids": "r1"},
        {"type": "face_check", "on": "2023-03-03", "voids": "r2"},
        {"type": "face_check", "on": "2023-03-04", "voids": "r3"},
        {"type": "face_check", "on": "2023-03-01", "method": "home_visit", "person": "P2"},
        {"type": "face_check", "on": "2023-03-02", "voids": "r5", "person": "P2"},
        people=[
            {"id": "P1", "household": A, "registered_on": "2020-01-01"},
            {"id": "P2", "household": A, "registered_on": "2020-01-01"},
            {"id": "P3", "household": A, "registered_on": "2020-01-01"},
        ],
    )
    question = Question(
        start=H1.start, end=H1.end, known_at=None, residence_first=False, test_window_days=7, scope=None
    )
    with stores.loaded(dataset), stores.engine.connect() as connection:
        depths = {
            "store": void_depth(connection, question),
            **{person: void_depth(connection, question, [person]) for person in ("P1", "P2", "P3")},
            "P2 and P3": void_depth(connection, question, ["P2", "P3"]),
        }
    assert depths == {"store": 3, "P1": 3, "P2": 1, "P3": 0, "P2 and P3": 1}


def test_counts_packed_narrower_than_a_persons_records_are_counted_again_exactly(
    engine: str, stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a person's counts are packed into integers, a field each (``facts.PACKED_FIELD_BITS``);
    a person with more records read than a field holds is counted again by subqueries. Fields of
    two bits make P1 (thirteen records) such a person and P2 (three) one whose fields are read; both,
    and every drawn dataset, come out as the reference evaluator's."""
    monkeypatch.setattr(facts, "PACKED_FIELD_BITS", 2)
    monkeypatch.setattr(evaluator, "_KEPT_STATEMENTS", evaluator._KeptStatements(most=16))
    people = [
        {"id": "P1", "household": A, "registered_on": "2020-01-01"},
        {"id": "P2", "household": A, "registered_on": "2020-01-01"},
    ]
    dataset = document(
        *(
            record
            for month in range(1, 6)
            for record in (
                {"id": f"due{month}", "type": "test_due", "on": f"2023-0{month}-10", "kind": "urine"},
                {"type": "test_done", "on": f"2023-0{month}-11", "kind": "urine", "result": "negative"},
            )
        ),
        {"type": "test_excused", "on": "2023-05-12", "due": "due5", "reason": "住院"},
        {"type": "status_changed", "person": "P2", "on": "2020-01-01", "status": "registered"},
        {"type": "test_due", "person": "P2", "on": "2023-02-10", "kind": "urine"},
        people=people,
    )
    found = check(stores, dataset, EvaluationRequest(period=H1))
    # P1's five due tests all taken the next day (the fifth excused too); P2's one not taken.
    assert figures(found, "test_adherence")[A] == (5, 6, "83.33%")

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(dataset_documents(max_people=4), requests())
    def same_figures(document: dict[str, Any], request: EvaluationRequest) -> None:
        drawn = read_dataset(document)
        with stores.loaded(drawn) as store:
            assert differences(fast(store, request), reference(drawn, request)) == []

    same_figures()


def test_every_count_is_in_one_pack_of_one_type_in_a_field_of_its_own() -> None:
    """The packs of the standard catalogue's counts: each count once, never more than a pack holds,
    each pack about one type (one look at a record's type), its fields apart."""
    definitions = people_catalogue()
    plan = translation.translate(definitions)
    question = Question(
        start=H1.start, end=H1.end, known_at=None, residence_first=False, test_window_days=7, scope=None
    )
    query = facts.FactsQuery(
        question,
        "sqlite",
        void_depth=0,
        record_tests=plan.record_tests,
        due_kinds=plan.due_kinds,
        fulfilment=plan.fulfilment,
        places=False,
    )
    groups = query._count_groups()
    packs = facts._packs(groups)
    packed = [name for pack in packs for group, _ in pack for name in group.columns]
    assert sorted(packed) == sorted(name for group in groups for name in group.columns)
    assert len(packed) == len(set(packed))
    for pack in packs:
        shifts = [shift for _, group_shifts in pack for shift in group_shifts]
        assert len(shifts) <= facts.PACK_FIELDS
        assert len(set(shifts)) == len(shifts)
        assert all(shift % facts.PACKED_FIELD_BITS == 0 for shift in shifts)
        assert len({group.types for group, _ in pack}) == 1
    assert any(len(pack) > 1 or len(pack[0][0].columns) > 1 for pack in packs)


def test_a_sqlite_file_opened_for_processes_reads_its_slices_in_processes_to_the_same_figures(
    make_databases: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line opens its store for processes of its own (``StoreContext.processes``): a
    SQLite file's slices are then each read in a process, and add up to the reference
    evaluator's figures as the threads' do."""
    started: list[int] = []
    reading = slices.read_in_processes

    def counted(*args: Any, **kwargs: Any) -> list[Any]:
        reads = reading(*args, **kwargs)
        started.append(len(reads))
        return reads

    monkeypatch.setattr(slices, "read_in_processes", counted)
    stores = Stores(make_databases("sqlite").new())

    @settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(dataset_documents(max_people=6, void_again=True), requests(), scopes)
    def same_figures(
        document: dict[str, Any], request: EvaluationRequest, scope: frozenset[str] | None
    ) -> None:
        dataset = read_dataset(document)
        definitions = people_catalogue()
        with stores.loaded(dataset) as store, store.unit_of_work(actor_for(scope)) as uow:
            store.recorder.processes = True  # type: ignore[attr-defined]  # as open_store(…, processes=True)
            request = attrs.evolve(request, policy=request.policy or uow.policy)
            tree = DivisionTree(uow.divisions())
            found = evaluate_indicators(store.recorder, uow.scope, request, definitions, tree, slices=3)
        assert differences(found, reference(dataset, request, scope, definitions)) == []

    try:
        same_figures()
    finally:
        stores.close()
    assert started
    assert all(count >= 2 for count in started)


def test_the_command_line_opens_its_store_for_processes_of_its_own(tmp_path: Any) -> None:
    """A host's ``open_store`` never lets the store start processes; the command line's does."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as hosted:
        assert hosted.recorder.processes is False  # type: ignore[attr-defined]
    arguments = argparse.Namespace(db=url)
    with open_cli_store(arguments) as own:
        assert own.recorder.processes is True  # type: ignore[attr-defined]
