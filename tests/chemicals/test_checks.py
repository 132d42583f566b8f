"""The five checks of CHEMICALS.md, each on a small hand-made stream."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from antidrug_core.model import (
    IncidentKind,
    IncidentReported,
    Inspected,
    LicenceGranted,
    LicenceKind,
    LicenceRevoked,
    Measure,
    RecordVoided,
    RectificationDone,
    RectificationOrdered,
    UnitClosed,
)
from antidrug_core.rules import NATIONAL_CATALOGUE, Policy
from antidrug_core.state import FindingKind, check_unit, licences_valid_on
from antidrug_core.testing.chemicals import ACETIC_ANHYDRIDE, SULFURIC_ACID, UnitStream

D = dt.date.fromisoformat
EPHEDRINES = "ephedrines"


def findings(
    unit: UnitStream, as_of: str, policy: Policy | None = None
) -> list[tuple[str, str | None, str, str]]:
    found = check_unit(unit.effective(), D(as_of), NATIONAL_CATALOGUE, policy)
    return [(f.kind.value, f.chemical, f.record, f.on.isoformat()) for f in found]


def test_a_balance_that_goes_below_zero_is_found_once_at_the_days_last_subtracting_movement() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "opening", "5")
    unit.move("2023-01-02", "used", "4")
    unit.move("2023-01-02", "used", "3", id="first-below")  # the day's last subtracting movement
    unit.move("2023-01-02", "produced", "1")  # the day ends at −1
    unit.move("2023-01-03", "used", "1")  # still below: not a new finding
    unit.move("2023-01-04", "produced", "10")
    unit.move("2023-01-05", "used", "20", id="second-below")
    assert findings(unit, "2023-12-31") == [
        ("negative_balance", SULFURIC_ACID, "first-below", "2023-01-02"),
        ("negative_balance", SULFURIC_ACID, "second-below", "2023-01-05"),
    ]
    assert findings(unit, "2023-01-04") == [("negative_balance", SULFURIC_ACID, "first-below", "2023-01-02")]


def test_a_balance_below_zero_during_a_day_but_not_at_its_end_is_no_finding() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-02", "used", "3")
    unit.move("2023-01-02", "produced", "5")
    assert findings(unit, "2023-12-31") == []


def test_a_count_that_differs_from_the_balance_is_found_with_the_signed_difference() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "opening", "10")
    unit.count("2023-01-31", "10")
    unit.count("2023-02-28", "9.25", id="short")
    (found,) = check_unit(unit.effective(), D("2023-12-31"), NATIONAL_CATALOGUE)
    assert (found.kind, found.record, found.on) == (FindingKind.COUNT_MISMATCH, "short", D("2023-02-28"))
    assert found.figures["difference"] == "-0.75"
    assert found.detail == "counted 9.25 kg, ledger balance 10 kg: -0.75 kg"


def test_a_purchase_needs_a_permit_for_category_one_and_a_permit_or_filing_for_two_and_three() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.add(
        LicenceGranted,
        "2023-01-01",
        licence=LicenceKind.PURCHASE_FILING,
        number="F1",
        chemicals={SULFURIC_ACID, EPHEDRINES},
        until=D("2023-06-30"),
    )
    permit = unit.add(
        LicenceGranted,
        "2023-01-01",
        licence=LicenceKind.PURCHASE_PERMIT,
        number="P1",
        chemicals={ACETIC_ANHYDRIDE},
    )
    unit.add(LicenceRevoked, "2023-05-01", licence_record=permit)
    unit.move("2023-02-01", "received", "1", chemical=SULFURIC_ACID)  # filing, category 3: fine
    unit.move("2023-02-01", "received", "1", chemical=EPHEDRINES, id="filing-not-enough")  # category 1
    unit.move("2023-02-01", "received", "1", chemical=ACETIC_ANHYDRIDE)  # permit, category 2: fine
    unit.move("2023-05-01", "received", "1", chemical=ACETIC_ANHYDRIDE, id="revoked")  # revoked that day
    unit.move("2023-07-01", "received", "1", chemical=SULFURIC_ACID, id="expired")  # filing ended 06-30
    unit.move("2023-07-01", "received", "1", chemical="67-64-1", id="none")  # acetone: nothing at all
    assert findings(unit, "2023-12-31") == [
        ("no_purchase_authority", EPHEDRINES, "filing-not-enough", "2023-02-01"),
        ("no_purchase_authority", ACETIC_ANHYDRIDE, "revoked", "2023-05-01"),
        ("no_purchase_authority", "67-64-1", "none", "2023-07-01"),
        ("no_purchase_authority", SULFURIC_ACID, "expired", "2023-07-01"),
    ]
    assert [g.number for g in licences_valid_on(unit.effective(), D("2023-04-30"))] == ["F1", "P1"]


def test_a_chemical_received_before_it_was_listed_needed_no_authority() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2021-01-05", "received", "1", measure="L", chemical="96-48-0")  # γ-丁内酯, listed 2021
    assert findings(unit, "2021-12-31") == []


def test_a_loss_must_be_reported_within_the_policy_days() -> None:
    unit = UnitStream("U1")
    unit.register()
    unit.move("2023-01-01", "opening", "100")
    unit.move("2023-03-01", "lost", "1", id="reported-next-day")
    unit.add(
        IncidentReported,
        "2023-03-02",
        chemical=SULFURIC_ACID,
        kind=IncidentKind.STOLEN,
        quantity=Decimal(1),
        measure=Measure.KG,
    )
    unit.move("2023-04-01", "lost", "1", id="reported-late")
    unit.add(
        IncidentReported,
        "2023-04-03",
        chemical=SULFURIC_ACID,
        kind=IncidentKind.LOST,
        quantity=1,
        measure="kg",
    )
    unit.move("2023-05-01", "lost", "1", id="never")
    assert findings(unit, "2023-05-01") == [
        ("loss_not_reported", SULFURIC_ACID, "reported-late", "2023-04-01")
    ]
    assert findings(unit, "2023-05-02") == [
        ("loss_not_reported", SULFURIC_ACID, "reported-late", "2023-04-01"),
        ("loss_not_reported", SULFURIC_ACID, "never", "2023-05-01"),
    ]
    assert findings(unit, "2023-05-03", Policy(incident_report_days=2)) == [
        ("loss_not_reported", SULFURIC_ACID, "never", "2023-05-01")
    ]


def test_a_rectification_is_overdue_after_its_due_date_until_it_is_done() -> None:
    unit = UnitStream("U1")
    unit.register()
    inspection = unit.add(
        Inspected, "2023-03-01", organisation="O1", items={"ledger": "fail", "storage": "fail"}
    )
    order = unit.add(
        RectificationOrdered, "2023-03-01", inspection=inspection, item="ledger", due_on=D("2023-03-31")
    )
    late = unit.add(
        RectificationOrdered, "2023-03-01", inspection=inspection, item="storage", due_on=D("2023-03-31")
    )
    unit.add(RectificationDone, "2023-03-31", order=order)
    unit.add(RectificationDone, "2023-04-10", order=late)
    assert findings(unit, "2023-03-31") == []
    assert findings(unit, "2023-04-01") == [("rectification_overdue", None, late, "2023-03-01")]
    assert findings(unit, "2023-04-10") == []


def test_only_units_in_scope_on_the_date_are_checked_and_voided_records_do_not_count() -> None:
    unit = UnitStream("U1", since="2023-02-01")
    unit.register()
    wrong = unit.move("2023-01-02", "used", "3")
    assert findings(unit, "2023-01-31") == []
    assert findings(unit, "2023-02-01") == [("negative_balance", SULFURIC_ACID, wrong, "2023-01-02")]
    unit.add(RecordVoided, "2023-02-02", voids=wrong, reason="录入错误")
    assert findings(unit, "2023-02-02") == []
    unit.add(UnitClosed, "2023-06-30")
    unit.move("2023-06-01", "used", "1")
    assert findings(unit, "2023-06-30") == []


@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3), min_size=1, max_size=8
    ),
    delta=st.decimals(min_value=Decimal(-5), max_value=Decimal(5), places=3),
)
def test_a_count_is_a_finding_exactly_when_it_differs_from_the_balance_by_its_signed_difference(
    amounts: list[Decimal], delta: Decimal
) -> None:
    unit = UnitStream("U1")
    unit.register()
    for index, amount in enumerate(amounts):
        unit.move(f"2023-01-{index + 1:02d}", "produced", str(amount))
    total = sum(amounts, Decimal(0))
    counted = total + delta
    assume(counted >= 0)
    unit.count("2023-01-31", str(counted), id="count")
    found = check_unit(unit.effective(), D("2023-12-31"), NATIONAL_CATALOGUE)
    if delta == 0:
        assert found == []
    else:
        (finding,) = found
        assert (finding.kind, finding.record) == (FindingKind.COUNT_MISMATCH, "count")
        assert Decimal(finding.figures["difference"]) == delta
