"""The synthetic generator: valid, deterministic, streaming, and shaped like the work summaries."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections.abc import Iterable

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.interchange import read_dataset, write_dataset
from antidrug_core.model import (
    ACTIVE_STATUSES,
    Actor,
    AppLogin,
    CareProvided,
    DivisionTree,
    FaceCheck,
    InvalidInput,
    PersonRegistered,
    Record,
    RiskAssessed,
    Status,
    SubjectKind,
    TestDone,
    TestResult,
    level_of,
    registration_id,
)
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.state import (
    DueStatus,
    PersonFile,
    app_installed_on,
    control_level_on,
    due_tests,
    in_lost_contact_on,
    status_on,
)
from antidrug_core.synthetic import (
    SyntheticRates,
    SyntheticSpec,
    divisions,
    person_id,
    person_records,
    townships,
)
from antidrug_core.testing import open_memory_store
from antidrug_core.validation import reference_problems, state_problems

SMALL = SyntheticSpec.demo(people=300)


def flatten(people: Iterable[list[Record]]) -> list[Record]:
    return [record for person in people for record in person]


def problems_of(spec: SyntheticSpec) -> list[str]:
    """Every reference and live-work problem of the spec's records, loaded in the order given."""
    codes = {d.code for d in divisions(spec)}
    found: list[str] = []
    for person in person_records(spec):
        history: dict[str, Record] = {}
        for record in person:
            file = PersonFile.build(record.person, history.values())
            found += [str(p) for p in reference_problems(record, history, file, known_divisions=codes)]
            found += [str(p) for p in state_problems(record, file, spec.policy, dt.date.max)]
            history[record.id] = record
    return found


# --- divisions ----------------------------------------------------------------------------


def test_the_demo_county_has_twenty_townships_under_one_county() -> None:
    made = divisions(SyntheticSpec.demo())
    levels = collections.Counter(level_of(d.code) for d in made)
    assert levels == {"province": 1, "city": 1, "county": 1, "township": 20}
    county = next(d for d in made if level_of(d.code) == "county")
    assert county.code == "522631"
    assert county.name.endswith("县")
    assert [d.code for d in made] == sorted(d.code for d in made)


def test_township_codes_and_names_follow_the_statistical_kinds() -> None:
    for division in divisions(SyntheticSpec.demo()):
        if level_of(division.code) != "township":
            continue
        kind = int(division.code[6:])
        expected = "街道" if kind < 100 else "镇" if kind < 200 else "乡"
        assert division.name.endswith(expected), division
        assert len(division.name) == 2 + len(expected)


def test_a_province_spreads_its_townships_over_counties_and_cities() -> None:
    spec = SyntheticSpec(counties=40, townships=610, people=0)
    made = divisions(spec)
    tree = DivisionTree(made)
    codes = [d.code for d in made]
    assert len(codes) == len(set(codes))
    levels = collections.Counter(level_of(code) for code in codes)
    assert levels["county"] == 40
    assert levels["township"] == 610
    assert levels["city"] == 3
    assert tree.roots() == ["520000"]
    assert all(tree.lineage(code)[-1] == "520000" for code in townships(spec))
    per_county = collections.Counter(code[:6] for code in townships(spec))
    assert set(per_county.values()) == {15, 16}


def test_names_are_unique_among_the_counties_of_a_province() -> None:
    made = divisions(SyntheticSpec.provincial(people=0))
    counties = [d.name for d in made if level_of(d.code) == "county"]
    assert len(counties) == 100 == len(set(counties))
    assert sum(level_of(d.code) == "township" for d in made) == 1_500


def test_a_spec_that_cannot_be_laid_out_names_every_field_at_fault() -> None:
    with pytest.raises(InvalidInput) as raised:
        SyntheticSpec(counties=0, people=-1, end=dt.date(2024, 1, 1), province="522600")
    fields = {p.field for p in raised.value.problems}
    assert fields == {"counties", "people", "end", "province"}


# --- determinism and streaming ------------------------------------------------------------


def test_the_same_seed_gives_the_same_records() -> None:
    assert flatten(person_records(SMALL)) == flatten(person_records(SyntheticSpec.demo(people=300)))
    assert divisions(SMALL) == divisions(SyntheticSpec.demo(people=300))


def test_another_seed_gives_other_records() -> None:
    other = attrs.evolve(SMALL, seed=SMALL.seed + 1)
    assert flatten(person_records(SMALL)) != flatten(person_records(other))
    assert divisions(SMALL) != divisions(other)


def test_a_slice_of_people_is_that_part_of_the_whole() -> None:
    whole = list(person_records(SMALL))
    assert list(person_records(SMALL, first=120, stop=180)) == whole[120:180]
    assert [p[0].person for p in whole[:3]] == [person_id(SMALL, i) for i in range(3)]


def test_the_stream_is_lazy_so_a_billion_people_start_at_once() -> None:
    huge = SyntheticSpec(counties=100, townships=1_500, people=1_000_000_000)
    first_three = list(itertools.islice(person_records(huge), 3))
    assert [p[0].person for p in first_three] == ["S000000000", "S000000001", "S000000002"]


def test_each_person_starts_with_the_registration_and_is_in_entry_order() -> None:
    for person in person_records(SMALL):
        assert isinstance(person[0], PersonRegistered)
        assert person[0].id == registration_id(person[0].person)
        stamps = [r.recorded_at for r in person]
        assert stamps == sorted(stamps)
        assert {r.person for r in person} == {person[0].person}
        assert all(SMALL.start <= r.on <= SMALL.end for r in person if r.recorded_at.date() >= SMALL.start)


# --- validity -----------------------------------------------------------------------------


def test_generated_people_load_into_the_memory_store_without_errors() -> None:
    spec = SyntheticSpec.demo(people=120)
    people = list(person_records(spec))
    with open_memory_store() as store:
        with store.unit_of_work(Actor.local_administrator()) as uow:
            uow.add_divisions(divisions(spec))
            for person in people:
                for record in person:
                    uow.add_record(record, live=False)
            uow.commit()
        with store.unit_of_work(Actor.local_administrator()) as uow:
            # People concluded abstinent long ago are sealed (封存): counted, not listed.
            assert len(uow.people()) + uow.sealed_count() == 120
            assert sum(len(f) for f in uow.counted_files(SubjectKind.PERSON)) == sum(
                len(PersonFile.build(p[0].person, p)) for p in people
            )
            assert len(uow.divisions()) == 23


def test_the_demo_county_meets_every_rule_of_live_work_too() -> None:
    assert problems_of(SyntheticSpec.demo(people=600)) == []


def test_a_generated_county_survives_the_dataset_format() -> None:
    records = flatten(person_records(SMALL))
    dataset = read_dataset(write_dataset(records, divisions=divisions(SMALL), policy=SMALL.policy))
    assert sorted(dataset.records, key=lambda r: r.id) == sorted(records, key=lambda r: r.id)


busy = st.builds(
    SyntheticRates,
    lost_contact=st.floats(0, 1),
    transfer=st.floats(0, 1),
    transfer_accepted=st.floats(0, 1),
    void=st.floats(0, 1),
    licence=st.floats(0, 1),
    newly_registered=st.floats(0, 1),
    left_in_period=st.floats(0, 1),
    test_excused=st.floats(0, 0.05),
    positive=st.floats(0, 1),
)


@st.composite
def specs(draw: st.DrawFn) -> SyntheticSpec:
    counties = draw(st.integers(1, 3))
    start = draw(st.dates(dt.date(2019, 1, 1), dt.date(2026, 6, 30)))
    return SyntheticSpec(
        seed=draw(st.integers(0, 2**31)),
        counties=counties,
        townships=draw(st.integers(counties, counties * 4)),
        people=draw(st.integers(1, 10)),
        start=start,
        end=start + dt.timedelta(days=draw(st.integers(0, 700))),
        history_years=draw(st.integers(6, 15)),
        policy=Policy(
            responsible=draw(st.sampled_from(Responsibility)),
            test_window_days=draw(st.integers(0, 10)),
        ),
        rates=draw(st.none() | busy) or SyntheticRates(),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_any_spec_gives_records_that_meet_every_rule(spec: SyntheticSpec) -> None:
    assert problems_of(spec) == []


# --- realism ------------------------------------------------------------------------------


def shares(spec: SyntheticSpec) -> dict[str, float]:
    """The summaries' figures for the spec's period, computed from state (as their definitions read)."""
    start, end = spec.start, spec.end
    counts: collections.Counter[str] = collections.Counter()
    for person in person_records(spec):
        file = PersonFile.build(person[0].person, person)
        status = status_on(file, end)
        counts[f"status:{status}"] += 1
        if status not in ACTIVE_STATUSES:
            continue
        counts["managed"] += 1

        def within(cls: type[Record], file: PersonFile = file) -> bool:
            return any(start <= r.on <= end for r in file.of_type(cls))

        counts["face_check"] += within(FaceCheck)
        counts["assessed"] += within(RiskAssessed)
        counts["care"] += within(CareProvided)
        counts["tiered"] += control_level_on(file, end) is not None
        counts["lost_at_end"] += in_lost_contact_on(file, end)
        if app_installed_on(file, end):
            counts["installed"] += 1
            counts["logged_in"] += within(AppLogin)
        for state in due_tests(file, end, spec.policy):
            if start <= state.due.on <= end:
                counts["due"] += 1
                counts["on_time"] += state.status is DueStatus.DONE and not state.late
        counts["positive"] += any(
            start <= t.on <= end and t.result is TestResult.POSITIVE for t in file.of_type(TestDone)
        )
    managed = counts["managed"]
    people = spec.people
    return {
        **{key: value / people for key, value in counts.items() if key.startswith("status:")},
        "managed": managed / people,
        "face_check": counts["face_check"] / managed,
        "assessed": counts["assessed"] / managed,
        "tiered": counts["tiered"] / managed,
        "care": counts["care"] / managed,
        "installed": counts["installed"] / managed,
        "logged_in": counts["logged_in"] / counts["installed"],
        "lost_at_end": counts["lost_at_end"] / managed,
        "on_time": counts["on_time"] / counts["due"],
        "positive": counts["positive"] / managed,
    }


def test_proportions_follow_the_work_summaries() -> None:
    half_year = shares(SyntheticSpec.demo(people=1_500, seed=7, townships=10))
    assert half_year["status:registered"] > 0.35
    assert half_year["status:abstinent_3y"] > 0.28
    for status in (Status.COMMUNITY_DETOX, Status.COMMUNITY_REHAB):
        assert 0.02 < half_year[f"status:{status}"] < 0.1
    for status in (Status.COMPULSORY_ISOLATION, Status.IN_CUSTODY, Status.DECEASED, Status.ABROAD):
        assert half_year[f"status:{status}"] < 0.06
    assert 0.9 <= half_year["face_check"] <= 1
    assert 0.9 <= half_year["assessed"] <= 1
    assert half_year["tiered"] > 0.95
    assert 0.5 < half_year["care"] < half_year["face_check"]
    assert half_year["installed"] > 0.85
    assert 0.35 < half_year["logged_in"] < 0.75
    assert half_year["lost_at_end"] < 0.03
    assert half_year["on_time"] > 0.8
    assert 0 < half_year["positive"] < 0.05


def test_townships_differ_in_diligence_as_real_ones_do() -> None:
    spec = SyntheticSpec.demo(people=2_000)
    cared: dict[str, list[bool]] = collections.defaultdict(list)
    for person in person_records(spec):
        file = PersonFile.build(person[0].person, person)
        if status_on(file, spec.end) in ACTIVE_STATUSES and file.registration is not None:
            cared[file.registration.household].append(bool(file.of_type(CareProvided)))
    rates = [sum(flags) / len(flags) for flags in cared.values() if len(flags) >= 20]
    assert max(rates) - min(rates) > 0.1


def test_the_rare_events_of_a_year_all_happen_in_a_county() -> None:
    records = flatten(person_records(SyntheticSpec.demo()))
    tags = collections.Counter(r.type_tag for r in records)
    wanted = {
        "person_registered",
        "status_changed",
        "face_check",
        "risk_assessed",
        "control_level_set",
        "care_provided",
        "follow_up",
        "test_due",
        "test_done",
        "test_excused",
        "lost_contact",
        "contact_restored",
        "residence_changed",
        "transfer_requested",
        "transfer_accepted",
        "transfer_rejected",
        "app_installed",
        "app_login",
        "licence_found",
        "licence_notified",
        "relapse_found",
        "voided",
    }
    assert wanted <= set(tags)
    assert any(r.voids is not None and r.type_tag == "face_check" for r in records)
    late = [r for r in records if (r.recorded_at.date() - r.on).days > 14]
    assert 0.005 < len(late) / len(records) < 0.1
    assert 9 < len(records) / 2_000 < 15
