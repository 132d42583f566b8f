"""When a person's file is sealed by rule (封存), as data a host may replace.

治安管理处罚法 (2025 revision) art. 136 seals records of drug use; the
common practice is to seal the file of someone concluded ``abstinent_3y``
(戒断三年未复吸) once a further period has passed without relapse. The
status that starts the count and the years are local decisions, so they are
data here, replaced through the ``antidrug_register_rules`` hook
(``RuleRegistry.sealing``). A file is also sealed by decision
(``model.FileSealed``), whatever this rule says.
"""

from __future__ import annotations

from typing import Any

import attrs

from antidrug_core.model import Status

__all__ = ["DEFAULT_SEALING", "SEALING_YEARS", "SealingRule"]

SEALING_YEARS = 3
"""Years after ``abstinent_3y`` until a file is sealed by default (治安管理处罚法 art. 136; 戒毒条例
art. 7); the default retention rule on ``abstinent_3y`` counts them first."""


def _years(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and not 0 <= value <= 100:
        raise ValueError(f"{attribute.name} must be between 0 and 100 years, or None, not {value!r}")


@attrs.frozen(kw_only=True)
class SealingRule:
    """A file is sealed ``years`` after the status change to ``after`` that is still in force then."""

    after: Status = Status.ABSTINENT_3Y
    """The status whose start begins the count (the conclusion of abstinence by default)."""
    years: int | None = attrs.field(default=SEALING_YEARS, validator=_years)
    """Years from that status change to the seal; None: files are sealed by decision only."""
    basis: str = "治安管理处罚法第一百三十六条"
    """The legal basis a seal by this rule rests on, shown where the seal is explained."""


DEFAULT_SEALING = SealingRule()
"""Three years after the conclusion of abstinence, under 治安管理处罚法 art. 136."""
