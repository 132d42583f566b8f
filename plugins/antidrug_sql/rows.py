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
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from antidrug_core.converter import record_from_data
from antidrug_core.model import Problem, Record
from antidrug_sql.tables import (
    BASE_COLUMNS,
    KEY_LENGTH,
    RECORD_TYPE_CODES,
    RECORDS,
    Digest,
    Key,
    UtcDateTime,
    columns_of,
    content_columns,
)

__all__ = [
    "COMPARED_COLUMNS",
    "KEY_FIELDS",
    "SHARED_COLUMNS",
    "Inserter",
    "RecordInserter",
    "key_problems",
    "record_from_payload",
    "record_row",
    "record_values",
    "sqlite_date",
    "sqlite_timestamp",
]

KEY_FIELDS: tuple[str, ...] = ("id", "subject", "voids", "recorded_by", "due", "request")
"""Fields (and ``subject``) stored in columns of at most ``KEY_LENGTH`` characters."""


@functools.cache
def _empty_content() -> Mapping[str, None]:
    return dict.fromkeys(c.name for c in content_columns())


COMPARED_COLUMNS: tuple[str, ...] = (
    "type",
    "type_code",
    "subject",
    *BASE_COLUMNS,
    *(c.name for c in content_columns()),
)
"""The columns that must agree with the payload."""


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return str(value.value)
    return value


def record_values(record: Record) -> dict[str, Any]:
    """The record's values for every typed column (None where its type has no such field)."""
    values: dict[str, Any] = dict(_empty_content())
    values["type"] = record.type_tag
    values["type_code"] = RECORD_TYPE_CODES[record.type_tag]
    values["id"] = record.id
    values["subject"] = record.subject
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


SHARED_COLUMNS = (
    "sequence",
    "id",
    "type",
    "type_code",
    "subject",
    "version",
    "on",
    "recorded_at",
    "recorded_by",
    "voids",
)
"""The columns every record's row fills, first, in table order (its content, payload and hash follow)."""


def sqlite_timestamp(value: dt.datetime) -> str:
    """What SQLAlchemy stores for ``UtcDateTime`` on SQLite, made directly (bulk loads make millions).

    A test holds it equal to SQLAlchemy's own bind processor.
    """
    if value.utcoffset() is None:
        raise ValueError("a timestamp without a UTC offset cannot be stored")
    return value.astimezone(dt.UTC).isoformat(" ", "microseconds")[: -len("+00:00")]


def sqlite_date(value: dt.date) -> str:
    """What SQLAlchemy stores for a ``Date`` on SQLite, made directly; held equal by a test."""
    return value.isoformat()


def _processors(columns: Sequence[sa.Column[Any]], dialect: sa.Dialect) -> tuple[tuple[int, Any], ...]:
    """SQLAlchemy's own bind processors of ``columns`` for ``dialect``, by position, leaving out no-ops."""
    found: list[tuple[int, Any]] = []
    for index, column in enumerate(columns):
        if isinstance(column.type, Key | Digest) and not column.type.processes(dialect):
            continue
        if dialect.name == "sqlite" and isinstance(column.type, UtcDateTime):
            found.append((index, sqlite_timestamp))
            continue
        if dialect.name == "sqlite" and isinstance(column.type, sa.Date):
            found.append((index, sqlite_date))
            continue
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found.append((index, processor))
    return tuple(found)


class Inserter:
    """Set-based inserts of plain rows (lists of Python values in column order) into one table.

    On SQLite the rows are converted with SQLAlchemy's own bind processors
    (so the stored values are exactly what SQLAlchemy would store) and handed
    to the driver's ``executemany`` in one call, skipping per-row statement
    bookkeeping that costs more than the insert itself. Other engines get
    SQLAlchemy's ``insertmanyvalues`` batching, where the network is the cost.
    """

    def __init__(self, table: sa.Table, dialect: sa.Dialect, names: Sequence[str] | None = None) -> None:
        self.table = table
        self.names = tuple(names) if names is not None else tuple(c.name for c in table.columns)
        self.direct = dialect.name == "sqlite"
        compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(self.names))
        if self.direct:
            assert tuple(compiled.positiontup or ()) == self.names, "insert parameters out of column order"
        self.sql = str(compiled)
        self.processors = _processors([table.c[name] for name in self.names], dialect)

    def insert(self, connection: sa.Connection, rows: list[list[Any]]) -> None:
        """Insert ``rows`` (each a list of Python values in ``names`` order; the lists are reused)."""
        if not rows:
            return
        if not self.direct:
            names = self.names
            connection.execute(sa.insert(self.table), [dict(zip(names, row, strict=True)) for row in rows])
            return
        processors = self.processors
        for row in rows:
            for index, processor in processors:
                value = row[index]
                if value is not None:
                    row[index] = processor(value)
        self.insert_ready(connection, [tuple(row) for row in rows])

    def insert_ready(self, connection: sa.Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows already converted for the driver (SQLite only), in one ``executemany``."""
        if rows:
            connection.exec_driver_sql(self.sql, rows)


@attrs.frozen
class _Plan:
    """How one record type is inserted: its statement and how to read its content columns."""

    inserter: Inserter
    content: tuple[str, ...]
    enums: frozenset[int]
    """Positions in ``content`` holding enums, stored by value."""

    def values(self, record: Record) -> tuple[Any, ...]:
        if not self.content:
            return ()
        found = [getattr(record, name) for name in self.content]
        for index in self.enums:
            if found[index] is not None:
                found[index] = found[index].value
        return tuple(found)


class RecordInserter:
    """Inserts records into ``antidrug_records`` on PostgreSQL and MariaDB/MySQL, each type with its columns.

    Most content columns are empty for any one type; leaving them out of the
    statement (they default to NULL) keeps the statements short. SQLite has
    rows of its own, made ready for the driver (``antidrug_sql.sqlite_rows``).
    """

    def __init__(self, dialect: sa.Dialect, received: dt.datetime | None = None) -> None:
        """Args:
        dialect: The engine's dialect.
        received: When the store received the records (``received_at``; None leaves it empty).
        """
        self.dialect = dialect
        self._received = () if received is None else (received,)
        self._plans: dict[type[Record], _Plan] = {}
        self._rows: dict[type[Record], list[tuple[Any, ...]]] = {}

    def _plan(self, cls: type[Record]) -> _Plan:
        filled = set(columns_of(cls))
        content = tuple(c.name for c in RECORDS.columns if c.name in filled)
        received = ("received_at",) if self._received else ()
        inserter = Inserter(RECORDS, self.dialect, (*SHARED_COLUMNS, *content, "payload", "hash", *received))
        kinds = {c.name: c.kind for c in content_columns()}
        enums = frozenset(i for i, name in enumerate(content) if kinds[name] == "enum")
        plan = self._plans[cls] = _Plan(inserter, content, enums)
        return plan

    def add(self, record: Record, sequence: int, version: int, payload: str, digest: bytes) -> None:
        """Queue ``record`` at its place in the chain."""
        cls = type(record)
        plan = self._plans.get(cls) or self._plan(cls)
        row = (
            sequence,
            record.id,
            record.type_tag,
            RECORD_TYPE_CODES[record.type_tag],
            record.subject,
            version,
            record.on,
            record.recorded_at,
            record.recorded_by,
            record.voids,
            *plan.values(record),
            payload,
            digest,
            *self._received,
        )
        rows = self._rows.get(cls)
        if rows is None:
            rows = self._rows[cls] = []
        rows.append(row)

    def flush(self, connection: sa.Connection) -> None:
        """Insert everything queued."""
        for cls, rows in self._rows.items():
            self._plans[cls].inserter.insert(connection, [list(row) for row in rows])
        self._rows.clear()


def record_from_payload(payload: str) -> Record:
    """The record a stored payload reads back as.

    Raises:
        InvalidInput: the payload is not a record.
        ValueError: the payload is not JSON.
    """
    return record_from_data(json.loads(payload))


def key_problems(record: Record) -> list[Problem]:
    """Ids too long for their columns, by field (the subject by the field that names it: ``person`` …)."""
    problems: list[Problem] = []
    for field in KEY_FIELDS:
        value = getattr(record, field, None)
        if isinstance(value, str) and len(value) > KEY_LENGTH:
            named = record.subject_kind.value if field == "subject" else field
            problems.append(Problem(named, f"is longer than {KEY_LENGTH} characters", record.id[:KEY_LENGTH]))
    return problems
