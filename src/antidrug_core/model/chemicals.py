"""Precursor chemicals (易制毒化学品): licences, the ledger, stock counts, inspections and rectification.

The law is 易制毒化学品管理条例 (国务院令第445号, revised 2018) and, for the
non-pharmaceutical ones, 非药品类易制毒化学品生产、经营许可办法 (安监总局令第5号).
Every record here is in a unit's stream. A chemical is named by its
catalogue id (its CAS number, or an id the catalogue gives it); which ids
exist is the catalogue's business (``antidrug_core.rules.chemicals``), so
the model checks only that one is given.

Quantities are exact: a ``Decimal`` and a ``Measure`` (g, kg, t, mL, L).
Mass converts to kg and volume to L without rounding; a float never touches
a quantity.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

import attrs

from antidrug_core.model.base import OrganisationId, RecordId, UnitRecord, non_empty, one_of
from antidrug_core.model.errors import InvalidInput

__all__ = [
    "ADDING",
    "EXACT",
    "QUANTITY_DECIMALS",
    "QUANTITY_DIGITS",
    "ChemicalId",
    "Dimension",
    "IncidentKind",
    "IncidentReported",
    "Inspected",
    "InspectionItem",
    "InspectionItems",
    "ItemResult",
    "LedgerEntry",
    "LicenceGranted",
    "LicenceKind",
    "LicenceRevoked",
    "Measure",
    "Movement",
    "RectificationDone",
    "RectificationOrdered",
    "StockCounted",
    "from_base",
    "in_base",
    "plain_decimal",
    "quantity",
]

ChemicalId: TypeAlias = str
"""A chemical's catalogue id: its CAS number (``7664-93-9`` 硫酸), or an id the catalogue gives it."""

QUANTITY_DIGITS = 18
"""The most digits a quantity may have before its decimal point."""

QUANTITY_DECIMALS = 9
"""The most digits a quantity may have after its decimal point (a microgram in kg is 1e-9)."""

EXACT = decimal.Context(
    prec=80,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
)
"""The arithmetic every quantity goes through: wide enough for any sum of bounded quantities,
and raising instead of rounding should it ever not be."""


class Dimension(enum.StrEnum):
    """What a measure measures; a unit's ledger of one chemical keeps to one."""

    MASS = "mass"
    """质量, kept in kg."""
    VOLUME = "volume"
    """体积, kept in L."""


class Measure(enum.StrEnum):
    """The measure a quantity is written in."""

    G = "g"
    """克."""
    KG = "kg"
    """千克."""
    T = "t"
    """吨."""
    ML = "mL"
    """毫升."""
    L = "L"
    """升."""

    @property
    def dimension(self) -> Dimension:
        """Mass or volume."""
        return Dimension.VOLUME if self in (Measure.ML, Measure.L) else Dimension.MASS

    @property
    def exponent(self) -> int:
        """The power of ten that turns this measure into its base (kg or L)."""
        return {Measure.G: -3, Measure.KG: 0, Measure.T: 3, Measure.ML: -3, Measure.L: 0}[self]

    @property
    def base(self) -> Measure:
        """The measure balances are kept in: kg for mass, L for volume."""
        return Measure.L if self.dimension is Dimension.VOLUME else Measure.KG


def in_base(amount: Decimal, measure: Measure) -> Decimal:
    """``amount`` of ``measure`` in kg or L, exactly (a power of ten moves the point; nothing rounds)."""
    return EXACT.scaleb(amount, measure.exponent)


def from_base(amount: Decimal, measure: Measure) -> Decimal:
    """An amount in kg or L written in ``measure``, exactly: the inverse of :func:`in_base`."""
    return EXACT.scaleb(amount, -measure.exponent)


def plain_decimal(value: Decimal) -> str:
    """A decimal in fixed-point form without trailing zeros (``1.500`` → ``1.5``, ``1E+3`` → ``1000``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def quantity(value: Any, field: str = "quantity") -> Decimal:
    """An exact quantity from a decimal string, an integer or a ``Decimal``; never from a float.

    Raises:
        InvalidInput: naming ``field``, for a float, a text that is not a plain decimal,
            a value that is not finite, or one with too many digits.
    """
    if isinstance(value, bool | float):
        raise InvalidInput.of(field, f"{value!r} is not exact: write the quantity as a decimal text")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text or not all(c.isdigit() or c in ".-+" for c in text) or text.count(".") > 1:
            raise InvalidInput.of(field, f"{value!r} is not a decimal number")
        try:
            value = Decimal(text)
        except decimal.InvalidOperation:
            raise InvalidInput.of(field, f"{value!r} is not a decimal number") from None
    if not isinstance(value, Decimal):
        raise InvalidInput.of(field, f"{value!r} is not a decimal number")
    if not value.is_finite():
        raise InvalidInput.of(field, f"{value!r} is not a finite number")
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    decimals = max(0, -exponent)
    whole = len(digits) + exponent
    if decimals > QUANTITY_DECIMALS:
        raise InvalidInput.of(field, f"{value} has more than {QUANTITY_DECIMALS} decimal places")
    if whole > QUANTITY_DIGITS:
        raise InvalidInput.of(field, f"{value} has more than {QUANTITY_DIGITS} digits before the point")
    return value


def _quantity(value: Any) -> Decimal:
    return quantity(value)


def _not_negative(_instance: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if value < 0:
        raise InvalidInput.of(attribute.name, f"{value} is negative: a quantity is never below zero")


def _positive(_instance: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if value <= 0:
        raise InvalidInput.of(attribute.name, f"{value} is not above zero")


def _measure(value: Any) -> Measure:
    return one_of(Measure, value, "measure")


def _licence(value: Any) -> LicenceKind:
    return one_of(LicenceKind, value, "licence")


def _movement(value: Any) -> Movement:
    return one_of(Movement, value, "movement")


def _item(value: Any) -> InspectionItem:
    return one_of(InspectionItem, value, "item")


def _incident(value: Any) -> IncidentKind:
    return one_of(IncidentKind, value, "kind")


class LicenceKind(enum.StrEnum):
    """The licences and filings of 易制毒化学品管理条例 (arts. 7–10, 14–17, 20–24)."""

    PRODUCTION_LICENCE = "production_licence"
    """生产许可证 (category 1; art. 8)."""
    TRADE_LICENCE = "trade_licence"
    """经营许可证 (category 1; art. 10)."""
    PRODUCTION_FILING = "production_filing"
    """生产备案证明 (categories 2 and 3; art. 13)."""
    TRADE_FILING = "trade_filing"
    """经营备案证明 (categories 2 and 3; art. 13)."""
    PURCHASE_PERMIT = "purchase_permit"
    """购买许可证 (category 1; art. 14)."""
    PURCHASE_FILING = "purchase_filing"
    """购买备案证明 (categories 2 and 3; art. 14)."""
    TRANSPORT_PERMIT = "transport_permit"
    """运输许可证 (category 1 single use, category 2 three months; art. 20)."""
    TRANSPORT_FILING = "transport_filing"
    """运输备案证明 (category 3; art. 20)."""


class Movement(enum.StrEnum):
    """A ledger movement (台账): what came in, what went out."""

    OPENING = "opening"
    """期初: the balance brought forward when the ledger starts; adds."""
    RECEIVED = "received"
    """购进/入库: received from a supplier; adds, and needs purchase authority."""
    PRODUCED = "produced"
    """生产: made on site; adds."""
    ISSUED = "issued"
    """销售/出库: sold or handed to another unit; subtracts."""
    USED = "used"
    """使用/领用: consumed; subtracts."""
    LOST = "lost"
    """丢失/被盗: missing; subtracts, and must be reported to the police at once (art. 35)."""
    DESTROYED = "destroyed"
    """销毁: destroyed; subtracts."""

    @property
    def adds(self) -> bool:
        """Whether the movement adds to the balance (else it subtracts)."""
        return self in ADDING


ADDING: frozenset[Movement] = frozenset({Movement.OPENING, Movement.RECEIVED, Movement.PRODUCED})
"""The movements that add to a balance; the others subtract."""


class InspectionItem(enum.StrEnum):
    """What an inspection looks at (seed 5: 库房、台账、制度、实验室、储存、人员)."""

    STOREHOUSE = "storehouse"
    """库房."""
    LEDGER = "ledger"
    """台账."""
    RULES = "rules"
    """管理制度."""
    LABORATORY = "laboratory"
    """实验室."""
    STORAGE = "storage"
    """储存."""
    PEOPLE = "people"
    """从业人员."""


class ItemResult(enum.StrEnum):
    """How an inspected item was found."""

    PASS = "pass"
    """合格."""
    FAIL = "fail"
    """不合格: a finding (问题)."""
    NOT_APPLICABLE = "not_applicable"
    """不适用 (a unit without a laboratory)."""


class IncidentKind(enum.StrEnum):
    """What happened to chemicals reported to the police (art. 35)."""

    LOST = "lost"
    """丢失."""
    STOLEN = "stolen"
    """被盗."""
    ROBBED = "robbed"
    """被抢."""
    DIVERTED = "diverted"
    """流入非法渠道."""


def _chemical(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    non_empty(_instance, attribute, value)


def _chemicals(value: Any) -> frozenset[ChemicalId]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise InvalidInput.of("chemicals", "must be a list of chemical ids")
    found = frozenset(value)
    for chemical in found:
        if not isinstance(chemical, str) or not chemical.strip():
            raise InvalidInput.of("chemicals", f"{chemical!r} is not a chemical id")
    return found


def _some_chemicals(_instance: Any, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    if not value:
        raise InvalidInput.of(attribute.name, "a licence or filing covers at least one chemical")


def _not_before_on(instance: Any, attribute: attrs.Attribute[Any], value: dt.date | None) -> None:
    if value is None:
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput.of(attribute.name, "must be a calendar date (YYYY-MM-DD)")
    if value < instance.on:
        raise InvalidInput.of(attribute.name, f"{value} is before the record's date {instance.on}")


def _due_not_before_on(instance: Any, attribute: attrs.Attribute[Any], value: dt.date) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput.of("due", "must be a calendar date (YYYY-MM-DD)")
    if value < instance.on:
        raise InvalidInput.of("due", f"{value} is before the record's date {instance.on}")


@attrs.frozen(kw_only=True)
class LicenceGranted(UnitRecord):
    """许可/备案: a licence, permit or filing granted to the unit, valid from ``on`` through ``until``.

    易制毒化学品管理条例 arts. 7–24: category 1 needs a licence or permit,
    categories 2 and 3 a filing; transport needs a permit or a filing.
    """

    type_tag: ClassVar[str] = "licence_granted"

    licence: LicenceKind = attrs.field(converter=_licence)
    """Which licence or filing."""
    number: str = attrs.field(validator=non_empty)
    """Its number (许可证号/备案证明编号), as printed on it."""
    chemicals: frozenset[ChemicalId] = attrs.field(converter=_chemicals, validator=_some_chemicals)
    """The chemicals it covers, by catalogue id."""
    until: dt.date | None = attrs.field(default=None, validator=_not_before_on)
    """The last day it is valid; absent means until revoked."""


@attrs.frozen(kw_only=True)
class LicenceRevoked(UnitRecord):
    """吊销/注销: the grant named in ``licence_record`` is no longer valid from ``on``."""

    type_tag: ClassVar[str] = "licence_revoked"

    licence_record: RecordId = attrs.field(validator=non_empty)
    """The id of the ``licence_granted`` record."""


@attrs.frozen(kw_only=True)
class LedgerEntry(UnitRecord):
    """台账: one movement of one chemical on ``on`` (art. 19 keeps the ledger at least two years).

    ``quantity`` is never negative: ``movement`` says whether it adds or
    subtracts. An opening balance may be zero; any other movement moves
    something.
    """

    type_tag: ClassVar[str] = "ledger_entry"

    chemical: ChemicalId = attrs.field(validator=_chemical)
    """The chemical, by catalogue id."""
    movement: Movement = attrs.field(converter=_movement)
    """What happened: opening, received, produced add; issued, used, lost, destroyed subtract."""
    quantity: Decimal = attrs.field(converter=_quantity, validator=_not_negative)
    """How much, exact, in ``measure``."""
    measure: Measure = attrs.field(converter=_measure)
    """The measure of ``quantity``."""
    counterparty: str | None = None
    """Who it came from or went to (a supplier, a buyer), when there is one."""
    licence_number: str | None = None
    """The number of the permit or filing the movement was made under (购买许可证号 …)."""

    def __attrs_post_init__(self) -> None:
        if self.movement is not Movement.OPENING and self.quantity == 0:
            raise InvalidInput.of("quantity", "is zero: only an opening may be 0")

    @property
    def base_quantity(self) -> Decimal:
        """The quantity in kg or L."""
        return in_base(self.quantity, self.measure)

    @property
    def signed(self) -> Decimal:
        """The change to the balance, in kg or L: positive when it adds."""
        amount = self.base_quantity
        return amount if self.movement.adds else EXACT.minus(amount)


@attrs.frozen(kw_only=True)
class StockCounted(UnitRecord):
    """盘点: the stock physically counted at the end of ``on``; the ledger balance must equal it."""

    type_tag: ClassVar[str] = "stock_counted"

    chemical: ChemicalId = attrs.field(validator=_chemical)
    """The chemical, by catalogue id."""
    quantity: Decimal = attrs.field(converter=_quantity, validator=_not_negative)
    """How much was found, exact, in ``measure``."""
    measure: Measure = attrs.field(converter=_measure)
    """The measure of ``quantity``."""

    @property
    def base_quantity(self) -> Decimal:
        """The quantity in kg or L."""
        return in_base(self.quantity, self.measure)


def _item_result(value: Any) -> ItemResult | None:
    return None if value is None else one_of(ItemResult, value, "items")


@attrs.frozen(kw_only=True)
class InspectionItems:
    """The result of each item an inspection looked at; an item left out was not looked at."""

    storehouse: ItemResult | None = attrs.field(default=None, converter=_item_result)
    """库房."""
    ledger: ItemResult | None = attrs.field(default=None, converter=_item_result)
    """台账."""
    rules: ItemResult | None = attrs.field(default=None, converter=_item_result)
    """管理制度."""
    laboratory: ItemResult | None = attrs.field(default=None, converter=_item_result)
    """实验室."""
    storage: ItemResult | None = attrs.field(default=None, converter=_item_result)
    """储存."""
    people: ItemResult | None = attrs.field(default=None, converter=_item_result)
    """从业人员."""

    def results(self) -> dict[InspectionItem, ItemResult]:
        """The items looked at and how each was found, in the order of ``InspectionItem``."""
        found = {item: getattr(self, item.value) for item in InspectionItem}
        return {item: result for item, result in found.items() if result is not None}

    def failed(self) -> tuple[InspectionItem, ...]:
        """The items found failing: the findings (问题)."""
        return tuple(item for item, result in self.results().items() if result is ItemResult.FAIL)


def _items(value: Any) -> InspectionItems:
    if isinstance(value, InspectionItems):
        return value
    if not isinstance(value, dict) and not hasattr(value, "items"):
        raise InvalidInput.of("items", "must map inspection items to pass, fail or not_applicable")
    fields: dict[str, Any] = {}
    for key, result in value.items():
        item = one_of(InspectionItem, key, "items")
        fields[item.value] = result
    return InspectionItems(**fields)


def _some_items(_instance: Any, attribute: attrs.Attribute[Any], value: InspectionItems) -> None:
    if not value.results():
        raise InvalidInput.of(attribute.name, "an inspection looks at at least one item")


@attrs.frozen(kw_only=True)
class Inspected(UnitRecord):
    """检查: an inspection of the unit by ``organisation``; each ``fail`` item is a finding (问题)."""

    type_tag: ClassVar[str] = "inspected"

    organisation: OrganisationId = attrs.field(validator=non_empty)
    """Who inspected (an emergency-management bureau, a public security office …)."""
    items: InspectionItems = attrs.field(converter=_items, validator=_some_items)
    """What was looked at and how each was found."""

    @property
    def findings(self) -> int:
        """How many items were found failing (问题数): what ``precursor_findings`` adds up."""
        return len(self.items.failed())


@attrs.frozen(kw_only=True)
class RectificationOrdered(UnitRecord):
    """责令整改: a finding of an inspection ordered to be put right by ``due``."""

    type_tag: ClassVar[str] = "rectification_ordered"

    inspection: RecordId = attrs.field(validator=non_empty)
    """The id of the ``inspected`` record whose finding this is."""
    item: InspectionItem = attrs.field(converter=_item)
    """The item found failing."""
    due_on: dt.date = attrs.field(validator=_due_not_before_on)
    """The last day to put it right: ``due`` in the dataset format and every plain form (the
    attribute has its own name because ``due`` is a test's record id elsewhere, a typed column)."""


@attrs.frozen(kw_only=True)
class RectificationDone(UnitRecord):
    """整改完成: the order named in ``order`` was put right on ``on``."""

    type_tag: ClassVar[str] = "rectification_done"

    order: RecordId = attrs.field(validator=non_empty)
    """The id of the ``rectification_ordered`` record."""


@attrs.frozen(kw_only=True)
class IncidentReported(UnitRecord):
    """案件报告: chemicals lost, stolen, robbed or diverted, reported to the police (art. 35: at once)."""

    type_tag: ClassVar[str] = "incident_reported"

    chemical: ChemicalId = attrs.field(validator=_chemical)
    """The chemical, by catalogue id."""
    kind: IncidentKind = attrs.field(converter=_incident)
    """What happened."""
    quantity: Decimal = attrs.field(converter=_quantity, validator=_positive)
    """How much, exact, in ``measure``."""
    measure: Measure = attrs.field(converter=_measure)
    """The measure of ``quantity``."""
