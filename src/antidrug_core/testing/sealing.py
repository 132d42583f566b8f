"""The sealing part of the store contract: sealed files (封存) vanish from routine views on every store.

A store passes it when its recorder can enter queries of sealed files
(``ports.SealedReadRecorder``): the memory store keeps them in a list, the
SQL store in its ledger, where ``antidrug audit verify`` checks them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from antidrug_core.identity import Identity
from antidrug_core.indicators import EvaluationRequest, Period, evaluate_in_store, explain_in_store
from antidrug_core.model import (
    Actor,
    FileSealed,
    FileUnsealed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PersonId,
    Role,
    Status,
)
from antidrug_core.ports import LedgerRecorder, SealedReadRecorder
from antidrug_core.services import change_status, record_relapse, register_person, seal_file, unseal_file
from antidrug_core.store import Store
from antidrug_core.testing.contract import TOWNSHIP, StoreContract

__all__ = ["SealingContract"]

BASIS = "治安管理处罚法第一百三十六条"
RESIDENT_ID = "11010519491231002X"
PERIOD_2023 = Period(dt.date(2023, 1, 1), dt.date(2023, 6, 30))


class SealingContract(StoreContract):
    """Sealing on a store whose clock reads 2023-07-01."""

    @pytest.fixture
    def administrator(self) -> Actor:
        return Actor(id="admin-1", role=Role.ADMINISTRATOR, divisions={TOWNSHIP})

    def abstinent_since(self, store: Store, actor: Actor, person: str, on: dt.date) -> None:
        """Register ``person`` in 2018 and conclude their abstinence on ``on``."""
        self.register(store, actor, person, on=dt.date(2018, 1, 5))
        with store.unit_of_work(actor) as uow:
            change_status(uow, PersonId(person), Status.ABSTINENT_3Y, on)
            uow.commit()

    def sealed_reads(self, store: Store) -> list[tuple[str, str, str, str]]:
        recorder = store.recorder
        assert isinstance(recorder, SealedReadRecorder)
        return [(r.person, r.by, r.reason, r.purpose) for r in recorder.sealed_reads()]

    def test_a_file_sealed_by_rule_answers_as_a_person_who_does_not_exist(
        self, store: Store, officer: Actor
    ) -> None:
        self.abstinent_since(store, officer, "P1", dt.date(2020, 1, 5))  # sealed on 2023-01-05
        self.register(store, officer, "P2")
        with store.unit_of_work(officer) as uow:
            with pytest.raises(NotFound) as sealed:
                uow.file(PersonId("P1"))
            with pytest.raises(NotFound) as absent:
                uow.file(PersonId("P404"))
            assert str(sealed.value) == str(absent.value).replace("P404", "P1")
            assert uow.people() == ["P2"]
            assert not uow.exists(PersonId("P1"))
            assert uow.sealed_count() == 1

    def test_a_relapse_before_the_seal_date_means_no_seal_by_rule(
        self, store: Store, officer: Actor, administrator: Actor
    ) -> None:
        self.abstinent_since(store, officer, "P1", dt.date(2020, 1, 5))
        with store.unit_of_work(officer) as uow, pytest.raises(NotFound):
            record_relapse(uow, PersonId("P1"), dt.date(2022, 12, 1))  # sealed: not there to write to
        with store.unit_of_work(administrator) as uow:
            uow.sealed_file(PersonId("P1"), "补录封存前的复吸")
            # Found late, dated before the seal date: the file was never to be sealed by rule.
            record_relapse(uow, PersonId("P1"), dt.date(2022, 12, 1))
            uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.people() == ["P1"]
            assert uow.sealed_count() == 0

    def test_an_authorised_query_needs_the_permission_and_a_reason_and_is_entered_first(
        self, store: Store, officer: Actor, administrator: Actor
    ) -> None:
        self.abstinent_since(store, officer, "P1", dt.date(2020, 1, 5))
        with store.unit_of_work(officer) as uow, pytest.raises(PermissionDenied):
            uow.sealed_file(PersonId("P1"), "想看看")
        with store.unit_of_work(administrator) as uow, pytest.raises(InvalidInput, match="reason"):
            uow.sealed_file(PersonId("P1"), "  ")
        assert self.sealed_reads(store) == []
        with store.unit_of_work(administrator) as uow:
            file = uow.sealed_file(PersonId("P1"), "法院调取案卷")
            seal = uow.seal(PersonId("P1"))
        assert file.person == "P1"
        assert seal is not None
        assert seal.by_rule
        assert seal.since == dt.date(2023, 1, 5)
        assert seal.basis == BASIS
        # Entered although the unit of work never committed.
        assert self.sealed_reads(store) == [("P1", "admin-1", "法院调取案卷", "read")]
        recorder = store.recorder
        if isinstance(recorder, LedgerRecorder):
            assert recorder.verify_state().intact

    def test_a_decision_seals_a_file_and_another_opens_it_again(
        self, store: Store, officer: Actor, administrator: Actor
    ) -> None:
        self.register(store, officer, "P2")
        with store.unit_of_work(officer) as uow, pytest.raises(PermissionDenied):
            seal_file(uow, PersonId("P2"), basis=BASIS, reason="依申请")
        with store.unit_of_work(administrator) as uow:
            made = seal_file(uow, PersonId("P2"), basis=BASIS, reason="依申请")
            uow.commit()
        assert made.recorded_by == "admin-1"
        with store.unit_of_work(officer) as uow:
            assert uow.people() == []
        with store.unit_of_work(administrator) as uow, pytest.raises(InvalidInput, match="sealed already"):
            seal_file(uow, PersonId("P2"), basis=BASIS, reason="再次")
        with store.unit_of_work(administrator) as uow:
            unseal_file(uow, PersonId("P2"), basis="戒毒条例第七条", reason="复吸后重新管控")
            uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.people() == ["P2"]
            types = [type(r) for r in uow.file(PersonId("P2")).records]
        assert FileSealed in types
        assert FileUnsealed in types
        purposes = [purpose for _, _, _, purpose in self.sealed_reads(store)]
        assert purposes == ["seal", "seal", "unseal"]

    def test_a_sealed_file_counts_in_figures_and_is_named_in_no_evidence(
        self, store: Store, officer: Actor, administrator: Actor
    ) -> None:
        for person in ("P1", "P2", "P3"):
            self.register(store, officer, person)
        request = EvaluationRequest(period=PERIOD_2023, indicators=("managed",), divisions=(TOWNSHIP,))
        with store.unit_of_work(administrator) as uow:
            before = evaluate_in_store(uow, request)
        with store.unit_of_work(administrator) as uow:
            seal_file(uow, PersonId("P2"), basis=BASIS, reason="依申请")
            uow.commit()
        with store.unit_of_work(administrator) as uow:
            assert evaluate_in_store(uow, request) == before
            (explanation,) = explain_in_store(uow, request, "managed")
        assert explanation.result == before[0]
        assert "P2" not in {s.subject for s in explanation.subjects}
        assert all("P2" not in keys for keys in explanation.populations.values())
        assert explanation.sealed["initial_population"] == 1
        assert len(explanation.populations["initial_population"]) == 2

    def test_a_sealed_file_is_found_by_no_identity_number(
        self, store: Store, officer: Actor, administrator: Actor
    ) -> None:
        self.register(store, officer, "P1", identity=Identity(name="张三", resident_id=RESIDENT_ID))
        with store.unit_of_work(administrator) as uow:
            seal_file(uow, PersonId("P1"), basis=BASIS, reason="依申请")
            uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.find_person(RESIDENT_ID) is None
            with pytest.raises(NotFound):
                uow.identity(PersonId("P1"))
            with pytest.raises(InvalidInput, match="sealed file"):
                register_person(
                    uow,
                    household=TOWNSHIP,
                    on=dt.date(2023, 6, 1),
                    status=Status.COMMUNITY_DETOX,
                    identity=Identity(name="张三", resident_id=RESIDENT_ID),
                )
        with store.unit_of_work(administrator) as uow:
            uow.sealed_file(PersonId("P1"), "核对身份")
            identity = uow.identity(PersonId("P1"))
        assert identity is not None
        assert identity.resident_id == RESIDENT_ID
