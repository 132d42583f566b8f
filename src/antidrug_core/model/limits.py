"""Input limits: what any id and text may hold, checked once in the core before any engine sees it.

Three engines must accept exactly the same inputs, and none may answer a
hostile file with a traceback. So the limits are the core's, not the
database's: an id is at most ``ID_LENGTH`` printable characters (no control,
format or bidirectional-override characters that could hide in a terminal or
a report), a free text at most ``TEXT_LENGTH`` characters, a name at most
``NAME_LENGTH``, a division's name at most ``DIVISION_NAME_LENGTH``, and a
subject's stream at most ``RECORDS_PER_SUBJECT`` records.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import attrs

from antidrug_core.model.base import Record
from antidrug_core.model.errors import Problem

__all__ = [
    "DIVISION_NAME_LENGTH",
    "ID_LENGTH",
    "NAME_LENGTH",
    "NESTING_DEPTH",
    "RECORDS_PER_SUBJECT",
    "TEXT_LENGTH",
    "id_problem",
    "record_limit_problems",
    "text_problem",
]

ID_LENGTH = 128
"""The longest id (record, subject, actor) in characters; every store's key columns hold it."""
TEXT_LENGTH = 2_000
"""The longest free text (a reason, a note, a theme) in characters: a paragraph, not a file."""
NAME_LENGTH = 200
"""The longest name of a unit or an organisation."""
DIVISION_NAME_LENGTH = 100
"""The longest division name; the longest real ones are about twenty characters."""
NESTING_DEPTH = 64
"""How deep a dataset's JSON may nest; the format itself needs five levels."""
RECORDS_PER_SUBJECT = 200_000
"""The most records one subject's stream may hold in a dataset: decades of daily work, and a bound."""

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Control, format (bidirectional overrides, zero-width), surrogate, private-use, unassigned, and
line and paragraph separators: characters that print as nothing, or as something else."""

_ID_FIELDS = frozenset({"id", "voids", "recorded_by", "person", "unit", "organisation"})
_ID_TYPES = ("RecordId", "PersonId", "SubjectId", "UnitId", "OrganisationId")


def id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an id, or None when it can."""
    if len(value) > ID_LENGTH:
        return f"is longer than {ID_LENGTH} characters"
    for character in value:
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            return f"holds the character U+{ord(character):04X}, which ids may not hold"
    return None


def text_problem(value: str, limit: int = TEXT_LENGTH) -> str | None:
    """Why ``value`` cannot be a free text, or None when it can."""
    if len(value) > limit:
        return f"is longer than {limit} characters"
    for character in value:
        if character not in "\n\t" and unicodedata.category(character) in {"Cc", "Cs"}:
            return f"holds the control character U+{ord(character):04X}"
    return None


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list | frozenset):
        for item in value:
            yield from _texts(item)


def _is_id(cls: type[Record], field: attrs.Attribute[Any]) -> bool:
    if field.name in _ID_FIELDS:
        return True
    written = field.type if isinstance(field.type, str) else repr(field.type)
    return any(name in written for name in _ID_TYPES)


def record_limit_problems(record: Record) -> list[Problem]:
    """Every field of ``record`` that breaks a limit, named, with the record's id as the row."""
    problems: list[Problem] = []
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        is_id = _is_id(type(record), field)
        for text in _texts(value):
            reason = id_problem(text) if is_id else text_problem(text)
            if reason is not None:
                problems.append(Problem(field.name, reason, _row(record.id)))
                break
    return problems


def _row(record_id: str) -> str:
    # The id itself may be what is wrong; never echo a hostile one whole.
    return record_id if id_problem(record_id) is None else "(a record whose id is refused)"
