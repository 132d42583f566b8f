"""Precursor chemicals: the verbs of an enterprise's keeper and of an inspector.

Licences and filings, ledger movements, stock counts, inspections,
rectification orders and their completion, incidents: each verb stages one
record on the unit of work and returns it; the caller commits. A chemical is
named by its catalogue id or its Chinese name and kept by id. What the law
forbids is refused, not recorded silently: a negative quantity, a chemical
not in the catalogue, a volume for a chemical the unit keeps by mass, an
order for an item the inspection did not find failing.

Notices go out after the commit, through the notification hook, to the
division that supervises the unit: a count that does not match the ledger,
a rectification overdue, a loss not reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from antidrug_core.model import (
    ChemicalId,
    IncidentKind,
    IncidentReported,
    Inspected,
    InspectionItem,
    InvalidInput,
    ItemResult,
    LedgerEntry,
    LicenceGranted,
    LicenceKind,
    LicenceRevoked,
    Measure,
    Movement,
    NoticeKind,
    OrganisationId,
    Record,
    RecordId,
    RectificationDone,
    RectificationOrdered,
    StockCounted,
    SubjectKind,
    UnitId,
)
from antidrug_core.model.chemicals import plain_decimal
from antidrug_core.services._notices import notify_about_unit
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import (
    Finding,
    FindingKind,
    Ledger,
    UnitFile,
    check_unit,
    ledger_as_of,
    unit_in_scope_on,
)
from antidrug_core.state.chemical_checks import losses_not_reported, rectifications_overdue
from antidrug_core.validation import chemical_problems

R = TypeVar("R", bound=Record)

__all__ = [
    "chemical_findings",
    "complete_rectification",
    "grant_licence",
    "notify_overdue_rectifications",
    "notify_unreported_losses",
    "order_rectification",
    "record_inspection",
    "record_movement",
    "record_stock_count",
    "report_incident",
    "revoke_licence",
    "unit_ledger",
]


def _checked(uow: UnitOfWork, unit: UnitId, make: type[R], on: dt.date, **fields: Any) -> R:
    """Stage a record of ``make`` (made as ``uow.add`` makes it) once the catalogue and the
    unit's measures accept it; nothing is staged otherwise."""
    file = uow.unit_file(unit)
    try:
        build: Any = make  # every unit record takes ``unit``; the base ``Record`` does not say so
        record: R = build(
            id=uow.new_id(),
            on=on,
            recorded_at=uow.store.recording_time(),
            recorded_by=uow.actor.id,
            unit=unit,
            **fields,
        )
    except TypeError as error:
        raise InvalidInput.of(make.type_tag, str(error)) from None
    problems = chemical_problems(record, file, uow.rules.chemicals)
    if problems:
        raise InvalidInput(problems)
    uow.add_record(record)
    return record


def _resolve(uow: UnitOfWork, chemical: str, field: str = "chemical") -> ChemicalId:
    return uow.rules.chemicals.resolve(chemical, field)


def grant_licence(
    uow: UnitOfWork,
    unit: UnitId,
    *,
    licence: LicenceKind | str,
    number: str,
    chemicals: Iterable[str],
    on: dt.date,
    until: dt.date | None = None,
) -> LicenceGranted:
    """Record a licence, permit or filing granted to the unit, valid from ``on`` through ``until``.

    Args:
        licence: Which one (``purchase_permit``, ``trade_filing`` …).
        number: Its number, as printed on it.
        chemicals: The chemicals it covers, by id or Chinese name.
        on: The first day it is valid.
        until: The last day it is valid; None until revoked.
    """
    ids = frozenset(_resolve(uow, c, "chemicals") for c in chemicals)
    return _checked(uow, unit, LicenceGranted, on, licence=licence, number=number, chemicals=ids, until=until)


def revoke_licence(uow: UnitOfWork, unit: UnitId, licence_record: RecordId, on: dt.date) -> LicenceRevoked:
    """The grant ``licence_record`` is no longer valid from ``on`` (吊销/注销).

    Raises:
        InvalidInput: no such grant in effect for the unit, or it is already revoked.
    """
    file = uow.unit_file(unit)
    if not isinstance(file.get(licence_record), LicenceGranted):
        raise InvalidInput.of("licence_record", f"there is no licence grant {licence_record!r} in effect")
    if any(r.licence_record == licence_record for r in file.of_type(LicenceRevoked)):
        raise InvalidInput.of("licence_record", f"{licence_record!r} is already revoked")
    return uow.add(LicenceRevoked, unit=unit, on=on, licence_record=licence_record)


def record_movement(
    uow: UnitOfWork,
    unit: UnitId,
    *,
    chemical: str,
    movement: Movement | str,
    quantity: Decimal | str | int,
    measure: Measure | str,
    on: dt.date,
    counterparty: str | None = None,
    licence_number: str | None = None,
) -> LedgerEntry:
    """Record a ledger movement (台账): received, produced, issued, used, lost, destroyed, or the opening.

    The quantity is never negative (the movement gives the sign). A balance
    that goes below zero is recorded all the same and found by the checks:
    the ledger must show what happened, not what should have.
    """
    return _checked(
        uow,
        unit,
        LedgerEntry,
        on,
        chemical=_resolve(uow, chemical),
        movement=movement,
        quantity=quantity,
        measure=measure,
        counterparty=counterparty,
        licence_number=licence_number,
    )


def record_stock_count(
    uow: UnitOfWork,
    unit: UnitId,
    *,
    chemical: str,
    quantity: Decimal | str | int,
    measure: Measure | str,
    on: dt.date,
) -> StockCounted:
    """Record a stock count (盘点) at the end of ``on``; a count that differs from the ledger
    balance that day is told to the supervising division after the commit (账物不符)."""
    made = _checked(
        uow, unit, StockCounted, on, chemical=_resolve(uow, chemical), quantity=quantity, measure=measure
    )
    chemical_ledger = ledger_as_of(uow.unit_file(unit), on).of(made.chemical)
    line = (
        None if chemical_ledger is None else next(c for c in chemical_ledger.counts if c.record.id == made.id)
    )
    if line is not None and not line.matched:
        base = chemical_ledger.measure if chemical_ledger is not None else made.measure.base
        notify_about_unit(
            uow,
            NoticeKind.LEDGER_MISMATCH,
            unit,
            on,
            f"{on} 盘点 {_name(uow, made.chemical)} {plain_decimal(line.counted)} {base}，"
            f"台账结存 {plain_decimal(line.balance)} {base}，差 {plain_decimal(line.difference)} {base}。",
            record=made.id,
        )
    return made


def record_inspection(
    uow: UnitOfWork,
    unit: UnitId,
    *,
    organisation: OrganisationId,
    items: Mapping[InspectionItem | str, ItemResult | str],
    on: dt.date,
) -> Inspected:
    """Record an inspection by ``organisation`` and how each item was found; each fail is a finding."""
    return uow.add(Inspected, unit=unit, on=on, organisation=organisation, items=dict(items))


def order_rectification(
    uow: UnitOfWork,
    unit: UnitId,
    *,
    inspection: RecordId,
    item: InspectionItem | str,
    due: dt.date,
    on: dt.date,
) -> RectificationOrdered:
    """Order a finding of an inspection put right by ``due`` (责令限期整改).

    Raises:
        InvalidInput: no such inspection of the unit, or the item was not found failing.
    """
    found = uow.unit_file(unit).get(inspection)
    if not isinstance(found, Inspected):
        raise InvalidInput.of(
            "inspection", f"there is no inspection {inspection!r} of unit {unit!r} in effect"
        )
    wanted = InspectionItem(item)
    if wanted not in found.items.failed():
        raise InvalidInput.of("item", f"{wanted} was not found failing by inspection {inspection!r}")
    return uow.add(RectificationOrdered, unit=unit, on=on, inspection=inspection, item=wanted, due_on=due)


def complete_rectification(
    uow: UnitOfWork, unit: UnitId, *, order: RecordId, on: dt.date
) -> RectificationDone:
    """The order was put right on ``on`` (整改完成).

    Raises:
        InvalidInput: no such order in effect, it is already done, or ``on`` is before the order.
    """
    file = uow.unit_file(unit)
    ordered = file.get(order)
    if not isinstance(ordered, RectificationOrdered):
        raise InvalidInput.of(
            "order", f"there is no rectification order {order!r} of unit {unit!r} in effect"
        )
    done = [d for d in file.of_type(RectificationDone) if d.order == order]
    if done:
        raise InvalidInput.of("order", f"{order!r} was already put right ({done[0].id!r}, {done[0].on})")
    if on < ordered.on:
        raise InvalidInput.of("on", f"{on} is before the order ({ordered.on})")
    return uow.add(RectificationDone, unit=unit, on=on, order=order)


def report_incident(
    uow: UnitOfWork,
    unit: UnitId,
    *,
    chemical: str,
    kind: IncidentKind | str,
    quantity: Decimal | str | int,
    measure: Measure | str,
    on: dt.date,
) -> IncidentReported:
    """Record that a loss, theft, robbery or diversion was reported to the police on ``on`` (art. 35)."""
    return _checked(
        uow,
        unit,
        IncidentReported,
        on,
        chemical=_resolve(uow, chemical),
        kind=kind,
        quantity=quantity,
        measure=measure,
    )


def unit_ledger(uow: UnitOfWork, unit: UnitId, as_of: dt.date, known_at: dt.datetime | None = None) -> Ledger:
    """The unit's ledger at the end of ``as_of``, as known at ``known_at`` (everything when None).

    Raises:
        NotFound: no such unit in the actor's scope.
    """
    file = uow.unit_file(unit)
    if known_at is not None:
        file = next(f for f in _units(uow, known_at, [unit]))
    return ledger_as_of(file, as_of)


def _units(
    uow: UnitOfWork, known_at: dt.datetime | None, units: Iterable[UnitId] | None = None
) -> Iterable[UnitFile]:
    for file in uow.subject_files(SubjectKind.UNIT, known_at, None if units is None else list(units)):
        assert isinstance(file, UnitFile)
        yield file


def chemical_findings(uow: UnitOfWork, as_of: dt.date, known_at: dt.datetime | None = None) -> list[Finding]:
    """Every finding of the five checks for the units in the actor's scope that are in scope on
    ``as_of``, as known at ``known_at``; sorted by unit, date and kind."""
    found: list[Finding] = []
    for file in _units(uow, known_at):
        found.extend(check_unit(file, as_of, uow.rules.chemicals, uow.policy))
    return sorted(found, key=Finding.sort_key)


def notify_overdue_rectifications(uow: UnitOfWork, as_of: dt.date) -> int:
    """Tell each supervising division of every rectification overdue on ``as_of``; returns how many."""
    return _notify(uow, as_of, FindingKind.RECTIFICATION_OVERDUE)


def notify_unreported_losses(uow: UnitOfWork, as_of: dt.date) -> int:
    """Tell each supervising division of every loss not reported to the police in time; returns how many."""
    return _notify(uow, as_of, FindingKind.LOSS_NOT_REPORTED)


def _notify(uow: UnitOfWork, as_of: dt.date, kind: FindingKind) -> int:
    count = 0
    for file in _units(uow, None):
        if not unit_in_scope_on(file, as_of):
            continue
        if kind is FindingKind.RECTIFICATION_OVERDUE:
            findings = rectifications_overdue(file, as_of)
            notice_kind = NoticeKind.RECTIFICATION_OVERDUE
        else:
            findings = losses_not_reported(file, as_of, uow.policy.incident_report_days)
            notice_kind = NoticeKind.LOSS_NOT_REPORTED
        for finding in findings:
            notify_about_unit(
                uow, notice_kind, file.unit, as_of, _message(uow, finding), record=finding.record
            )
            count += 1
    return count


def _message(uow: UnitOfWork, finding: Finding) -> str:
    detail = finding.figures
    if finding.kind is FindingKind.RECTIFICATION_OVERDUE:
        item = _ITEMS[InspectionItem(detail["item"])]
        return f"{finding.on} 责令整改的问题（{item}）限 {detail['due']} 前整改，逾期未完成。"
    assert finding.chemical is not None
    return (
        f"{finding.on} 台账记录丢失 {_name(uow, finding.chemical)} {detail['quantity']} {detail['measure']}，"
        f"未在 {detail['report_by']} 前向公安机关报告。"
    )


def _name(uow: UnitOfWork, chemical: ChemicalId) -> str:
    return uow.rules.chemicals.get(chemical).name if chemical in uow.rules.chemicals else chemical


_ITEMS: Mapping[InspectionItem, str] = {
    InspectionItem.STOREHOUSE: "库房",
    InspectionItem.LEDGER: "台账",
    InspectionItem.RULES: "管理制度",
    InspectionItem.LABORATORY: "实验室",
    InspectionItem.STORAGE: "储存",
    InspectionItem.PEOPLE: "从业人员",
}
