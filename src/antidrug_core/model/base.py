"""What every record has in common.

Everything that happens is a dated, append-only record. A record is never
updated or deleted; a correction is a new record that names the one it
``voids``. State, indicators and reports are pure functions of the records.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
import re
from typing import Any, ClassVar, TypeAlias, TypeVar

import attrs

from antidrug_core.model.errors import InvalidInput

__all__ = [
    "DivisionCode",
    "OrganisationId",
    "OrganisationRecord",
    "PersonId",
    "PersonRecord",
    "Record",
    "RecordId",
    "RecordVoided",
    "SubjectId",
    "SubjectKind",
    "UnitId",
    "UnitRecord",
    "division_code",
    "is_aware",
    "is_division",
    "non_empty",
    "one_of",
]

E = TypeVar("E", bound=enum.Enum)

RecordId: TypeAlias = str
"""A record's stable id; another record refers to it by this id."""

SubjectId: TypeAlias = str
"""The id of what a record is about: a person, a unit or an organisation.

Ids are one namespace in a store and a dataset: a unit cannot take an id a
person or an organisation already has, so a stream is found by its id alone."""

PersonId: TypeAlias = SubjectId
"""A pseudonymous person id. Names and identity numbers never travel with it."""

UnitId: TypeAlias = SubjectId
"""A unit's id (企业/单位 holding precursor chemicals); not personal data."""

OrganisationId: TypeAlias = SubjectId
"""An organisation's id (a township, a department, a village, a rehabilitation centre)."""


class SubjectKind(enum.StrEnum):
    """The three kinds of subject a record can be about; the values are the dataset format's field names."""

    PERSON = "person"
    """吸毒人员: a person under management (一人一档)."""
    UNIT = "unit"
    """企业/单位: a unit that produces, trades, uses, stores or transports precursor chemicals."""
    ORGANISATION = "organisation"
    """A body that does the work and reports it: a government, a department, a village, a centre."""


DivisionCode: TypeAlias = str
"""An administrative division code (行政区划代码): GB/T 2260 six digits for a
county and above, nine (statistical) for a township, twelve for a village."""

_DIVISION_CODE = re.compile(r"\d{6}(\d{3}(\d{3})?)?")


def division_code(value: str) -> DivisionCode:
    """Check a division code's form and return it typed.

    Raises:
        InvalidInput: when the code is not 6, 9 or 12 digits.
    """
    if not isinstance(value, str) or not _DIVISION_CODE.fullmatch(value):
        raise InvalidInput.of("division", f"{value!r} is not a division code of 6, 9 or 12 digits")
    return DivisionCode(value)


def is_aware(value: dt.datetime) -> bool:
    """Whether a timestamp carries its offset; naive timestamps are ambiguous."""
    return value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None


def _aware(_instance: Any, attribute: attrs.Attribute[Any], value: dt.datetime) -> None:
    if not isinstance(value, dt.datetime) or not is_aware(value):
        raise InvalidInput.of(attribute.name, "must be a timestamp with a UTC offset")


def _plain_date(_instance: Any, attribute: attrs.Attribute[Any], value: dt.date) -> None:
    # datetime is a subclass of date; a timestamp here would silently carry a time zone.
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput.of(attribute.name, "must be a calendar date (YYYY-MM-DD)")


def non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: a string with something in it."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput.of(attribute.name, "must not be empty")


def is_division(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """attrs validator: a division code, or None where the field's default is None."""
    if value is None and attribute.default is None:
        return
    if not isinstance(value, str) or not _DIVISION_CODE.fullmatch(value):
        raise InvalidInput.of(attribute.name, f"{value!r} is not a division code of 6, 9 or 12 digits")


def one_of(choices: type[E], value: Any, field: str) -> E:
    """A member of ``choices``, given itself or its value; for attrs converters.

    Hosts may pass ``"home_visit"`` or ``FaceCheckMethod.HOME_VISIT``; anything
    else is refused naming the field and the allowed values.
    """
    if isinstance(value, choices):
        return value
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in choices)
        raise InvalidInput.of(field, f"{value!r} is not one of: {allowed}") from None


@attrs.frozen(kw_only=True)
class Record(abc.ABC):
    """A fact about one subject (a person, a unit or an organisation): dated, attributed, immutable.

    Subclasses set ``type_tag``, the stable name of the record type in every
    serialised form (the dataset format, storage, the audit chain). Tags are
    part of the public format and never change once released. A record type
    is about one kind of subject and derives from ``PersonRecord``,
    ``UnitRecord`` or ``OrganisationRecord``, which add the field naming
    the subject (``person``, ``unit``, ``organisation``); the mechanism that
    stores, chains, scopes and folds records reads only ``subject`` and
    ``subject_kind``.
    """

    type_tag: ClassVar[str]

    id: RecordId = attrs.field(validator=non_empty)
    """Stable id, unique in a store."""
    on: dt.date = attrs.field(validator=_plain_date)
    """The local calendar date the fact took effect, in the jurisdiction's time zone."""
    recorded_at: dt.datetime = attrs.field(validator=_aware)
    """When the fact was recorded; figures "as known at T" use only records recorded by T."""
    recorded_by: str = attrs.field(validator=non_empty)
    """Who recorded it: an actor id, or the source of an import."""
    voids: RecordId | None = None
    """The record this one replaces. From this record's ``recorded_at`` on, the
    voided record no longer counts; this record counts in its place."""

    # Abstract: only the three subject bases know which field names the subject, so a record
    # that is about no subject cannot be made at all.
    @property
    @abc.abstractmethod
    def subject(self) -> SubjectId:
        """The id of the subject whose stream the record belongs to."""

    @property
    @abc.abstractmethod
    def subject_kind(self) -> SubjectKind:
        """Which kind of subject ``subject`` names."""


@attrs.frozen(kw_only=True)
class PersonRecord(Record):
    """A record in a person file (一人一档)."""

    person: PersonId = attrs.field(validator=non_empty)
    """The pseudonymous id of the person the record is about (一人一档 holds them all)."""

    @property
    def subject(self) -> SubjectId:
        return self.person

    @property
    def subject_kind(self) -> SubjectKind:
        return SubjectKind.PERSON


@attrs.frozen(kw_only=True)
class UnitRecord(Record):
    """A record in a unit's stream (its licences, ledger, counts, inspections)."""

    unit: UnitId = attrs.field(validator=non_empty)
    """The id of the unit the record is about."""

    @property
    def subject(self) -> SubjectId:
        return self.unit

    @property
    def subject_kind(self) -> SubjectKind:
        return SubjectKind.UNIT


@attrs.frozen(kw_only=True)
class OrganisationRecord(Record):
    """A record in an organisation's stream: its work log."""

    organisation: OrganisationId = attrs.field(validator=non_empty)
    """The id of the organisation the record is about."""

    @property
    def subject(self) -> SubjectId:
        return self.organisation

    @property
    def subject_kind(self) -> SubjectKind:
        return SubjectKind.ORGANISATION


def _one_subject(instance: RecordVoided, _attribute: attrs.Attribute[Any], _value: Any) -> None:
    named = [v for v in (instance.person, instance.unit, instance.organisation) if v is not None]
    if len(named) != 1:
        raise InvalidInput.of("person", "a void names exactly one of person, unit or organisation")
    non_empty(instance, _attribute, named[0])


@attrs.frozen(kw_only=True)
class RecordVoided(Record):
    """A pure retraction: the record named in ``voids`` no longer counts.

    A correction that replaces content is a record of the same type with
    ``voids`` set; this type is for a record entered in error with nothing to
    put in its place. It belongs to the stream of the record it voids, so it
    names that record's subject in the same field (``person``, ``unit`` or
    ``organisation``); the two others stay empty and are left out of its
    plain form, which keeps a person's void exactly as it always was.
    """

    type_tag: ClassVar[str] = "voided"

    person: PersonId | None = None
    """The person, when the voided record is in a person file."""
    unit: UnitId | None = None
    """The unit, when the voided record is in a unit's stream."""
    organisation: OrganisationId | None = attrs.field(default=None, validator=_one_subject)
    """The organisation, when the voided record is in an organisation's stream."""
    reason: str | None = None
    """Why it was voided, kept short."""

    def __attrs_post_init__(self) -> None:
        if self.voids is None:
            raise InvalidInput.of("voids", "a void must name the record it voids")

    @property
    def subject(self) -> SubjectId:
        named = self.person if self.person is not None else self.unit
        named = named if named is not None else self.organisation
        assert named is not None  # the validator holds exactly one
        return named

    @property
    def subject_kind(self) -> SubjectKind:
        if self.person is not None:
            return SubjectKind.PERSON
        return SubjectKind.UNIT if self.unit is not None else SubjectKind.ORGANISATION

    @classmethod
    def of(cls, subject_kind: SubjectKind, subject: SubjectId, **fields: Any) -> RecordVoided:
        """A void in the stream of ``subject``, a subject of ``subject_kind``."""
        named: dict[str, Any] = {subject_kind.value: subject, **fields}
        return cls(**named)
