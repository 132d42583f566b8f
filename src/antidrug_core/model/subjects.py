"""Units and organisations: the subjects that are not people, and the records that open and close them.

A unit (企业/单位) holds precursor chemicals and is supervised where it is
(易制毒化学品管理条例, 国务院令第445号); an organisation (a township or
street government, a county department, a village, a rehabilitation centre)
does the prevention and organisation work and writes the summary. Each has
one stream of records, exactly like a person file: the first record
registers it, later records change or close it from their own dates, and
corrections void. Neither is personal data, so names and codes are kept in
plain form.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, ClassVar

import attrs

from antidrug_core.model.base import (
    DivisionCode,
    OrganisationRecord,
    RecordId,
    SubjectId,
    UnitRecord,
    is_division,
    non_empty,
    one_of,
)
from antidrug_core.model.errors import InvalidInput

__all__ = [
    "OrganisationChanged",
    "OrganisationClosed",
    "OrganisationKind",
    "OrganisationRegistered",
    "UnitChanged",
    "UnitClosed",
    "UnitRegistered",
    "UnitRole",
    "subject_registration_id",
]

NAME_LENGTH = 200
"""The longest name a unit or organisation may have, in characters (a full enterprise name fits)."""


class UnitRole(enum.StrEnum):
    """What a unit does with precursor chemicals (易制毒化学品管理条例 arts. 7–30)."""

    PRODUCTION = "production"
    """生产."""
    TRADE = "trade"
    """经营."""
    USE = "use"
    """使用 (e.g. a laboratory or a factory using them as raw material)."""
    STORAGE = "storage"
    """储存."""
    TRANSPORT = "transport"
    """运输."""


class OrganisationKind(enum.StrEnum):
    """What kind of body an organisation is."""

    GOVERNMENT = "government"
    """乡镇人民政府 / 街道办事处: a township or street government."""
    DEPARTMENT = "department"
    """县直部门: a county department (林业局, 应急管理局, 总工会 …)."""
    VILLAGE = "village"
    """村（社区）: a village or residents' committee."""
    REHAB_CENTRE = "rehab_centre"
    """社区戒毒康复工作中心: a community rehabilitation centre."""
    OTHER = "other"
    """Any other body that does and reports the work."""


def subject_registration_id(subject: SubjectId) -> RecordId:
    """The id of a unit's or organisation's registration record: one per subject, the same everywhere.

    It follows the person registration's form (``<id>:registered``), so a
    dataset without record ids still gives every stream the same first record
    in every store and file.
    """
    return RecordId(f"{subject}:registered")


def _name(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None and attribute.default is None:
        return
    non_empty(_instance, attribute, value)  # type: ignore[arg-type]
    assert value is not None
    if len(value) > NAME_LENGTH:
        raise InvalidInput.of(attribute.name, f"is longer than {NAME_LENGTH} characters")


def _roles(value: Any) -> frozenset[UnitRole]:
    if value is None:
        return frozenset()
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise InvalidInput.of("roles", "must be a list of roles")
    return frozenset(one_of(UnitRole, role, "roles") for role in value)


def _optional_roles(value: Any) -> frozenset[UnitRole] | None:
    return None if value is None else _roles(value)


def _some_roles(_instance: Any, attribute: attrs.Attribute[Any], value: frozenset[UnitRole] | None) -> None:
    if value is not None and not value:
        raise InvalidInput.of(attribute.name, "a unit has at least one role")


def _kind(value: Any) -> OrganisationKind:
    return one_of(OrganisationKind, value, "kind")


def _optional_kind(value: Any) -> OrganisationKind | None:
    return None if value is None else _kind(value)


def _uscc_form(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    # The check digit (GB 32100) is checked by ``antidrug_core.validation`` with python-stdnum;
    # the model only refuses what cannot be a code at all.
    if value is not None and (not isinstance(value, str) or len(value) != 18 or not value.isalnum()):
        raise InvalidInput.of(attribute.name, f"{value!r} is not an 18-character unified social credit code")


@attrs.frozen(kw_only=True)
class UnitRegistered(UnitRecord):
    """The first record of a unit's stream: the unit comes under supervision.

    Its ``on`` is when the library first knew it; ``since`` (when it came
    under supervision) decides when it is in scope.
    """

    type_tag: ClassVar[str] = "unit_registered"

    name: str = attrs.field(validator=_name)
    """The unit's name (企业名称), as on its licence."""
    division: DivisionCode = attrs.field(validator=is_division)
    """Where it is supervised: the division whose offices inspect it."""
    roles: frozenset[UnitRole] = attrs.field(converter=_roles, validator=_some_roles)
    """What it does with precursor chemicals."""
    uscc: str | None = attrs.field(default=None, validator=_uscc_form)
    """统一社会信用代码: the 18-character unified social credit code (GB 32100), when it has one."""
    since: dt.date | None = None
    """The date it came under supervision; absent means it always was."""


@attrs.frozen(kw_only=True)
class UnitChanged(UnitRecord):
    """Something about a unit changed from ``on``: its name, code, division or roles.

    Fields left empty keep their value. A move to another division moves
    who sees the unit, as a person's transfer does, but needs no acceptance:
    a unit is supervised where it is.
    """

    type_tag: ClassVar[str] = "unit_changed"

    name: str | None = attrs.field(default=None, validator=_name)
    """The new name."""
    division: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """The new division."""
    roles: frozenset[UnitRole] | None = attrs.field(
        default=None, converter=_optional_roles, validator=_some_roles
    )
    """The new roles (all of them, not the ones added)."""
    uscc: str | None = attrs.field(default=None, validator=_uscc_form)
    """The new unified social credit code."""

    def __attrs_post_init__(self) -> None:
        if self.voids is None and all(v is None for v in (self.name, self.division, self.roles, self.uscc)):
            raise InvalidInput.of("name", "a change names at least one of name, division, roles or uscc")


@attrs.frozen(kw_only=True)
class UnitClosed(UnitRecord):
    """The unit leaves supervision from ``on`` (closed, or no longer handles precursor chemicals)."""

    type_tag: ClassVar[str] = "unit_closed"


@attrs.frozen(kw_only=True)
class OrganisationRegistered(OrganisationRecord):
    """The first record of an organisation's stream: who it is and where."""

    type_tag: ClassVar[str] = "organisation_registered"

    name: str = attrs.field(validator=_name)
    """The organisation's name (某县应急管理局)."""
    kind: OrganisationKind = attrs.field(converter=_kind)
    """What kind of body it is."""
    division: DivisionCode = attrs.field(validator=is_division)
    """The division it serves: its figures are attributed here unless a record says where."""


@attrs.frozen(kw_only=True)
class OrganisationChanged(OrganisationRecord):
    """Something about an organisation changed from ``on``: its name, kind or division."""

    type_tag: ClassVar[str] = "organisation_changed"

    name: str | None = attrs.field(default=None, validator=_name)
    """The new name."""
    kind: OrganisationKind | None = attrs.field(default=None, converter=_optional_kind)
    """The new kind."""
    division: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """The new division."""

    def __attrs_post_init__(self) -> None:
        if self.voids is None and all(v is None for v in (self.name, self.kind, self.division)):
            raise InvalidInput.of("name", "a change names at least one of name, kind or division")


@attrs.frozen(kw_only=True)
class OrganisationClosed(OrganisationRecord):
    """The organisation stops working from ``on`` (merged, dissolved); its past work still counts."""

    type_tag: ClassVar[str] = "organisation_closed"
