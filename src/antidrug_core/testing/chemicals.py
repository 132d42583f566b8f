"""A unit's precursor chemical records for tests: every record type of a unit, as a keeper and
an inspector would make them, and a small builder for hand-made streams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from antidrug_core.model import (
    IncidentKind,
    IncidentReported,
    Inspected,
    InspectionItem,
    ItemResult,
    LedgerEntry,
    LicenceGranted,
    LicenceKind,
    LicenceRevoked,
    Measure,
    Movement,
    Record,
    RecordId,
    RecordVoided,
    RectificationDone,
    RectificationOrdered,
    StockCounted,
    UnitClosed,
    UnitId,
    UnitRegistered,
    UnitRole,
    subject_registration_id,
)
from antidrug_core.state import UnitFile
from antidrug_core.testing.fakes import at

__all__ = [
    "ACETIC_ANHYDRIDE",
    "SULFURIC_ACID",
    "UnitStream",
    "add_chemical_records",
    "effective",
    "every_chemical_record_type",
]

SULFURIC_ACID = "7664-93-9"
"""硫酸, category 3."""
ACETIC_ANHYDRIDE = "108-24-7"
"""醋酸酐, category 2."""


def effective(records: list[Record], known_at: dt.datetime | None = None) -> UnitFile:
    """The unit file of ``records`` as known at ``known_at``: voids applied, in canonical order."""
    units = {r.subject for r in records} or {"U1"}
    return UnitFile.build(min(units), records, known_at)


class UnitStream:
    """Builds one unit's records in the order they are written, with ids ``<unit>-<n>``.

    ``add`` takes the record type, its date and its fields; the recording time
    is 10:00 (+08:00) of the date, or ``recorded`` (an ISO timestamp) when
    given, so known-at cases can record late on purpose.
    """

    def __init__(self, unit: str, division: str = "522631101", since: str | None = None) -> None:
        self.unit = UnitId(unit)
        self.records: list[Record] = []
        self.division = division
        self.since = since

    def register(self, day: str = "2020-01-01", **fields: Any) -> RecordId:
        """The unit's registration."""
        fields.setdefault("name", f"{self.unit} 化工有限公司")
        fields.setdefault("division", self.division)
        fields.setdefault("roles", {UnitRole.USE})
        if self.since is not None:
            fields.setdefault("since", dt.date.fromisoformat(self.since))
        return self.add(UnitRegistered, day, id=subject_registration_id(self.unit), **fields)

    def add(self, cls: type[Record], day: str, *, recorded: str | None = None, **fields: Any) -> RecordId:
        """Add a record of ``cls`` dated ``day``; returns its id."""
        record_id = RecordId(fields.pop("id", f"{self.unit}-{len(self.records) + 1}"))
        if cls is RecordVoided:
            fields.setdefault("unit", self.unit)
        else:
            fields["unit"] = self.unit
        self.records.append(
            cls(
                id=record_id,
                on=dt.date.fromisoformat(day),
                recorded_at=at(day, 10) if recorded is None else dt.datetime.fromisoformat(recorded),
                recorded_by="keeper",
                **fields,
            )
        )
        return record_id

    def move(self, day: str, movement: str, quantity: str, measure: str = "kg", **fields: Any) -> RecordId:
        """A ledger movement of sulfuric acid unless ``chemical`` says otherwise."""
        fields.setdefault("chemical", SULFURIC_ACID)
        return self.add(
            LedgerEntry,
            day,
            movement=Movement(movement),
            quantity=Decimal(quantity),
            measure=Measure(measure),
            **fields,
        )

    def effective(self, known_at: dt.datetime | None = None) -> UnitFile:
        """The unit's file as known at ``known_at``."""
        return UnitFile.build(self.unit, self.records, known_at)

    def count(self, day: str, quantity: str, measure: str = "kg", **fields: Any) -> RecordId:
        """A stock count of sulfuric acid unless ``chemical`` says otherwise."""
        fields.setdefault("chemical", SULFURIC_ACID)
        return self.add(StockCounted, day, quantity=Decimal(quantity), measure=Measure(measure), **fields)


def every_chemical_record_type(unit: str = "U9", division: str = "522631101") -> list[Record]:
    """Records of one unit covering every chemical record type, in the order they happened."""
    stream = UnitStream(unit, division)
    stream.register("2022-01-03", uscc="91350100M000100Y43", since=dt.date(2022, 1, 1))
    grant = stream.add(
        LicenceGranted,
        "2022-01-10",
        licence=LicenceKind.PURCHASE_FILING,
        number="备案-2022-001",
        chemicals={SULFURIC_ACID, ACETIC_ANHYDRIDE},
        until=dt.date(2022, 12, 31),
    )
    stream.move("2022-01-10", "opening", "0")
    stream.move(
        "2022-01-12", "received", "500", counterparty="某化工供应公司", licence_number="备案-2022-001"
    )
    stream.move("2022-02-01", "used", "120.5")
    wrong = stream.move("2022-02-02", "used", "10", measure="kg")
    stream.add(RecordVoided, "2022-02-03", voids=wrong, reason="重复录入")
    stream.move("2022-03-01", "received", "2000", measure="g", chemical=ACETIC_ANHYDRIDE)
    stream.count("2022-03-31", "379.5")
    inspection = stream.add(
        Inspected,
        "2022-04-08",
        organisation="O1",
        items={
            InspectionItem.STOREHOUSE: ItemResult.PASS,
            InspectionItem.LEDGER: ItemResult.FAIL,
            InspectionItem.RULES: ItemResult.PASS,
            InspectionItem.LABORATORY: ItemResult.NOT_APPLICABLE,
            InspectionItem.STORAGE: ItemResult.PASS,
            InspectionItem.PEOPLE: ItemResult.PASS,
        },
    )
    order = stream.add(
        RectificationOrdered,
        "2022-04-08",
        inspection=inspection,
        item=InspectionItem.LEDGER,
        due_on=dt.date(2022, 5, 8),
    )
    stream.add(RectificationDone, "2022-05-06", order=order)
    stream.move("2022-06-01", "lost", "1.5")
    stream.add(
        IncidentReported,
        "2022-06-01",
        chemical=SULFURIC_ACID,
        kind=IncidentKind.STOLEN,
        quantity=Decimal("1.5"),
        measure=Measure.KG,
    )
    stream.move("2022-07-01", "destroyed", "0.5")
    stream.add(LicenceRevoked, "2022-08-01", licence_record=grant)
    stream.add(UnitClosed, "2022-12-31")
    return stream.records


def add_chemical_records(add: Callable[..., RecordId], unit: UnitId) -> None:
    """One record of each chemical type for a unit, in 2022, through ``add(cls, day,
    **fields)`` (a sample stream's), valid together: what a store must give back as written."""
    grant = add(
        LicenceGranted,
        "2022-04-01",
        licence=LicenceKind.PURCHASE_PERMIT,
        number="购-2022-7",
        chemicals=frozenset({ACETIC_ANHYDRIDE}),
        until=dt.date(2024, 12, 31),  # far enough that a test moving the stream's dates keeps it valid
    )
    add(
        LedgerEntry,
        "2022-04-02",
        chemical=ACETIC_ANHYDRIDE,
        movement=Movement.RECEIVED,
        quantity=Decimal("25.125"),
        measure=Measure.KG,
        counterparty="某试剂公司",
        licence_number="购-2022-7",
    )
    add(StockCounted, "2022-04-30", chemical=ACETIC_ANHYDRIDE, quantity=Decimal("25125"), measure=Measure.G)
    inspection = add(
        Inspected,
        "2022-05-10",
        organisation=f"{unit}-inspector",
        items={
            InspectionItem.STOREHOUSE: ItemResult.FAIL,
            InspectionItem.LABORATORY: ItemResult.NOT_APPLICABLE,
        },
    )
    order = add(
        RectificationOrdered,
        "2022-05-10",
        inspection=inspection,
        item=InspectionItem.STOREHOUSE,
        due_on=dt.date(2024, 6, 30),
    )
    add(RectificationDone, "2022-06-01", order=order)
    add(
        IncidentReported,
        "2022-06-02",
        chemical=ACETIC_ANHYDRIDE,
        kind=IncidentKind.DIVERTED,
        quantity=Decimal("0.5"),
        measure=Measure.KG,
    )
    add(LicenceRevoked, "2022-06-15", licence_record=grant)
