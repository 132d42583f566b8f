"""Level schemes: the national high/medium/low and the local marks that map onto them.

Zhejiang marks A/B/C1/C2; a draft national scheme uses red/yellow/blue/green.
A scheme is data: each mark names the national level it stands for, and each
level the mark shown for it. Both ways: a host writes a level in its marks
(``read_level``) and reads it back in them (``LevelScheme.mark_for``); the
national level is what indicators count, and the mark the officer chose is
kept beside it (``LevelMark``), so C2 comes back C2, not C1.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from antidrug_core.model import InvalidInput, LevelMark, RiskLevel

__all__ = ["COLOUR_SCHEME", "LETTER_SCHEME", "NATIONAL_SCHEME", "LevelScheme", "read_level"]


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

    def mark_for(self, level: RiskLevel, mark: LevelMark | None = None) -> str:
        """How this scheme writes a recorded level: the mark the officer chose, when it was
        written in this scheme and still stands for ``level``, else the mark shown for it."""
        if mark is not None and mark.scheme == self.id and self.marks.get(mark.mark) is level:
            return mark.mark
        return self.shown[level]


def read_level(
    schemes: Mapping[str, LevelScheme], written: RiskLevel | str, scheme: str | None = None
) -> tuple[RiskLevel, LevelMark | None]:
    """A level as a host writes it: a national level, or a mark of one of ``schemes``.

    Args:
        schemes: The schemes in force, by id (``Rules.level_schemes``).
        written: ``RiskLevel.HIGH``, ``"high"``, or a mark such as ``"C2"`` or ``"红"``.
        scheme: The scheme the mark is in; without it the mark is looked up in
            every scheme, and must belong to one national level in all that have it.

    Returns:
        The national level, and the mark to keep with it (None for a national level
        written as the dataset's words).

    Raises:
        InvalidInput: an unknown scheme, a mark no scheme has, or one that stands
            for different levels in different schemes (then ``scheme`` is needed).
    """
    if isinstance(written, RiskLevel):
        return written, None
    if scheme is None and written in {level.value for level in RiskLevel}:
        return RiskLevel(written), None
    if scheme is not None:
        if scheme not in schemes:
            raise InvalidInput.of("scheme", f"no level scheme {scheme!r} (known: {', '.join(schemes)})")
        return schemes[scheme].level_of(written), LevelMark(scheme, written)
    having = [s for s in schemes.values() if written in s.marks]
    if not having:
        known = "; ".join(f"{s.id}: {', '.join(s.marks)}" for s in schemes.values())
        raise InvalidInput.of(
            "level", f"{written!r} is neither high, medium nor low, nor a mark of a level scheme ({known})"
        )
    if len({s.marks[written] for s in having}) > 1:
        raise InvalidInput.of(
            "level",
            f"{written!r} stands for different levels in {', '.join(s.id for s in having)}; name the scheme",
        )
    return having[0].marks[written], LevelMark(having[0].id, written)


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
