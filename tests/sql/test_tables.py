"""The record table's typed columns are derived from the record classes; bulk values equal SQLAlchemy's."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing

import attrs
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from antidrug_core.model import RECORD_TYPES
from antidrug_core.testing import every_person_record_type, every_record_type
from antidrug_sql.rows import record_values, sqlite_date, sqlite_timestamp
from antidrug_sql.tables import BASE_COLUMNS, RECORD_TYPE_CODES, RECORDS, SUBJECT_FIELDS, columns_of

SQLITE = sqlite.dialect()


def test_every_plain_content_field_of_every_record_type_has_a_typed_column() -> None:
    columns = set(RECORDS.c.keys())
    for cls in RECORD_TYPES.values():
        hints = typing.get_type_hints(cls)
        for field in attrs.fields(cls):
            if field.name in BASE_COLUMNS:
                assert field.name in columns
                continue
            if field.name in SUBJECT_FIELDS:  # whichever the record fills is in ``subject``
                assert field.name not in columns
                continue
            declared = hints[field.name]
            if typing.get_origin(declared) in (typing.Union, types.UnionType):
                (declared,) = (t for t in typing.get_args(declared) if t is not type(None))
            base = declared
            plain = base is str or (isinstance(base, type) and issubclass(base, enum.Enum))
            # Structured values (factors, a unit's roles) and dates other than ``on`` are in the payload only.
            assert (field.name in columns) == plain, f"{cls.type_tag}.{field.name}"
            assert (field.name in columns_of(cls)) == plain


def test_a_record_of_any_subject_names_it_in_the_subject_column() -> None:
    streams = every_record_type("522631101", "522631102")
    for subject, records in streams.items():
        assert {record_values(record)["subject"] for record in records} == {subject}
    assert "subject" in RECORDS.c
    assert "person" not in RECORDS.c
    assert {record_values(r)["name"] for r in streams["U9"] if r.type_tag == "unit_registered"} != {None}


def test_the_columns_the_evaluator_filters_on_are_there() -> None:
    wanted = {"type", "subject", "on", "recorded_at", "voids", "status", "method", "kind", "result"}
    wanted |= {"due", "request", "level", "measure", "division", "household", "residence", "to_division"}
    assert wanted <= set(RECORDS.c.keys())
    assert "ix_antidrug_records_type_on" in {index.name for index in RECORDS.indexes}


def test_every_record_type_has_a_code_of_its_own_that_fits_its_column() -> None:
    """A record type without a code could not be stored; two types with one code would count as each
    other in the fast evaluator."""
    assert set(RECORD_TYPE_CODES) == set(RECORD_TYPES)
    codes = list(RECORD_TYPE_CODES.values())
    assert len(set(codes)) == len(codes)
    assert all(0 < code < 2**15 for code in codes)  # a SMALLINT on every engine; 0 is no type's
    for record in every_record_type("522631101", "522631102")["U9"]:
        assert record_values(record)["type_code"] == RECORD_TYPE_CODES[record.type_tag]


def test_typed_values_come_from_the_record() -> None:
    sample = every_person_record_type("P1", "522631101", "522631102")
    values = [record_values(record) for record in sample]
    by_type: dict[str, dict[str, object]] = {v["type"]: v for v in values}  # type: ignore[misc]
    assert by_type["status_changed"]["status"] == "community_detox"
    assert by_type["transfer_requested"]["to_division"] == "522631102"
    assert by_type["face_check"]["method"] in {"home_visit", "video_call"}
    assert all(v["recorded_at"].tzinfo is dt.UTC for v in values)  # type: ignore[union-attr]
    assert all(isinstance(v["status"], str | None) for v in values)


@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 2),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]
        ),
    )
)
def test_bulk_timestamps_are_what_sqlalchemy_stores_on_sqlite(value: dt.datetime) -> None:
    processor = RECORDS.c.recorded_at.type.dialect_impl(SQLITE).bind_processor(SQLITE)
    assert processor is not None
    assert sqlite_timestamp(value) == processor(value)


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_bulk_dates_are_what_sqlalchemy_stores_on_sqlite(value: dt.date) -> None:
    processor = RECORDS.c.on.type.dialect_impl(SQLITE).bind_processor(SQLITE)
    assert processor is not None
    assert sqlite_date(value) == processor(value)
