"""Sealed files (封存): when the rule seals a file, and that sealing hides files without changing a figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from antidrug_core import hookimpl
from antidrug_core.commands.store import export_with_count, load_dataset
from antidrug_core.indicators import EvaluationRequest, evaluate_in_store, explain_in_store
from antidrug_core.interchange import read_dataset
from antidrug_core.model import (
    Actor,
    FileSealed,
    FileUnsealed,
    InvalidInput,
    PersonId,
    RecordVoided,
    RelapseFound,
    Role,
    Status,
    StatusChanged,
    TestDone,
    TestKind,
    TestResult,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.rules import RuleRegistry, SealingRule
from antidrug_core.services import outstanding_tests, seal_file
from antidrug_core.state import seal_on
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, History, at, open_memory_store
from antidrug_core.testing.datasets import PERIOD, TOWNSHIPS, dataset_documents

RULE = SealingRule()
BASIS = "治安管理处罚法第一百三十六条"


def abstinent(on: str = "2020-01-05") -> History:
    history = History("P1", on="2018-01-05")
    history.add(StatusChanged, "2018-01-05", status=Status.COMMUNITY_DETOX)
    history.add(StatusChanged, on, status=Status.ABSTINENT_3Y)
    return history


# --- the rule ---------------------------------------------------------------------------------------


def test_the_rule_seals_a_file_three_years_after_the_conclusion_of_abstinence() -> None:
    file = abstinent().file()
    assert seal_on(file, RULE, dt.date(2023, 1, 4)) is None
    seal = seal_on(file, RULE, dt.date(2023, 1, 5))
    assert seal is not None
    assert seal.since == dt.date(2023, 1, 5)
    assert seal.by_rule
    assert seal.basis == BASIS


def test_a_relapse_before_the_seal_date_means_no_seal_by_rule_and_one_after_it_does_not_unseal() -> None:
    before = abstinent()
    before.add(RelapseFound, "2023-01-05")  # on the seal date itself: the years were not complete
    assert seal_on(before.file(), RULE, dt.date(2030, 1, 1)) is None
    positive = abstinent()
    positive.add(TestDone, "2022-06-01", kind=TestKind.URINE, result=TestResult.POSITIVE)
    assert seal_on(positive.file(), RULE, dt.date(2030, 1, 1)) is None
    after = abstinent()
    after.add(RelapseFound, "2023-02-01")
    seal = seal_on(after.file(), RULE, dt.date(2030, 1, 1))
    assert seal is not None
    assert seal.since == dt.date(2023, 1, 5)


def test_another_status_before_the_seal_date_means_no_seal_by_rule() -> None:
    history = abstinent()
    history.add(StatusChanged, "2021-05-01", status=Status.IN_CUSTODY)
    assert seal_on(history.file(), RULE, dt.date(2030, 1, 1)) is None


def test_the_years_and_the_status_are_data_and_none_seals_by_decision_only() -> None:
    file = abstinent().file()
    assert seal_on(file, SealingRule(years=5), dt.date(2024, 6, 1)) is None
    assert seal_on(file, SealingRule(years=5), dt.date(2025, 1, 5)) is not None
    assert seal_on(file, SealingRule(years=None), dt.date(2090, 1, 1)) is None
    assert seal_on(file, SealingRule(after=Status.DECEASED), dt.date(2090, 1, 1)) is None
    with pytest.raises(ValueError, match="years"):
        SealingRule(years=-1)


def test_the_last_decision_decides_and_an_unseal_on_the_rules_day_keeps_the_file_open() -> None:
    history = abstinent()
    history.add(FileUnsealed, "2023-01-05", basis="戒毒条例第七条", reason="复查")
    assert seal_on(history.file(), RULE, dt.date(2023, 6, 1)) is None
    decided = History("P2", on="2020-01-01")
    decided.add(StatusChanged, "2020-01-01", status=Status.COMMUNITY_DETOX)
    decided.add(FileSealed, "2021-03-01", basis=BASIS, reason="依申请")
    seal = seal_on(decided.file(), RULE, dt.date(2021, 3, 1))
    assert seal is not None
    assert not seal.by_rule
    assert seal_on(decided.file(), RULE, dt.date(2021, 2, 28)) is None
    decided.add(FileUnsealed, "2022-01-01", basis="戒毒条例第七条", reason="复吸后重新管控")
    assert seal_on(decided.file(), RULE, dt.date(2022, 6, 1)) is None


class FiveYears:
    @hookimpl
    def antidrug_register_rules(self, registry: RuleRegistry) -> None:
        registry.sealing = SealingRule(years=5)


def test_a_host_replaces_the_rule_through_the_rules_hook() -> None:
    with open_memory_store(plugins=make_plugin_manager(plugins=[FiveYears()])) as store:
        assert store.rules.sealing == SealingRule(years=5)


# --- services -------------------------------------------------------------------------------------


def test_a_sealing_decision_is_not_voided_but_answered_by_the_opposite_decision(store: Store) -> None:
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, divisions={"522631101"})
    history = History("P1", on="2022-01-05")
    history.add(StatusChanged, "2022-01-05", status=Status.COMMUNITY_DETOX)
    with store.unit_of_work(Actor.local_administrator()) as uow:
        for record in history.records:
            uow.add_record(record, live=False)
        uow.commit()
    with store.unit_of_work(admin) as uow:
        made = seal_file(uow, PersonId("P1"), basis=BASIS, reason="依申请")
        uow.commit()
    with store.unit_of_work(admin) as uow:
        uow.sealed_file(PersonId("P1"), "撤销封存的尝试")
        with pytest.raises(InvalidInput, match="opposite decision"):
            uow.add(RecordVoided, person=PersonId("P1"), on=dt.date(2023, 7, 1), voids=made.id)


# --- the laws -------------------------------------------------------------------------------------

PERSON_INDICATORS = ("managed", "face_check_rate", "care_rate", "test_adherence")
OFFICER = Actor(id="officer", role=Role.OFFICER, divisions={TOWNSHIPS[0]})
ADMINISTRATOR = Actor.local_administrator()


def _views(store: Store, actor: Actor) -> dict[str, Any]:
    request = EvaluationRequest(period=PERIOD, indicators=PERSON_INDICATORS)
    with store.unit_of_work(actor) as uow:
        return {
            "figures": evaluate_in_store(uow, request),
            "evidence": {i: explain_in_store(uow, request, i) for i in PERSON_INDICATORS},
            "people": set(uow.people()),
            "tests": {t.person for t in outstanding_tests(uow, dt.date(2023, 6, 30))},
        }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=dataset_documents(),
    chosen=st.sets(st.integers(0, 2), min_size=1, max_size=3),
    today=st.sampled_from(["2023-12-01", "2027-06-01"]),
)
def test_a_sealed_file_is_named_nowhere_and_every_figure_stays_the_same(
    document: dict[str, Any], chosen: set[int], today: str
) -> None:
    """For any history: sealing hides a file from every routine list and evidence, and no figure
    of any actor changes; evidence accounts for the sealed files by number."""
    dataset = read_dataset(document)
    with open_memory_store(policy=dataset.policy, clock=FixedClock(at(today))) as store:
        load_dataset(store, dataset)
        with store.unit_of_work(ADMINISTRATOR) as uow:
            people = sorted(uow.session.read_streams(None), key=lambda s: s.subject)
            ids = [s.subject for s in people]
            by_rule = {s.subject for s in people if uow.is_sealed(s.subject, s.records)}
        before = {actor.id: _views(store, actor) for actor in (OFFICER, ADMINISTRATOR)}
        for index in sorted(chosen):
            if index < len(ids) and ids[index] not in by_rule:
                with store.unit_of_work(ADMINISTRATOR) as uow:
                    seal_file(uow, PersonId(ids[index]), basis=BASIS, reason="依申请")
                    uow.commit()
        sealed = by_rule | {ids[i] for i in chosen if i < len(ids)}
        after = {actor.id: _views(store, actor) for actor in (OFFICER, ADMINISTRATOR)}
        document_after, left_out = export_with_count(store)
    for actor in before:
        was, now = before[actor], after[actor]
        assert now["figures"] == was["figures"]
        assert now["people"] == was["people"] - sealed
        assert now["tests"] == was["tests"] - sealed
        for indicator, explanations in now["evidence"].items():
            for old, new in zip(was["evidence"][indicator], explanations, strict=True):
                assert new.result == old.result
                assert not {s.subject for s in new.subjects} & sealed
                hidden = {s.key for s in old.subjects if s.subject in sealed}
                for label, keys in old.populations.items():
                    assert new.populations[label] == tuple(k for k in keys if k not in hidden)
                    total = len(keys) + old.sealed.get(label, 0)  # some were sealed by rule already
                    assert len(new.populations[label]) + new.sealed.get(label, 0) == total
    event(f"sealed files: {min(len(sealed), 3)}{'+' if len(sealed) > 3 else ''}")
    event(f"sealed by rule: {bool(by_rule)}")
    assert left_out == len(sealed)
    assert not {r["person"] for r in document_after["records"] if "person" in r} & sealed
    assert not {p["id"] for p in document_after["people"]} & sealed
