"""What a unit's records say about a period: the facts the precursor chemical indicators count.

Each function reads a ``UnitFile`` (effective records as known at some
moment) and a period of local dates, both ends included; the indicator
definitions of docs/reference/indicators.md are built on these.
"""

from __future__ import annotations

import datetime as dt

from antidrug_core.model import IncidentReported, Inspected, RecordId, RectificationDone, RectificationOrdered
from antidrug_core.state.chemical_checks import licences_valid_on
from antidrug_core.state.ledger import CountLine, ledger_as_of
from antidrug_core.state.subjects import UnitFile

__all__ = [
    "counts_in",
    "done_on",
    "failed_items_in",
    "incidents_in",
    "inspections_in",
    "licences_in_force",
    "orders_due_in",
    "orders_overdue_at",
]


def inspections_in(file: UnitFile, start: dt.date, end: dt.date) -> tuple[Inspected, ...]:
    """The inspections dated in the period."""
    return tuple(r for r in file.of_type(Inspected) if start <= r.on <= end)


def failed_items_in(file: UnitFile, start: dt.date, end: dt.date) -> int:
    """The findings (``fail`` items) of the inspections dated in the period."""
    return sum(len(r.items.failed()) for r in inspections_in(file, start, end))


def counts_in(file: UnitFile, start: dt.date, end: dt.date) -> tuple[CountLine, ...]:
    """Every stock count dated in the period, each held against the balance at the end of its day."""
    ledger = ledger_as_of(file, end)
    return tuple(
        line for chemical in ledger.chemicals for line in chemical.counts if start <= line.record.on <= end
    )


def incidents_in(file: UnitFile, start: dt.date, end: dt.date) -> tuple[IncidentReported, ...]:
    """The incidents reported (dated) in the period."""
    return tuple(r for r in file.of_type(IncidentReported) if start <= r.on <= end)


def done_on(file: UnitFile, order: RecordId) -> dt.date | None:
    """The first day the order was put right, or None."""
    days = [d.on for d in file.of_type(RectificationDone) if d.order == order]
    return min(days) if days else None


def orders_due_in(file: UnitFile, start: dt.date, end: dt.date) -> tuple[RectificationOrdered, ...]:
    """The rectification orders whose ``due`` falls in the period."""
    return tuple(r for r in file.of_type(RectificationOrdered) if start <= r.due_on <= end)


def orders_overdue_at(file: UnitFile, day: dt.date) -> tuple[RectificationOrdered, ...]:
    """The orders dated on or before ``day`` with ``due`` on or before it, not done by then."""
    found = []
    for order in file.of_type(RectificationOrdered):
        if order.on > day or order.due_on > day:
            continue
        done = done_on(file, order.id)
        if done is None or done > day:
            found.append(order)
    return tuple(found)


def licences_in_force(file: UnitFile, day: dt.date) -> int:
    """How many grants are valid on ``day`` (``on`` ≤ day ≤ ``until``, not revoked)."""
    return len(licences_valid_on(file, day))
