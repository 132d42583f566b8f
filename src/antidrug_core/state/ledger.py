"""A unit's precursor chemical ledger (台账) as of a date, computed from its records, never stored.

Like beancount, the balance is always computed: the sum of the ledger
movements dated on or before the day, counting only the records in effect.
A stock count (盘点) is an assertion the balance must meet at the end of its
day (实物与台账相符). Every function here reads a unit's effective records
(a ``UnitFile``, or any iterable of them) and sorts them canonically itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from antidrug_core.model import (
    ChemicalId,
    IncidentReported,
    InvalidInput,
    LedgerEntry,
    Measure,
    Problem,
    Record,
    StockCounted,
    UnitId,
)
from antidrug_core.model.chemicals import EXACT
from antidrug_core.state.person_file import canonical_order
from antidrug_core.state.subjects import UnitFile

__all__ = [
    "ChemicalLedger",
    "CountLine",
    "Ledger",
    "LedgerLine",
    "balance_at_end_of",
    "ledger_as_of",
    "measure_problems",
]

ZERO = Decimal(0)

_QUANTIFIED = (LedgerEntry, StockCounted, IncidentReported)


def _sorted(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=canonical_order)


def measure_problems(records: Iterable[Record]) -> list[Problem]:
    """Every record that writes a chemical by mass where the unit keeps it by volume, or the reverse.

    The first record of each chemical (in canonical order) sets whether the
    unit keeps it by mass (kg) or by volume (L); each later record of the
    other kind is a problem naming it, because a mass and a volume cannot be
    added or compared without a density the ledger does not have.
    """
    first: dict[ChemicalId, Record] = {}
    problems: list[Problem] = []
    for record in _sorted(records):
        if not isinstance(record, _QUANTIFIED):
            continue
        set_by = first.setdefault(record.chemical, record)
        kept = set_by.measure.dimension  # type: ignore[attr-defined]
        if record.measure.dimension is not kept:
            problems.append(
                Problem(
                    "measure",
                    f"{record.measure} is a {record.measure.dimension.value}, but unit {record.unit} keeps "
                    f"{record.chemical} by {kept.value} (record {set_by.id})",
                    record.id,
                )
            )
    return problems


@attrs.frozen(kw_only=True)
class LedgerLine:
    """One movement of the ledger and the balance after it (in recording order within a day)."""

    record: LedgerEntry
    """The movement."""
    change: Decimal
    """What it did to the balance, in kg or L: positive adds, negative subtracts."""
    balance: Decimal
    """The balance after it, in kg or L."""


@attrs.frozen(kw_only=True)
class CountLine:
    """A stock count and the ledger balance it is held against."""

    record: StockCounted
    """The count."""
    counted: Decimal
    """What was counted, in kg or L."""
    balance: Decimal
    """The ledger balance at the end of the count's day, in kg or L."""

    @property
    def difference(self) -> Decimal:
        """Count − balance, signed: positive when more was found than the ledger says."""
        return EXACT.subtract(self.counted, self.balance)

    @property
    def matched(self) -> bool:
        """实物与台账相符: the count equals the balance exactly."""
        return self.counted == self.balance


@attrs.frozen(kw_only=True)
class ChemicalLedger:
    """The ledger of one chemical at one unit, as of a date."""

    chemical: ChemicalId
    """The chemical, by catalogue id."""
    measure: Measure
    """What balances are kept in: kg or L."""
    balance: Decimal
    """The balance at the end of the as-of date, in ``measure``."""
    movements: tuple[LedgerLine, ...]
    """Every movement dated on or before the as-of date, in canonical order."""
    counts: tuple[CountLine, ...]
    """Every count dated on or before the as-of date, in canonical order."""


@attrs.frozen(kw_only=True)
class Ledger:
    """A unit's ledger as of a date: one ``ChemicalLedger`` per chemical, by id."""

    unit: UnitId
    """Whose ledger."""
    as_of: dt.date
    """The day whose end the balances are at."""
    chemicals: tuple[ChemicalLedger, ...]
    """One per chemical the unit has a movement or a count of, sorted by id."""

    def of(self, chemical: ChemicalId) -> ChemicalLedger | None:
        """The ledger of one chemical, or None when the unit has nothing of it."""
        return next((c for c in self.chemicals if c.chemical == chemical), None)


def _check_measures(records: Sequence[Record]) -> None:
    problems = measure_problems(records)
    if problems:
        raise InvalidInput(problems)


def balance_at_end_of(records: Iterable[Record], chemical: ChemicalId, day: dt.date) -> Decimal:
    """The ledger balance of ``chemical`` at the end of ``day``, in kg or L (0 with no movement).

    Raises:
        InvalidInput: a mass and a volume are mixed for the chemical, naming the record.
    """
    entries = [r for r in records if isinstance(r, LedgerEntry) and r.chemical == chemical]
    _check_measures(entries)
    total = ZERO
    for entry in entries:
        if entry.on <= day:
            total = EXACT.add(total, entry.signed)
    return total


def ledger_as_of(file: UnitFile, as_of: dt.date) -> Ledger:
    """The unit's ledger at the end of ``as_of``: balances, movements, counts and whether each matched.

    Args:
        file: The unit's file (its effective records as known at some moment).
        as_of: The day whose end the ledger is drawn up at.

    Raises:
        InvalidInput: a mass and a volume are mixed for one chemical, naming the record.
    """
    ordered = _sorted(file)
    _check_measures(ordered)
    movements: dict[ChemicalId, list[LedgerEntry]] = defaultdict(list)
    counts: dict[ChemicalId, list[StockCounted]] = defaultdict(list)
    measures: dict[ChemicalId, Measure] = {}
    for record in ordered:
        if isinstance(record, LedgerEntry | StockCounted):
            measures.setdefault(record.chemical, record.measure.base)
            if record.on > as_of:
                continue
            if isinstance(record, LedgerEntry):
                movements[record.chemical].append(record)
            else:
                counts[record.chemical].append(record)
    chemicals: list[ChemicalLedger] = []
    for chemical in sorted(set(movements) | set(counts)):
        lines: list[LedgerLine] = []
        running = ZERO
        for entry in movements[chemical]:
            running = EXACT.add(running, entry.signed)
            lines.append(LedgerLine(record=entry, change=entry.signed, balance=running))
        count_lines = [
            CountLine(record=count, counted=count.base_quantity, balance=_end_of_day(lines, count.on))
            for count in counts[chemical]
        ]
        chemicals.append(
            ChemicalLedger(
                chemical=chemical,
                measure=measures[chemical],
                balance=running,
                movements=tuple(lines),
                counts=tuple(count_lines),
            )
        )
    return Ledger(unit=file.unit, as_of=as_of, chemicals=tuple(chemicals))


def _end_of_day(lines: Sequence[LedgerLine], day: dt.date) -> Decimal:
    """The balance after the last line dated on or before ``day``."""
    balance = ZERO
    for line in lines:
        if line.record.on > day:
            break
        balance = line.balance
    return balance
