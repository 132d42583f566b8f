"""Identities: the only place a name or a resident identity number lives.

Everything else in the library speaks of people by pseudonymous ids. An
identity is kept apart from the records (never in a record, a dataset, a
report or the audit chain) so that it can be encrypted at rest, and erased
when the purpose of processing ends (PIPL art. 47) without touching the
history of what was done.
"""

from __future__ import annotations

import attrs
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from antidrug_core.model.errors import InvalidInput

__all__ = ["Identity", "mask_name", "mask_resident_id", "validate_resident_id"]


def validate_resident_id(value: str, field: str = "resident_id") -> str:
    """Check a Chinese resident identity number (GB 11643) and return it normalised.

    Raises:
        InvalidInput: naming ``field``, with the reason (length, birth date,
            check digit), when the number is not valid.
    """
    try:
        return str(ric.validate(value))
    except ValidationError as error:
        raise InvalidInput.of(field, f"not a valid resident identity number: {error}") from None


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
