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

A definition has a canonical serialised form and a digest
(``indicators.canonical``); a result names the id, version and digest of
the definition it was computed with.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from typing import ClassVar

import attrs

from antidrug_core.indicators._fields import field_values, plain_fields
from antidrug_core.indicators.criteria import (
    Criterion,
    HasRecord,
    InLostContact,
    When,
    Where,
    walk,
)
from antidrug_core.model import RECORD_TYPES, InvalidInput, Problem, TestKind

__all__ = [
    "POPULATIONS",
    "AcceptedTransfers",
    "Basis",
    "Direction",
    "DueTests",
    "IndicatorDefinition",
    "ItemSource",
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
    """|N − NX| as a whole number of people or items; never a fraction, never without a value."""


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


ITEM_SOURCE_TYPES = {cls.op: cls for cls in (DueTests, RecordsInPeriod, AcceptedTransfers)}
"""Every item source by its stable tag."""


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
    basis: Basis = attrs.field(default=Basis.PERSON, converter=Basis)
    items: ItemSource | None = None
    """What an event-based definition counts; None for a person-based one."""
    initial: Criterion | None = None
    """Initial population criterion (None: everyone attributed)."""
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
        if isinstance(self.items, RecordsInPeriod):
            found.extend(_type_problems("items", self.items.types, self.items.where, row))
        for label, criterion in self.criteria():
            field = _FIELD_OF[label]
            for inner in walk(criterion):
                if inner.about_items and not (
                    label != "initial_population" and isinstance(self.items, DueTests)
                ):
                    problem(
                        field,
                        f"{inner.op} is about a due test: it needs items of due_tests and "
                        "cannot pick the initial population",
                    )
                if isinstance(inner, HasRecord):
                    found.extend(_type_problems(field, inner.types, inner.where, row))
                    if inner.when not in (When.PERIOD, When.BY_PERIOD_END):
                        problem(field, f"has_record looks at the period or up to its end, not {inner.when}")
                if isinstance(inner, InLostContact) and inner.when not in (When.PERIOD, When.PERIOD_END):
                    problem(
                        field, f"in_lost_contact is at any time in the period or at its end, not {inner.when}"
                    )
        return found


_FIELD_OF = {
    "initial_population": "initial",
    "denominator": "denominator",
    "denominator_exclusion": "denominator_exclusion",
    "numerator": "numerator",
    "denominator_exception": "denominator_exception",
    "numerator_exclusion": "numerator_exclusion",
}


def _type_problems(field: str, types: tuple[str, ...], where: Where, row: str | None) -> list[Problem]:
    found: list[Problem] = []
    if not types:
        found.append(Problem(f"{field}.types", "names no record type", row))
    for tag in types:
        if tag not in RECORD_TYPES:
            found.append(Problem(f"{field}.types", f"unknown record type {tag!r}", row))
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
