"""The few SQL expressions that SQLite, PostgreSQL and MariaDB/MySQL each spell their own way.

The fast evaluator must give the same answer on every engine, so each
construct here is exact on all three: whole days between two dates, the
fixed-width text of a date and of a timestamp, an id as hexadecimal, and a
comparison of text by its characters' code points (what Python's ``<``
does), never by a language's collation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["DateText", "DaysBetween", "HexText", "InstantText", "StoredDate", "Unindexed", "code_point_order"]


class DaysBetween(sa.sql.functions.FunctionElement[int]):
    """``DaysBetween(later, earlier)``: ``later - earlier`` in whole days."""

    inherit_cache = True
    type = sa.Integer()
    name = "days_between"


@compiles(DaysBetween, "sqlite")
def _days_sqlite(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(DaysBetween, "postgresql")
def _days_postgresql(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({later} - {earlier})"


@compiles(DaysBetween, "mysql")
def _days_mysql(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"DATEDIFF({later}, {earlier})"


class StoredDate(sa.sql.functions.FunctionElement[dt.date]):
    """A date column compared as the text SQLite stores, rather than as a number first.

    SQLite gives a ``DATE`` column numeric affinity, so each comparison of
    it with a date tries to read both sides as numbers before it compares the
    text, in every row the evaluator reads: 6 % of its statement's
    instructions at a million people (``docs/storage.md``). ``+column`` has
    no affinity, and the ISO text SQLite stores compares as the dates do.
    ``+`` also keeps SQLite off the column's indexes, so this is only for a
    comparison made row by row, never one an index should serve. The other
    engines get the column itself.
    """

    inherit_cache = True
    type = sa.Date()
    name = "stored_date"


class DateText(sa.sql.functions.FunctionElement[str]):
    """A date as ``YYYY-MM-DD`` (10 characters)."""

    inherit_cache = True
    type = sa.String()
    name = "date_text"


@compiles(DateText, "sqlite")
def _date_sqlite(element: DateText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # SQLite keeps dates as this very text


@compiles(DateText, "postgresql")
def _date_postgresql(element: DateText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(DateText, "mysql")
def _date_mysql(element: DateText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"DATE_FORMAT({compiler.process(element.clauses, **kw)}, '%%Y-%%m-%%d')"


class InstantText(sa.sql.functions.FunctionElement[str]):
    """A UTC timestamp column as ``YYYY-MM-DD HH:MM:SS.ffffff`` (26 characters)."""

    inherit_cache = True
    type = sa.String()
    name = "instant_text"


@compiles(InstantText, "sqlite")
def _instant_sqlite(element: InstantText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # stored as this very text, microseconds included


@compiles(InstantText, "postgresql")
def _instant_postgresql(element: InstantText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24:MI:SS.US')"


@compiles(InstantText, "mysql")
def _instant_mysql(element: InstantText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"DATE_FORMAT({compiler.process(element.clauses, **kw)}, '%%Y-%%m-%%d %%H:%%i:%%s.%%f')"


class HexText(sa.sql.functions.FunctionElement[str]):
    """An id's UTF-8 bytes in hexadecimal.

    Hexadecimal keeps the order of the bytes, and UTF-8 keeps the order of
    code points, so two ids compare as hex text exactly as Python compares
    them; and a hex string never holds a character below ``0``, so what
    follows it in a longer key cannot change that order.
    """

    inherit_cache = True
    type = sa.String()
    name = "hex_text"


@compiles(HexText, "sqlite")
def _hex_sqlite(element: HexText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"hex({compiler.process(element.clauses, **kw)})"


@compiles(HexText, "postgresql")
def _hex_postgresql(element: HexText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"encode(convert_to({compiler.process(element.clauses, **kw)}, 'UTF8'), 'hex')"


@compiles(HexText, "mysql")
def _hex_mysql(element: HexText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"HEX({compiler.process(element.clauses, **kw)})"


def code_point_order(text: sa.ColumnElement[str], dialect: str) -> sa.ColumnElement[str]:
    """``text`` compared (and so ordered by ``MIN``/``MAX``) by code point on ``dialect``."""
    if dialect == "postgresql":
        return text.collate("C")
    if dialect == "mysql":
        return text.collate("utf8mb4_bin")
    return text  # SQLite compares text byte by byte, and UTF-8 keeps code point order


class Unindexed(sa.sql.functions.FunctionElement[str]):
    """A text column that SQLite's and PostgreSQL's planners must not look up through an index.

    A lookup of one person's records must go through ``(person, version)``;
    without statistics SQLite may take ``(type, on)`` instead and read every
    record of that type for each person. ``+column`` is SQLite's way to say
    so. PostgreSQL, at a million people, combined ``(subject, version)`` with
    ``(type, on)`` for each person's latest transfer, reading 11,571 entries
    of the province's accepted transfers for each person who had one (0.6 ms
    each); ``column || ''`` is an expression no index of the column serves,
    and the same text. MariaDB gets the column itself: it has
    ``(subject, type)`` (revision 0014), through which a person's records of a
    type are fewer than through ``(type, on)``, and is kept off ``(type, on)``
    by an index hint (``facts._by_person``). Before that index, MariaDB was
    given ``concat(column)``, which kept it off every index of the column,
    ``(subject, type)`` too (``tests/sql/test_query_plans.py`` holds each
    engine's plans).
    """

    inherit_cache = True
    type = sa.String()
    name = "unindexed"


@compiles(StoredDate)
@compiles(Unindexed)
def _column_itself(element: StoredDate | Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(StoredDate, "sqlite")
@compiles(Unindexed, "sqlite")
def _unary_plus_sqlite(element: StoredDate | Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    """``+column``: in SQLite an expression, not the column, so it has no affinity and no index."""
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(Unindexed, "postgresql")
def _unindexed_postgresql(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} || '')"
