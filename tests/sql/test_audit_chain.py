"""The hash chain finds any record altered, deleted, reordered or inserted out of band, and names where."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidrug_core.audit import (
    GENESIS,
    ChainHead,
    ChainRow,
    canonical_bytes,
    canonical_json,
    chain_hash,
    verify_chain,
)
from antidrug_core.bootstrap import open_store
from antidrug_core.cli import main
from antidrug_core.model import Actor, PersonId, Record, Role
from antidrug_core.ports import AuditableRecorder
from antidrug_core.store import Store
from antidrug_core.testing import every_person_record_type, every_record_type
from antidrug_sql.rows import record_row
from antidrug_sql.tables import RECORD_TYPE_CODES, RECORDS

TOWNSHIP = "522631101"
OTHER = "522631102"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})
STREAMS = every_record_type(TOWNSHIP, OTHER, person=PersonId("P1"))
SAMPLE = [record for records in STREAMS.values() for record in records]
SAMPLE += every_person_record_type(PersonId("P2"), TOWNSHIP, OTHER)
"""Every record type: a person's, a unit's and an organisation's streams, then another person's."""


def chain_of(records: list[Record]) -> tuple[list[ChainRow], ChainHead]:
    rows: list[ChainRow] = []
    last = GENESIS
    versions: dict[str, int] = {}
    for sequence, record in enumerate(records, start=1):
        last = chain_hash(last, sequence, canonical_bytes(record))
        versions[record.subject] = versions.get(record.subject, 0) + 1
        rows.append(ChainRow(sequence, versions[record.subject], record, last))
    return rows, ChainHead(len(rows), last)


def test_canonical_bytes_are_sorted_compact_utf8_json() -> None:
    record = SAMPLE[4]
    text = canonical_json(record)
    assert canonical_bytes(record) == text.encode("utf-8")
    assert text.startswith('{"factors":[{"factor":"work","value":"stable"}],"id":"P1-5"')
    assert " " not in text.replace("复吸风险上升", "")


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    rows, head = chain_of(SAMPLE)
    report = verify_chain(rows, head)
    assert report.intact
    assert (report.records, report.head) == (len(SAMPLE), head.hash)
    assert verify_chain([], ChainHead(0, GENESIS)).intact


@st.composite
def tampered_chains(draw: st.DrawFn) -> tuple[list[ChainRow], ChainHead, int]:
    """A chain with one thing done to it behind the store's back, and the first sequence it breaks at."""
    size = draw(st.integers(2, len(SAMPLE)))
    rows, head = chain_of(SAMPLE[:size])
    kind = draw(st.sampled_from(["alter", "rehash", "delete", "swap", "insert", "truncate", "renumber"]))
    i = draw(st.integers(0, size - 1))
    row = rows[i]
    assert row.record is not None
    if kind == "alter":
        rows[i] = attrs.evolve(row, record=attrs.evolve(row.record, recorded_by="mallory"))
        return rows, head, i + 1
    if kind == "rehash":  # altered, and its own hash recomputed: the next link (or the head) breaks
        forged = attrs.evolve(row.record, recorded_by="mallory")
        previous = rows[i - 1].hash if i else GENESIS
        rows[i] = attrs.evolve(row, record=forged, hash=chain_hash(previous, i + 1, canonical_bytes(forged)))
        return rows, head, min(i + 2, size)
    if kind == "delete":
        del rows[i]
        return rows, head, i + 1
    if kind == "swap":
        j = draw(st.integers(0, size - 1).filter(lambda j: j != i))
        low, high = min(i, j), max(i, j)
        a, b = rows[low], rows[high]
        rows[low] = attrs.evolve(b, sequence=a.sequence)
        rows[high] = attrs.evolve(a, sequence=b.sequence)
        return rows, head, low + 1
    if kind == "insert":  # a well-formed record appended with a correct hash, but not through the store
        extra = attrs.evolve(rows[-1].record, id=f"forged-{i}")  # type: ignore[arg-type]
        assert extra is not None
        rows.append(
            ChainRow(
                size + 1,
                rows[-1].version + 1,
                extra,
                chain_hash(rows[-1].hash, size + 1, canonical_bytes(extra)),
            )
        )
        return rows, head, size + 1
    if kind == "truncate":  # the last rows deleted
        del rows[i + 1 :]
        del rows[i]
        return rows, head, i + 1
    rows[i] = attrs.evolve(row, sequence=row.sequence + size)  # a row moved to another place
    return rows, head, i + 1


@given(tampered_chains())
def test_the_verifier_names_the_first_broken_sequence_number(
    case: tuple[list[ChainRow], ChainHead, int],
) -> None:
    rows, head, first_bad = case
    report = verify_chain(rows, head)
    assert not report.intact
    assert report.first_bad == first_bad, report.reason


# --- on a real database ---------------------------------------------------------------------


def fill(store: Store) -> None:
    with store.unit_of_work(Actor.local_administrator()) as uow:
        for record in SAMPLE:
            uow.add_record(record, live=False)
        uow.commit()


def verify(store: Store) -> Any:
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    return verify_chain(recorder.chain(), recorder.chain_head())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite store holding ``SAMPLE``, copied for each tampering."""
    path = tmp_path_factory.mktemp("chain") / "template.db"
    with open_store(f"sqlite:///{path}") as store:
        fill(store)
        assert verify(store).intact
    return path


def tamper(path: Path, kind: str, i: int, j: int) -> int:
    """Change the SQLite file behind the store's back; return the sequence number that must be named."""
    size = len(SAMPLE)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        run = connection.execute
        if kind == "column":
            run("UPDATE antidrug_records SET recorded_by = 'mallory' WHERE sequence = ?", (i,))
        elif kind == "date":
            run("UPDATE antidrug_records SET \"on\" = '1999-01-01' WHERE sequence = ?", (i,))
        elif kind == "payload":  # payload and typed column changed together: only the hash can tell
            run(
                "UPDATE antidrug_records SET recorded_by = 'mallory', "
                'payload = replace(payload, \'"recorded_by":"sample"\', \'"recorded_by":"mallory"\') '
                "WHERE sequence = ?",
                (i,),
            )
        elif kind == "version":
            run("UPDATE antidrug_records SET version = version + 1000 WHERE sequence = ?", (i,))
        elif kind == "delete":
            run("DELETE FROM antidrug_records WHERE sequence = ?", (i,))
        elif kind == "swap":
            low, high = min(i, j), max(i, j)
            run("UPDATE antidrug_records SET sequence = -1 WHERE sequence = ?", (low,))
            run("UPDATE antidrug_records SET sequence = ? WHERE sequence = ?", (low, high))
            run("UPDATE antidrug_records SET sequence = ? WHERE sequence = -1", (high,))
            return low
        elif kind == "head":
            run("UPDATE antidrug_chain_head SET sequence = sequence - 1")
            return size
        else:  # insert a well-formed row with a correct hash after the head
            (previous,) = run("SELECT hash FROM antidrug_records WHERE sequence = ?", (size,)).fetchone()
            forged = attrs.evolve(SAMPLE[-1], id=f"forged-{uuid.uuid4().hex[:6]}")
            row = record_row(forged, size + 1, 1000, canonical_json(forged), b"")
            row["hash"] = chain_hash(previous, size + 1, canonical_bytes(forged))
            engine = sa.create_engine(f"sqlite:///{path}")
            with engine.begin() as sa_connection:
                sa_connection.execute(sa.insert(RECORDS), [row])
            engine.dispose()
            return size + 1
        return i
    finally:
        connection.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["column", "date", "payload", "version", "delete", "swap", "head", "insert"]),
    i=st.integers(1, len(SAMPLE)),
    j=st.integers(1, len(SAMPLE)),
)
def test_a_row_tampered_in_the_database_file_is_found_by_sequence_number(
    template: Path, tmp_path: Path, kind: str, i: int, j: int
) -> None:
    if kind == "swap" and i == j:
        j = i % len(SAMPLE) + 1
    copy = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, copy)
    assert not Path(f"{template}-wal").exists() or Path(f"{template}-wal").stat().st_size == 0
    expected = tamper(copy, kind, i, j)
    with open_store(f"sqlite:///{copy}", create=False) as store:
        report = verify(store)
    assert report.first_bad == expected, report.reason


def test_a_tampered_row_is_found_on_every_engine(databases: Any, open_sql: Callable[..., Store]) -> None:
    store = open_sql(databases.new())
    fill(store)
    assert verify(store).intact
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(sa.update(RECORDS).where(RECORDS.c.sequence == 7).values(recorded_by="mallory"))
    report = verify(store)
    assert (report.first_bad, report.records) == (7, 6)
    assert "typed columns (recorded_by)" in report.reason


def test_a_type_code_changed_so_a_record_counts_as_another_type_is_found_on_every_engine(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    """The fast evaluator asks a record's type by its code; a code that no longer names the type
    written in the row and the payload (a status change made to count as a relapse) is tampering."""
    store = open_sql(databases.new())
    fill(store)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    status_changes = RECORDS.c.type == "status_changed"
    with engine.begin() as connection:
        first = connection.execute(sa.select(sa.func.min(RECORDS.c.sequence)).where(status_changes)).scalar()
        changed = connection.execute(
            sa.update(RECORDS).where(status_changes).values(type_code=RECORD_TYPE_CODES["relapse_found"])
        ).rowcount
    assert changed == 2
    report = verify(store)
    assert report.first_bad == first
    assert "typed columns (type_code)" in report.reason


def test_every_record_type_reads_back_with_typed_columns_that_agree(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    fill(store)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        statuses = connection.execute(
            sa.select(RECORDS.c.status).where(RECORDS.c.type == "status_changed").order_by(RECORDS.c.sequence)
        ).scalars()
        assert list(statuses) == ["community_detox", "community_detox"]
        stamps = connection.execute(sa.select(RECORDS.c.recorded_at).where(RECORDS.c.sequence == 1)).scalar()
    assert stamps == SAMPLE[0].recorded_at.astimezone(dt.UTC)
    report = verify(store)
    assert report.intact
    assert report.records == len(SAMPLE)


def sequence_of(store: Store, **where: object) -> int:
    """The sequence number of the one record whose columns have the values given."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(RECORDS.c.sequence).where(*(RECORDS.c[k] == v for k, v in where.items()))
            ).scalar_one()
        )


@pytest.mark.parametrize("kind", ["unit", "organisation"])
def test_a_changed_or_deleted_unit_or_organisation_record_is_found_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    url = databases.new()
    store = open_sql(url)
    fill(store)
    assert verify(store).intact
    subject = "U9" if kind == "unit" else "O9"
    changed = sequence_of(store, type=f"{kind}_changed", subject=subject, version=2)
    closed = sequence_of(store, type=f"{kind}_closed", subject=subject)
    assert SAMPLE[changed - 1].subject == subject
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # renamed in its typed column only
        connection.execute(sa.update(RECORDS).where(RECORDS.c.sequence == changed).values(name="某某公司"))
    report = verify(store)
    assert (report.first_bad, report.records) == (changed, changed - 1)
    assert "typed columns (name)" in report.reason
    assert main(["audit", "verify", "--db", url]) == 3
    printed = capsys.readouterr()
    assert f"broken at sequence {changed}" in printed.out + printed.err

    with engine.begin() as connection:  # and in its payload: only the hash can tell
        payload = connection.execute(
            sa.select(RECORDS.c.payload).where(RECORDS.c.sequence == changed)
        ).scalar_one()
        name = SAMPLE[changed - 1].name  # type: ignore[attr-defined]
        connection.execute(
            sa.update(RECORDS)
            .where(RECORDS.c.sequence == changed)
            .values(payload=payload.replace(name, "某某公司"))
        )
    report = verify(store)
    assert report.first_bad == changed
    assert "hash" in report.reason

    other = open_sql(databases.new())
    fill(other)
    engine = other.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # deleted: the record after it no longer links
        connection.execute(sa.delete(RECORDS).where(RECORDS.c.sequence == closed))
    report = verify(other)
    assert (report.intact, report.first_bad) == (False, closed)
