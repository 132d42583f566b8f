"""The lines of text a server load sends read back, field by field, as exactly the record's row."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.audit import GENESIS, canonical_json, chain_hash
from antidrug_core.model import Record
from antidrug_core.testing import every_record_type
from antidrug_sql import canonical
from antidrug_sql.rows import record_values, sqlite_timestamp
from antidrug_sql.tables import RECORDS
from antidrug_sql.text_rows import HEX_PREFIX, TextRecordRows, escaped

SAMPLE = [record for stream in every_record_type("522631101", "522631102").values() for record in stream]
ROWS = {engine: TextRecordRows(engine) for engine in HEX_PREFIX}
texts = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")


@st.composite
def varied_records(draw: st.DrawFn) -> Record:
    """A record of any type, with any text (tabs, newlines, backslashes …) where text goes."""
    record = draw(st.sampled_from(SAMPLE))
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        if field.name in ("note", "reason", "recorded_by", "id") and draw(st.booleans()):
            changes[field.name] = draw(texts)
    return attrs.evolve(record, **changes)


_ESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def read_line(line: str) -> list[str | None]:
    """A line of the text format as its fields, the way PostgreSQL's COPY and MariaDB's LOAD DATA read it."""
    assert line.endswith("\n")
    assert "\n" not in line[:-1]
    assert "\r" not in line
    return [
        None if field == "\\N" else _ESCAPE.sub(lambda m: _UNESCAPED[m[1]], field)
        for field in line[:-1].split("\t")
    ]


def expected_row(record: Record, columns: tuple[str, ...], hex_prefix: str) -> list[Any]:
    """The record's row at sequence 1, version 1 after the genesis hash, as the inserting path stores it."""
    payload = canonical_json(record)
    values: dict[str, Any] = record_values(record)
    values.update(
        sequence="1",
        version="1",
        type_code=str(values["type_code"]),
        on=record.on.isoformat(),
        recorded_at=sqlite_timestamp(record.recorded_at),
        payload=payload,
        hash=hex_prefix.replace("\\\\", "\\") + chain_hash(GENESIS, 1, payload.encode()).hex(),
    )
    return [values[name] for name in columns]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(varied_records(), st.sampled_from(["postgresql", "mysql"]))
def test_a_records_line_reads_back_as_its_row(record: Record, engine: str) -> None:
    rows = ROWS[engine]  # compiled once per record type, as in a load
    last = rows.add(record, 1, 1, GENESIS)
    (batch,) = rows.pending()
    (line,) = batch.lines
    payload = canonical_json(record)
    assert last == chain_hash(GENESIS, 1, payload.encode())
    assert read_line(line) == expected_row(record, batch.columns, HEX_PREFIX[engine])
    assert len(batch.columns) == len(RECORDS.columns) - 1  # every column but received_at


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_lines_of_every_column_come_in_the_chains_order_as_one_batch(engine: str) -> None:
    rows = TextRecordRows(engine)
    last = GENESIS
    for sequence, record in enumerate(SAMPLE, start=1):
        last = rows.add(record, sequence, 1, last)
    (batch,) = rows.pending()
    assert [int(line.split("\t", 1)[0]) for line in batch.lines] == list(range(1, len(SAMPLE) + 1))
    assert {len(read_line(line)) for line in batch.lines} == {len(batch.columns)}
    assert list(rows.pending()) == []


@given(st.text())
def test_an_escaped_value_reads_back_as_itself(value: str) -> None:
    assert read_line(escaped(value) + "\n") == [value]


def test_ordinary_records_make_their_lines_without_the_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(record: Record) -> str:
        raise AssertionError(f"{record.type_tag} went through the converter")

    monkeypatch.setattr(canonical, "canonical_json", refuse)
    rows = TextRecordRows("postgresql")
    for record in SAMPLE:
        assert rows.of(type(record)).build(record, 1, 1, GENESIS) is not None
