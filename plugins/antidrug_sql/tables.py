"""The SQL tables, with the record table's typed columns derived from the record classes.

One table holds every record: the fields all records share, one typed
column per content field of any record type (so a set-based evaluator can
filter on ``status``, ``method``, ``due`` … without parsing JSON), the
canonical JSON payload that reads back to exactly the record written, and
the audit chain (a gap-free ``sequence`` and its ``hash``).

The content columns are derived from the attrs fields of
``antidrug_core.model.RECORD_TYPES``; the Alembic migrations spell the same
schema out, and a test fails when the two drift apart (a new record field
needs a new migration).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

from antidrug_core.model import RECORD_TYPES, Record, SubjectKind

__all__ = [
    "ACCESS",
    "BASE_COLUMNS",
    "CHAIN_HEAD",
    "DIVISIONS",
    "IDENTITIES",
    "IDENTITY_KEYS",
    "INDEX_ENGINES",
    "KEY_LENGTH",
    "LEDGER",
    "META",
    "METADATA",
    "RECORDS",
    "RECORD_TYPE_CODES",
    "STREAMS",
    "SUBJECT_FIELDS",
    "TYPE_ON_INDEX",
    "ContentColumn",
    "Digest",
    "Key",
    "UtcDateTime",
    "content_columns",
    "has_index",
]

KEY_LENGTH = 128
"""The longest id (subject, record, actor) a store accepts, in characters."""

DIVISION_LENGTH = 12
"""Division codes are 6, 9 or 12 digits."""

RECORD_TYPE_CODES: Mapping[str, int] = {
    "person_registered": 1,
    "status_changed": 2,
    "residence_changed": 3,
    "household_changed": 4,
    "activity_changed": 5,
    "transfer_requested": 6,
    "transfer_accepted": 7,
    "transfer_rejected": 8,
    "face_check": 9,
    "follow_up": 10,
    "risk_assessed": 11,
    "control_level_set": 12,
    "care_provided": 13,
    "test_due": 14,
    "test_done": 15,
    "test_excused": 16,
    "lost_contact": 17,
    "contact_restored": 18,
    "app_installed": 19,
    "app_login": 20,
    "licence_found": 21,
    "licence_notified": 22,
    "relapse_found": 23,
    "serious_breach": 24,
    "file_sealed": 25,
    "file_unsealed": 26,
    "unit_registered": 27,
    "unit_changed": 28,
    "unit_closed": 29,
    "licence_granted": 30,
    "licence_revoked": 31,
    "ledger_entry": 32,
    "stock_counted": 33,
    "inspected": 34,
    "rectification_ordered": 35,
    "rectification_done": 36,
    "incident_reported": 37,
    "organisation_registered": 38,
    "organisation_changed": 39,
    "organisation_closed": 40,
    "activity_held": 41,
    "volunteer_joined": 42,
    "volunteer_left": 43,
    "training_held": 44,
    "survey_conducted": 45,
    "plants_found": 46,
    "plants_destroyed": 47,
    "leading_group_set": 48,
    "letters_signed": 49,
    "funding_allocated": 50,
    "meeting_held": 51,
    "rating_assessed": 52,
    "voided": 53,
}
"""A small number for each record type, stored beside its name (``antidrug_records.type_code``).

The people's statement asks each record it reads for its type some thirty
times, once for each aggregate (``antidrug_sql.facts``). SQLite compares two
integers in a few instructions and two texts in a call of about ninety: the
codes took 15 % of the statement's instructions away on a province of 20,000
people, 13 % a person on a slice of a million (``docs/storage.md``). The name
stays the record's type everywhere else, and the audit checks that the code
still agrees with it.

Codes are stored, so a code is never changed or given to another type; a
new record type takes the next number (a test holds every type to one).
"""


class Key(sa.types.TypeDecorator[str]):
    """An id compared and ordered byte by byte, like Python compares strings.

    Subject ids must sort the same in every store (``read_streams`` is
    ordered by subject) and ``r1`` must differ from ``R1`` and from ``r1 ``.
    PostgreSQL gets the ``C`` collation; MySQL/MariaDB, whose text
    collations ignore case or trailing spaces, get ``VARBINARY`` holding
    UTF-8.
    """

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int = KEY_LENGTH) -> None:
        super().__init__(length)
        self.length = length

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.VARBINARY(self.length * 4))
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.String(self.length, collation="C"))
        return dialect.type_descriptor(sa.String(self.length))

    def processes(self, dialect: Dialect) -> bool:
        """Whether values change on their way to ``dialect`` (bulk inserts skip the no-op)."""
        return dialect.name == "mysql"

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is not None and dialect.name == "mysql":
            return value.encode("utf-8")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value).decode("utf-8")
        return typing.cast(str | None, value)


class UtcDateTime(sa.types.TypeDecorator[dt.datetime]):
    """An instant kept as UTC without an offset, to the microsecond, on every engine.

    The record's own offset is kept in its payload; this column is for
    comparing and filtering ("recorded by T").
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a timestamp without a UTC offset cannot be stored")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Digest(sa.types.TypeDecorator[bytes]):
    """A 32-byte digest (a hash, a blind index); ``VARBINARY(32)`` on MySQL so it can be indexed."""

    impl = sa.LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.VARBINARY(32))
        return dialect.type_descriptor(sa.LargeBinary())

    def processes(self, dialect: Dialect) -> bool:
        """Whether values change on their way to ``dialect``: SQLite's driver stores ``bytes`` as they are."""
        return dialect.name != "sqlite"

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes(value)


def _long_text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


def _sequence_type() -> sa.types.TypeEngine[int]:
    # On SQLite only ``INTEGER PRIMARY KEY`` is the rowid itself (no second index).
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@attrs.frozen
class ContentColumn:
    """A typed column for one content field name, shared by every record type that has it."""

    name: str
    kind: str
    """``enum``, ``division``, ``key`` or ``text``."""
    length: int | None
    """The longest value for enums; None otherwise."""

    def column_type(self) -> sa.types.TypeEngine[Any]:
        """The SQL type of the column."""
        if self.kind == "enum":
            assert self.length is not None
            return sa.String(self.length)
        if self.kind == "division":
            return sa.String(DIVISION_LENGTH)
        if self.kind == "key":
            return Key()
        return sa.Text()


BASE_COLUMNS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Record))
"""The fields every record has: id, on, recorded_at, recorded_by, voids."""

SUBJECT_FIELDS: frozenset[str] = frozenset(kind.value for kind in SubjectKind)
"""The fields naming a record's subject (``person``, ``unit``, ``organisation``): not content
columns, since whichever a record fills is kept in the ``subject`` column."""

KIND_LENGTH = 16
"""Room for a subject kind's value (the longest, ``organisation``, has 12 characters)."""


def _field_kind(cls: type[Record], field: attrs.Attribute[Any]) -> tuple[str, int | None] | None:
    """What column a content field needs, from its annotation; None for fields kept in the payload only."""
    resolved = typing.get_type_hints(cls)[field.name]
    written = field.type if isinstance(field.type, str) else repr(field.type)
    optional = typing.get_origin(resolved) in (typing.Union, types.UnionType)
    options = [t for t in typing.get_args(resolved) if t is not type(None)] if optional else [resolved]
    if len(options) != 1:
        return None
    (base,) = options
    if typing.get_origin(base) is not None:
        return None  # a collection (a unit's roles, assessment factors): payload only
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return "enum", max(len(str(member.value)) for member in base)
    if base is str and "DivisionCode" in written:
        return "division", None
    if base is str and "RecordId" in written:
        return "key", None
    if base is str:
        return "text", None
    return None  # structured values (assessment factors) live in the payload


@functools.cache
def content_columns() -> tuple[ContentColumn, ...]:
    """Every content column, by name, derived from the record types' attrs fields.

    Raises:
        TypeError: two record types use one field name for different kinds of value.
    """
    found: dict[str, ContentColumn] = {}
    for cls in RECORD_TYPES.values():
        for field in attrs.fields(cls):
            if field.name in BASE_COLUMNS or field.name in SUBJECT_FIELDS:
                continue
            kind = _field_kind(cls, field)
            if kind is None:
                continue
            column = ContentColumn(field.name, kind[0], kind[1])
            known = found.get(field.name)
            if known is not None and known.kind != column.kind:
                raise TypeError(
                    f"field {field.name!r} is a {known.kind} in one record type, a {column.kind} in another"
                )
            if known is not None and column.kind == "enum":
                column = attrs.evolve(column, length=max(known.length or 0, column.length or 0))
            found[field.name] = column
    return tuple(sorted(found.values(), key=lambda c: c.name))


_COLUMNS_OF: dict[type[Record], tuple[str, ...]] = {}


def columns_of(cls: type[Record]) -> tuple[str, ...]:
    """The content columns a record type fills."""
    found = _COLUMNS_OF.get(cls)
    if found is None:
        names = {c.name for c in content_columns()}
        found = _COLUMNS_OF[cls] = tuple(a.name for a in attrs.fields(cls) if a.name in names)
    return found


METADATA = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_TABLE_OPTIONS: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}

META = sa.Table(
    "antidrug_meta",
    METADATA,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
    **_TABLE_OPTIONS,
)
"""Facts about the database itself: ``schema_revision``, ``format``, the identity key check."""

CHAIN_HEAD = sa.Table(
    "antidrug_chain_head",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("hash", Digest(), nullable=False),
    # The ledger's head (revision 0008): written in the same transactions, under the same lock.
    sa.Column("ledger_sequence", sa.BigInteger, nullable=True),
    sa.Column("ledger_hash", Digest(), nullable=True),
    **_TABLE_OPTIONS,
)
"""One row: the last sequence number and hash of the audit chain and of the ledger. Writers lock
it, so both chains have one writer at a time."""

STREAMS = sa.Table(
    "antidrug_streams",
    METADATA,
    sa.Column("subject", Key(), primary_key=True),
    sa.Column("kind", sa.String(KIND_LENGTH), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    **_TABLE_OPTIONS,
)
"""Each subject's stream head: its kind (``SubjectKind``: a person, a unit, an organisation) and
how many records it holds (optimistic concurrency). Subject ids are one namespace per store."""

ACCESS = sa.Table(
    "antidrug_access",
    METADATA,
    sa.Column("subject", Key(), sa.ForeignKey(STREAMS.c.subject), primary_key=True),
    sa.Column("division", sa.String(DIVISION_LENGTH), primary_key=True),
    sa.Index(None, "division", "subject"),
    **_TABLE_OPTIONS,
)
"""The divisions whose actors may see each subject, every ancestor included: scoping is a join."""

DIVISIONS = sa.Table(
    "antidrug_divisions",
    METADATA,
    sa.Column("code", sa.String(DIVISION_LENGTH), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("parent", sa.String(DIVISION_LENGTH), nullable=True),
    **_TABLE_OPTIONS,
)
"""Divisions by name, for reports."""

IDENTITIES = sa.Table(
    "antidrug_identities",
    METADATA,
    sa.Column("person", Key(), sa.ForeignKey(STREAMS.c.subject), primary_key=True),
    sa.Column("name", sa.LargeBinary, nullable=False),
    sa.Column("resident_id", sa.LargeBinary, nullable=False),
    sa.Column("resident_id_index", Digest(), nullable=False, index=True),
    **_TABLE_OPTIONS,
)
"""People's names and resident identity numbers, AES-GCM encrypted, with a keyed blind index for
lookup (only people have identities; units' and organisations' names are plain, in their records)."""

IDENTITY_KEYS = sa.Table(
    "antidrug_identity_keys",
    METADATA,
    sa.Column("person", Key(), primary_key=True),
    sa.Column("key", sa.LargeBinary, nullable=False),
    **_TABLE_OPTIONS,
)
"""Each person's data key (revision 0010), wrapped under the host key: what their identity is
encrypted under, and what erasure destroys. A table of its own, with no foreign key, so that a host
may keep it apart (another schema or tablespace, backed up on a shorter cycle); ``antidrug audit
verify`` checks it against the ledger like the identities."""


LEDGER = sa.Table(
    "antidrug_ledger",
    METADATA,
    sa.Column("sequence", _sequence_type(), primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(KIND_LENGTH), nullable=False),
    sa.Column("key", Key(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("first", sa.BigInteger, nullable=True),
    sa.Column("last", sa.BigInteger, nullable=True),
    sa.Column("payload", _long_text(), nullable=False),
    sa.Column("hash", Digest(), nullable=False),
    **_TABLE_OPTIONS,
)
"""The ledger (``antidrug_core.ledger``): the kept policy, division names, identities' digests and
each commit's or load's arrival, hash-chained. ``first`` and ``last`` are the records an arrival
covers, so the time the store received a record is one join away."""


def _records_table() -> sa.Table:
    content = [sa.Column(c.name, c.column_type(), nullable=True) for c in content_columns()]
    return sa.Table(
        "antidrug_records",
        METADATA,
        sa.Column("sequence", _sequence_type(), primary_key=True, autoincrement=False),
        sa.Column("id", Key(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("type_code", sa.SmallInteger, nullable=False),  # RECORD_TYPE_CODES, revision 0015
        sa.Column("subject", Key(), sa.ForeignKey(STREAMS.c.subject), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(KEY_LENGTH), nullable=False),
        sa.Column("voids", Key(), nullable=True),
        *content,
        sa.Column("payload", _long_text(), nullable=False),
        sa.Column("hash", Digest(), nullable=False),
        # When the store received the record, by its own clock (revision 0012): the time of its
        # commit's or load's ledger entry, never taken from the record; None for records stored
        # before the store kept a ledger (revision 0008), whose receipt is not known.
        sa.Column("received_at", UtcDateTime(), nullable=True),
        # Unique indexes rather than constraints: SQLite cannot drop a constraint's index, and a
        # load into an empty store builds these after the rows (antidrug_sql.recorder).
        sa.Index("uq_antidrug_records_id", "id", unique=True),
        sa.Index("uq_antidrug_records_subject_version", "subject", "version", unique=True),
        sa.Index(TYPE_ON_INDEX, "type", "on"),
        # For the fast evaluator (antidrug_sql.facts): the few voids, and each person's tests,
        # looked up for every due test. Partial where the engine can; MariaDB/MySQL cannot, and
        # look a person's tests up through (subject, type) instead.
        sa.Index("ix_antidrug_records_voids", "voids", sqlite_where=_VOIDS, postgresql_where=_VOIDS),
        _only_on(
            sa.Index(
                "ix_antidrug_records_subject_tests",
                *TESTS_INDEX_COLUMNS,
                sqlite_where=_TESTS,
                postgresql_where=_TESTS,
            ),
            *_PARTIAL_INDEXES,
        ),
        # Each person's excuses, looked up for the due tests a statement counts (revision 0013).
        _only_on(
            sa.Index(
                "ix_antidrug_records_excuses",
                *EXCUSES_INDEX_COLUMNS,
                sqlite_where=_EXCUSES,
                postgresql_where=_EXCUSES,
            ),
            *_PARTIAL_INDEXES,
        ),
        # MariaDB/MySQL's stand-in for the two partial indexes above (revision 0014): a person's
        # records of one type (their tests, excuses, transfer answers) without reading the rest.
        _only_on(sa.Index("ix_antidrug_records_subject_type", *SUBJECT_TYPE_INDEX_COLUMNS), "mysql"),
        **_TABLE_OPTIONS,
    )


_VOIDS = sa.text("voids IS NOT NULL")
_TESTS = sa.text("kind IS NOT NULL")
_EXCUSES = sa.text("type = 'test_excused'")
EXCUSES_INDEX_COLUMNS = ("subject", "due", "on", "recorded_at", "sequence", "type")
"""The excuses index: every ``test_excused`` record, covering what the fast evaluator reads of it
(who, which due test, when, and what decides whether it is in effect)."""
_PARTIAL_INDEXES = ("sqlite", "postgresql")
"""The engines that have partial indexes (``WHERE`` in ``CREATE INDEX``)."""
INDEX_ENGINES: dict[str, tuple[str, ...]] = {}
"""The indexes only some engines have, and which (filled by ``_only_on`` as the tables are made);
every other index is on every engine. A load that drops and builds the indexes again asks
``has_index``, so that it never drops one the engine was not given."""


def _only_on(index: sa.Index, *dialects: str) -> sa.Index:
    """``index``, created only on ``dialects`` (and entered in ``INDEX_ENGINES``)."""
    INDEX_ENGINES[str(index.name)] = dialects
    return index.ddl_if(dialect=dialects)  # type: ignore[arg-type]  # a tuple is documented


def has_index(index: sa.Index, dialect: str) -> bool:
    """Whether a store on ``dialect`` has ``index``."""
    return dialect in INDEX_ENGINES.get(str(index.name), (dialect,))


TYPE_ON_INDEX = "ix_antidrug_records_type_on"
"""The records by type and date: a type's records across the store, never one person's (on MariaDB
a lookup of a person's records says so, ``antidrug_sql.facts``)."""
SUBJECT_TYPE_INDEX_COLUMNS = ("subject", "type")
"""MariaDB's index of each person's records by type, in place of the partial tests and excuses
indexes it cannot have: a due test's look at its person's tests and excuses reads those, not the
person's thirty-odd records."""
TESTS_INDEX_COLUMNS = ("subject", "type", "kind", "on", "due", "recorded_at", "id")
"""The subject-tests index: every record with a ``kind`` (due and done tests, and the few
organisation records naming an organisation's kind), covering what a lookup of a person's tests
reads."""

RECORDS = _records_table()
"""Every record of every subject: shared fields, the subject, typed content columns, canonical
payload, chain sequence and hash, and the time the store received it."""
