"""People under management: registration, places and status over time (一人一档)."""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from antidrug_core.model.base import DivisionCode, PersonId, PersonRecord, RecordId, is_division, one_of

__all__ = [
    "ACTIVE_STATUSES",
    "ActivityChanged",
    "HouseholdChanged",
    "PersonRegistered",
    "RelapseFound",
    "ResidenceChanged",
    "SeriousBreach",
    "SeriousBreachKind",
    "Status",
    "StatusChanged",
    "registration_id",
]


class Status(enum.StrEnum):
    """A person's management status. The values are the dataset format's words."""

    REGISTERED = "registered"
    """一般在册: on the register, under no current measure."""
    COMMUNITY_DETOX = "community_detox"
    """社区戒毒: community drug treatment, three years (禁毒法 art. 33)."""
    COMMUNITY_REHAB = "community_rehab"
    """社区康复: community rehabilitation after compulsory isolation (禁毒法 art. 48)."""
    MAINTENANCE_TREATMENT = "maintenance_treatment"
    """戒毒药物维持治疗: e.g. methadone maintenance."""
    COMPULSORY_ISOLATION = "compulsory_isolation"
    """强制隔离戒毒: in a facility, not in the community."""
    ABSTINENT_3Y = "abstinent_3y"
    """戒断三年未复吸: three years without use; dynamic control ends, history is kept."""
    IN_CUSTODY = "in_custody"
    """羁押/服刑: detained or imprisoned."""
    DECEASED = "deceased"
    """死亡."""
    ABROAD = "abroad"
    """出境."""


ACTIVE_STATUSES: frozenset[Status] = frozenset(
    {
        Status.REGISTERED,
        Status.COMMUNITY_DETOX,
        Status.COMMUNITY_REHAB,
        Status.MAINTENANCE_TREATMENT,
    }
)
"""Statuses under active management in the community: the managed population."""


def registration_id(person: PersonId) -> RecordId:
    """The id of a person's registration record: one per person, the same in every store and file."""
    return RecordId(f"{person}:registered")


@attrs.frozen(kw_only=True)
class PersonRegistered(PersonRecord):
    """The first record of a person file: the person and their places.

    Places here hold from the beginning of the file; later place records
    change them from their own dates.
    """

    type_tag: ClassVar[str] = "person_registered"

    household: DivisionCode = attrs.field(validator=is_division)
    """户籍地: the division of household registration."""
    residence: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """现居住地: the division of current residence, if known."""
    activity: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """实际活动地: where the person actually spends time, if known and different."""


def _status(value: object) -> Status:
    return one_of(Status, value, "status")


def _serious_breach_kind(value: object) -> SeriousBreachKind:
    return one_of(SeriousBreachKind, value, "kind")


@attrs.frozen(kw_only=True)
class StatusChanged(PersonRecord):
    """From ``on``, the person's status is ``status``."""

    type_tag: ClassVar[str] = "status_changed"

    status: Status = attrs.field(converter=_status)
    """The new status."""


@attrs.frozen(kw_only=True)
class ResidenceChanged(PersonRecord):
    """From ``on``, the person lives in ``residence``."""

    type_tag: ClassVar[str] = "residence_changed"

    residence: DivisionCode = attrs.field(validator=is_division)
    """The new residence division."""


@attrs.frozen(kw_only=True)
class HouseholdChanged(PersonRecord):
    """From ``on``, the person's household registration (户口) is in ``household``."""

    type_tag: ClassVar[str] = "household_changed"

    household: DivisionCode = attrs.field(validator=is_division)
    """The new household division."""


@attrs.frozen(kw_only=True)
class ActivityChanged(PersonRecord):
    """From ``on``, the person's actual activity place is ``activity`` (None: as residence)."""

    type_tag: ClassVar[str] = "activity_changed"

    activity: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """The new activity division, or None when it no longer differs from residence."""


@attrs.frozen(kw_only=True)
class RelapseFound(PersonRecord):
    """复吸: renewed drug use found other than by a test; restarts the three-year count.

    A positive test is itself evidence of relapse and needs no record of this kind.
    """

    type_tag: ClassVar[str] = "relapse_found"


class SeriousBreachKind(enum.StrEnum):
    """The breaches of a community measure listed in 戒毒条例 art. 20."""

    REFUSED_TESTS = "refused_tests"
    """Refused tests three times or more."""
    LEFT_WITHOUT_PERMISSION = "left_without_permission"
    """Left the execution place without permission three times or more."""
    AWAY_30_DAYS = "away_30_days"
    """Away for thirty days or more in total."""


@attrs.frozen(kw_only=True)
class SeriousBreach(PersonRecord):
    """严重违反协议: the community measure was seriously breached.

    The three-year count no longer runs from the start of that measure; it
    starts again from the next anchor (a release, a new measure).
    """

    type_tag: ClassVar[str] = "serious_breach"

    kind: SeriousBreachKind = attrs.field(converter=_serious_breach_kind)
    """Which breach."""
