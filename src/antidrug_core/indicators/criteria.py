"""The criteria an indicator's populations are built from: a small set of composable predicates.

Each criterion is plain data (a frozen attrs class with a stable ``op`` tag in
its serialised form), so that a definition can be written down, compared,
digested and handed to another evaluator — the reference evaluator in
``indicators.reference`` and any fast evaluator a storage plugin offers read
the same data. A criterion answers yes or no for one subject — a person, a
unit or an organisation — (or, in an event-based indicator, for one item such
as a due test or an activity) as of a period.

The set is deliberately small; everything in the standard catalogue is built
from it:

* ``StatusIn`` — the person's status at the period end is one of these.
* ``HasRecord`` — at least one effective record of these types dated in the
  period (or on or before its end), optionally with given field values.
* ``InLostContact`` — in lost contact at any time in the period, or at its end.
* ``EveryDueExcused`` — the person had tests due in the period and every one
  was excused.
* ``AllOf`` / ``AnyOf`` / ``Not`` — composition.
* ``FulfilledInWindow`` / ``DueExcused`` — about one due test (event-based only).

Units and organisations (docs/reference/indicators.md) add five, each
general enough for every figure of the reference (docs/reference/indicators.md):

* ``InScope`` — the unit (or organisation) is in scope at the period end.
* ``SubjectIn`` — a field of the unit's or organisation's state at the period
  end (``kind``, ``roles`` …) has one of these values.
* ``ItemField`` — the item has a value in a field (one of these values; a
  date dated as ``when`` says): activities with a ``key_date``, licences
  valid until after the period end.
* ``ReferencedBy`` — the item is named by a later record (an order done, a
  finding destroyed, a licence revoked), by the period end or by a date of
  the item's own (``due``).
* ``FollowedBy`` — a later record with the same values in some fields
  follows the item by the period end (a volunteer who joined, then left).

Each criterion says which kinds of subject it can be asked of
(``subjects``); a definition is refused when it asks one of another kind.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar

import attrs

from antidrug_core.model import Status, SubjectKind, TestKind

__all__ = [
    "CRITERION_TYPES",
    "AllOf",
    "AnyOf",
    "Criterion",
    "DueExcused",
    "EveryDueExcused",
    "FollowedBy",
    "FulfilledInWindow",
    "HasRecord",
    "InLostContact",
    "InScope",
    "ItemField",
    "Not",
    "ReferencedBy",
    "StatusIn",
    "SubjectIn",
    "When",
    "Where",
    "walk",
]


class When(enum.StrEnum):
    """Which dates of the period a criterion looks at."""

    PERIOD = "period"
    """Dated within ``[start, end]``, both days included (or, for lost contact: at any time in it)."""
    BY_PERIOD_END = "by_period_end"
    """Dated on or before the period end, however long ago."""
    PERIOD_END = "period_end"
    """On the last day of the period (the state as of the period end)."""
    FROM_PERIOD_END = "from_period_end"
    """Dated on or after the period end (a licence valid ``until`` a day still to come)."""


def _where_items(
    value: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(field), tuple(sorted({str(v) for v in values}))) for field, values in pairs))


@attrs.frozen
class Where:
    """Field values a record must have: ``Where.of(kind=["urine"])``.

    Field names are the dataset format's (``kind``, ``result``, ``method``,
    ``from`` …); values are the format's words. A record matches when, for
    every field named, its value is one of those listed.
    """

    fields: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(default=(), converter=_where_items)
    """``(field, allowed values)`` pairs, sorted so that equal conditions are equal data."""

    @classmethod
    def of(cls, **fields: Iterable[str]) -> Where:
        """Conditions by keyword: ``Where.of(kind=["urine"], result=["positive"])``."""
        return cls(tuple(fields.items()))

    def __bool__(self) -> bool:
        return bool(self.fields)

    def __iter__(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return iter(self.fields)

    def __str__(self) -> str:
        return ", ".join(f"{field} in {{{', '.join(values)}}}" for field, values in self.fields)


@attrs.frozen
class Criterion:
    """Base of every criterion. Subclasses set ``op``, their stable tag in serialised form."""

    op: ClassVar[str]
    about_items: ClassVar[bool] = False
    """Whether it is about one item (a due test, a record) rather than a person or other subject."""
    subjects: ClassVar[frozenset[SubjectKind]] = frozenset(SubjectKind)
    """The kinds of subject it can be asked of."""


_PEOPLE = frozenset({SubjectKind.PERSON})
_UNITS_AND_ORGANISATIONS = frozenset({SubjectKind.UNIT, SubjectKind.ORGANISATION})


def _statuses(value: Iterable[Status | str]) -> frozenset[Status]:
    return frozenset(Status(v) for v in value)


def _types(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


def _test_kind(value: TestKind | str | None) -> TestKind | None:
    return None if value is None else TestKind(value)


@attrs.frozen
class StatusIn(Criterion):
    """The person's status at the period end is one of ``statuses``.

    The status on a date is the latest effective ``status_changed`` on or
    before it; a person with none has no status and meets no ``StatusIn``.
    """

    op: ClassVar[str] = "status_in"
    subjects: ClassVar[frozenset[SubjectKind]] = _PEOPLE

    statuses: frozenset[Status] = attrs.field(converter=_statuses)
    """The statuses that qualify."""


@attrs.frozen
class HasRecord(Criterion):
    """At least one effective record of one of ``types``, dated as ``when`` says, matching ``where``."""

    op: ClassVar[str] = "has_record"

    types: tuple[str, ...] = attrs.field(converter=_types)
    """Record type tags (``face_check``, ``risk_assessed`` …)."""
    when: When = attrs.field(converter=When)
    """``period`` (dated in the period) or ``by_period_end`` (dated on or before its end)."""
    where: Where = attrs.field(factory=Where)
    """Field values the record must have; empty for any."""


@attrs.frozen
class InLostContact(Criterion):
    """In lost contact (脱失) at any time in the period, or at the period end.

    A spell of lost contact runs from the ``lost_contact`` date to the
    ``contact_restored`` date. At any time in the period: the spell began on
    or before the end and was not restored before the start (the day of
    restoring is part of the spell). At the period end: the spell began on or
    before the end and was not restored by it.
    """

    op: ClassVar[str] = "in_lost_contact"
    subjects: ClassVar[frozenset[SubjectKind]] = _PEOPLE

    when: When = attrs.field(converter=When)
    """``period`` or ``period_end``."""


@attrs.frozen
class EveryDueExcused(Criterion):
    """The person had tests due in the period and every one was excused by the period end."""

    op: ClassVar[str] = "every_due_excused"
    subjects: ClassVar[frozenset[SubjectKind]] = _PEOPLE

    kind: TestKind | None = attrs.field(default=None, converter=_test_kind)
    """Only due tests of this kind; None for any kind."""


def _criteria(value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    return tuple(value)


@attrs.frozen
class AllOf(Criterion):
    """Every one of ``criteria`` is met (an empty list is always met)."""

    op: ClassVar[str] = "all_of"

    criteria: tuple[Criterion, ...] = attrs.field(converter=_criteria)


@attrs.frozen
class AnyOf(Criterion):
    """At least one of ``criteria`` is met (an empty list never is)."""

    op: ClassVar[str] = "any_of"

    criteria: tuple[Criterion, ...] = attrs.field(converter=_criteria)


@attrs.frozen
class Not(Criterion):
    """``criterion`` is not met."""

    op: ClassVar[str] = "not"

    criterion: Criterion


@attrs.frozen
class FulfilledInWindow(Criterion):
    """The due test was fulfilled, on or before the period end, by a test taken within its window.

    The fulfilling test is the library's (``state.fulfilment``): a test that
    names the due test, or else an unnamed test of the same kind within the
    window. It counts when it was taken within due date ± the policy's
    ``test_window_days``.
    """

    op: ClassVar[str] = "fulfilled_in_window"
    subjects: ClassVar[frozenset[SubjectKind]] = _PEOPLE
    about_items: ClassVar[bool] = True


@attrs.frozen
class DueExcused(Criterion):
    """The due test was excused, with a reason, on or before the period end."""

    op: ClassVar[str] = "due_excused"
    subjects: ClassVar[frozenset[SubjectKind]] = _PEOPLE
    about_items: ClassVar[bool] = True


def _values(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in value}))


def _field_names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


def _optional_when(value: When | str | None) -> When | None:
    return None if value is None else When(value)


@attrs.frozen
class InScope(Criterion):
    """The unit or organisation is in scope at the period end.

    A unit (docs/reference/dataset.md): ``since`` absent or on/before the end, and no
    ``unit_closed`` dated on or before it in effect (``state.unit_in_scope_on``).
    An organisation: no ``organisation_closed`` dated on or before the end.
    """

    op: ClassVar[str] = "in_scope"
    subjects: ClassVar[frozenset[SubjectKind]] = _UNITS_AND_ORGANISATIONS


@attrs.frozen
class SubjectIn(Criterion):
    """A field of the unit's or organisation's state at the period end has one of ``values``.

    The fields are those of ``state.UnitState`` and ``state.OrganisationState``
    (``kind``, ``roles``, ``division`` …); a field that holds several values
    (a unit's ``roles``) meets it when any of them is listed.
    """

    op: ClassVar[str] = "subject_in"
    subjects: ClassVar[frozenset[SubjectKind]] = _UNITS_AND_ORGANISATIONS

    field: str
    """The state's field (``kind`` of an organisation, ``roles`` of a unit)."""
    values: tuple[str, ...] = attrs.field(converter=_values)
    """The values that qualify, in the dataset format's words (``rehab_centre``)."""


@attrs.frozen
class ItemField(Criterion):
    """The item has a value in ``field``: one of ``values`` if given, dated as ``when`` says if given.

    With neither, any value qualifies (an activity with a ``key_date``). A
    field that holds several values (an activity's ``channels``) meets
    ``values`` when any of them is listed. A field left empty never meets it.
    """

    op: ClassVar[str] = "item_field"
    about_items: ClassVar[bool] = True

    field: str
    """The item record's field, by its plain (dataset format) name."""
    values: tuple[str, ...] = attrs.field(default=(), converter=_values)
    """Values that qualify; empty for any value."""
    when: When | None = attrs.field(default=None, converter=_optional_when)
    """For a date field: ``period``, ``by_period_end`` or ``from_period_end``."""


@attrs.frozen
class ReferencedBy(Criterion):
    """The item is named, in ``field``, by an effective record of ``types`` of the same subject.

    The naming record counts when it is dated on or before the period end
    and, if ``by`` names a date field of the item (``due``), on or before that
    date too: an order done by its due date, a finding destroyed by the end,
    a licence revoked.
    """

    op: ClassVar[str] = "referenced_by"
    about_items: ClassVar[bool] = True

    types: tuple[str, ...] = attrs.field(converter=_types)
    """Record types that may name the item (``rectification_done``)."""
    field: str
    """Their field holding the item's id (``order``)."""
    by: str | None = None
    """A date field of the item the naming record must not be after; None for the period end alone."""


@attrs.frozen
class FollowedBy(Criterion):
    """A later effective record of ``types`` of the same subject, with the item's values in ``same``.

    Later means after the item in canonical order (date, recording time, id)
    and dated on or before the period end: a volunteer who joined and then
    left, with the same ``volunteer``.
    """

    op: ClassVar[str] = "followed_by"
    about_items: ClassVar[bool] = True

    types: tuple[str, ...] = attrs.field(converter=_types)
    """Record types that end what the item began (``volunteer_left``)."""
    same: tuple[str, ...] = attrs.field(default=(), converter=_field_names)
    """Fields whose values must be the item's (``volunteer``); empty for any such record."""


CRITERION_TYPES: Mapping[str, type[Criterion]] = {
    cls.op: cls
    for cls in (
        StatusIn,
        HasRecord,
        InLostContact,
        EveryDueExcused,
        AllOf,
        AnyOf,
        Not,
        FulfilledInWindow,
        DueExcused,
        InScope,
        SubjectIn,
        ItemField,
        ReferencedBy,
        FollowedBy,
    )
}
"""Every criterion type by its stable tag."""


def walk(criterion: Criterion) -> Iterator[Criterion]:
    """``criterion`` and every criterion inside it, outermost first."""
    yield criterion
    if isinstance(criterion, AllOf | AnyOf):
        for inner in criterion.criteria:
            yield from walk(inner)
    elif isinstance(criterion, Not):
        yield from walk(criterion.criterion)
