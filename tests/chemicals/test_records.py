"""The chemical records: exact quantities with a measure, and the refusals the law asks for."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.converter import record_from_data, record_to_data
from antidrug_core.model import (
    InvalidInput,
    LedgerEntry,
    LicenceGranted,
    Measure,
    Movement,
    RectificationOrdered,
)
from antidrug_core.model.chemicals import from_base, in_base, plain_decimal
from antidrug_core.testing import at
from antidrug_core.testing.chemicals import every_chemical_record_type

PINNED = Path(__file__).resolve().parents[1] / "data" / "chemical-records-v1.json"

ENTRY: dict[str, Any] = {
    "type": "ledger_entry",
    "id": "L1",
    "unit": "U1",
    "on": "2023-03-01",
    "recorded_at": "2023-03-01T10:00:00+08:00",
    "recorded_by": "keeper",
    "chemical": "7664-93-9",
    "movement": "received",
    "quantity": "12.50",
    "measure": "kg",
}

exact = st.decimals(min_value=Decimal(0), max_value=Decimal("1e12"), places=9, allow_nan=False)


def test_the_serialised_form_of_every_chemical_record_type_is_pinned() -> None:
    written = [record_to_data(r) for r in every_chemical_record_type()]
    if os.environ.get("ANTIDRUG_UPDATE_PINS") == "1":  # a deliberate format change rewrites the pin
        PINNED.write_text(json.dumps(written, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert written == json.loads(PINNED.read_text(encoding="utf-8"))
    tags = {d["type"] for d in written}
    assert tags >= {
        "licence_granted",
        "licence_revoked",
        "ledger_entry",
        "stock_counted",
        "inspected",
        "rectification_ordered",
        "rectification_done",
        "incident_reported",
        "unit_closed",
    }


def test_a_quantity_is_kept_exactly_as_written() -> None:
    entry = record_from_data(ENTRY)
    assert isinstance(entry, LedgerEntry)
    assert entry.quantity == Decimal("12.50")
    assert record_to_data(entry)["quantity"] == "12.50"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (12.5, "must be written exactly"),
        ("十二", "is not a decimal number"),
        ("-1", "must not be negative"),
        ("0", "only an opening may be 0"),
        ("0.0000000001", "more than 9 decimal places"),
        ("1" * 19, "more than 18 digits before the point"),
        ("NaN", "is not a finite number"),
        (True, "must be written exactly"),
    ],
)
def test_a_quantity_that_is_not_an_exact_decimal_is_refused_naming_the_field(
    value: object, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        record_from_data({**ENTRY, "quantity": value}, row=3)
    assert caught.value.problems[0].field == "quantity"
    assert caught.value.problems[0].row == 3


def test_a_measure_must_be_one_of_the_five() -> None:
    with pytest.raises(InvalidInput, match="measure: 'kilo' is not one of: g, kg, t, mL, L"):
        record_from_data({**ENTRY, "measure": "kilo"})


def test_an_opening_balance_may_be_zero() -> None:
    opening = record_from_data({**ENTRY, "movement": "opening", "quantity": "0"})
    assert isinstance(opening, LedgerEntry)
    assert opening.signed == 0


def test_movements_add_or_subtract_in_kg_or_litres() -> None:
    def signed(movement: str, amount: str, measure: str) -> Decimal:
        entry = record_from_data({**ENTRY, "movement": movement, "quantity": amount, "measure": measure})
        assert isinstance(entry, LedgerEntry)
        return entry.signed

    assert signed("received", "2", "t") == Decimal(2000)
    assert signed("used", "250", "g") == Decimal("-0.25")
    assert signed("issued", "1500", "mL") == Decimal("-1.5")
    assert {m for m in Movement if m.adds} == {Movement.OPENING, Movement.RECEIVED, Movement.PRODUCED}


@given(amount=exact, measure=st.sampled_from(Measure))
def test_converting_a_measure_to_its_base_and_back_is_exact(amount: Decimal, measure: Measure) -> None:
    assert from_base(in_base(amount, measure), measure) == amount
    assert Decimal(plain_decimal(in_base(amount, measure))) == in_base(amount, measure)


def test_kilograms_and_litres_are_the_bases() -> None:
    assert {m.base for m in Measure} == {Measure.KG, Measure.L}
    assert in_base(Decimal("1"), Measure.G) == Decimal("0.001")
    assert plain_decimal(Decimal("1E+3")) == "1000"
    assert plain_decimal(Decimal("1.500")) == "1.5"


def test_a_licence_covers_chemicals_and_ends_no_earlier_than_it_begins() -> None:
    base: dict[str, Any] = {
        "id": "G1",
        "unit": "U1",
        "on": dt.date(2023, 1, 1),
        "recorded_at": at("2023-01-01"),
        "recorded_by": "x",
    }
    with pytest.raises(InvalidInput, match="chemicals: a licence or filing covers at least one chemical"):
        LicenceGranted(**base, licence="purchase_permit", number="1", chemicals=[])
    with pytest.raises(InvalidInput, match="until: 2022-12-31 is before the record's date"):
        LicenceGranted(
            **base, licence="purchase_permit", number="1", chemicals=["x"], until=dt.date(2022, 12, 31)
        )
    with pytest.raises(InvalidInput, match="licence: 'driving' is not one of"):
        LicenceGranted(**base, licence="driving", number="1", chemicals=["x"])
    with pytest.raises(InvalidInput, match="due: 2022-12-01 is before"):
        RectificationOrdered(**base, inspection="I1", item="ledger", due_on=dt.date(2022, 12, 1))
