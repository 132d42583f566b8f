"""Control measures per level (分级分类管控) and when to re-assess."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from antidrug_core.model import RiskLevel

__all__ = ["DEFAULT_CONTROL_MEASURES", "ControlMeasures"]


@attrs.frozen(kw_only=True)
class ControlMeasures:
    """What a control level asks of the people managing someone."""

    level: RiskLevel
    face_check_every_days: int
    """A face-to-face check at least this often."""
    follow_up_every_days: int
    """A follow-up talk at least this often."""
    reassess_every_days: int
    """Re-assess at least this often even when nothing changes."""
    description: str
    """The measures in words, for staff."""


DEFAULT_CONTROL_MEASURES: Mapping[RiskLevel, ControlMeasures] = {
    RiskLevel.HIGH: ControlMeasures(
        level=RiskLevel.HIGH,
        face_check_every_days=7,
        follow_up_every_days=7,
        reassess_every_days=90,
        description="重点管控：每周见面核查和帮教谈话，增加不定期检测。",
    ),
    RiskLevel.MEDIUM: ControlMeasures(
        level=RiskLevel.MEDIUM,
        face_check_every_days=30,
        follow_up_every_days=14,
        reassess_every_days=180,
        description="常规管控：每月见面核查，每两周帮教谈话。",
    ),
    RiskLevel.LOW: ControlMeasures(
        level=RiskLevel.LOW,
        face_check_every_days=90,
        follow_up_every_days=30,
        reassess_every_days=365,
        description="一般管控：每季度见面核查，每月帮教谈话。",
    ),
}
"""A common local practice; a jurisdiction registers its own."""
