"""Records to rows of ``antidrug_records`` and back, through the core's one converter.

A row carries the record's canonical JSON (``antidrug_core.audit``), which is
what reads back; the typed columns are filled from the same record so that
SQL can filter on them, and the audit verifier checks that they still agree
with the payload.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
from collections.abc import Mapping
from typing import Any

from antidrug_core.converter import record_from_data
from antidrug_core.model import Problem, Record
from antidrug_sql.tables import BASE_COLUMNS, KEY_LENGTH, columns_of, content_columns

__all__ = [
    "COMPARED_COLUMNS",
    "KEY_FIELDS",
    "key_problems",
    "record_from_payload",
    "record_row",
    "record_values",
]

KEY_FIELDS: tuple[str, ...] = ("id", "person", "voids", "recorded_by", "due", "request")
"""Fields stored in columns of at most ``KEY_LENGTH`` characters."""


@functools.cache
def _empty_content() -> Mapping[str, None]:
    return dict.fromkeys(c.name for c in content_columns())


COMPARED_COLUMNS: tuple[str, ...] = ("type", *BASE_COLUMNS, *(c.name for c in content_columns()))
"""The columns that must agree with the payload."""


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return str(value.value)
    return value


def record_values(record: Record) -> dict[str, Any]:
    """The record's values for every typed column (None where its type has no such field)."""
    values: dict[str, Any] = dict(_empty_content())
    values["type"] = record.type_tag
    values["id"] = record.id
    values["person"] = record.person
    values["on"] = record.on
    values["recorded_at"] = record.recorded_at.astimezone(dt.UTC)
    values["recorded_by"] = record.recorded_by
    values["voids"] = record.voids
    for name in columns_of(type(record)):
        values[name] = _plain(getattr(record, name))
    return values


def record_row(record: Record, sequence: int, version: int, payload: str, digest: bytes) -> dict[str, Any]:
    """A full row of ``antidrug_records`` for ``record`` at its place in the chain."""
    row = record_values(record)
    row["sequence"] = sequence
    row["version"] = version
    row["payload"] = payload
    row["hash"] = digest
    return row


def record_from_payload(payload: str) -> Record:
    """The record a stored payload reads back as.

    Raises:
        InvalidInput: the payload is not a record.
        ValueError: the payload is not JSON.
    """
    return record_from_data(json.loads(payload))


def key_problems(record: Record) -> list[Problem]:
    """Ids too long for their columns, by field."""
    problems: list[Problem] = []
    for field in KEY_FIELDS:
        value = getattr(record, field, None)
        if isinstance(value, str) and len(value) > KEY_LENGTH:
            problems.append(Problem(field, f"is longer than {KEY_LENGTH} characters", record.id[:KEY_LENGTH]))
    return problems
