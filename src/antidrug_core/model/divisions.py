"""Administrative divisions (行政区划) and their hierarchy.

The hierarchy is read from the codes themselves (GB/T 2260 and the statistical
township and village codes), so that a division's figure can include every
division below it without anyone maintaining a tree by hand, and an actor's
scope can be checked from codes alone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from antidrug_core.model.base import DivisionCode, division_code, is_division, non_empty
from antidrug_core.model.errors import InvalidInput
from antidrug_core.model.limits import DIVISION_NAME_LENGTH, text_problem

__all__ = ["Division", "DivisionTree", "ancestors", "is_within", "level_of", "parent_code"]


def parent_code(code: str) -> DivisionCode | None:
    """The code of the division directly above, or None for a province.

    Twelve-digit villages sit under nine-digit townships, which sit under
    six-digit counties; six-digit codes nest by their trailing zeros
    (522631 → 522600 → 520000).
    """
    division_code(code)
    if len(code) > 6:
        return DivisionCode(code[: len(code) - 3])
    if code.endswith("0000"):
        return None
    if code.endswith("00"):
        return DivisionCode(code[:2] + "0000")
    return DivisionCode(code[:4] + "00")


@functools.lru_cache(maxsize=1 << 16)
def ancestors(code: str) -> tuple[DivisionCode, ...]:
    """Every division above ``code``, nearest first.

    Kept for the codes last asked about: every result of an evaluation asks
    whether its division lies within the actor's scope, about a hundred
    thousand times for a county's catalogue, and a province has a few
    thousand divisions.
    """
    found: list[DivisionCode] = []
    parent = parent_code(code)
    while parent is not None:
        found.append(parent)
        parent = parent_code(parent)
    return tuple(found)


def is_within(code: str, scope: str) -> bool:
    """Whether ``code`` is ``scope`` or lies below it."""
    return code == scope or scope in ancestors(code)


def level_of(code: str) -> str:
    """The level name a code's shape implies: province, city, county, township or village."""
    division_code(code)
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def _short_name(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    reason = text_problem(value, DIVISION_NAME_LENGTH)
    if reason is not None:
        raise InvalidInput.of(attribute.name, reason)


@attrs.frozen(kw_only=True)
class Division:
    """A division the library knows by name.

    ``parent`` is normally implied by the code; it is stored only when a
    platform's tree differs (a development zone under a city, say), and then
    it must still be one of the code's ancestors so that figures stay
    aggregable by code.
    """

    code: DivisionCode = attrs.field(validator=is_division)
    """The division code."""
    name: str = attrs.field(validator=[non_empty, _short_name])
    """The division's name as used in reports, e.g. 某乡 (at most ``DIVISION_NAME_LENGTH`` characters)."""
    parent: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """The division directly above, when given explicitly."""

    @property
    def effective_parent(self) -> DivisionCode | None:
        """The explicit parent if given, else the parent the code implies."""
        return self.parent if self.parent is not None else parent_code(self.code)


class DivisionTree:
    """Known divisions and how they nest, for aggregating figures upward.

    A division's parent is its explicit ``parent`` if given, else the nearest
    ancestor by code that the tree knows. A division with neither is a root.
    """

    def __init__(self, divisions: Iterable[Division]) -> None:
        self._divisions: dict[DivisionCode, Division] = {d.code: d for d in divisions}
        self._parent: dict[DivisionCode, DivisionCode | None] = {}
        for code, division in self._divisions.items():
            if division.parent is not None:
                self._parent[code] = division.parent
            else:
                self._parent[code] = next((a for a in ancestors(code) if a in self._divisions), None)
        self._children: dict[DivisionCode, list[DivisionCode]] = {code: [] for code in self._divisions}
        for code, parent in self._parent.items():
            if parent is not None and parent in self._children:
                self._children[parent].append(code)

    def __contains__(self, code: object) -> bool:
        return code in self._divisions

    def __iter__(self) -> Iterator[Division]:
        return iter(sorted(self._divisions.values(), key=lambda d: d.code))

    def __len__(self) -> int:
        return len(self._divisions)

    def get(self, code: str) -> Division | None:
        """The division with this code, if known."""
        return self._divisions.get(DivisionCode(code))

    def name(self, code: str) -> str:
        """The division's name, or its code when unnamed."""
        division = self.get(code)
        return division.name if division else code

    def parent(self, code: str) -> DivisionCode | None:
        """The known division directly above ``code``."""
        return self._parent.get(DivisionCode(code))

    def children(self, code: str) -> list[DivisionCode]:
        """The known divisions directly below ``code``, by code."""
        return sorted(self._children.get(DivisionCode(code), []))

    def lineage(self, code: str) -> list[DivisionCode]:
        """``code`` and every known division above it, nearest first.

        A code the tree does not know is placed under its nearest known
        ancestor by code, so a person in an unnamed village still counts in
        its township.
        """
        start = DivisionCode(code)
        if start not in self._divisions:
            found = next((a for a in ancestors(code) if a in self._divisions), None)
            return [start] + (self.lineage(found) if found else [])
        line: list[DivisionCode] = []
        current: DivisionCode | None = start
        while current is not None and current not in line:
            line.append(current)
            current = self._parent.get(current)
        return line

    def roots(self) -> list[DivisionCode]:
        """The divisions with nothing known above them."""
        return sorted(code for code, parent in self._parent.items() if parent is None)

    def depth(self, code: str) -> int:
        """How many known divisions lie above ``code``."""
        return len(self.lineage(code)) - 1
