"""The dataset format ``antidrug-dataset/1`` (docs/reference/dataset.md).

A self-contained JSON document of divisions, the subjects records are about
(people, units, organisations), their records and the rating schemes those
records use, carrying pseudonymous person ids only. Every kind of subject is
read the same way: its entry in ``people``, ``units`` or ``organisations``
becomes the registration record that opens its stream, and each record names
its subject in the field of its kind (``person``, ``unit``,
``organisation``). This module turns parsed JSON into a validated
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
from antidrug_core.converter import TYPE_FIELD, record_from_data, record_to_data, structure, unstructure
from antidrug_core.model import (
    RECORD_TYPES,
    REGISTRATIONS,
    Division,
    DivisionCode,
    DivisionTree,
    InvalidInput,
    PersonId,
    Problem,
    Record,
    RecordId,
    RecordVoided,
    SubjectId,
    SubjectKind,
    UnitRegistered,
    registration_id,
    subject_registration_id,
)
from antidrug_core.model.limits import RECORDS_PER_SUBJECT, id_problem, record_limit_problems
from antidrug_core.rules.chemicals import NATIONAL_CATALOGUE, ChemicalCatalogue
from antidrug_core.rules.policy import Policy, Responsibility
from antidrug_core.rules.prevention import RatingScheme
from antidrug_core.state import PersonFile, SubjectFile, build_file, measure_problems
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

_LISTS: Mapping[SubjectKind, str] = {
    SubjectKind.PERSON: "people",
    SubjectKind.UNIT: "units",
    SubjectKind.ORGANISATION: "organisations",
}
"""Where each kind of subject is listed."""
_TOP_LEVEL = {"format", "time_zone", "policy", "divisions", "records", "rating_schemes", *_LISTS.values()}
_ENTRY_FIELDS: Mapping[SubjectKind, set[str]] = {
    SubjectKind.PERSON: {"id", "household", "residence", "activity", "registered_on"},
    SubjectKind.UNIT: {"id", "name", "uscc", "division", "roles", "since", "registered_on"},
    SubjectKind.ORGANISATION: {"id", "name", "kind", "division", "registered_on"},
}
"""The spec's fields of each list entry, and (our extension, for lossless round trips)
``registered_on``, ``recorded_at`` and ``recorded_by`` of the registration."""
_RECORDING = {"recorded_at", "recorded_by"}
_POLICY_FIELDS = {"responsible", "test_window_days", "incident_report_days"}
_SUBJECT_FIELDS = {kind.value for kind in SubjectKind}
_BASE_FIELDS = {TYPE_FIELD, "id", *_SUBJECT_FIELDS, "on", "recorded_at", "recorded_by", "voids"}
_VOID_FIELDS = {*_BASE_FIELDS, "reason"}


@attrs.frozen
class Dataset:
    """A validated dataset: policy, divisions, every record (registrations included), rating schemes."""

    policy: Policy
    divisions: tuple[Division, ...]
    records: tuple[Record, ...]
    """Every record, each subject's registration first, then in the file's order."""
    rating_schemes: tuple[RatingScheme, ...] = ()
    """The rating checklists the dataset's ratings use, besides those a host's rules give."""

    @property
    def tree(self) -> DivisionTree:
        """The divisions as a tree."""
        return DivisionTree(self.divisions)

    def subjects(self, kind: SubjectKind) -> list[SubjectId]:
        """Every subject id of ``kind``, sorted."""
        return sorted({r.subject for r in self.records if r.subject_kind is kind})

    def people(self) -> list[PersonId]:
        """Every person id, sorted."""
        return self.subjects(SubjectKind.PERSON)

    def by_subject(self) -> dict[SubjectId, list[Record]]:
        """Each subject's records (its stream), whatever its kind."""
        grouped: dict[SubjectId, list[Record]] = defaultdict(list)
        for record in self.records:
            grouped[record.subject].append(record)
        return dict(grouped)

    def by_person(self) -> dict[PersonId, list[Record]]:
        """Each person's records."""
        return {
            s: records
            for s, records in self.by_subject().items()
            if records[0].subject_kind is SubjectKind.PERSON
        }

    def subject_files(self, kind: SubjectKind, known_at: dt.datetime | None = None) -> Iterator[SubjectFile]:
        """Every file of ``kind`` as known at ``known_at``, by id."""
        for subject, records in sorted(self.by_subject().items()):
            if records[0].subject_kind is kind:
                yield build_file(kind, subject, records, known_at)

    def files(self, known_at: dt.datetime | None = None) -> Iterator[PersonFile]:
        """Every person file as known at ``known_at``, by person id."""
        for person, records in sorted(self.by_person().items()):
            yield PersonFile.build(person, records, known_at)


def read_dataset(data: Any, *, catalogue: ChemicalCatalogue = NATIONAL_CATALOGUE) -> Dataset:
    """Validate parsed JSON as an ``antidrug-dataset/1`` document.

    Chemicals may be named by catalogue id or Chinese name (``catalogue``,
    the national one by default); the records keep the id.

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
    entries = _entries(data, codes, problems)
    parsed, voided_types = _records(raw_records, zone_name, problems, catalogue)
    registrations = _registrations(entries, parsed, zone_name, problems)
    schemes = _rating_schemes(data.get("rating_schemes", []), problems)

    seen: dict[str, int] = {}
    for index, record in parsed.items():
        entry = entries.get(record.subject)
        kind = record.subject_kind
        if entry is None or entry.kind is not kind:
            problems.append(
                Problem(f"records[{index}].{kind.value}", f"unknown {kind.value} {record.subject!r}")
            )
        if record.id in seen:
            problems.append(
                Problem(
                    f"records[{index}].id", f"{record.id!r} is already used by records[{seen[record.id]}]"
                )
            )
        else:
            seen[record.id] = index
    problems.extend(_stream_lengths(parsed, entries))
    problems.extend(_reference_problems(parsed, voided_types, registrations, codes))
    problems.extend(_void_cycles(parsed))
    if problems:
        raise InvalidInput(problems)
    assert policy is not None  # a policy problem would have been raised above
    ordered = [*registrations.values(), *parsed.values()]
    return Dataset(
        policy=policy, divisions=tuple(divisions), records=tuple(ordered), rating_schemes=tuple(schemes)
    )


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
    report_days = raw.get("incident_report_days", 1)
    if not isinstance(report_days, int) or isinstance(report_days, bool) or report_days < 0:
        problems.append(
            Problem("policy.incident_report_days", f"{report_days!r} is not a whole number of days")
        )
    if not isinstance(time_zone, str):
        problems.append(Problem("time_zone", f"{time_zone!r} is not a time zone name"))
    if len(problems) > found:
        return None
    try:
        return Policy(
            responsible=Responsibility(responsible),
            test_window_days=window,
            time_zone=time_zone,
            incident_report_days=report_days,
        )
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
class _Entry:
    """A subject's entry in ``people``, ``units`` or ``organisations``: its registration's fields."""

    kind: SubjectKind
    id: SubjectId
    where: str
    """Its place in the file (``units[3]``), for messages."""
    fields: Mapping[str, Any]
    """The registration's content fields as written (checked when the record is made)."""
    registered_on: dt.date | None
    recorded_at: dt.datetime | None
    recorded_by: str | None


def _entries(
    data: Mapping[str, Any], codes: set[DivisionCode], problems: list[Problem]
) -> dict[SubjectId, _Entry]:
    """Every listed subject by id: one namespace for the three lists."""
    entries: dict[SubjectId, _Entry] = {}
    for kind, name in _LISTS.items():
        raw = data.get(name, [])
        if not isinstance(raw, list):
            problems.append(Problem(name, "must be a list"))
            continue
        for index, item in enumerate(raw):
            entry = _entry(kind, f"{name}[{index}]", item, codes, problems)
            if entry is None:
                continue
            known = entries.get(entry.id)
            if known is not None:
                problems.append(
                    Problem(f"{entry.where}.id", f"{entry.id!r} is already listed as {known.where}")
                )
                continue
            entries[entry.id] = entry
    return entries


def _entry(
    kind: SubjectKind, where: str, item: Any, codes: set[DivisionCode], problems: list[Problem]
) -> _Entry | None:
    if not isinstance(item, Mapping):
        problems.append(Problem(where, "must be an object"))
        return None
    for key in sorted(set(item) - _ENTRY_FIELDS[kind] - _RECORDING):
        problems.append(Problem(f"{where}.{key}", "unknown field"))
    subject = item.get("id")
    if not isinstance(subject, str) or not subject:
        problems.append(Problem(f"{where}.id", "is required"))
        return None
    refused = id_problem(subject)
    if refused is not None:
        problems.append(Problem(f"{where}.id", refused))
        return None
    found = len(problems)
    for field in ("household", "residence", "activity", "division"):
        value = item.get(field)
        if field not in _ENTRY_FIELDS[kind]:
            continue
        if value is None:
            if field in {"household", "division"}:
                problems.append(Problem(f"{where}.{field}", "is required"))
        elif not isinstance(value, str) or value not in codes:
            problems.append(Problem(f"{where}.{field}", f"unknown division code {value!r}"))
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
    if len(problems) > found:
        return None
    # Unknown fields are reported above; the registration is made of the known ones.
    fields = {k: v for k, v in item.items() if k in _ENTRY_FIELDS[kind] and k not in {"id", "registered_on"}}
    return _Entry(kind, SubjectId(subject), where, fields, registered_on, recorded_at, recorded_by)


def _rating_schemes(raw: Any, problems: list[Problem]) -> list[RatingScheme]:
    if not isinstance(raw, list):
        problems.append(Problem("rating_schemes", "must be a list"))
        return []
    schemes: list[RatingScheme] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"rating_schemes[{index}]"
        try:
            scheme = structure(item, RatingScheme)
        except InvalidInput as error:
            for p in error.problems:
                field = p.field if p.field and p.field != "rating_schemes" else ""
                problems.append(Problem(f"{where}.{field}" if field else where, p.reason))
            continue
        if scheme.id in seen:
            problems.append(Problem(f"{where}.id", f"{scheme.id!r} is listed twice"))
            continue
        seen.add(scheme.id)
        schemes.append(scheme)
    return schemes


def _stream_lengths(parsed: Mapping[int, Record], entries: Mapping[SubjectId, _Entry]) -> list[Problem]:
    """A subject with more records than ``RECORDS_PER_SUBJECT`` is refused, named by its entry."""
    counts: dict[SubjectId, int] = defaultdict(int)
    for record in parsed.values():
        counts[record.subject] += 1
    return [
        Problem(
            entries[subject].where if subject in entries else "records",
            f"{subject!r} has {count} records; a stream holds at most {RECORDS_PER_SUBJECT}",
        )
        for subject, count in sorted(counts.items())
        if count > RECORDS_PER_SUBJECT
    ]


def _records(
    raw: Sequence[Any], time_zone: str, problems: list[Problem], catalogue: ChemicalCatalogue
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
            and isinstance(tag, str)  # a hostile file may put a list here
            and tag in RECORD_TYPES
            and tag != RecordVoided.type_tag
            and set(data) <= _VOID_FIELDS
        ):
            data[TYPE_FIELD] = RecordVoided.type_tag  # "voids instead of content": a pure void
            voided_type = tag
        if not _chemicals_by_id(data, where, catalogue, problems):
            continue
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
        limits = record_limit_problems(record)
        if limits:
            problems.extend(Problem(f"{where}.{p.field}", p.reason) for p in limits)
            continue
        parsed[index] = record
        if voided_type is not None:
            voided_types[index] = voided_type
    return parsed, voided_types


_QUANTIFIED = {"ledger_entry", "stock_counted", "incident_reported"}
"""The record types whose ``quantity`` is an exact decimal string with a ``measure``."""


def _chemicals_by_id(
    data: dict[str, Any], where: str, catalogue: ChemicalCatalogue, problems: list[Problem]
) -> bool:
    """Name every chemical of a record by its catalogue id (input may use the Chinese name,
    docs/reference/dataset.md); False, with a problem per unknown chemical, when one is not in
    the catalogue."""
    found = len(problems)
    quantity = data.get("quantity")
    tag = data.get(TYPE_FIELD)
    quantified = isinstance(tag, str) and tag in _QUANTIFIED  # a hostile file may put a list here
    if quantified and isinstance(quantity, int) and not isinstance(quantity, bool):
        problems.append(
            Problem(f"{where}.quantity", f'{quantity!r} must be a decimal string, like "{quantity}"')
        )
    if isinstance(data.get("chemical"), str) and tag != RecordVoided.type_tag:
        try:
            data["chemical"] = catalogue.resolve(data["chemical"])
        except InvalidInput as error:
            problems.append(Problem(f"{where}.chemical", error.problems[0].reason))
    if isinstance(data.get("chemicals"), str):
        problems.append(Problem(f"{where}.chemicals", "must be a list of chemical ids or names"))
    if isinstance(data.get("chemicals"), list):
        named: list[Any] = []
        for position, chemical in enumerate(data["chemicals"]):
            try:
                named.append(
                    catalogue.resolve(chemical, "chemicals") if isinstance(chemical, str) else chemical
                )
            except InvalidInput as error:
                problems.append(Problem(f"{where}.chemicals[{position}]", error.problems[0].reason))
        data["chemicals"] = named
    return len(problems) == found


def _start_of(on: Any, time_zone: str) -> str | None:
    """The start of day ``on`` as an ISO timestamp, or None when ``on`` is not a date."""
    try:
        return start_of_day(dt.date.fromisoformat(on), time_zone).isoformat()
    except (TypeError, ValueError):
        return None


def _registrations(
    entries: Mapping[SubjectId, _Entry], parsed: Mapping[int, Record], time_zone: str, problems: list[Problem]
) -> dict[SubjectId, Record]:
    """A registration record per listed subject, known whenever any of its records is.

    Its date is ``registered_on``, or, when the file does not say, the
    subject's earliest record date (or a unit's ``since``, if earlier):
    places hold from the start of the stream either way.
    """
    earliest_on: dict[SubjectId, dt.date] = {}
    earliest_at: dict[SubjectId, dt.datetime] = {}
    for record in parsed.values():
        subject = record.subject
        earliest_on[subject] = min(earliest_on.get(subject, record.on), record.on)
        earliest_at[subject] = min(earliest_at.get(subject, record.recorded_at), record.recorded_at)
    registrations: dict[SubjectId, Record] = {}
    for subject, entry in entries.items():
        since = _date_or_none(entry.fields.get("since")) if entry.kind is SubjectKind.UNIT else None
        candidates = [d for d in (earliest_on.get(subject), since) if d is not None]
        on = entry.registered_on or (min(candidates) if candidates else dt.date(1970, 1, 1))
        recorded_at = entry.recorded_at or start_of_day(on, time_zone)
        if entry.recorded_at is None and subject in earliest_at:
            recorded_at = min(recorded_at, earliest_at[subject])
        opening = REGISTRATIONS[entry.kind]
        data = {
            TYPE_FIELD: opening.type_tag,
            "id": registration_id(subject)
            if entry.kind is SubjectKind.PERSON
            else subject_registration_id(subject),
            entry.kind.value: subject,
            "on": on.isoformat(),
            "recorded_at": recorded_at.isoformat(),
            "recorded_by": entry.recorded_by or IMPORTED_BY,
            **entry.fields,
        }
        try:
            registrations[subject] = record_from_data(data)
        except InvalidInput as error:
            problems.extend(Problem(f"{entry.where}.{p.field}", p.reason) for p in error.problems)
            continue
        registration = registrations[subject]
        limits = record_limit_problems(registration)
        if limits:
            problems.extend(Problem(f"{entry.where}.{p.field}", p.reason) for p in limits)
            del registrations[subject]
            continue
        if isinstance(registration, UnitRegistered) and registration.uscc is not None:
            problems.extend(
                Problem(f"{entry.where}.{p.field}", p.reason)
                for p in reference_problems(registration, {}, build_file(entry.kind, subject, ()))
            )
    return registrations


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None  # reported when the registration is made


def _reference_problems(
    parsed: Mapping[int, Record],
    voided_types: Mapping[int, str],
    registrations: Mapping[SubjectId, Record],
    codes: set[DivisionCode],
) -> list[Problem]:
    problems: list[Problem] = []
    by_subject: dict[SubjectId, list[tuple[int, Record]]] = defaultdict(list)
    for index, record in parsed.items():
        by_subject[record.subject].append((index, record))
    for subject, items in by_subject.items():
        registration = registrations.get(subject)
        if registration is None:
            continue  # reported as an unknown subject
        # A record naming the subject in another kind's field is reported as naming an unknown one.
        items = [
            (index, record) for index, record in items if record.subject_kind is registration.subject_kind
        ]
        history: dict[RecordId, Record] = {registration.id: registration}
        history.update((record.id, record) for _, record in items)
        file = build_file(registration.subject_kind, subject, history.values())
        index_of = {record.id: index for index, record in items}
        for problem in measure_problems(file):
            where = f"records[{index_of[problem.row]}]" if problem.row in index_of else str(problem.row)
            problems.append(Problem(f"{where}.{problem.field}", problem.reason))
        for index, record in items:
            for problem in reference_problems(record, history, file, known_divisions=codes):
                if problem.field == "id":
                    continue  # a duplicate id is named once, by ``read_dataset``, at its second use
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
    rating_schemes: Iterable[RatingScheme] = (),
) -> dict[str, Any]:
    """A dataset document of ``records``, ready for ``json.dump``.

    Each subject's first registration becomes its entry in ``people``,
    ``units`` or ``organisations``; every other record is written in the
    dataset's record form (with ``id``, ``recorded_at`` and ``recorded_by``,
    so a round trip loses nothing). ``units``, ``organisations`` and
    ``rating_schemes`` are written only when there are any, so a dataset of
    people reads as it always did.
    """
    policy = policy or Policy()
    by_id: dict[RecordId, Record] = {}
    entries: dict[SubjectKind, dict[SubjectId, dict[str, Any]]] = {kind: {} for kind in SubjectKind}
    rest: list[Record] = []
    for record in records:
        by_id[record.id] = record
        kind = record.subject_kind
        listed = entries[kind]
        if isinstance(record, REGISTRATIONS[kind]) and record.voids is None and record.subject not in listed:
            listed[record.subject] = _entry_data(record)
        else:
            rest.append(record)
    out_records: list[dict[str, Any]] = []
    for record in rest:
        data = record_to_data(record)
        if isinstance(record, RecordVoided):
            target = by_id.get(record.voids) if record.voids else None
            data[TYPE_FIELD] = target.type_tag if target is not None else record.type_tag
        out_records.append(data)
    document: dict[str, Any] = {
        "format": DATASET_FORMAT,
        "time_zone": policy.time_zone,
        "policy": {
            "responsible": policy.responsible.value,
            "test_window_days": policy.test_window_days,
            # Written only when it differs from the default, so files without chemicals stay as they were.
            **(
                {"incident_report_days": policy.incident_report_days}
                if policy.incident_report_days != 1
                else {}
            ),
        },
        "divisions": [_division_data(d) for d in _with_referenced(divisions, by_id.values())],
    }
    for kind, name in _LISTS.items():
        if entries[kind] or kind is SubjectKind.PERSON:
            document[name] = [entries[kind][s] for s in sorted(entries[kind])]
    schemes = sorted(rating_schemes, key=lambda scheme: scheme.id)
    if schemes:
        document["rating_schemes"] = [unstructure(scheme) for scheme in schemes]
    document["records"] = out_records
    return document


def _entry_data(registration: Record) -> dict[str, Any]:
    """A registration as its subject's list entry: the id, the content, and when it was recorded."""
    data = record_to_data(registration)
    entry: dict[str, Any] = {"id": registration.subject}
    entry.update(
        (key, value)
        for key, value in data.items()
        if key not in {TYPE_FIELD, "id", "on", "voids", *_SUBJECT_FIELDS, *_RECORDING}
    )
    entry["registered_on"] = registration.on.isoformat()
    entry["recorded_at"] = registration.recorded_at.isoformat()
    if registration.recorded_by != IMPORTED_BY:
        entry["recorded_by"] = registration.recorded_by
    return entry


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
