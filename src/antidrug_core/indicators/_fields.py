"""Record fields by their plain (dataset format) names, for ``Where`` conditions."""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Mapping

import attrs

from antidrug_core.converter import plain_field_name
from antidrug_core.model import RECORD_TYPES, Record

__all__ = ["field_texts", "field_value", "field_values", "matches", "plain_fields"]


_PLAIN: dict[type[Record], dict[str, str]] = {}


def plain_fields(cls: type[Record]) -> Mapping[str, str]:
    """Attribute name of each plain field name of ``cls`` (``from`` → ``from_division``)."""
    found = _PLAIN.get(cls)
    if found is None:
        found = _PLAIN[cls] = {plain_field_name(cls, a.name): a.name for a in attrs.fields(cls)}
    return found


def field_values(cls: type[Record], field: str) -> frozenset[str] | None:
    """The values a field can take when it is an enumeration; None when any text goes."""
    return _field_values(cls.type_tag, field)


@functools.cache
def _field_values(tag: str, field: str) -> frozenset[str] | None:
    cls = RECORD_TYPES[tag]
    hint = typing.get_type_hints(cls)[plain_fields(cls)[field]]
    members = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for member in members:
        inner = typing.get_args(member) if typing.get_origin(member) in (tuple, frozenset) else (member,)
        for candidate in inner:
            if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
                return frozenset(str(m.value) for m in candidate)
    return None


def field_value(record: object, field: str) -> object:
    """The value of ``record``'s field by its plain name (or an attribute of that name); None if absent."""
    attribute = plain_fields(type(record)).get(field, field) if isinstance(record, Record) else field
    return getattr(record, attribute, None)


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def field_texts(value: object) -> tuple[str, ...]:
    """A field's value as the format's words: none for an empty field, one each for a list or set."""
    if value is None:
        return ()
    if isinstance(value, tuple | frozenset | set | list):
        return tuple(sorted(_text(v) for v in value))
    return (_text(value),)


def matches(record: Record, where: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    """Whether ``record`` has, for every field named, one of the values listed (for a list field:
    any of its values)."""
    for field, allowed in where:
        attribute = plain_fields(type(record)).get(field)
        value = getattr(record, attribute) if attribute is not None else None
        if value is None:
            return False
        if isinstance(value, tuple | frozenset):
            if not any(text in allowed for text in field_texts(value)):
                return False
        elif (value.value if isinstance(value, enum.Enum) else str(value)) not in allowed:
            return False
    return True
