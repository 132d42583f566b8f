"""The keeper's and the inspector's verbs on a unit of work: refusals, notices after commit, the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from antidrug_core import services
from antidrug_core.model import Actor, InvalidInput, NoticeKind, Role, SubjectKind, UnitId, UnitRole
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.state import FindingKind
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, RecordingNotifier, SequentialIds, at, open_memory_store

D = dt.date.fromisoformat
TOWNSHIP = "522631101"
ACID = "7664-93-9"


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2023-07-01"))


@pytest.fixture
def store(clock: FixedClock, notifier: RecordingNotifier) -> Iterator[Store]:
    with open_memory_store(
        clock=clock, plugins=make_plugin_manager(plugins=[notifier]), ids=SequentialIds()
    ) as s:
        yield s


@pytest.fixture
def inspector() -> Actor:
    return Actor(id="inspector", role=Role.OFFICER, divisions={TOWNSHIP})


@pytest.fixture
def unit(store: Store, inspector: Actor) -> UnitId:
    with store.unit_of_work(inspector) as uow:
        made = services.register_unit(
            uow, name="某化工有限公司", division=TOWNSHIP, roles=[UnitRole.USE], on=D("2023-01-01"), unit="U1"
        )
        services.record_movement(
            uow, made, chemical="硫酸", movement="opening", quantity="100", measure="kg", on=D("2023-01-01")
        )
        uow.commit()
    return made


def test_a_chemical_named_in_chinese_is_kept_by_its_id(store: Store, inspector: Actor, unit: UnitId) -> None:
    with store.unit_of_work(inspector) as uow:
        entry = services.record_movement(
            uow, unit, chemical="硫酸", movement="used", quantity="2.5", measure="kg", on=D("2023-02-01")
        )
        uow.commit()
    assert entry.chemical == ACID


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"chemical": "水"}, "chemical", "is not in the chemical catalogue"),
        ({"quantity": "-1"}, "quantity", "is negative"),
        ({"quantity": 1.5}, "quantity", "is not exact"),
        ({"measure": "L"}, "measure", "the unit keeps 7664-93-9 by mass"),
        ({"movement": "spilled"}, "movement", "is not one of"),
    ],
)
def test_what_the_law_forbids_is_refused_and_nothing_is_written(
    store: Store, inspector: Actor, unit: UnitId, fields: dict[str, object], field: str, reason: str
) -> None:
    given: dict[str, object] = {
        "chemical": ACID,
        "movement": "used",
        "quantity": "1",
        "measure": "kg",
        **fields,
    }
    with store.unit_of_work(inspector) as uow:
        with pytest.raises(InvalidInput, match=reason) as caught:
            services.record_movement(uow, unit, on=D("2023-02-01"), **given)  # type: ignore[arg-type]
        assert caught.value.problems[0].field == field
        uow.commit()
    with store.unit_of_work(inspector) as uow:
        assert len(uow.unit_file(unit)) == 2


def test_a_count_of_an_unknown_chemical_is_refused(store: Store, inspector: Actor, unit: UnitId) -> None:
    with (
        store.unit_of_work(inspector) as uow,
        pytest.raises(InvalidInput, match="'不存在' is not in the chemical"),
    ):
        services.record_stock_count(
            uow, unit, chemical="不存在", quantity="1", measure="kg", on=D("2023-02-01")
        )


def test_a_count_that_does_not_match_is_told_after_the_commit_only(
    store: Store, inspector: Actor, unit: UnitId, notifier: RecordingNotifier
) -> None:
    with store.unit_of_work(inspector) as uow:
        services.record_stock_count(
            uow, unit, chemical=ACID, quantity="100", measure="kg", on=D("2023-01-31")
        )
        count = services.record_stock_count(
            uow, unit, chemical=ACID, quantity="99500", measure="g", on=D("2023-02-28")
        )
        assert notifier.notices == []
        uow.commit()
    (notice,) = notifier.notices
    assert (notice.kind, notice.subject, notice.subject_kind) == (
        NoticeKind.LEDGER_MISMATCH,
        unit,
        SubjectKind.UNIT,
    )
    assert notice.divisions == frozenset({TOWNSHIP})
    assert notice.record == count.id
    assert "盘点 硫酸 99.5 kg，台账结存 100 kg，差 -0.5 kg" in notice.message


def test_an_inspection_a_rectification_order_and_its_completion(
    store: Store, inspector: Actor, unit: UnitId, notifier: RecordingNotifier
) -> None:
    with store.unit_of_work(inspector) as uow:
        inspection = services.record_inspection(
            uow, unit, organisation="O1", items={"ledger": "fail", "storehouse": "pass"}, on=D("2023-03-01")
        )
        with pytest.raises(InvalidInput, match="storehouse was not found failing"):
            services.order_rectification(
                uow,
                unit,
                inspection=inspection.id,
                item="storehouse",
                due=D("2023-03-31"),
                on=D("2023-03-01"),
            )
        with pytest.raises(InvalidInput, match="there is no inspection 'nope'"):
            services.order_rectification(
                uow, unit, inspection="nope", item="ledger", due=D("2023-03-31"), on=D("2023-03-01")
            )
        order = services.order_rectification(
            uow, unit, inspection=inspection.id, item="ledger", due=D("2023-03-31"), on=D("2023-03-01")
        )
        uow.commit()
    with store.unit_of_work(inspector) as uow:
        assert services.notify_overdue_rectifications(uow, D("2023-03-31")) == 0
        assert services.notify_overdue_rectifications(uow, D("2023-04-01")) == 1
        uow.commit()
    assert [n.kind for n in notifier.notices] == [NoticeKind.RECTIFICATION_OVERDUE]
    assert "台账" in notifier.notices[0].message
    with store.unit_of_work(inspector) as uow:
        services.complete_rectification(uow, unit, order=order.id, on=D("2023-04-02"))
        with pytest.raises(InvalidInput, match="was already put right"):
            services.complete_rectification(uow, unit, order=order.id, on=D("2023-04-03"))
        uow.commit()
    with store.unit_of_work(inspector) as uow:
        assert services.chemical_findings(uow, D("2023-04-01")) != []
        assert services.chemical_findings(uow, D("2023-04-02")) == []


def test_a_loss_not_reported_is_told_and_a_reported_one_is_not(
    store: Store, inspector: Actor, unit: UnitId, notifier: RecordingNotifier
) -> None:
    with store.unit_of_work(inspector) as uow:
        services.record_movement(
            uow, unit, chemical=ACID, movement="lost", quantity="1", measure="kg", on=D("2023-05-01")
        )
        services.record_movement(
            uow, unit, chemical=ACID, movement="lost", quantity="2", measure="kg", on=D("2023-05-10")
        )
        services.report_incident(
            uow, unit, chemical="硫酸", kind="stolen", quantity="2", measure="kg", on=D("2023-05-10")
        )
        uow.commit()
    with store.unit_of_work(inspector) as uow:
        assert services.notify_unreported_losses(uow, D("2023-06-01")) == 1
        uow.commit()
    (notice,) = notifier.notices
    assert notice.kind is NoticeKind.LOSS_NOT_REPORTED
    assert "丢失 硫酸 1 kg" in notice.message


def test_licences_are_granted_for_chemicals_and_revoked_once(
    store: Store, inspector: Actor, unit: UnitId
) -> None:
    with store.unit_of_work(inspector) as uow:
        grant = services.grant_licence(
            uow, unit, licence="purchase_filing", number="F-1", chemicals=["硫酸", "丙酮"], on=D("2023-01-01")
        )
        assert grant.chemicals == frozenset({ACID, "67-64-1"})
        services.revoke_licence(uow, unit, grant.id, D("2023-06-01"))
        with pytest.raises(InvalidInput, match="is already revoked"):
            services.revoke_licence(uow, unit, grant.id, D("2023-06-02"))
        with pytest.raises(InvalidInput, match="水"):
            services.grant_licence(
                uow, unit, licence="purchase_filing", number="F-2", chemicals=["水"], on=D("2023-01-01")
            )
        uow.commit()


def test_the_ledger_is_drawn_up_as_of_a_date_and_as_known_at_a_moment(
    store: Store, inspector: Actor, unit: UnitId, clock: FixedClock
) -> None:
    with store.unit_of_work(inspector) as uow:
        services.record_movement(
            uow, unit, chemical=ACID, movement="used", quantity="30", measure="kg", on=D("2023-03-01")
        )
        uow.commit()
    clock.advance(dt.timedelta(days=31))
    with store.unit_of_work(inspector) as uow:
        services.record_movement(
            uow, unit, chemical=ACID, movement="used", quantity="5", measure="kg", on=D("2023-03-02")
        )
        uow.commit()
    with store.unit_of_work(inspector) as uow:
        ledger = services.unit_ledger(uow, unit, D("2023-12-31"))
        before = services.unit_ledger(uow, unit, D("2023-12-31"), known_at=at("2023-07-15"))
    assert ledger.of(ACID).balance == Decimal(65)  # type: ignore[union-attr]
    assert before.of(ACID).balance == Decimal(70)  # type: ignore[union-attr]


def test_findings_are_only_for_units_in_the_actors_divisions(store: Store, unit: UnitId) -> None:
    elsewhere = Actor(id="elsewhere", role=Role.OFFICER, divisions={"522632101"})
    with store.unit_of_work(elsewhere) as uow:
        assert services.chemical_findings(uow, D("2023-12-31")) == []
    assert FindingKind.COUNT_MISMATCH.value == "count_mismatch"
