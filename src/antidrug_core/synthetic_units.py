"""Synthetic units with precursor-chemical ledgers, for the demo and the emergency-management summary.

Seed 5 supervises six units that use non-pharmaceutical precursor chemicals.
The synthetic county gets the same: six units in the first county's
townships, each with a purchase filing for its chemical, a year of ledger
movements (an opening balance, deliveries, use), a stock count each quarter,
and the emergency-management bureau's inspection with the findings it
ordered put right. One unit's count does not match its ledger, and one
order is still open at the year end, so every check and figure of the
chemical work has something to show. Deterministic from the spec's seed,
like the people and the organisations.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs

from antidrug_core.model import (
    DivisionCode,
    Record,
    RecordId,
    UnitId,
    UnitRegistered,
    subject_registration_id,
)
from antidrug_core.model.chemicals import (
    Inspected,
    LedgerEntry,
    LicenceGranted,
    RectificationDone,
    RectificationOrdered,
    StockCounted,
)
from antidrug_core.synthetic import SyntheticSpec, divisions, townships
from antidrug_core.synthetic_organisations import EMERGENCY

__all__ = ["UNITS", "unit_records"]

UNITS = 6
"""How many units the county supervises (seed 5 names six)."""

_CST = dt.timezone(dt.timedelta(hours=8), "CST")
_SEED_OFFSET = 5 << 36


@attrs.frozen
class _Profile:
    """What a kind of unit does with its chemical, and the filings it holds for that."""

    kind: str
    chemical: str
    """The catalogue id (categories 2 and 3 only: every filing below is of those categories)."""
    measure: str
    roles: frozenset[str]
    licences: tuple[str, ...]
    """Its filings (备案证明): a user's purchase filing, a producer's production and trade filings …"""
    inflow: str = "received"
    """How stock comes in: bought (``received``, which needs a purchase filing) or ``produced``."""
    outflow: str = "used"
    """How it goes out: ``used`` up, or ``issued`` to buyers."""


_PROFILES = (
    _Profile(
        "化工有限公司",
        "7664-93-9",  # 硫酸
        "kg",
        frozenset({"production", "trade"}),
        ("production_filing", "trade_filing"),
        inflow="produced",
        outflow="issued",
    ),
    _Profile("污水处理厂", "7647-01-0", "kg", frozenset({"use"}), ("purchase_filing",)),  # 盐酸
    _Profile("中学实验室", "67-64-1", "L", frozenset({"use"}), ("purchase_filing",)),  # 丙酮
    _Profile(
        "制药有限公司",
        "108-88-3",  # 甲苯
        "L",
        frozenset({"use", "transport"}),
        ("purchase_filing", "transport_filing"),
    ),
    _Profile(
        "化学试剂经营部",
        "7664-93-9",  # 硫酸
        "kg",
        frozenset({"trade", "storage"}),
        ("trade_filing", "purchase_filing"),
        outflow="issued",
    ),
    _Profile("医院检验科", "7722-64-7", "kg", frozenset({"use"}), ("purchase_filing",)),  # 高锰酸钾
)
"""The county's kinds of unit: users, a producer, a trader, one that also transports its chemical."""


@attrs.define
class _Stream:
    unit: UnitId
    records: list[Record] = attrs.field(factory=list)

    def add(self, cls: Any, on: dt.date, **fields: Any) -> Any:
        record = cls(
            id=fields.pop("id", None) or RecordId(f"{self.unit}-{len(self.records)}"),
            unit=self.unit,
            on=on,
            # Entered the next working day at the latest, each after the one before it.
            recorded_at=dt.datetime.combine(on, dt.time(9 + len(self.records) % 8), _CST),
            recorded_by="synthetic",
            **fields,
        )
        self.records.append(record)
        return record


def _unit(spec: SyntheticSpec, index: int, code: DivisionCode, name: str) -> list[Record]:
    rng = random.Random(spec.seed * (1 << 40) + _SEED_OFFSET + index)
    profile = _PROFILES[index % len(_PROFILES)]
    kind, chemical, measure = profile.kind, profile.chemical, profile.measure
    year = spec.start.year
    stream = _Stream(UnitId(f"UNIT-{code}-{index}"))
    stream.add(
        UnitRegistered,
        dt.date(year - 2, 3, 1),
        id=subject_registration_id(stream.unit),
        name=f"{name}某{kind}",
        division=code,
        roles=profile.roles,
        since=dt.date(year - 2, 3, 1),
    )
    for number, licence in enumerate(profile.licences, 1):
        stream.add(
            LicenceGranted,
            dt.date(year - 1, 1, 10),
            licence=licence,
            number=f"备{year - 1}-{index + 1:03d}-{number}",
            chemicals=frozenset({chemical}),
            until=dt.date(year + 1, 12, 31),
        )
    balance = Decimal(rng.randint(50, 200))
    stream.add(
        LedgerEntry,
        dt.date(year, 1, 2),
        chemical=chemical,
        movement="opening",
        quantity=balance,
        measure=measure,
    )
    for month in range(1, 13):
        received = Decimal(rng.randint(20, 60))
        used = Decimal(rng.randint(10, 50))
        stream.add(
            LedgerEntry,
            dt.date(year, month, 5),
            chemical=chemical,
            movement=profile.inflow,
            quantity=received,
            measure=measure,
            counterparty="某化学试剂经营公司" if profile.inflow == "received" else None,
        )
        stream.add(
            LedgerEntry,
            dt.date(year, month, 20),
            chemical=chemical,
            movement=profile.outflow,
            quantity=used,
            measure=measure,
            counterparty="县内备案使用单位" if profile.outflow == "issued" else None,
        )
        balance += received - used
        if month % 3 == 0:
            counted = balance - Decimal("2.5") if index == 1 and month == 9 else balance
            stream.add(
                StockCounted, dt.date(year, month, 28), chemical=chemical, quantity=counted, measure=measure
            )
    failing = "ledger" if index % 3 == 0 else "storage"
    inspection = stream.add(
        Inspected,
        dt.date(year, 6, 10 + index),
        organisation=EMERGENCY,
        items={
            "storehouse": "pass",
            "ledger": "fail" if failing == "ledger" else "pass",
            "rules": "pass",
            "laboratory": "pass" if kind.endswith("实验室") else "not_applicable",
            "storage": "fail" if failing == "storage" else "pass",
            "people": "pass",
        },
    )
    order = stream.add(
        RectificationOrdered,
        dt.date(year, 6, 12 + index),
        inspection=inspection.id,
        item=failing,
        due_on=dt.date(year, 7, 31),
    )
    if index != 4:  # one order is still open at the year end: overdue
        done_on = dt.date(year, 7, 20) if index != 2 else dt.date(year, 8, 15)  # one put right late
        stream.add(RectificationDone, done_on, order=order.id)
    return stream.records


def unit_records(spec: SyntheticSpec) -> Iterator[list[Record]]:
    """Each unit's complete stream, registration first, in the first county's rural townships."""
    names = {d.code: d.name for d in divisions(spec)}
    county = townships(spec)[0][:6]
    rural = [code for code in townships(spec) if code.startswith(county)]
    for index in range(UNITS):
        code = rural[index % len(rural)]
        yield _unit(spec, index, DivisionCode(code), names[code])
