"""Risk assessment and graded control (风险评估, 分级分类管控)."""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord, non_empty, one_of

__all__ = ["ControlLevelSet", "FactorValue", "RiskAssessed", "RiskLevel"]


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


def _risk_level(value: object) -> RiskLevel:
    return one_of(RiskLevel, value, "level")


def _optional_risk_level(value: object) -> RiskLevel | None:
    return None if value is None else one_of(RiskLevel, value, "proposed_level")


@attrs.frozen(kw_only=True)
class RiskAssessed(PersonRecord):
    """A confirmed risk assessment; from ``on`` it also sets the control level.

    Rules only propose a level; a person confirms it (PIPL art. 24: an
    automated decision with major impact needs a human and an explanation).
    The answers and the rule set are kept so the proposal can be explained later.
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


@attrs.frozen(kw_only=True)
class ControlLevelSet(PersonRecord):
    """A control level set without a new assessment, e.g. raised after an incident."""

    type_tag: ClassVar[str] = "control_level_set"

    level: RiskLevel = attrs.field(converter=_risk_level)
    """The control level from ``on``."""
    reason: str | None = None
    """Why it was changed."""
