"""The errors the library raises.

Every error a user can cause names what was wrong, where, and why, so that a
person fixing a spreadsheet on a Friday afternoon does not have to read code.
They live in ``model`` because records validate themselves and ``model``
imports nothing else of the package.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "AntidrugError",
    "ConcurrencyConflict",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "StoreUnavailable",
]


class AntidrugError(Exception):
    """Base of every error this library raises on purpose."""


@attrs.frozen
class Problem:
    """One thing wrong with some input.

    Attributes:
        field: The field at fault, dotted for nested data (``records[3].on``
            reads as "the ``on`` field of the record at index 3").
        reason: What is wrong, in words a user can act on.
        row: Where the input came from (a record index, a spreadsheet row, a
            record id), when there is such a place.
    """

    field: str
    reason: str
    row: str | int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.field}: {self.reason}"


class InvalidInput(AntidrugError, ValueError):
    """Input that breaks a rule; nothing of it was written.

    Carries every problem found, not only the first, so that one run of an
    import shows everything to fix.
    """

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        if not self.problems:
            raise ValueError("InvalidInput needs at least one problem")
        lines = [str(p) for p in self.problems]
        super().__init__(lines[0] if len(lines) == 1 else "\n".join(lines))

    @classmethod
    def of(cls, field: str, reason: str, row: str | int | None = None) -> InvalidInput:
        """One problem, the usual case for a single record."""
        return cls(Problem(field, reason, row))


class NotFound(AntidrugError, LookupError):
    """No such thing, or not visible to the actor.

    The two cases are deliberately indistinguishable: a person outside an
    actor's divisions does not exist for that actor (戒毒条例 art. 7 keeps
    treatment information confidential).
    """


class PermissionDenied(AntidrugError):
    """The actor's role does not allow the action on something it can see."""


class ConcurrencyConflict(AntidrugError):
    """Another writer appended to the same person first; retry on fresh state.

    Raised instead of silently overwriting, so two writers never lose each
    other's work.
    """


class StoreUnavailable(AntidrugError):
    """A store could not be opened: unknown URL scheme, missing driver, no server."""
