"""Driver-ready rows of ``antidrug_records`` for SQLite, made by one compiled function per record type.

Loading a province means millions of rows, and on SQLite the Python work
per row (the canonical JSON, the typed column values, the chain hash, and
binding each parameter) costs more than SQLite's own. Each record type gets
one function, generated from its fields, that reads the record once and:

- makes its canonical JSON the way ``antidrug_sql.canonical`` does (the
  converter's hooks, sorted keys), reusing the date text for the ``on``
  column;
- extends the chain with its hash (``antidrug_core.audit.chain_hash``);
- puts the typed column values in the order of the insert statement, as
  SQLAlchemy would store them on SQLite (dates and UTC timestamps as text,
  enums by value), leaving out the ``type`` and its code (literals of the statement)
  and every empty optional column, because binding ``None`` or ``bytes`` costs
  the sqlite3 module several times what binding a string does (the hash is
  bound as a ``bytearray``, which it stores as the same blob).

Rows are grouped by which optional columns they fill; each group has an
insert statement of its own. A record the compiled function does not handle
(a value of an unexpected type, an id that is too long) is left to the
caller, which takes the general path for it. Tests hold the rows equal to
what SQLAlchemy stores and the payloads equal to ``canonical_json``.
"""

from __future__ import annotations

import abc
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from antidrug_core.audit import CHAIN_FORMAT, canonical_json
from antidrug_core.model import OrganisationRecord, PersonRecord, Record, UnitRecord
from antidrug_sql.canonical import ISO_HOOKS, FieldPlan, field_plans, member_texts, payload_source, type_check
from antidrug_sql.rows import KEY_FIELDS, record_values, sqlite_date, sqlite_timestamp
from antidrug_sql.tables import KEY_LENGTH, RECORD_TYPE_CODES, RECORDS, SUBJECT_FIELDS, columns_of

__all__ = ["Builder", "CompiledQueues", "SqliteRecordRows", "subject_source", "time_texts"]

Builder = Callable[[Record, int, int, bytes], bytes | None]
"""``build(record, sequence, version, previous)`` queues the row, returns its hash (None: left aside)."""

Q = TypeVar("Q", bound="_Compiled")
"""A record type's compiled builder with its queue (SQLite's rows, or a server's lines)."""

_SHARED = ("sequence", "id", "subject", "version", "on", "recorded_at", "recorded_by")
"""The columns every row binds, first, in table order (``type`` and ``type_code`` are literals of the
statement)."""


_HOURS: dict[dt.tzinfo, dict[int, tuple[str, str, str]]] = {}
"""A fixed offset of whole hours → a local hour (its day's ordinal × 24 + its hour) → the texts of
every instant in it that the minutes and seconds do not change: the start of its ISO text
(``2023-03-04T10``), the start of its UTC text (``2023-03-04 02``) and its offset (``+08:00``)."""

_MINUTES_SECONDS = tuple(f":{minute:02}:{second:02}" for minute in range(60) for second in range(60))
"""``:MM:SS`` of each second of an hour, by ``minute * 60 + second``."""

_DAYS: dict[dt.date, str] = {}
"""A date → its ISO text (a load repeats a few thousand days millions of times)."""

_TIME_TEXTS = (
    "s_on = DAYS.get(v_on)",
    "if s_on is None:",
    "    s_on = DAY_ENTERED(v_on)",
    "s_hour = HOURS.get(v_recorded_at.tzinfo)",
    "if s_hour is not None:",
    "    s_hour = s_hour.get(v_recorded_at.toordinal() * 24 + v_recorded_at.hour)",
    "if s_hour is None:",
    "    s_iso, s_at = TIMES_ENTERED(v_recorded_at)",
    "else:",
    "    s_ms = MINUTES_SECONDS[v_recorded_at.minute * 60 + v_recorded_at.second]",
    "    s_us = v_recorded_at.microsecond",
    "    if s_us:",
    "        s_ms += f'.{s_us:06}'",
    "        s_at = s_hour[1] + s_ms",
    "    else:",
    "        s_at = s_hour[1] + s_ms + '.000000'",
    "    s_iso = s_hour[0] + s_ms + s_hour[2]",
)
"""Python source setting ``s_on`` to ``v_on.isoformat()``, ``s_iso`` to ``v_recorded_at.isoformat()``
and ``s_at`` to ``sqlite_timestamp(v_recorded_at)``, for values of exactly those types.

Making the two texts of a timestamp with ``isoformat`` and ``astimezone``
cost a third of a line's making (0.85 µs of ``isoformat`` alone for an
aware timestamp). In a fixed offset of whole hours, the minutes, seconds
and microseconds of an instant read the same in its local and its UTC text;
the rest depends only on the local hour and the offset, so it is made once
per hour (``_times_entered``) and looked up. Any other time zone (one with
daylight saving, or an offset with minutes) and a naive timestamp take
``_times_entered`` every time, which makes both texts as the converter and
SQLAlchemy do (and refuses the naive one).
"""


def _day_entered(value: dt.date) -> str:
    """``value.isoformat()``, entered in ``_DAYS``."""
    if len(_DAYS) > 100_000:
        _DAYS.clear()
    text = _DAYS[value] = value.isoformat()
    return text


def _times_entered(value: dt.datetime) -> tuple[str, str]:
    """``value.isoformat()`` and ``sqlite_timestamp(value)``; their hour entered in ``_HOURS`` when
    ``value`` is in a fixed offset of whole hours (the only one whose minutes and seconds carry over)."""
    local, utc = value.isoformat(), sqlite_timestamp(value)
    zone, offset = value.tzinfo, value.utcoffset()
    if type(zone) is dt.timezone and offset is not None and not offset % dt.timedelta(hours=1):
        if sum(len(hours) for hours in _HOURS.values()) > 100_000:
            _HOURS.clear()
        hours = _HOURS.setdefault(zone, {})
        hours[value.toordinal() * 24 + value.hour] = (local[:13], utc[:13], local[-6:])
    return local, utc


def _time_names(names: dict[str, Any]) -> None:
    """Give generated source the names ``_TIME_TEXTS`` refers to."""
    names.update(
        DAYS=_DAYS,
        DAY_ENTERED=_day_entered,
        HOURS=_HOURS,
        TIMES_ENTERED=_times_entered,
        MINUTES_SECONDS=_MINUTES_SECONDS,
    )


def _time_texts() -> Callable[[dt.date, dt.datetime], tuple[str, str, str]]:
    names: dict[str, Any] = {}
    _time_names(names)
    body = "".join(f"    {line}\n" for line in _TIME_TEXTS)
    exec(f"def time_texts(v_on, v_recorded_at):\n{body}    return s_on, s_iso, s_at\n", names)  # fixed source
    function: Callable[[dt.date, dt.datetime], tuple[str, str, str]] = names["time_texts"]
    return function


time_texts = _time_texts()
"""``time_texts(day, instant)``: ``day.isoformat()``, ``instant.isoformat()`` and
``sqlite_timestamp(instant)`` (``_TIME_TEXTS`` as a function, for tests)."""


def subject_source(cls: type[Record], plans: dict[str, FieldPlan]) -> str:
    """Python source of the record's subject, from the field of its kind that it fills.

    A record type of one kind has that kind's field (and may have another subject's id as
    content: an inspection names the organisation that inspected); a void has all three, one
    of them filled.
    """
    for base, field in ((PersonRecord, "person"), (UnitRecord, "unit"), (OrganisationRecord, "organisation")):
        if issubclass(cls, base):
            return f"v_{field}"
    fields = [name for name in plans if name in SUBJECT_FIELDS]
    required = [name for name in fields if not plans[name].omittable]
    if len(required) == 1:
        return f"v_{required[0]}"
    if not fields:
        raise TypeError("a record type without a subject field")
    source = f"v_{fields[-1]}"
    for name in reversed(fields[:-1]):
        source = f"(v_{name} if v_{name} is not None else {source})"
    return source


def checked_reads(cls: type[Record], plans: dict[str, FieldPlan], names: dict[str, Any]) -> list[str]:
    """The start of a compiled row builder, shared by SQLite's rows and the servers' lines of text.

    It reads each field once into ``v_<field>``, returns None (the general
    path) when a value is not of its declared type or a key is too long for
    its column, and leaves the date and timestamp as their canonical texts in
    ``s_on`` and ``s_iso`` and the timestamp's UTC text (``sqlite_timestamp``)
    in ``s_at`` (``_TIME_TEXTS``); ``names`` gains what the source refers to. One
    function, so that what a fast path accepts is the same on every engine.
    """
    lines = [f"v_{name} = r.{name}" for name in plans]
    lines.append(f"v_subject = {subject_source(cls, plans)}")
    checks: list[str] = []
    for name, plan in plans.items():
        if plan.kind == "other":
            continue
        check = type_check(plan, f"v_{name}", names)
        assert check is not None
        if name in KEY_FIELDS:
            guard = f"v_{name} is not None and " if plan.omittable else ""
            check = f"{check} or ({guard}len(v_{name}) > {KEY_LENGTH})"
        checks.append(check)
    checks.append(f"len(v_subject) > {KEY_LENGTH}")
    if plans["on"].kind != "date" or plans["recorded_at"].kind != "datetime":
        raise TypeError(f"{cls.__name__}: on must be a date and recorded_at a timestamp")
    lines.append(f"if {' or '.join(checks)}:")
    lines.append("    return None")
    if plans["on"].hook in ISO_HOOKS and plans["recorded_at"].hook in ISO_HOOKS:
        _time_names(names)
        lines.extend(_TIME_TEXTS)
    else:  # a converter writing dates or timestamps otherwise: its hooks, every time
        names.update(H_on=plans["on"].hook, H_at=plans["recorded_at"].hook, UTC_TEXT=sqlite_timestamp)
        lines += ["s_on = H_on(v_on)", "s_iso = H_at(v_recorded_at)", "s_at = UTC_TEXT(v_recorded_at)"]
    return lines


class _Compiled(Protocol):
    """What a record type's compiled builder keeps: the builder, and the general path beside it."""

    @property
    def build(self) -> Builder: ...

    def add_general(self, record: Record, sequence: int, version: int, previous: bytes) -> bytes: ...


class CompiledQueues(abc.ABC, Generic[Q]):
    """A compiled builder per record type, made when the type is first met, and its queued rows.

    The mechanism SQLite's rows (``SqliteRecordRows``) and the servers'
    lines of text (``antidrug_sql.text_rows``) share: they differ only in
    what a type's builder makes (``_compile``) and how the queue is handed out.
    """

    def __init__(self) -> None:
        self._types: dict[type[Record], Q] = {}

    @abc.abstractmethod
    def _compile(self, cls: type[Record]) -> Q:
        """The compiled builder of ``cls`` with an empty queue (each kind of rows makes its own)."""

    def of(self, cls: type[Record]) -> Q:
        """The compiled builder of ``cls`` (made the first time)."""
        found = self._types.get(cls)
        if found is None:
            found = self._types[cls] = self._compile(cls)
        return found

    def builders(self) -> dict[type[Record], Builder]:
        """The compiled builder of each type seen so far (callers keep it to skip a lookup per record)."""
        return {cls: compiled.build for cls, compiled in self._types.items()}

    def add(self, record: Record, sequence: int, version: int, previous: bytes) -> bytes:
        """Queue ``record`` at ``sequence`` (``version`` in its stream); return its chain hash."""
        compiled = self.of(type(record))
        found = compiled.build(record, sequence, version, previous)
        return found if found is not None else compiled.add_general(record, sequence, version, previous)


class _TypeRows:
    """The compiled builder of one record type, its rows grouped by the optional columns they fill."""

    def __init__(self, cls: type[Record], received: str | None = None) -> None:
        self.cls = cls
        self.received = received
        """``received_at`` of every row, as stored (None: left empty)."""
        plans = {plan.attribute: plan for plan in field_plans(cls)}
        content = columns_of(cls)
        ordered = [column.name for column in RECORDS.columns if column.name in content]
        self.optional = tuple(
            name for name in ("voids", *ordered) if plans[name].omittable and plans[name].default is None
        )
        self.required = tuple(name for name in ordered if name not in self.optional)
        self.columns = ("voids", *ordered)
        self.groups: list[list[tuple[Any, ...]]] = [[] for _ in range(1 << len(self.optional))]
        self.build: Builder = self._compile(plans)

    def names(self, mask: int) -> tuple[str, ...]:
        """The bound columns of the rows in group ``mask``, in order."""
        filled = {name for bit, name in enumerate(self.optional) if mask >> bit & 1}
        received = () if self.received is None else ("received_at",)
        return (
            *_SHARED,
            *(n for n in self.columns if n in filled or n in self.required),
            "payload",
            "hash",
            *received,
        )

    def full_mask(self) -> int:
        """The group whose statement binds every optional column (rows of the general path bind None)."""
        return (1 << len(self.optional)) - 1

    def _compile(self, plans: dict[str, FieldPlan]) -> Builder:
        names: dict[str, Any] = {
            "SHA256": hashlib.sha256,
            "PREFIX": CHAIN_FORMAT,
            "UTC": dt.UTC,
            "BYTEARRAY": bytearray,
            "G": self.groups,
            "RECEIVED": self.received,
        }
        lines = checked_reads(self.cls, plans, names)
        lines += payload_source(self.cls, names, texts={"on": "s_on", "recorded_at": "s_iso"})
        lines.append("last = SHA256(PREFIX + last + sequence.to_bytes(8, 'big') + payload.encode()).digest()")
        lines.append("h = BYTEARRAY(last)")
        values: dict[str, str] = {}
        for name in self.columns:
            values[name] = f"v_{name}"
            if plans[name].kind == "enum":
                names[f"V_{name}"] = member_texts(plans[name])
                values[name] = f"V_{name}[v_{name}]"
        lines += self._queue(values, 0, 0)
        lines.append("return last")
        source = "def build(r, sequence, version, last):\n" + "".join(f"    {line}\n" for line in lines)
        exec(source, names)  # the source is made from the record type's own fields
        build: Builder = names["build"]
        return build

    def _queue(self, values: dict[str, str], bit: int, mask: int) -> list[str]:
        """Lines that append the row as a tuple to its group: one branch per optional column."""
        if bit == len(self.optional):
            bound = [
                values[name]
                for name in self.columns
                if name in self.required or (name in self.optional and mask >> self.optional.index(name) & 1)
            ]
            received = [] if self.received is None else ["RECEIVED"]
            row = ", ".join(
                [
                    "sequence, v_id, v_subject, version, s_on, s_at, v_recorded_by",
                    *bound,
                    "payload, h",
                    *received,
                ]
            )
            return [f"G[{mask}].append(({row}))"]
        name = self.optional[bit]
        present = self._queue(values, bit + 1, mask | 1 << bit)
        absent = self._queue(values, bit + 1, mask)
        return [
            f"if v_{name} is not None:",
            *(f"    {line}" for line in present),
            "else:",
            *(f"    {line}" for line in absent),
        ]

    def add_general(self, record: Record, sequence: int, version: int, previous: bytes) -> bytes:
        """Queue a record the compiled builder left aside: the converter's JSON, None bound where empty."""
        payload = canonical_json(record)
        last = hashlib.sha256(
            CHAIN_FORMAT + previous + sequence.to_bytes(8, "big") + payload.encode("utf-8")
        ).digest()
        values = record_values(record)
        values["on"] = sqlite_date(record.on)
        values["recorded_at"] = sqlite_timestamp(record.recorded_at)
        values.update(
            sequence=sequence,
            version=version,
            payload=payload,
            hash=bytearray(last),
            received_at=self.received,
        )
        mask = self.full_mask()
        self.groups[mask].append(tuple(values[name] for name in self.names(mask)))
        return last


class SqliteRecordRows(CompiledQueues[_TypeRows]):
    """Queues records as driver-ready rows, hashing each onto the last, and inserts them in groups."""

    def __init__(self, received: str | None = None) -> None:
        """Args:
        received: ``received_at`` of every row, as SQLite and PostgreSQL's ``COPY`` read it
            (``sqlite_timestamp``); None leaves it empty.
        """
        super().__init__()
        self._received = received
        self._statements: dict[tuple[type[Record], int], str] = {}

    def _compile(self, cls: type[Record]) -> _TypeRows:
        return _TypeRows(cls, self._received)

    def statement(self, cls: type[Record], mask: int) -> str:
        """The insert statement of the rows of ``cls`` in group ``mask``."""
        key = (cls, mask)
        sql = self._statements.get(key)
        if sql is None:
            names = self.of(cls).names(mask)
            tag = cls.type_tag
            if not tag.replace("_", "").isalnum() or not tag.isascii():
                raise TypeError(f"record type tag {tag!r} cannot be written as an SQL literal")
            values: dict[str, Any] = {name: sa.bindparam(name) for name in names}
            values["type"] = sa.literal_column(f"'{tag}'")
            values["type_code"] = sa.literal_column(str(RECORD_TYPE_CODES[tag]))
            compiled = sa.insert(RECORDS).values(values).compile(dialect=sqlite.dialect())
            if tuple(compiled.positiontup or ()) != names:
                raise TypeError(f"insert parameters of {tag} out of order: {compiled.positiontup}")
            sql = self._statements[key] = str(compiled)
        return sql

    def pending(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        """Each statement with its queued rows, emptied as it is handed out."""
        for cls, rows in self._types.items():
            for mask, group in enumerate(rows.groups):
                if group:
                    rows.groups[mask] = []  # the compiled builder looks its group up on each call
                    yield self.statement(cls, mask), group

    def flush(self, connection: sa.Connection) -> None:
        """Insert everything queued, one ``executemany`` per statement."""
        for sql, rows in self.pending():
            connection.exec_driver_sql(sql, rows)

    def clear(self) -> None:
        """Forget what is queued (after a failed write)."""
        for rows in self._types.values():
            for group in rows.groups:
                group.clear()
