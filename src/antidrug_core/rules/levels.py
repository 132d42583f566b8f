"""Level schemes: the national high/medium/low and the local marks that map onto them.

Zhejiang marks A/B/C1/C2; a draft national scheme uses red/yellow/blue/green.
A scheme is data: each mark names the national level it stands for, and each
level the mark shown for it.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from antidrug_core.model import InvalidInput, RiskLevel

__all__ = ["COLOUR_SCHEME", "LETTER_SCHEME", "NATIONAL_SCHEME", "LevelScheme"]


@attrs.frozen
class LevelScheme:
    """A local way of writing risk levels."""

    id: str
    marks: Mapping[str, RiskLevel]
    """Every local mark → the national level it stands for."""
    shown: Mapping[RiskLevel, str]
    """The mark shown for each national level."""

    def __attrs_post_init__(self) -> None:
        for level, mark in self.shown.items():
            if self.marks.get(mark) is not level:
                raise InvalidInput.of("shown", f"mark {mark!r} shown for {level} must map back to it")
        missing = set(RiskLevel) - set(self.shown)
        if missing:
            raise InvalidInput.of("shown", f"no mark for {', '.join(sorted(missing))}")

    def level_of(self, mark: str) -> RiskLevel:
        """The national level of a local mark.

        Raises:
            InvalidInput: for a mark the scheme does not have.
        """
        try:
            return self.marks[mark]
        except KeyError:
            allowed = ", ".join(self.marks)
            raise InvalidInput.of("level", f"{mark!r} is not a mark of {self.id} ({allowed})") from None

    def mark_of(self, level: RiskLevel) -> str:
        """The local mark shown for a national level."""
        return self.shown[level]


NATIONAL_SCHEME = LevelScheme(
    "national",
    {"高": RiskLevel.HIGH, "中": RiskLevel.MEDIUM, "低": RiskLevel.LOW},
    {RiskLevel.HIGH: "高", RiskLevel.MEDIUM: "中", RiskLevel.LOW: "低"},
)
LETTER_SCHEME = LevelScheme(
    "letters",
    {"A": RiskLevel.HIGH, "B": RiskLevel.MEDIUM, "C1": RiskLevel.LOW, "C2": RiskLevel.LOW},
    {RiskLevel.HIGH: "A", RiskLevel.MEDIUM: "B", RiskLevel.LOW: "C1"},
)
COLOUR_SCHEME = LevelScheme(
    "colours",
    {"红": RiskLevel.HIGH, "黄": RiskLevel.MEDIUM, "蓝": RiskLevel.LOW, "绿": RiskLevel.LOW},
    {RiskLevel.HIGH: "红", RiskLevel.MEDIUM: "黄", RiskLevel.LOW: "蓝"},
)
