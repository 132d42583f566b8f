"""Indicator definitions: what a figure counts, written down as data.

A definition names its populations (docs/reference/indicators.md): the initial population
``IP``, the denominator ``D``, the denominator exclusion ``DX``, the
numerator ``N``, the denominator exception ``DE`` and the numerator
exclusion ``NX``, each as a criterion (``indicators.criteria``). Populations
are gated, each by its parent, so a criterion only ever narrows:

* ``IP``: people attributed to the division who meet ``initial``
* ``D``: IP ∩ ``denominator``
* ``DX``: D ∩ ``denominator_exclusion``
* ``N``: (D − DX) ∩ ``numerator``
* ``DE``: people in (D − DX) not in N who meet ``denominator_exception``
* ``NX``: N ∩ ``numerator_exclusion``

Score = |N − NX| / |D − DX − DE|. A criterion left out (None) lets everyone
through for IP, D and N, and no one for DX, DE and NX.

An event-based definition counts items instead of people: ``items`` says
which (due tests, records, accepted transfers); ``initial`` still picks the
people whose items count, and the other criteria may look at the item.

A definition is about one kind of subject (``subject``): people by default,
or units, or organisations (docs/reference/indicators.md). The populations
are then of units or organisations, or of the items drawn from their
records, under the same gating. Besides ``percent``, ``ratio`` and
``count``, a figure can be a ``sum`` (Σ of a record field over the items of
N − NX, exact) or a ``flag`` (yes or no from N − NX, or N − NX against
D − DX − DE); a count can count ``distinct`` values of a field instead of
items.

A definition has a canonical serialised form and a digest
(``indicators.canonical``); a result names the id, version and digest of
the definition it was computed with.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import ClassVar

import attrs

from antidrug_core.indicators._fields import field_values, plain_fields
from antidrug_core.indicators.criteria import (
    Criterion,
    DueExcused,
    FollowedBy,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    ItemField,
    ReferencedBy,
    SubjectIn,
    When,
    Where,
    walk,
)
from antidrug_core.model import (
    RECORD_TYPES,
    InvalidInput,
    OrganisationRecord,
    PersonRecord,
    Problem,
    Record,
    SubjectKind,
    TestKind,
    UnitRecord,
)
from antidrug_core.state import OrganisationState, UnitState

__all__ = [
    "POPULATIONS",
    "AcceptedTransfers",
    "Basis",
    "Direction",
    "Distinct",
    "DueTests",
    "FlagRule",
    "IndicatorDefinition",
    "ItemSource",
    "PartOf",
    "Records",
    "RecordsInPeriod",
    "Rounding",
    "Unit",
    "where_problems",
]

POPULATIONS: tuple[str, ...] = (
    "initial_population",
    "denominator",
    "denominator_exclusion",
    "denominator_exception",
    "numerator",
    "numerator_exclusion",
)
"""The population labels, in the order results report them (``antidrug-rates/1`` field names)."""

_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Unit(enum.StrEnum):
    """How a figure reads."""

    PERCENT = "percent"
    """Score as a percentage (``90.00%``)."""
    RATIO = "ratio"
    """Score as a plain decimal (``0.90``)."""
    COUNT = "count"
    """|N − NX| as a whole number of people or items (or of ``distinct`` values); always a value."""
    SUM = "sum"
    """Σ of the ``sum_of`` field over the items of N − NX, exact (whole or decimal); always a value."""
    FLAG = "flag"
    """Yes or no, as ``flag`` says, from the division's own records and those below it."""


class FlagRule(enum.StrEnum):
    """When a ``flag`` figure is yes. Computed from a division's populations (its own and those
    below it), so a parent's flag is the OR (``any``) or AND (``all``, ``none``) of its parts:
    never a vote or an average."""

    ANY = "any"
    """Yes when N − NX holds at least one subject or item."""
    NONE = "none"
    """Yes when N − NX is empty (零种植: no plants found in the period)."""
    ALL = "all"
    """Yes when every one of D − DX − DE is in N − NX; no value when D − DX − DE is empty."""


class Basis(enum.StrEnum):
    """What the populations hold."""

    PERSON = "person"
    """People: each person counts once."""
    EVENT = "event"
    """Items (due tests, records, transfers): each item counts once (人次, person-times)."""


class Rounding(enum.StrEnum):
    """How the display rounds the exact value to the definition's decimals."""

    HALF_UP = "half_up"
    """Ties away from zero (四舍五入): 0.125 → 0.13."""
    HALF_EVEN = "half_even"
    """Ties to the even digit: 0.125 → 0.12."""
    DOWN = "down"
    """Towards zero (truncate)."""
    UP = "up"
    """Away from zero."""


class Direction(enum.StrEnum):
    """Which side of an accepted transfer an item belongs to."""

    IN = "in"
    """The receiving division (``to``)."""
    OUT = "out"
    """The sending division (``from``)."""


@attrs.frozen
class ItemSource:
    """Base of the item sources of event-based definitions; subclasses set ``op``."""

    op: ClassVar[str]


def _test_kind(value: TestKind | str | None) -> TestKind | None:
    return None if value is None else TestKind(value)


def _types(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


@attrs.frozen
class DueTests(ItemSource):
    """Every effective ``test_due`` dated in the period (of ``kind``, if given).

    An item belongs to the person, and so to the person's division.
    """

    op: ClassVar[str] = "due_tests"

    kind: TestKind | None = attrs.field(default=None, converter=_test_kind)


@attrs.frozen
class RecordsInPeriod(ItemSource):
    """Every effective record of ``types`` dated in the period and matching ``where``."""

    op: ClassVar[str] = "records_in_period"

    types: tuple[str, ...] = attrs.field(converter=_types)
    where: Where = attrs.field(factory=Where)


@attrs.frozen
class AcceptedTransfers(ItemSource):
    """Every transfer accepted in the period (the acceptance is dated in it).

    Unlike other items, a transfer belongs to a division of its own: the
    receiving one (``in``) or the sending one (``out``), as the request names them.
    """

    op: ClassVar[str] = "accepted_transfers"

    direction: Direction = attrs.field(converter=Direction)


def _when(value: When | str) -> When:
    return When(value)


@attrs.frozen
class Records(ItemSource):
    """Every effective record of ``types`` whose date ``date`` is dated as ``when`` says, matching
    ``where``.

    The general form of ``records_in_period``, for any kind of subject:
    ``date`` is ``on`` (the record's own date) or another date field of the
    record (``due`` of a rectification order); ``when`` is ``period`` or
    ``by_period_end``. A record without that date is not an item.
    """

    op: ClassVar[str] = "records"

    types: tuple[str, ...] = attrs.field(converter=_types)
    when: When = attrs.field(default=When.PERIOD, converter=_when)
    date: str = "on"
    where: Where = attrs.field(factory=Where)


ITEM_SOURCE_TYPES = {cls.op: cls for cls in (DueTests, RecordsInPeriod, AcceptedTransfers, Records)}
"""Every item source by its stable tag."""


def _sorted_values(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput.of("distinct.values", f"{value!r} is not a list of values")
    return tuple(sorted({str(v) for v in value}))


@attrs.frozen
class Distinct:
    """Count the distinct values of an item field instead of the items.

    ``six_entries_covered``: the channels of the activities in the period,
    only the six of 六进 (0–6); ``volunteers``: the volunteer ids of the
    joins not followed by a leaving, each counted once. A division's values
    are the union of its own and those below it, so nothing is counted
    twice up the tree.
    """

    field: str
    """The item field (a list field counts each of its values)."""
    values: tuple[str, ...] = attrs.field(default=(), converter=_sorted_values)
    """Only these values count; empty for any."""
    per_subject: bool = False
    """Values are told apart per unit or organisation (``V1`` of two teams is two volunteers)."""


@attrs.frozen
class PartOf:
    """The figure is one part (分项) of another, the items whose ``by`` field holds ``value``.

    ``activities_on_0626`` is the part of ``activities`` whose ``key_date`` is
    ``0626``; ``value`` None is the part whose field is empty (活动 on no key
    date: “其他日期”). A chart breaks the whole down by its parts
    (``ChartKind.BREAKDOWN``), each bar a figure of its own with its evidence.
    Parts by a field of one value (``key_date``) add up to the whole; parts by
    a field of several values (an activity's ``channels``) need not, since an
    item counts in each of its values.
    """

    whole: str
    """The id of the figure this is a part of (``activities``)."""
    by: str
    """The item field the whole is broken down by (``key_date``, ``channels``)."""
    value: str | None = None
    """The field's value this part holds; None for the items where it is empty."""
    label: str = ""
    """How a chart names the part (“6·26 国际禁毒日”, 进校园, 其他日期)."""


def _optional_flag(value: FlagRule | str | None) -> FlagRule | None:
    return None if value is None else FlagRule(value)


def _subject_kind(value: SubjectKind | str) -> SubjectKind:
    return SubjectKind(value)


_STATES: dict[SubjectKind, type] = {SubjectKind.UNIT: UnitState, SubjectKind.ORGANISATION: OrganisationState}
"""What ``subject_in`` can ask of each kind: the fields of its state on a date."""

RECORD_BASES: dict[SubjectKind, type[Record]] = {
    SubjectKind.PERSON: PersonRecord,
    SubjectKind.UNIT: UnitRecord,
    SubjectKind.ORGANISATION: OrganisationRecord,
}
"""The record base each kind of subject's records derive from."""


def _optional_bool(value: bool | None) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidInput.of("higher_is_better", f"{value!r} is not true, false or null")
    return value


@attrs.frozen(kw_only=True, cache_hash=True)
class IndicatorDefinition:
    """One indicator, as data: who is counted, how the figure reads, which way is better.

    Construction checks the definition as a whole and raises ``InvalidInput``
    naming every problem, so an invalid local indicator is refused when it is
    registered, never when a figure is due.
    """

    id: str
    """Stable id, ``[a-z][a-z0-9_]*`` (``face_check_rate``)."""
    version: int
    """Raised whenever the meaning changes; the digest changes with any change at all."""
    name_zh: str
    """The name in the work summaries (见面核查率)."""
    name_en: str
    """The name in English."""
    unit: Unit = attrs.field(converter=Unit)
    subject: SubjectKind = attrs.field(default=SubjectKind.PERSON, converter=_subject_kind)
    """Whose populations: people (the default, left out of the canonical form), units or
    organisations. Items are drawn from that kind of subject's records."""
    basis: Basis = attrs.field(default=Basis.PERSON, converter=Basis)
    """``person`` counts subjects (people, units, organisations), ``event`` counts items."""
    items: ItemSource | None = None
    """What an event-based definition counts; None for a subject-based one."""
    sum_of: str | None = None
    """For a ``sum``: the item field added up (an ``int`` or ``Decimal`` field, or a property
    of the record type returning one)."""
    distinct: Distinct | None = None
    """For a ``count`` of items: count the distinct values of a field instead."""
    flag: FlagRule | None = attrs.field(default=None, converter=_optional_flag)
    """For a ``flag``: when it is yes."""
    initial: Criterion | None = None
    """Initial population criterion (None: every subject attributed)."""
    denominator: Criterion | None = None
    """Denominator criterion within IP (None: all of IP)."""
    denominator_exclusion: Criterion | None = None
    """Removed from D before anything else (None: no one)."""
    numerator: Criterion | None = None
    """Numerator criterion within D − DX (None: all of it)."""
    denominator_exception: Criterion | None = None
    """Among D − DX not in N, those excepted (None: no one)."""
    numerator_exclusion: Criterion | None = None
    """Removed from N (None: no one)."""
    decimals: int = 2
    """Decimal places of the display."""
    rounding: Rounding = attrs.field(default=Rounding.HALF_UP, converter=Rounding)
    """How the display rounds the exact value."""
    higher_is_better: bool | None = attrs.field(default=True, converter=_optional_bool)
    """Direction; None when neither is (most counts)."""
    description: str | None = None
    """A short note for readers of a local indicator."""
    part_of: PartOf | None = None
    """The whole this figure is a part of, and by which field's value; None for a figure of its own."""

    def __attrs_post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidInput(problems)

    def criteria(self) -> Iterator[tuple[str, Criterion]]:
        """``(population label, criterion)`` for every criterion given, in gating order."""
        for label, criterion in (
            ("initial_population", self.initial),
            ("denominator", self.denominator),
            ("denominator_exclusion", self.denominator_exclusion),
            ("numerator", self.numerator),
            ("denominator_exception", self.denominator_exception),
            ("numerator_exclusion", self.numerator_exclusion),
        ):
            if criterion is not None:
                yield label, criterion

    def problems(self) -> list[Problem]:
        """Everything wrong with the definition, each naming the field and the indicator."""
        row = self.id if isinstance(self.id, str) else None
        found: list[Problem] = []

        def problem(field: str, reason: str) -> None:
            found.append(Problem(field, reason, row))

        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            problem("id", f"{self.id!r} is not an id of lower-case letters, digits and _")
        if not isinstance(self.version, int) or isinstance(self.version, bool) or self.version < 1:
            problem("version", f"{self.version!r} is not a version number (1, 2, …)")
        for field in ("name_zh", "name_en"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                problem(field, "must not be empty")
        if (
            not isinstance(self.decimals, int)
            or isinstance(self.decimals, bool)
            or not 0 <= self.decimals <= 12
        ):
            problem("decimals", f"{self.decimals!r} is not a number of decimal places from 0 to 12")
        if self.basis is Basis.EVENT and self.items is None:
            problem("items", "an event-based definition says which items it counts")
        if self.basis is Basis.PERSON and self.items is not None:
            problem("items", "a person-based definition counts people, not items")
        kind = self.subject
        if isinstance(self.items, RecordsInPeriod | Records):
            found.extend(_type_problems("items", self.items.types, self.items.where, row, kind))
        if isinstance(self.items, DueTests | AcceptedTransfers) and kind is not SubjectKind.PERSON:
            problem("items", f"{self.items.op} are items of people, not of a {kind}")
        if isinstance(self.items, Records):
            if self.items.when not in (When.PERIOD, When.BY_PERIOD_END):
                problem("items.when", f"records are dated in the period or by its end, not {self.items.when}")
            for cls in _classes(self.items.types):
                if self.items.date not in plain_fields(cls):
                    problem("items.date", f"a {cls.type_tag} has no field {self.items.date!r}")
        found.extend(self._figure_problems(row))
        if self.part_of is not None:
            if not isinstance(self.part_of.whole, str) or not _ID.fullmatch(self.part_of.whole):
                problem("part_of.whole", f"{self.part_of.whole!r} is not an indicator id")
            elif self.part_of.whole == self.id:
                problem("part_of.whole", "a figure is not a part of itself")
            broken_down = _item_classes(self.items)
            if not broken_down:
                problem("part_of.by", "only a figure over records is broken down by a field of them")
            for cls in broken_down:
                if self.part_of.by not in plain_fields(cls):
                    problem("part_of.by", f"a {cls.type_tag} has no field {self.part_of.by!r}")
        item_classes = _item_classes(self.items)
        for label, criterion in self.criteria():
            field = _FIELD_OF[label]
            for inner in walk(criterion):
                if kind not in inner.subjects:
                    problem(field, f"{inner.op} cannot be asked of a {kind}")
                if inner.about_items and label == "initial_population":
                    problem(field, f"{inner.op} is about an item and cannot pick the initial population")
                if isinstance(inner, FulfilledInWindow | DueExcused) and not isinstance(self.items, DueTests):
                    problem(field, f"{inner.op} is about a due test: it needs items of due_tests")
                elif inner.about_items and self.items is None:
                    problem(field, f"{inner.op} is about an item: it needs items")
                if isinstance(inner, ItemField | ReferencedBy | FollowedBy):
                    found.extend(
                        Problem(field, reason, row) for reason in _item_problems(inner, item_classes)
                    )
                if isinstance(inner, ReferencedBy | FollowedBy):
                    found.extend(_type_problems(field, inner.types, Where(), row, kind))
                if isinstance(inner, HasRecord):
                    found.extend(_type_problems(field, inner.types, inner.where, row, kind))
                    if inner.when not in (When.PERIOD, When.BY_PERIOD_END):
                        problem(field, f"has_record looks at the period or up to its end, not {inner.when}")
                if isinstance(inner, SubjectIn) and kind in _STATES:
                    names = attrs.fields_dict(_STATES[kind])
                    if inner.field not in names:
                        problem(field, f"a {kind}'s state has no field {inner.field!r} ({', '.join(names)})")
                if isinstance(inner, InLostContact) and inner.when not in (When.PERIOD, When.PERIOD_END):
                    problem(
                        field, f"in_lost_contact is at any time in the period or at its end, not {inner.when}"
                    )
        return found

    def _figure_problems(self, row: str | None) -> list[Problem]:
        """What is wrong with how the figure is made (``sum_of``, ``distinct``, ``flag``)."""
        found: list[Problem] = []
        classes = _item_classes(self.items)
        if self.unit is Unit.SUM:
            if self.basis is not Basis.EVENT or self.sum_of is None:
                found.append(Problem("sum_of", "a sum adds up a field (sum_of) of items", row))
            else:
                for cls in classes:
                    if not _numeric(cls, self.sum_of):
                        found.append(
                            Problem("sum_of", f"{self.sum_of!r} of a {cls.type_tag} is not a number", row)
                        )
        elif self.sum_of is not None:
            found.append(Problem("sum_of", f"only a sum adds up a field, not a {self.unit}", row))
        if self.distinct is not None:
            if self.unit is not Unit.COUNT or self.basis is not Basis.EVENT:
                found.append(Problem("distinct", "only a count of items counts distinct values", row))
            for cls in classes:
                if self.distinct.field not in plain_fields(cls):
                    found.append(
                        Problem(
                            "distinct.field", f"a {cls.type_tag} has no field {self.distinct.field!r}", row
                        )
                    )
        if (self.unit is Unit.FLAG) != (self.flag is not None):
            found.append(
                Problem("flag", "a flag, and only a flag, says when it is yes (any, none, all)", row)
            )
        return found


def _classes(types: Iterable[str]) -> list[type[Record]]:
    return [RECORD_TYPES[tag] for tag in types if tag in RECORD_TYPES]


def _item_classes(items: ItemSource | None) -> list[type[Record]]:
    if isinstance(items, RecordsInPeriod | Records):
        return _classes(items.types)
    return []


def _numeric(cls: type[Record], field: str) -> bool:
    """Whether ``field`` of ``cls`` holds a whole or exact decimal number (possibly absent).

    A read-only property of the record type counts too (a count derived from one record, such as
    the ``fail`` items of an inspection): its annotation says what it returns.
    """
    attribute = plain_fields(cls).get(field)
    if attribute is None:
        derived = getattr(cls, field, None)
        if not isinstance(derived, property) or derived.fget is None:
            return False
        returns = typing.get_type_hints(derived.fget).get("return")
        return returns is int or returns is Decimal
    hint = typing.get_type_hints(cls)[attribute]
    members = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    numbers = [m for m in members if m is not type(None)]
    return bool(numbers) and all(m is int or m is Decimal for m in numbers)


def _item_problems(
    criterion: ItemField | ReferencedBy | FollowedBy, classes: list[type[Record]]
) -> list[str]:
    """Fields an item criterion names that the item records do not have."""
    reasons: list[str] = []
    match criterion:
        case ItemField(field=field, values=values):
            names = [field]
            if values:
                reasons += where_problems(classes, Where(((field, values),)))
                names = []
        case ReferencedBy(types=referring, field=field, by=by):
            names = [by] if by is not None else []
            for cls in _classes(referring):
                if field not in plain_fields(cls):
                    reasons.append(f"a {cls.type_tag} has no field {field!r}")
        case FollowedBy(types=later, same=same):
            names = list(same)
            for cls in _classes(later):
                reasons += [
                    f"a {cls.type_tag} has no field {f!r}" for f in same if f not in plain_fields(cls)
                ]
    for cls in classes:
        reasons += [f"a {cls.type_tag} has no field {f!r}" for f in names if f not in plain_fields(cls)]
    return reasons


_FIELD_OF = {
    "initial_population": "initial",
    "denominator": "denominator",
    "denominator_exclusion": "denominator_exclusion",
    "numerator": "numerator",
    "denominator_exception": "denominator_exception",
    "numerator_exclusion": "numerator_exclusion",
}


def _type_problems(
    field: str, types: tuple[str, ...], where: Where, row: str | None, kind: SubjectKind = SubjectKind.PERSON
) -> list[Problem]:
    found: list[Problem] = []
    if not types:
        found.append(Problem(f"{field}.types", "names no record type", row))
    for tag in types:
        if tag not in RECORD_TYPES:
            found.append(Problem(f"{field}.types", f"unknown record type {tag!r}", row))
        elif not issubclass(RECORD_TYPES[tag], RECORD_BASES[kind]):
            found.append(Problem(f"{field}.types", f"a {tag} is not a record of a {kind}", row))
    known = [RECORD_TYPES[tag] for tag in types if tag in RECORD_TYPES]
    found.extend(Problem(f"{field}.where", reason, row) for reason in where_problems(known, where))
    return found


def where_problems(classes: Iterable[type], where: Where) -> list[str]:
    """Why ``where`` cannot apply to records of ``classes`` (unknown fields or values)."""
    reasons: list[str] = []
    for cls in classes:
        names = plain_fields(cls)
        for field, values in where:
            if field not in names:
                reasons.append(f"a {cls.type_tag} has no field {field!r}")  # type: ignore[attr-defined]
                continue
            allowed = field_values(cls, field)
            if allowed is not None:
                bad = sorted(set(values) - allowed)
                if bad:
                    reasons.append(f"{field} of a {cls.type_tag} is never {', '.join(map(repr, bad))}")  # type: ignore[attr-defined]
    return reasons
