"""The rules a new record must meet against the file it joins (a person's, a unit's, an organisation's).

Two tiers, because datasets and live work differ:

* ``reference_problems``: what every record must meet wherever it comes
  from — ids are unique, what it names exists and is of the right kind,
  codes are known. Order-independent, so a dataset file can be checked in
  any order.
* ``state_problems``: what a record made *now* through a service must meet
  against the state it changes — a transfer leaves from the responsible
  division, a request is answered once, contact is restored only when lost.
  Datasets carry history that was accepted elsewhere, so these apply to live
  work only.

Both return every problem found rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping

import attrs
from stdnum.cn import uscc

from antidrug_core.converter import plain_field_name
from antidrug_core.model import (
    REGISTRATIONS,
    AppLogin,
    ContactRestored,
    FileSealed,
    FileUnsealed,
    IncidentReported,
    Inspected,
    LedgerEntry,
    LicenceGranted,
    LicenceRevoked,
    LostContact,
    PlantsDestroyed,
    PlantsFound,
    Problem,
    Record,
    RecordId,
    RecordVoided,
    RectificationDone,
    RectificationOrdered,
    StockCounted,
    TestDone,
    TestDue,
    TestExcused,
    TransferAccepted,
    TransferRejected,
    TransferRequested,
    UnitChanged,
    UnitRegistered,
)
from antidrug_core.model.base import SubjectKind, is_division
from antidrug_core.rules.chemicals import ChemicalCatalogue
from antidrug_core.rules.policy import Policy
from antidrug_core.state import (
    PersonFile,
    SubjectFile,
    app_installed_on,
    fulfilment,
    in_lost_contact_on,
    responsible_division_on,
    transfers,
)

__all__ = [
    "FUTURE_PLANNING_DAYS",
    "RECORDING_SKEW",
    "chemical_problems",
    "division_fields",
    "future_problems",
    "reference_problems",
    "state_problems",
]

FUTURE_PLANNING_DAYS = 366
"""How far ahead a due test may be planned; nothing else may be dated after today."""
RECORDING_SKEW = dt.timedelta(minutes=10)
"""How far a recording time may run ahead of the store's clock (clocks of other systems drift)."""


def division_fields(record: Record) -> dict[str, str]:
    """The record's division codes by plain field name (``from``, ``residence`` …)."""
    found: dict[str, str] = {}
    for attribute in attrs.fields(type(record)):
        if attribute.validator is is_division:
            value = getattr(record, attribute.name)
            if value is not None:
                found[plain_field_name(type(record), attribute.name)] = value
    return found


_CALLED: Mapping[SubjectKind, str] = {
    SubjectKind.PERSON: "person",
    SubjectKind.UNIT: "unit",
    SubjectKind.ORGANISATION: "organisation",
}


def reference_problems(
    record: Record,
    history: Mapping[RecordId, Record],
    file: SubjectFile,
    *,
    known_divisions: Collection[str] | None = None,
) -> list[Problem]:
    """What is wrong with ``record`` joining a subject whose records are ``history``.

    Args:
        record: The new record.
        history: Every record of the subject, voided ones included, by id (the new record
            itself may be among them).
        file: The file of ``history`` (every record known), of the subject's kind.
        known_divisions: When given, division codes must be among them.
    """
    problems: list[Problem] = []
    row = record.id
    kind = record.subject_kind
    field_name, called = kind.value, _CALLED[kind]

    def problem(field: str, reason: str) -> None:
        problems.append(Problem(field, reason, row))

    if file.kind is not None and file.kind is not kind:
        problem(field_name, f"{record.subject!r} is a {_CALLED[file.kind]}, not a {called}")
        return problems
    # ``history`` may hold the record itself (a dataset checks every record against one shared
    # history, which keeps the check linear); only another record under its id is a clash.
    if history.get(record.id, record) is not record:
        problem("id", f"{record.id!r} is already used by another record of this {called}")
    registration = REGISTRATIONS[kind]
    registered = file.opening() is not None
    if isinstance(record, registration):
        if registered and record.voids is None:
            problem(field_name, f"{record.subject!r} is already registered")
    elif not registered:
        problem(field_name, f"{record.subject!r} is not registered")

    if record.voids is not None:
        target = history.get(record.voids)
        voider = file.voided_by.get(record.voids)
        if target is None:
            problem("voids", f"there is no record {record.voids!r} of this {called} to void")
        elif voider is not None and voider.id != record.id and record.id not in file.voided_by:
            # A void that is itself voided counts for nothing, so it cannot clash with the one in effect.
            problem("voids", f"{record.voids!r} is already voided by {voider.id!r}")
        elif isinstance(record, RecordVoided) and isinstance(target, registration):
            problem("voids", "a registration can be corrected by a new registration, not voided")
        elif not isinstance(record, RecordVoided) and type(target) is not type(record):
            problem(
                "voids",
                f"a {record.type_tag} can only replace a {record.type_tag}; "
                f"{record.voids!r} is a {target.type_tag}",
            )

    if isinstance(record, TransferRequested) and record.from_division == record.to_division:
        problem("to", f"the transfer goes to the division it comes from ({record.to_division})")
    if isinstance(record, TransferAccepted | TransferRejected) and not isinstance(
        history.get(record.request), TransferRequested
    ):
        problem("request", f"there is no transfer request {record.request!r} for this person")
    if isinstance(record, TestDone) and record.due is not None:
        due = history.get(record.due)
        if not isinstance(due, TestDue):
            problem("due", f"there is no due test {record.due!r} for this person")
        elif due.kind is not record.kind:
            problem("due", f"{record.due!r} is a {due.kind} test, not {record.kind}")
    if isinstance(record, TestExcused) and not isinstance(history.get(record.due), TestDue):
        problem("due", f"there is no due test {record.due!r} for this person")
    problems += _chemical_references(record, history)
    if isinstance(record, PlantsDestroyed) and not isinstance(history.get(record.found), PlantsFound):
        problem("found", f"there is no finding of plants {record.found!r} of this organisation")
    code = record.uscc if isinstance(record, UnitRegistered | UnitChanged) else None
    if code is not None and not uscc.is_valid(code):
        problem("uscc", f"{code!r} is not a unified social credit code (its GB 32100 check fails)")

    if known_divisions is not None:
        for field, code in division_fields(record).items():
            if code not in known_divisions:
                problem(field, f"unknown division code {code!r}")
    return problems


_CHEMICAL_REFERENCES: Mapping[type[Record], tuple[str, type[Record]]] = {
    LicenceRevoked: ("licence_record", LicenceGranted),
    RectificationOrdered: ("inspection", Inspected),
    RectificationDone: ("order", RectificationOrdered),
}
"""The unit records that name another record of the unit, by field, and the type it must be."""


def _chemical_references(record: Record, history: Mapping[RecordId, Record]) -> list[Problem]:
    reference = _CHEMICAL_REFERENCES.get(type(record))
    if reference is None:
        return []
    field, target_type = reference
    target = getattr(record, field)
    found = history.get(target)
    if not isinstance(found, target_type):
        return [
            Problem(field, f"there is no {target_type.type_tag} record {target!r} for this unit", record.id)
        ]
    if (
        isinstance(record, RectificationOrdered)
        and isinstance(found, Inspected)
        and record.item not in found.items.failed()
    ):
        return [Problem("item", f"inspection {target!r} did not find {record.item} failing", record.id)]
    return []


def chemical_problems(record: Record, file: SubjectFile, catalogue: ChemicalCatalogue) -> list[Problem]:
    """What is wrong with a unit's chemical record against the catalogue and the unit's file.

    A chemical must be in the catalogue (records keep its id; names are
    resolved before a record is made), and a chemical a unit keeps by mass is
    never written by volume, or the reverse (docs/reference/dataset.md).
    """
    problems: list[Problem] = []
    named: tuple[str, ...] = ()
    if isinstance(record, LedgerEntry | StockCounted | IncidentReported):
        named = (record.chemical,)
    elif isinstance(record, LicenceGranted):
        named = tuple(sorted(record.chemicals))
    field = "chemicals" if isinstance(record, LicenceGranted) else "chemical"
    for chemical in named:
        if chemical not in catalogue:
            problems.append(Problem(field, f"{chemical!r} is not in the chemical catalogue", record.id))
    if isinstance(record, LedgerEntry | StockCounted | IncidentReported):
        for other in file:
            if (
                isinstance(other, LedgerEntry | StockCounted | IncidentReported)
                and other.chemical == record.chemical
                and other.id != record.voids
                and other.measure.dimension is not record.measure.dimension
            ):
                problems.append(
                    Problem(
                        "measure",
                        f"{record.measure} is a {record.measure.dimension.value}, but the unit keeps "
                        f"{record.chemical} by {other.measure.dimension.value} (record {other.id})",
                        record.id,
                    )
                )
                break
    return problems


def future_problems(records: Iterable[Record], today: dt.date, now: dt.datetime) -> list[Problem]:
    """Records dated after ``today`` (a due test: more than a year ahead) or recorded after ``now``.

    A load brings history; history does not happen tomorrow. The services refuse a
    future date for everything but a planned test, and a load must accept no more.
    """
    problems: list[Problem] = []
    for record in records:
        latest = today + dt.timedelta(days=FUTURE_PLANNING_DAYS) if isinstance(record, TestDue) else today
        if record.on > latest:
            problems.append(Problem("on", f"{record.on} is in the future (today is {today})", record.id))
        # A planned test read from a file without a recording time is stamped at the start of its day.
        planned = isinstance(record, TestDue) and record.recorded_at.date() <= record.on
        if record.recorded_at > now + RECORDING_SKEW and not planned:
            problems.append(
                Problem(
                    "recorded_at",
                    f"{record.recorded_at.isoformat()} is in the future (now is {now.isoformat()})",
                    record.id,
                )
            )
    return problems


def _references(record: Record) -> dict[str, RecordId | None]:
    if isinstance(record, TransferAccepted | TransferRejected):
        return {"request": record.request}
    if isinstance(record, TestDone | TestExcused):
        return {"due": record.due}
    return {}


def state_problems(record: Record, file: SubjectFile, policy: Policy, today: dt.date) -> list[Problem]:
    """What is wrong with ``record`` as a change made now to the state in ``file``."""
    problems = _person_state_problems(record, file, policy) if isinstance(file, PersonFile) else []
    if record.on > today and not isinstance(record, TestDue):
        problems.append(
            Problem(
                "on",
                f"{record.on} is in the future (today is {today}); only due tests are planned ahead",
                record.id,
            )
        )
    return problems


def _person_state_problems(record: Record, file: PersonFile, policy: Policy) -> list[Problem]:
    problems: list[Problem] = []
    row = record.id

    def problem(field: str, reason: str) -> None:
        problems.append(Problem(field, reason, row))

    for field, target in _references(record).items():
        if target is not None and target in file.voided_by:
            problem(field, f"{target!r} is voided")
    if record.voids is not None and isinstance(file.get(record.voids), FileSealed | FileUnsealed):
        # Sealing and unsealing are decisions on the record: undone by the opposite decision only.
        problem("voids", f"{record.voids!r} is a sealing decision; record the opposite decision instead")
    if isinstance(record, TransferRequested) and file.registration is not None:
        responsible = responsible_division_on(file, record.on, policy)
        if record.to_division == responsible:
            problem("to", f"the person is already managed by {responsible} on {record.on}")
        elif record.from_division != responsible:
            problem(
                "from",
                f"the responsible division on {record.on} is {responsible}, not {record.from_division}",
            )
        waiting = [t for t in transfers(file) if t.answer is None]
        if waiting:
            problem("person", f"transfer {waiting[0].request.id!r} is still waiting for an answer")
    if isinstance(record, TransferAccepted | TransferRejected):
        for transfer in transfers(file):
            if transfer.request.id != record.request:
                continue
            if transfer.answer is not None:
                problem("request", f"{record.request!r} was already answered by {transfer.answer.id!r}")
            elif record.on < transfer.request.on:
                problem("on", f"the answer is dated before the request ({transfer.request.on})")
    if isinstance(record, TestDone) and record.due is not None:
        due = file.get(record.due)
        if isinstance(due, TestDue):
            done = fulfilment(file, due, policy)
            if done is not None and done.due == due.id:
                problem("due", f"{record.due!r} was already taken ({done.id!r})")
    if isinstance(record, TestExcused):
        due = file.get(record.due)
        if isinstance(due, TestDue) and fulfilment(file, due, policy) is not None:
            problem("due", f"{record.due!r} was already taken; a taken test cannot be excused")
    if isinstance(record, LostContact) and in_lost_contact_on(file, record.on):
        problem("on", f"the person is already in lost contact on {record.on}")
    if isinstance(record, ContactRestored) and not in_lost_contact_on(file, record.on):
        problem("on", f"the person is not in lost contact on {record.on}")
    if isinstance(record, AppLogin) and not app_installed_on(file, record.on):
        problem("on", f"the app is not installed on {record.on}; record its installation first")
    return problems
