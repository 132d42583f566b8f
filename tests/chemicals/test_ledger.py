"""The ledger as of a date: balances are sums of movements, counts are held against them, voids undo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.model import InvalidInput, LedgerEntry, Measure, Movement, Record, RecordVoided, UnitClosed
from antidrug_core.state import balance_at_end_of, ledger_as_of, measure_problems, unit_in_scope_on, unit_on
from antidrug_core.testing import at
from antidrug_core.testing.chemicals import SULFURIC_ACID, UnitStream, effective

D = dt.date.fromisoformat


def test_the_balance_at_the_end_of_a_day_sums_the_movements_on_or_before_it() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "opening", "100")
    unit.move("2023-01-05", "received", "2", measure="t")
    unit.move("2023-01-05", "used", "500", measure="g")
    unit.move("2023-02-01", "issued", "99.5")
    records = unit.effective()
    assert balance_at_end_of(records, SULFURIC_ACID, D("2022-12-31")) == 0
    assert balance_at_end_of(records, SULFURIC_ACID, D("2023-01-05")) == Decimal("2099.5")
    ledger = ledger_as_of(records, D("2023-12-31"))
    (acid,) = ledger.chemicals
    assert (acid.chemical, acid.measure, acid.balance) == (SULFURIC_ACID, Measure.KG, Decimal(2000))
    assert [line.balance for line in acid.movements] == [Decimal(100), Decimal(2100), Decimal("2099.5"), 2000]


def test_a_count_matches_when_it_equals_the_balance_at_the_end_of_its_day() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "received", "10")
    unit.count("2023-01-01", "10000", measure="g")
    unit.count("2023-01-02", "9.5")
    unit.move("2023-01-02", "used", "1")  # recorded after the count, but the count is at the end of the day
    ledger = ledger_as_of(unit.effective(), D("2023-01-31"))
    first, second = ledger.chemicals[0].counts
    assert first.matched
    assert not second.matched
    assert second.difference == Decimal("0.5")  # count − balance: 9.5 found, 9 on the books


def test_the_ledger_as_of_a_date_leaves_out_what_came_after() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "received", "10")
    unit.count("2023-03-01", "10")
    ledger = ledger_as_of(unit.effective(), D("2023-02-01"))
    assert ledger.chemicals[0].counts == ()
    assert ledger.of("67-64-1") is None


def test_mass_and_volume_never_mix_for_one_chemical_and_the_record_is_named() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "received", "10", measure="kg")
    unit.move("2023-01-02", "used", "1", measure="L", id="U1-litres")
    unit.move(
        "2023-01-02", "received", "1", measure="L", chemical="67-64-1"
    )  # another chemical may be in litres
    (problem,) = measure_problems(unit.effective())
    assert problem.row == "U1-litres"
    assert "keeps 7664-93-9 by mass" in problem.reason
    with pytest.raises(InvalidInput, match="row U1-litres: measure"):
        ledger_as_of(unit.effective(), D("2023-12-31"))


def test_a_unit_is_in_scope_from_since_until_it_is_closed() -> None:
    unit = UnitStream("U1", since="2023-03-01")
    unit.register("2023-01-10")
    unit.add(UnitClosed, "2023-09-30")
    records = unit.effective()
    assert not unit_in_scope_on(records, D("2023-02-28"))
    assert unit_in_scope_on(records, D("2023-03-01"))
    assert unit_in_scope_on(records, D("2023-09-29"))
    assert not unit_in_scope_on(records, D("2023-09-30"))
    state = unit_on(records, D("2023-05-01"))
    assert state is not None
    assert state.division == "522631101"


def test_a_voided_closure_keeps_the_unit_in_scope() -> None:
    unit = UnitStream("U1")
    unit.register()
    closed = unit.add(UnitClosed, "2023-06-30")
    unit.add(RecordVoided, "2023-07-01", voids=closed)
    assert unit_in_scope_on(unit.effective(), D("2023-12-31"))
    assert not unit_in_scope_on(unit.effective(at("2023-06-30", 12)), D("2023-12-31"))


movements = st.lists(
    st.tuples(
        st.sampled_from(Movement),
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
        st.sampled_from([Measure.G, Measure.KG, Measure.T]),
        st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2023, 12, 31)),
    ),
    min_size=1,
    max_size=20,
)


def _entries(drawn: list[tuple[Movement, Decimal, Measure, dt.date]]) -> list[Record]:
    return [
        LedgerEntry(
            id=f"L{index}",
            unit="U1",
            on=day,
            recorded_at=at(day, 10) + dt.timedelta(seconds=index),
            recorded_by="keeper",
            chemical=SULFURIC_ACID,
            movement=movement,
            quantity=amount,
            measure=measure,
        )
        for index, (movement, amount, measure, day) in enumerate(drawn)
    ]


def _expected(drawn: list[tuple[Movement, Decimal, Measure, dt.date]], day: dt.date) -> Decimal:
    total = Decimal(0)
    for movement, amount, measure, on in drawn:
        if on <= day:
            kg = (
                amount
                * {Measure.G: Decimal("0.001"), Measure.KG: Decimal(1), Measure.T: Decimal(1000)}[measure]
            )
            total += kg if movement in (Movement.OPENING, Movement.RECEIVED, Movement.PRODUCED) else -kg
    return total


@given(
    drawn=movements,
    order=st.randoms(use_true_random=False),
    day=st.dates(dt.date(2023, 1, 1), dt.date(2024, 1, 1)),
)
def test_the_balance_is_the_sum_of_the_movements_in_any_order_of_recording(
    drawn: list[tuple[Movement, Decimal, Measure, dt.date]], order: object, day: dt.date
) -> None:
    entries = _entries(drawn)
    shuffled = list(entries)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert balance_at_end_of(effective(shuffled), SULFURIC_ACID, day) == _expected(drawn, day)
    assert ledger_as_of(effective(shuffled), day) == ledger_as_of(effective(entries), day)


@given(drawn=movements, pick=st.integers(min_value=0), day=st.dates(dt.date(2023, 1, 1), dt.date(2024, 1, 1)))
def test_voiding_a_movement_restores_the_balance_without_it(
    drawn: list[tuple[Movement, Decimal, Measure, dt.date]], pick: int, day: dt.date
) -> None:
    entries = _entries(drawn)
    victim = entries[pick % len(entries)]
    void = RecordVoided(
        id="void",
        unit="U1",
        on=victim.on,
        recorded_at=at("2025-01-01"),
        recorded_by="keeper",
        voids=victim.id,
    )
    without = effective([e for e in entries if e is not victim])
    assert balance_at_end_of(effective([*entries, void]), SULFURIC_ACID, day) == balance_at_end_of(
        without, SULFURIC_ACID, day
    )
    assert balance_at_end_of(effective([*entries, void], at("2024-12-31")), SULFURIC_ACID, day) == (
        balance_at_end_of(effective(entries), SULFURIC_ACID, day)
    )
