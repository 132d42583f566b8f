"""What a unit's records say about a period that no single record says: its counts against the ledger.

The precursor-chemical figures (docs/reference/indicators.md) are built from
record criteria, except one: whether the stock counted equals the ledger
(实物与台账相符), which ``indicators.criteria.CountsMatch`` asks here.
"""

from __future__ import annotations

import datetime as dt

from antidrug_core.state.ledger import CountLine, ledger_as_of
from antidrug_core.state.subjects import UnitFile

__all__ = ["counts_in"]


def counts_in(file: UnitFile, start: dt.date, end: dt.date) -> tuple[CountLine, ...]:
    """Every stock count dated from ``start`` through ``end``, each held against the ledger balance at
    the end of its own day (in kg or L), in canonical order per chemical, chemicals by id."""
    ledger = ledger_as_of(file, end)
    return tuple(
        line for chemical in ledger.chemicals for line in chemical.counts if start <= line.record.on <= end
    )
