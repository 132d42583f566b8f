"""The dataset format ``antidrug-dataset/1`` (``shared/spec/DATASET.md``).

A self-contained JSON document of divisions, people and records, carrying
pseudonymous ids only. This module turns parsed JSON into a validated
``Dataset`` and back; reading files is the caller's business (the CLI), so
the core stays free of I/O.

A dataset with any error is refused whole: ``read_dataset`` raises
``InvalidInput`` with every problem, each naming its place
(``records[12].on``) and reason, and nothing is evaluated or loaded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from antidrug_core.clock import DEFAULT_TIME_ZONE, start_of_day
from antidrug_core.converter import TYPE_FIELD, record_from_data, record_to_data, structure
from antidrug_core.model import (
    RECORD_TYPES,
    Division,
    DivisionCode,
    DivisionTree,
    InvalidInput,
    PersonId,
    PersonRegistered,
    Problem,
    Record,
    RecordId,
    RecordVoided,
    registration_id,
)
from antidrug_core.rules.policy import Policy, Responsibility
from antidrug_core.state import PersonFile
from antidrug_core.validation import division_fields, reference_problems

__all__ = [
    "DATASET_FORMAT",
    "IMPORTED_BY",
    "Dataset",
    "read_dataset",
    "write_dataset",
]

DATASET_FORMAT = "antidrug-dataset/1"
IMPORTED_BY = "dataset"
"""``recorded_by`` of records whose dataset entry does not say who recorded them."""

_TOP_LEVEL = {"format", "time_zone", "policy", "divisions", "people", "records"}
_PERSON_FIELDS = {"id", "household", "residence", "activity", "registered_on", "recorded_at", "recorded_by"}
"""The spec's fields, and (our extension, for lossless round trips) when and by whom
the registration was recorded."""
_POLICY_FIELDS = {"responsible", "test_window_days"}
_BASE_FIELDS = {TYPE_FIELD, "id", "person", "on", "recorded_at", "recorded_by", "voids"}
_VOID_FIELDS = {*_BASE_FIELDS, "reason"}


@attrs.frozen
class Dataset:
    """A validated dataset: policy, divisions and every record (registrations included)."""

    policy: Policy
    divisions: tuple[Division, ...]
    records: tuple[Record, ...]
    """Every record, each person's registration first, then in the file's order."""

    @property
    def tree(self) -> DivisionTree:
        """The divisions as a tree."""
        return DivisionTree(self.divisions)

    def people(self) -> list[PersonId]:
        """Every person id, sorted."""
        return sorted({r.person for r in self.records})

    def by_person(self) -> dict[PersonId, list[Record]]:
        """Each person's records."""
        grouped: dict[PersonId, list[Record]] = defaultdict(list)
        for record in self.records:
            grouped[record.person].append(record)
        return dict(grouped)

    def files(self, known_at: dt.datetime | None = None) -> Iterator[PersonFile]:
        """Every person file as known at ``known_at``, by person id."""
        for person, records in sorted(self.by_person().items()):
            yield PersonFile.build(person, records, known_at)


def read_dataset(data: Any) -> Dataset:
    """Validate parsed JSON as an ``antidrug-dataset/1`` document.

    Raises:
        InvalidInput: with every problem found, each naming where and why.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise InvalidInput.of("", "a dataset must be a JSON object")
    for key in sorted(set(data) - _TOP_LEVEL):
        problems.append(Problem(key, "unknown field"))
    if data.get("format") != DATASET_FORMAT:
        problems.append(Problem("format", f"must be {DATASET_FORMAT!r}, not {data.get('format')!r}"))
    time_zone = data.get("time_zone", DEFAULT_TIME_ZONE)
    policy = _policy(data.get("policy", {}), time_zone, problems)
    zone_name = policy.time_zone if policy else DEFAULT_TIME_ZONE

    divisions = _divisions(data.get("divisions", []), problems)
    codes = {d.code for d in divisions}
    for index, division in enumerate(divisions):
        if division.parent is not None and division.parent not in codes:
            problems.append(
                Problem(f"divisions[{index}].parent", f"unknown division code {division.parent!r}")
            )

    raw_records = data.get("records", [])
    if not isinstance(raw_records, list):
        problems.append(Problem("records", "must be a list"))
        raw_records = []
    people = _people(data.get("people", []), codes, problems)
    parsed, voided_types = _records(raw_records, zone_name, problems)
    registrations = _registrations(people, parsed, zone_name)

    listed = set(people)
    seen: dict[str, int] = {}
    for index, record in parsed.items():
        if record.person not in listed:
            problems.append(Problem(f"records[{index}].person", f"unknown person {record.person!r}"))
        if record.id in seen:
            problems.append(
                Problem(
                    f"records[{index}].id", f"{record.id!r} is already used by records[{seen[record.id]}]"
                )
            )
        else:
            seen[record.id] = index
    problems.extend(_reference_problems(parsed, voided_types, registrations, codes))
    problems.extend(_void_cycles(parsed))
    if problems:
        raise InvalidInput(problems)
    assert policy is not None  # a policy problem would have been raised above
    ordered = [*registrations.values(), *parsed.values()]
    return Dataset(policy=policy, divisions=tuple(divisions), records=tuple(ordered))


def _policy(raw: Any, time_zone: Any, problems: list[Problem]) -> Policy | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem("policy", "must be an object"))
        return None
    for key in sorted(set(raw) - _POLICY_FIELDS):
        problems.append(Problem(f"policy.{key}", "unknown field"))
    found = len(problems)
    responsible = raw.get("responsible", Responsibility.HOUSEHOLD_FIRST.value)
    if responsible not in {r.value for r in Responsibility}:
        allowed = ", ".join(r.value for r in Responsibility)
        problems.append(Problem("policy.responsible", f"{responsible!r} is not one of: {allowed}"))
    window = raw.get("test_window_days", 7)
    if not isinstance(window, int) or isinstance(window, bool) or window < 0:
        problems.append(Problem("policy.test_window_days", f"{window!r} is not a whole number of days"))
    if not isinstance(time_zone, str):
        problems.append(Problem("time_zone", f"{time_zone!r} is not a time zone name"))
    if len(problems) > found:
        return None
    try:
        return Policy(responsible=Responsibility(responsible), test_window_days=window, time_zone=time_zone)
    except Exception:
        problems.append(Problem("time_zone", f"{time_zone!r} is not a known time zone"))
        return None


def _divisions(raw: Any, problems: list[Problem]) -> list[Division]:
    if not isinstance(raw, list):
        problems.append(Problem("divisions", "must be a list"))
        return []
    found: list[Division] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("code"), str):
            item = {**item, "name": item["code"]}  # a division known by its code only
        try:
            division = structure(item, Division)
        except InvalidInput as error:
            problems.extend(Problem(f"divisions[{index}].{p.field}", p.reason) for p in error.problems)
            continue
        if division.code in seen:
            problems.append(Problem(f"divisions[{index}].code", f"{division.code!r} is listed twice"))
        seen.add(division.code)
        found.append(division)
    return found


@attrs.frozen
class _Person:
    id: PersonId
    household: DivisionCode
    residence: DivisionCode | None
    activity: DivisionCode | None
    registered_on: dt.date | None
    recorded_at: dt.datetime | None
    recorded_by: str | None


def _people(raw: Any, codes: set[DivisionCode], problems: list[Problem]) -> dict[PersonId, _Person]:
    if not isinstance(raw, list):
        problems.append(Problem("people", "must be a list"))
        return {}
    people: dict[PersonId, _Person] = {}
    for index, item in enumerate(raw):
        where = f"people[{index}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(where, "must be an object"))
            continue
        for key in sorted(set(item) - _PERSON_FIELDS):
            problems.append(Problem(f"{where}.{key}", "unknown field"))
        person_id = item.get("id")
        if not isinstance(person_id, str) or not person_id:
            problems.append(Problem(f"{where}.id", "is required"))
            continue
        if person_id in people:
            problems.append(Problem(f"{where}.id", f"{person_id!r} is listed twice"))
            continue
        places: dict[str, DivisionCode | None] = {}
        for field in ("household", "residence", "activity"):
            value = item.get(field)
            if value is None:
                if field == "household":
                    problems.append(Problem(f"{where}.household", "is required"))
                places[field] = None
            elif value not in codes:
                problems.append(Problem(f"{where}.{field}", f"unknown division code {value!r}"))
                places[field] = None
            else:
                places[field] = DivisionCode(value)
        registered_on: dt.date | None = None
        if item.get("registered_on") is not None:
            try:
                registered_on = structure(item["registered_on"], dt.date)
            except InvalidInput as error:
                problems.append(Problem(f"{where}.registered_on", error.problems[0].reason))
        recorded_at: dt.datetime | None = None
        if item.get("recorded_at") is not None:
            try:
                recorded_at = structure(item["recorded_at"], dt.datetime)
            except InvalidInput as error:
                problems.append(Problem(f"{where}.recorded_at", error.problems[0].reason))
        recorded_by = item.get("recorded_by")
        if recorded_by is not None and (not isinstance(recorded_by, str) or not recorded_by.strip()):
            problems.append(Problem(f"{where}.recorded_by", "must be a non-empty text"))
            recorded_by = None
        household = places["household"]
        if household is None:
            continue
        people[PersonId(person_id)] = _Person(
            PersonId(person_id),
            household,
            places["residence"],
            places["activity"],
            registered_on,
            recorded_at,
            recorded_by,
        )
    return people


def _records(
    raw: Sequence[Any], time_zone: str, problems: list[Problem]
) -> tuple[dict[int, Record], dict[int, str]]:
    """The records that parse, by index, and the type each pure void was written as."""
    parsed: dict[int, Record] = {}
    voided_types: dict[int, str] = {}
    for index, item in enumerate(raw):
        where = f"records[{index}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(where, "must be an object"))
            continue
        data = dict(item)
        voided_type: str | None = None
        tag = data.get(TYPE_FIELD)
        if (
            "voids" in data
            and tag in RECORD_TYPES
            and tag != RecordVoided.type_tag
            and set(data) <= _VOID_FIELDS
        ):
            data[TYPE_FIELD] = RecordVoided.type_tag  # "voids instead of content": a pure void
            voided_type = tag
        data.setdefault("id", where)
        data.setdefault("recorded_by", IMPORTED_BY)
        derived_recorded_at = "recorded_at" not in data
        if derived_recorded_at:
            data["recorded_at"] = _start_of(data.get("on"), time_zone)
        try:
            record = record_from_data(data)
        except InvalidInput as error:
            for p in error.problems:
                if derived_recorded_at and p.field == "recorded_at":
                    continue  # left out, and not derivable from a bad ``on`` (reported itself)
                problems.append(Problem(f"{where}.{p.field}" if p.field else where, p.reason))
            continue
        parsed[index] = record
        if voided_type is not None:
            voided_types[index] = voided_type
    return parsed, voided_types


def _start_of(on: Any, time_zone: str) -> str | None:
    """The start of day ``on`` as an ISO timestamp, or None when ``on`` is not a date."""
    try:
        return start_of_day(dt.date.fromisoformat(on), time_zone).isoformat()
    except (TypeError, ValueError):
        return None


def _registrations(
    people: Mapping[PersonId, _Person], parsed: Mapping[int, Record], time_zone: str
) -> dict[PersonId, PersonRegistered]:
    """A registration record per person, known whenever any of their records is.

    Its date is ``registered_on``, or the person's earliest record date when
    the file does not say (places hold from the start of the file either way).
    """
    earliest_on: dict[PersonId, dt.date] = {}
    earliest_at: dict[PersonId, dt.datetime] = {}
    for record in parsed.values():
        person = record.person
        earliest_on[person] = min(earliest_on.get(person, record.on), record.on)
        earliest_at[person] = min(earliest_at.get(person, record.recorded_at), record.recorded_at)
    registrations: dict[PersonId, PersonRegistered] = {}
    for person, entry in people.items():
        on = entry.registered_on or earliest_on.get(person) or dt.date(1970, 1, 1)
        recorded_at = entry.recorded_at or start_of_day(on, time_zone)
        if entry.recorded_at is None and person in earliest_at:
            recorded_at = min(recorded_at, earliest_at[person])
        registrations[person] = PersonRegistered(
            id=registration_id(person),
            person=person,
            on=on,
            recorded_at=recorded_at,
            recorded_by=entry.recorded_by or IMPORTED_BY,
            household=entry.household,
            residence=entry.residence,
            activity=entry.activity,
        )
    return registrations


def _reference_problems(
    parsed: Mapping[int, Record],
    voided_types: Mapping[int, str],
    registrations: Mapping[PersonId, PersonRegistered],
    codes: set[DivisionCode],
) -> list[Problem]:
    problems: list[Problem] = []
    by_person: dict[PersonId, list[tuple[int, Record]]] = defaultdict(list)
    for index, record in parsed.items():
        by_person[record.person].append((index, record))
    for person, items in by_person.items():
        registration = registrations.get(person)
        if registration is None:
            continue  # reported as an unknown person
        history: dict[RecordId, Record] = {registration.id: registration}
        history.update((record.id, record) for _, record in items)
        file = PersonFile.build(person, history.values())
        for index, record in items:
            others = {k: v for k, v in history.items() if k != record.id}
            for problem in reference_problems(record, others, file, known_divisions=codes):
                problems.append(Problem(f"records[{index}].{problem.field}", problem.reason))
            voided_type = voided_types.get(index)
            target = history.get(record.voids) if record.voids else None
            if (
                voided_type is not None
                and target is not None
                and voided_type not in _written_types(target, history)
            ):
                problems.append(
                    Problem(
                        f"records[{index}].type",
                        f"voids {record.voids!r}, which is a {target.type_tag}, not a {voided_type}",
                    )
                )
    return problems


def _written_types(record: Record, history: Mapping[RecordId, Record]) -> set[str]:
    """The types a pure void of ``record`` may be written as: its own, and, for a void, the
    type of what it voids (a void of a void is naturally written as the original's type)."""
    types = {record.type_tag}
    seen: set[RecordId] = set()
    while isinstance(record, RecordVoided) and record.id not in seen:
        seen.add(record.id)
        target = history.get(record.voids) if record.voids is not None else None
        if target is None:
            break
        record = target
        types.add(record.type_tag)
    return types


def _void_cycles(parsed: Mapping[int, Record]) -> list[Problem]:
    voids = {r.id: r.voids for r in parsed.values() if r.voids is not None}
    index_of = {r.id: i for i, r in parsed.items()}
    problems: list[Problem] = []
    for start in voids:
        seen = {start}
        current = voids.get(start)
        while current is not None:
            if current == start:
                problems.append(Problem(f"records[{index_of[start]}].voids", "voids form a cycle"))
                break
            if current in seen:
                break
            seen.add(current)
            current = voids.get(current)
    return problems


def write_dataset(
    records: Iterable[Record],
    *,
    divisions: Iterable[Division] = (),
    policy: Policy | None = None,
) -> dict[str, Any]:
    """A dataset document of ``records``, ready for ``json.dump``.

    Each person's first registration becomes their ``people`` entry; every
    other record is written in the dataset's record form (with ``id``,
    ``recorded_at`` and ``recorded_by``, so a round trip loses nothing).
    """
    policy = policy or Policy()
    by_id: dict[RecordId, Record] = {}
    people: dict[PersonId, dict[str, Any]] = {}
    rest: list[Record] = []
    for record in records:
        by_id[record.id] = record
        if isinstance(record, PersonRegistered) and record.voids is None and record.person not in people:
            entry: dict[str, Any] = {"id": record.person, "household": record.household}
            if record.residence:
                entry["residence"] = record.residence
            if record.activity:
                entry["activity"] = record.activity
            entry["registered_on"] = record.on.isoformat()
            entry["recorded_at"] = record.recorded_at.isoformat()
            if record.recorded_by != IMPORTED_BY:
                entry["recorded_by"] = record.recorded_by
            people[record.person] = entry
        else:
            rest.append(record)
    out_records: list[dict[str, Any]] = []
    for record in rest:
        data = record_to_data(record)
        if isinstance(record, RecordVoided):
            target = by_id.get(record.voids) if record.voids else None
            data[TYPE_FIELD] = target.type_tag if target is not None else record.type_tag
        out_records.append(data)
    return {
        "format": DATASET_FORMAT,
        "time_zone": policy.time_zone,
        "policy": {"responsible": policy.responsible.value, "test_window_days": policy.test_window_days},
        "divisions": [_division_data(d) for d in _with_referenced(divisions, by_id.values())],
        "people": [people[p] for p in sorted(people)],
        "records": out_records,
    }


def _with_referenced(divisions: Iterable[Division], records: Iterable[Record]) -> list[Division]:
    """``divisions``, and every division the records name that is not among them, by code.

    A store filled through the services knows divisions only as codes in its
    records; without them the file would name codes it does not list and be
    refused when loaded again. Those are named by their codes, as a store
    names a division it was never told the name of.
    """
    known = {d.code: d for d in divisions}
    for record in records:
        for code in division_fields(record).values():
            if code not in known:
                known[DivisionCode(code)] = Division(code=DivisionCode(code), name=code)
    return sorted(known.values(), key=lambda d: d.code)


def _division_data(division: Division) -> dict[str, Any]:
    data: dict[str, Any] = {"code": division.code}
    if division.name != division.code:  # a division known by its code only has no name to write
        data["name"] = division.name
    if division.parent is not None:
        data["parent"] = division.parent
    return data
