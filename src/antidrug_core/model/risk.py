"""Risk assessment and graded control (风险评估, 分级分类管控)."""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord, non_empty, one_of

__all__ = ["ControlLevelSet", "FactorValue", "LevelMark", "RiskAssessed", "RiskLevel"]


class RiskLevel(enum.StrEnum):
    """The national three risk levels; local marks map onto them (see ``rules.levels``).

    The same levels name control levels: an assessment sets the control level.
    """

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@attrs.frozen
class FactorValue:
    """One answered assessment factor, e.g. ``("drug_type", "synthetic")``."""

    factor: str = attrs.field(validator=non_empty)
    """The factor's id in the rule set."""
    value: str = attrs.field(validator=non_empty)
    """The answer given."""


@attrs.frozen
class LevelMark:
    """A level as a local scheme writes it, e.g. ``LevelMark("letters", "C2")`` (see ``rules.levels``).

    Kept beside the national level because a scheme may have two marks for one
    level (C1 and C2 are both low): the national level alone cannot say which
    the officer chose, and it must come back as chosen.
    """

    scheme: str = attrs.field(validator=non_empty)
    """The scheme's id: ``national``, ``letters``, ``colours`` or a host's."""
    mark: str = attrs.field(validator=non_empty)
    """The mark as the scheme writes it: ``C2``, ``红``."""


def _risk_level(value: object) -> RiskLevel:
    return one_of(RiskLevel, value, "level")


def _optional_risk_level(value: object) -> RiskLevel | None:
    return None if value is None else one_of(RiskLevel, value, "proposed_level")


@attrs.frozen(kw_only=True)
class RiskAssessed(PersonRecord):
    """A confirmed risk assessment; from ``on`` it also sets the control level.

    Rules only propose a level; a person confirms it (PIPL art. 24: an
    automated decision with major impact needs a human and an explanation).
    The answers and the rule set are kept so the proposal can be explained later,
    and so is the explanation the officer was shown; a level other than the
    proposed one carries the officer's reason.
    """

    type_tag: ClassVar[str] = "risk_assessed"

    level: RiskLevel = attrs.field(converter=_risk_level)
    """The confirmed level."""
    factors: tuple[FactorValue, ...] = ()
    """The answers the rules were applied to (empty for imported assessments)."""
    rule_set: str | None = None
    """Id and version of the rule set that proposed a level, e.g. ``national@1``."""
    proposed_level: RiskLevel | None = attrs.field(default=None, converter=_optional_risk_level)
    """What the rules proposed, when it differs from ``level`` the reviewer overrode it."""
    confirmed_by: str | None = None
    """Who confirmed the level."""
    reason: str | None = None
    """Why the officer chose a level other than the proposed one (required then, PIPL art. 24)."""
    explanation: tuple[str, ...] = ()
    """The explanation of the proposal as shown when it was confirmed, sentence by sentence."""
    mark: LevelMark | None = None
    """The level as the officer wrote it in a local scheme, if they used one."""


@attrs.frozen(kw_only=True)
class ControlLevelSet(PersonRecord):
    """A control level set without a new assessment, e.g. raised after an incident."""

    type_tag: ClassVar[str] = "control_level_set"

    level: RiskLevel = attrs.field(converter=_risk_level)
    """The control level from ``on``."""
    reason: str | None = None
    """Why it was changed."""
    mark: LevelMark | None = None
    """The level as the officer wrote it in a local scheme, if they used one."""
