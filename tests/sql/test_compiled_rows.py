"""The compiled payloads and SQLite rows are exactly the converter's canonical JSON and SQLAlchemy's rows."""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.audit import GENESIS, canonical_json, chain_hash
from antidrug_core.model import RECORD_TYPES, FaceCheck, Record
from antidrug_core.testing import every_record_type
from antidrug_core.testing.strategies import record_strategies, records
from antidrug_sql import canonical
from antidrug_sql.canonical import payload_of
from antidrug_sql.rows import record_row, sqlite_timestamp
from antidrug_sql.sqlite_rows import SqliteRecordRows, time_texts
from antidrug_sql.tables import METADATA, RECORDS, STREAMS
from antidrug_sql.text_rows import TextRecordRows

SAMPLE = [record for stream in every_record_type("522631101", "522631102").values() for record in stream]

offsets = st.sampled_from(
    [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=8)),
        dt.timezone(dt.timedelta(hours=-5)),
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(dt.timedelta(hours=14)),
        dt.timezone(dt.timedelta(hours=-9, minutes=-30)),
        dt.timezone(dt.timedelta(hours=2, seconds=15)),
        zoneinfo.ZoneInfo("Asia/Shanghai"),
        zoneinfo.ZoneInfo("America/New_York"),
    ]
)
instants = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 12, 30)),
    offsets,
)
texts = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")
LINES = TextRecordRows("postgresql")


@st.composite
def varied_records(draw: st.DrawFn) -> Record:
    """Any record, with instants to the microsecond in any offset and any text where text goes."""
    record = draw(records())
    changes: dict[str, Any] = {"recorded_at": draw(instants)}
    for field in attrs.fields(type(record)):
        if field.name in ("note", "reason") and draw(st.booleans()):
            changes[field.name] = draw(texts)
    if draw(st.booleans()):
        changes["recorded_by"] = draw(texts)
    return attrs.evolve(record, **changes)


class _Loud(str):
    """A string of another type, which the converter passes through as it is."""


class _Method(enum.Enum):
    HOME_VISIT = "home_visit"


def unusual(record: Record, field: str, value: Any) -> Record:
    """``record`` holding a value of another type than its field declares (a host's mistake, not refused)."""
    copy = attrs.evolve(record)
    object.__setattr__(copy, field, value)
    return copy


# No deadline: the first example compiles the payload writer of every record type.
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(varied_records())
def test_the_compiled_payload_is_the_converters_canonical_json(record: Record) -> None:
    assert payload_of(record) == canonical_json(record)


def test_every_record_type_has_a_compiled_payload_equal_to_the_canonical_json() -> None:
    assert {type(r) for r in SAMPLE} == set(RECORD_TYPES.values()) == set(record_strategies_types())
    for record in SAMPLE:
        assert payload_of(record) == canonical_json(record)


def record_strategies_types() -> set[type[Record]]:
    return {RECORD_TYPES[tag] for tag in record_strategies()}


@pytest.mark.parametrize(
    "record",
    [
        unusual(SAMPLE[0], "id", _Loud("P9-loud")),
        unusual(SAMPLE[0], "voids", _Loud("P9-0")),
        unusual(next(r for r in SAMPLE if isinstance(r, FaceCheck)), "method", _Method.HOME_VISIT),
        unusual(next(r for r in SAMPLE if isinstance(r, FaceCheck)), "note", 42),
        unusual(SAMPLE[0], "on", dt.datetime(2023, 1, 5, 8, 30, tzinfo=dt.UTC)),
    ],
    ids=[
        "a str subclass",
        "a str subclass where None is the default",
        "another enum",
        "a number",
        "a datetime",
    ],
)
def test_a_value_of_an_unexpected_type_gives_the_converters_json_too(record: Record) -> None:
    assert payload_of(record) == canonical_json(record)


@settings(max_examples=300)
@given(instants, st.dates())
def test_the_texts_of_a_day_and_an_instant_are_the_converters_and_sqlalchemys(
    instant: dt.datetime, day: dt.date
) -> None:
    # Twice: the first time enters the day and the hour (for an offset of whole hours), the second
    # reads them.
    for _ in range(2):
        assert time_texts(day, instant) == (day.isoformat(), instant.isoformat(), sqlite_timestamp(instant))
    # The compiled builders run the same source in place.
    record = attrs.evolve(SAMPLE[0], recorded_at=instant, on=day)
    for _ in range(2):
        assert LINES.add(record, 1, 1, GENESIS) is not None
    (batch,) = LINES.pending()
    fields = [dict(zip(batch.columns, line.rstrip("\n").split("\t"), strict=True)) for line in batch.lines]
    assert [(f["on"], f["recorded_at"], f["payload"]) for f in fields] == [
        (day.isoformat(), sqlite_timestamp(instant), canonical_json(record))
    ] * 2


def test_a_naive_instant_is_refused_by_the_compiled_texts_as_by_the_general_ones() -> None:
    naive = dt.datetime(2023, 3, 4, 10, 11, 12)
    with pytest.raises(ValueError, match="without a UTC offset"):
        sqlite_timestamp(naive)
    with pytest.raises(ValueError, match="without a UTC offset"):
        time_texts(naive.date(), naive)


def stored(engine: sa.Engine) -> list[tuple[Any, ...]]:
    """Every record row with each value's SQLite storage class."""
    names = [c.name for c in RECORDS.columns]
    typed = ", ".join(f'"{n}", typeof("{n}")' for n in names)
    with engine.connect() as connection:
        return [
            tuple(row) for row in connection.exec_driver_sql(f"SELECT {typed} FROM {RECORDS.name} ORDER BY 1")
        ]


@pytest.fixture
def two_databases() -> Iterator[tuple[sa.Engine, sa.Engine]]:
    made = []
    for _ in range(2):
        engine = sa.create_engine("sqlite://")
        METADATA.create_all(engine)
        made.append(engine)
    yield made[0], made[1]
    for engine in made:
        engine.dispose()


def write_both_ways(engines: tuple[sa.Engine, sa.Engine], chosen: list[Record]) -> None:
    """Through SQLAlchemy's own insert of ``record_row``, and through the compiled rows."""
    streams = sorted({(r.subject, r.subject_kind.value) for r in chosen})
    rows, last, by_sqlalchemy = SqliteRecordRows(), GENESIS, []
    for sequence, record in enumerate(chosen, start=1):
        payload = canonical_json(record)
        hashed = chain_hash(last, sequence, payload.encode("utf-8"))
        by_sqlalchemy.append(record_row(record, sequence, sequence, payload, hashed))
        compiled = rows.add(record, sequence, sequence, last)
        assert compiled == hashed
        last = hashed
    for engine in engines:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(STREAMS), [{"subject": s, "kind": k, "version": 0} for s, k in streams]
            )
    with engines[0].begin() as connection:
        connection.execute(sa.insert(RECORDS), by_sqlalchemy)
    with engines[1].begin() as connection:
        rows.flush(connection)


def test_compiled_rows_store_what_sqlalchemy_stores_for_every_record_type(
    two_databases: tuple[sa.Engine, sa.Engine],
) -> None:
    write_both_ways(two_databases, SAMPLE)
    assert stored(two_databases[0]) == stored(two_databases[1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(varied_records(), min_size=1, max_size=12, unique_by=lambda r: r.id))
def test_compiled_rows_store_what_sqlalchemy_stores(
    two_databases: tuple[sa.Engine, sa.Engine], chosen: list[Record]
) -> None:
    for engine in two_databases:
        with engine.begin() as connection:
            connection.execute(sa.delete(RECORDS))
            connection.execute(sa.delete(STREAMS))
    write_both_ways(two_databases, chosen)
    assert stored(two_databases[0]) == stored(two_databases[1])


def test_a_record_with_an_unusual_value_is_stored_like_any_other(
    two_databases: tuple[sa.Engine, sa.Engine],
) -> None:
    check = next(r for r in SAMPLE if isinstance(r, FaceCheck))
    odd = [
        unusual(check, "note", _Loud("在家")),
        unusual(SAMPLE[0], "id", _Loud("P9-x")),
    ]
    write_both_ways(two_databases, odd)
    assert stored(two_databases[0]) == stored(two_databases[1])


def test_ordinary_records_take_the_compiled_path_and_not_the_converter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(record: Record) -> str:
        raise AssertionError(f"{record.type_tag} went through the converter")

    monkeypatch.setattr(canonical, "canonical_json", refuse)
    rows = SqliteRecordRows()
    for record in SAMPLE:
        assert canonical.payload_function(type(record))(record)
        assert rows.of(type(record)).build(record, 1, 1, GENESIS) is not None
