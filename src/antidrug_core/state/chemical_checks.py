"""The five checks an inspector makes of a unit's precursor chemical records
(docs/reference/results.md, ``antidrug-chemical-checks/1``).

Each check is a pure function of a unit's effective records and an as-of
date; ``check_unit`` runs all five for a unit in scope on that date and
returns every finding dated on or before it, with the record that shows it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from antidrug_core.model import (
    ChemicalId,
    IncidentReported,
    InvalidInput,
    LedgerEntry,
    LicenceGranted,
    LicenceKind,
    LicenceRevoked,
    Movement,
    Record,
    RecordId,
    RectificationDone,
    RectificationOrdered,
    UnitId,
)
from antidrug_core.model.chemicals import EXACT, plain_decimal
from antidrug_core.rules.chemicals import Category, ChemicalCatalogue
from antidrug_core.rules.policy import Policy
from antidrug_core.state.ledger import ZERO, ledger_as_of
from antidrug_core.state.person_file import canonical_order
from antidrug_core.state.subjects import UnitFile, unit_in_scope_on

__all__ = [
    "Finding",
    "FindingKind",
    "check_unit",
    "count_mismatches",
    "licences_valid_on",
    "losses_not_reported",
    "negative_balances",
    "purchases_without_authority",
    "rectifications_overdue",
]


class FindingKind(enum.StrEnum):
    """What a check found; the values are the words of ``antidrug-chemical-checks/1``."""

    NEGATIVE_BALANCE = "negative_balance"
    """账面结存为负: more went out than the ledger says came in."""
    COUNT_MISMATCH = "count_mismatch"
    """账物不符: a stock count differs from the ledger balance."""
    NO_PURCHASE_AUTHORITY = "no_purchase_authority"
    """无证购买: received without a purchase permit or filing valid that day."""
    LOSS_NOT_REPORTED = "loss_not_reported"
    """丢失未报告: a loss not reported to the police in time (art. 35)."""
    RECTIFICATION_OVERDUE = "rectification_overdue"
    """逾期未整改: an order not put right by its due date."""


@attrs.frozen(kw_only=True)
class Finding:
    """One finding: what, where, the record that shows it, and the figures behind it."""

    unit: UnitId
    """The unit."""
    chemical: ChemicalId | None
    """The chemical, or None for a finding about no chemical (an overdue rectification)."""
    kind: FindingKind
    """What was found."""
    record: RecordId
    """The record that shows it: the movement, the count, the lost movement, the order."""
    on: dt.date
    """The date of that record."""
    figures: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False)
    """The figures behind it, as plain data (quantities as exact decimal text, in kg or L)."""

    @property
    def detail(self) -> str:
        """The finding in words, as ``antidrug-chemical-checks/1`` gives it (a difference is signed:
        count − balance)."""
        f = self.figures
        if self.kind is FindingKind.NEGATIVE_BALANCE:
            return f"ledger balance {f['balance']} {f['measure']} at the end of the day"
        if self.kind is FindingKind.COUNT_MISMATCH:
            unit = f["measure"]
            return (
                f"counted {f['counted']} {unit}, ledger balance {f['balance']} {unit}: {f['signed']} {unit}"
            )
        if self.kind is FindingKind.NO_PURCHASE_AUTHORITY:
            return f"category {f['category']}: no {' or '.join(f['needs'])} valid on {self.on}"
        if self.kind is FindingKind.LOSS_NOT_REPORTED:
            return f"lost {f['quantity']} {f['measure']}: no incident_reported by {f['report_by']}"
        return f"{f['item']}: due {f['due']}, not done"

    def sort_key(self) -> tuple[str, dt.date, str, str, str]:
        """Unit, date, kind (the order of ``antidrug-chemical-checks/1``), then chemical and record."""
        return (self.unit, self.on, self.kind.value, self.chemical or "", self.record)


def _sorted(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=canonical_order)


def negative_balances(file: UnitFile, as_of: dt.date) -> list[Finding]:
    """Each day the balance of a chemical goes from zero or more to below zero at its end.

    The record is that day's last subtracting movement (in canonical order).
    """
    unit = file.unit
    ledger = ledger_as_of(file, as_of)
    found: list[Finding] = []
    for chemical in ledger.chemicals:
        by_day: dict[dt.date, list[LedgerEntry]] = defaultdict(list)
        for line in chemical.movements:
            by_day[line.record.on].append(line.record)
        before = ZERO
        for day in sorted(by_day):
            after = before
            for entry in by_day[day]:
                after = EXACT.add(after, entry.signed)
            if before >= 0 > after:
                last = [e for e in by_day[day] if not e.movement.adds][-1]
                found.append(
                    Finding(
                        unit=unit,
                        chemical=chemical.chemical,
                        kind=FindingKind.NEGATIVE_BALANCE,
                        record=last.id,
                        on=day,
                        figures={"balance": plain_decimal(after), "measure": str(chemical.measure)},
                    )
                )
            before = after
    return found


def count_mismatches(file: UnitFile, as_of: dt.date) -> list[Finding]:
    """Each stock count dated on or before ``as_of`` that differs from the balance at the end of its day."""
    unit = file.unit
    ledger = ledger_as_of(file, as_of)
    return [
        Finding(
            unit=unit,
            chemical=chemical.chemical,
            kind=FindingKind.COUNT_MISMATCH,
            record=line.record.id,
            on=line.record.on,
            figures={
                "counted": plain_decimal(line.counted),
                "balance": plain_decimal(line.balance),
                "difference": plain_decimal(line.difference),
                "signed": ("+" if line.difference > 0 else "") + plain_decimal(line.difference),
                "measure": str(chemical.measure),
            },
        )
        for chemical in ledger.chemicals
        for line in chemical.counts
        if not line.matched
    ]


def licences_valid_on(records: Iterable[Record], day: dt.date) -> list[LicenceGranted]:
    """The grants valid on ``day``: ``on`` ≤ day ≤ ``until``, and not revoked on or before ``day``."""
    ordered = _sorted(records)
    revoked: dict[RecordId, dt.date] = {}
    for record in ordered:
        if isinstance(record, LicenceRevoked):
            known = revoked.get(record.licence_record)
            revoked[record.licence_record] = record.on if known is None else min(known, record.on)
    return [
        grant
        for grant in ordered
        if isinstance(grant, LicenceGranted)
        and grant.on <= day
        and (grant.until is None or day <= grant.until)
        and not (grant.id in revoked and revoked[grant.id] <= day)
    ]


_AUTHORITY: Mapping[Category, frozenset[LicenceKind]] = {
    Category.ONE: frozenset({LicenceKind.PURCHASE_PERMIT}),
    Category.TWO: frozenset({LicenceKind.PURCHASE_PERMIT, LicenceKind.PURCHASE_FILING}),
    Category.THREE: frozenset({LicenceKind.PURCHASE_PERMIT, LicenceKind.PURCHASE_FILING}),
}
"""What authorises a purchase, by category (易制毒化学品管理条例 art. 14)."""


def purchases_without_authority(
    file: UnitFile, as_of: dt.date, catalogue: ChemicalCatalogue
) -> list[Finding]:
    """Each ``received`` movement with no purchase permit (category 1), or no permit or filing
    (categories 2 and 3), granted for that chemical and valid on that day.

    A chemical received before its catalogue entry came into force needed no
    authority then and is not a finding.
    """
    unit, ordered = file.unit, _sorted(file)
    found: list[Finding] = []
    for entry in ordered:
        if not isinstance(entry, LedgerEntry) or entry.movement is not Movement.RECEIVED or entry.on > as_of:
            continue
        try:
            chemical = catalogue.get(entry.chemical)
        except InvalidInput as error:
            raise InvalidInput([attrs.evolve(p, row=entry.id) for p in error.problems]) from None
        if not chemical.controlled_on(entry.on):
            continue
        needed = _AUTHORITY[chemical.category]
        if any(
            g.licence in needed and entry.chemical in g.chemicals
            for g in licences_valid_on(ordered, entry.on)
        ):
            continue
        found.append(
            Finding(
                unit=unit,
                chemical=entry.chemical,
                kind=FindingKind.NO_PURCHASE_AUTHORITY,
                record=entry.id,
                on=entry.on,
                figures={
                    "category": int(chemical.category),
                    "needs": [str(k) for k in LicenceKind if k in needed],
                },
            )
        )
    return found


def losses_not_reported(file: UnitFile, as_of: dt.date, report_days: int) -> list[Finding]:
    """Each ``lost`` movement with no ``incident_reported`` of the same chemical dated from its day
    through ``report_days`` days after it.

    A loss is a finding once its last day to report has passed by the end of
    ``as_of`` with no report: before then the unit still has time.
    """
    unit, ordered = file.unit, _sorted(file)
    reports: dict[ChemicalId, list[dt.date]] = defaultdict(list)
    for record in ordered:
        if isinstance(record, IncidentReported):
            reports[record.chemical].append(record.on)
    found: list[Finding] = []
    for entry in ordered:
        if not isinstance(entry, LedgerEntry) or entry.movement is not Movement.LOST:
            continue
        deadline = entry.on + dt.timedelta(days=report_days)
        if deadline > as_of:
            continue
        if any(entry.on <= day <= deadline for day in reports[entry.chemical]):
            continue
        found.append(
            Finding(
                unit=unit,
                chemical=entry.chemical,
                kind=FindingKind.LOSS_NOT_REPORTED,
                record=entry.id,
                on=entry.on,
                figures={
                    "quantity": plain_decimal(entry.quantity),
                    "measure": str(entry.measure),
                    "report_by": deadline.isoformat(),
                },
            )
        )
    return found


def rectifications_overdue(file: UnitFile, as_of: dt.date) -> list[Finding]:
    """Each order dated on or before ``as_of`` whose ``due`` is before ``as_of`` and that is not
    done on or before ``as_of``."""
    unit, ordered = file.unit, _sorted(file)
    done = _done_on(ordered)
    return [
        Finding(
            unit=unit,
            chemical=None,
            kind=FindingKind.RECTIFICATION_OVERDUE,
            record=order.id,
            on=order.on,
            figures={
                "inspection": order.inspection,
                "item": str(order.item),
                "due": order.due_on.isoformat(),
            },
        )
        for order in ordered
        if isinstance(order, RectificationOrdered)
        and order.on <= as_of
        and order.due_on < as_of
        and not (order.id in done and done[order.id] <= as_of)
    ]


def _done_on(records: Sequence[Record]) -> dict[RecordId, dt.date]:
    """The first day each order was put right."""
    done: dict[RecordId, dt.date] = {}
    for record in records:
        if isinstance(record, RectificationDone):
            known = done.get(record.order)
            done[record.order] = record.on if known is None else min(known, record.on)
    return done


def check_unit(
    file: UnitFile,
    as_of: dt.date,
    catalogue: ChemicalCatalogue,
    policy: Policy | None = None,
) -> list[Finding]:
    """Every finding of the five checks for a unit in scope on ``as_of``, dated on or before it, sorted.

    Args:
        file: The unit's file (its effective records as known at some moment).
        as_of: The day of the check.
        catalogue: The chemical catalogue (categories, dates in force).
        policy: Where ``incident_report_days`` comes from (the default policy if None).

    Raises:
        InvalidInput: a chemical not in the catalogue, or a mass and a volume mixed for one
            chemical, naming the record.
    """
    if not unit_in_scope_on(file, as_of):
        return []
    report_days = (policy or Policy()).incident_report_days
    found = [
        *negative_balances(file, as_of),
        *count_mismatches(file, as_of),
        *purchases_without_authority(file, as_of, catalogue),
        *losses_not_reported(file, as_of, report_days),
        *rectifications_overdue(file, as_of),
    ]
    return sorted(found, key=Finding.sort_key)
