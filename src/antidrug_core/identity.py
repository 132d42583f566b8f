"""Identities: the only place a name or a resident identity number lives.

Everything else in the library speaks of people by pseudonymous ids. An
identity is kept apart from the records (never in a record, a dataset, a
report or the audit chain) so that it can be encrypted at rest, and erased
when the purpose of processing ends (PIPL art. 47) without touching the
history of what was done.
"""

from __future__ import annotations

import datetime as dt
import re

import attrs
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from antidrug_core.model.errors import InvalidInput

__all__ = ["Identity", "mask_name", "mask_resident_id", "resident_id_problem", "validate_resident_id"]


def resident_id_problem(value: object) -> str | None:
    """Why ``value`` is not a resident identity number (GB 11643), in words a clerk can act on,
    or None when it is one. The reason never repeats the number.
    """
    if not isinstance(value, str):
        return "must be text (write it as text, not a number: a spreadsheet rounds 18 digits)"
    number = "".join(value.split()).upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return f"must be 18 characters, 17 digits then a digit or X (it has {len(number)})"
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "the birth date in it (characters 7 to 14) is not a date"
    if born > dt.date.today() or born.year < 1900:
        return "the birth date in it (characters 7 to 14) is not a possible birth date"
    if ric.calc_check_digit(number) != number[17]:  # it reads the first 17 of the 18
        return "the check digit (the last character) is wrong: a character was mistyped"
    try:
        ric.validate(number)
    except ValidationError as error:
        return str(error)
    return None


def validate_resident_id(value: str, field: str = "resident_id") -> str:
    """Check a Chinese resident identity number (GB 11643) and return it normalised.

    Raises:
        InvalidInput: naming ``field``, with the reason (length, birth date,
            check digit), when the number is not valid.
    """
    problem = resident_id_problem(value)
    if problem is not None:
        raise InvalidInput.of(field, f"not a valid resident identity number: {problem}")
    return "".join(value.split()).upper()


def _resident_id(value: str) -> str:
    return validate_resident_id(value)


def _name(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput.of("name", "must not be empty")
    return value.strip()


@attrs.frozen(repr=False)
class Identity:
    """Who a pseudonymous person id stands for. Its ``repr`` is masked, so logs stay clean."""

    name: str = attrs.field(converter=_name)
    """The person's name."""
    resident_id: str = attrs.field(converter=_resident_id)
    """The 18-character resident identity number, validated."""

    def __repr__(self) -> str:
        return f"Identity(name={mask_name(self.name)!r}, resident_id={mask_resident_id(self.resident_id)!r})"

    @property
    def masked(self) -> str:
        """Name and number masked for display: ``张* 110105********1234``."""
        return f"{mask_name(self.name)} {mask_resident_id(self.resident_id)}"


def mask_name(name: str) -> str:
    """Keep the family name's first character: 张三 → 张*, 欧阳娜娜 → 欧***."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_resident_id(number: str) -> str:
    """Keep the first six (the issuing place) and the last four: 110105********1234."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
