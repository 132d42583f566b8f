"""Bulk loads: into an empty store (indexes built after the rows, a writer process on SQLite) or not.

Whichever way a load goes, it writes exactly what a load in one process
with every index in place writes, refuses a record id used twice by naming
it, and leaves the store as it was when anything fails, including either
process being killed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from antidrug_core.audit import verify_chain
from antidrug_core.model import Actor, ConcurrencyConflict, InvalidInput, StoreUnavailable, SubjectKind
from antidrug_core.ports import AuditableRecorder, BulkRecorder, StreamAppend
from antidrug_core.store import Store, new_stream
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from antidrug_core.testing import every_record_type
from antidrug_sql import recorder as recorder_module
from antidrug_sql import writer as writer_module
from antidrug_sql.copying import (
    FreshCopy,
    FreshInfile,
    ShortSwitchInterval,
    _refused,
    has_bulk_insert,
    infile_allowed,
)
from antidrug_sql.tables import RECORDS
from antidrug_sql.writer import WriterProcess

Snapshot = Callable[[Store], dict[str, list[Any]]]
"""The ``snapshot`` fixture (tests/sql/conftest.py): every row and index of a store."""

SPEC = SyntheticSpec.demo(seed=5, people=60, townships=3)
BATCH = 100
TOWNSHIP, OTHER_TOWNSHIP = "522631101", "522631201"
"""Records per batch in these tests, so that a small county is many batches (and gets a writer)."""


def appends(spec: SyntheticSpec = SPEC) -> Iterator[StreamAppend]:
    for records in person_records(spec):
        yield new_stream(records[0].subject, records, spec.policy)


def with_units_and_organisations(spec: SyntheticSpec = SPEC) -> Iterator[StreamAppend]:
    """The people of ``spec``, with a unit's and an organisation's streams among them."""
    others = every_record_type(TOWNSHIP, OTHER_TOWNSHIP, unit="U9", organisation="O9")
    for index, append in enumerate(appends(spec)):
        yield append
        if index in (10, 30):
            subject = "U9" if index == 10 else "O9"
            yield new_stream(subject, others[subject], spec.policy)


def bulk(store: Store) -> BulkRecorder:
    recorder = store.recorder
    assert isinstance(recorder, BulkRecorder)
    return recorder


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "BULK_RECORDS", BATCH)


@pytest.fixture
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads stay in this process (as where no writer process can start)."""
    monkeypatch.setattr(WriterProcess, "start", classmethod(lambda cls, *args: None))


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[WriterProcess]:
    """Every writer process started, to look at (or kill)."""
    started: list[WriterProcess] = []
    start = WriterProcess.start.__func__  # type: ignore[attr-defined]

    def watched(cls: type[WriterProcess], *args: Any) -> WriterProcess | None:
        writer = start(cls, *args)
        if writer is not None:
            started.append(writer)
        return writer

    monkeypatch.setattr(WriterProcess, "start", classmethod(watched))
    return started


def with_reused_id(
    source: Iterator[StreamAppend], reused_at: int, *, alike_at: int | None = None
) -> Iterator[StreamAppend]:
    """The appends, the ``reused_at``-th person's last record taking the first person's first id (and
    the ``alike_at``-th person's taking it in capitals, which is another id)."""
    first_id = None
    for index, append in enumerate(source):
        if index == 0:
            first_id = append.records[0].id
        if index in (reused_at, alike_at):
            assert first_id is not None
            taken = first_id if index == reused_at else first_id.upper()
            records = (*append.records[:-1], attrs.evolve(append.records[-1], id=taken))
            append = attrs.evolve(append, records=records)
        yield append


def with_person_again(index: int) -> tuple[list[StreamAppend], str]:
    """Every person of ``SPEC``, then the ``index``-th person's stream once more under new record ids
    (a person given twice, by nothing but the subject); and that person."""
    everyone = list(appends())
    repeated = everyone[index]
    renamed = tuple(attrs.evolve(record, id=f"again-{record.id}") for record in repeated.records)
    again = attrs.evolve(repeated, records=renamed)
    return [*everyone, again], repeated.subject


@pytest.mark.usefixtures("small_batches", "one_process")
def test_an_id_used_twice_batches_apart_is_refused_by_name_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], snapshot: Snapshot
) -> None:
    store = open_sql(databases.new())
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        bulk(store).bulk_append(with_reused_id(appends(), reused_at=40, alike_at=45))
    (problem,) = refused.value.problems  # ids are told apart by case, as Python tells them
    first = next(appends()).records[0]
    assert first.id != first.id.upper()
    assert (problem.field, problem.row) == ("id", first.id)
    assert f"record id {first.id!r} is" in problem.reason  # used 2 times (SQLite), already used (others)
    assert snapshot(store) == before


@pytest.mark.usefixtures("small_batches", "one_process")
def test_a_person_given_twice_batches_apart_is_refused_by_name_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], snapshot: Snapshot
) -> None:
    store = open_sql(databases.new())
    before = snapshot(store)
    load, person = with_person_again(3)
    with pytest.raises(ConcurrencyConflict, match=f"{person!r} given twice"):
        bulk(store).bulk_append(load)
    assert snapshot(store) == before


@pytest.mark.usefixtures("small_batches")
def test_the_writer_process_refuses_an_id_used_twice_by_name(
    tmp_path: Path,
    open_sql: Callable[..., Store],
    writers: list[WriterProcess],
    snapshot: Snapshot,
) -> None:
    store = open_sql(f"sqlite:///{tmp_path / 'twice.db'}")
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        bulk(store).bulk_append(with_reused_id(appends(), reused_at=40))
    assert len(writers) == 1
    (problem,) = refused.value.problems
    first = next(appends())
    second = list(appends())[40]
    assert (problem.field, problem.row) == ("id", first.records[0].id)
    owners = f"{first.subject!r} and {second.subject!r}"
    assert problem.reason == f"record id {first.records[0].id!r} is used 2 times (in the records of {owners})"
    assert snapshot(store) == before


@pytest.mark.usefixtures("small_batches")
def test_an_id_already_in_the_store_is_refused_by_name_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], snapshot: Snapshot
) -> None:
    store = open_sql(databases.new())
    everyone = list(appends())
    bulk(store).bulk_append(everyone[:10])
    before = snapshot(store)
    used = everyone[0].records[1].id
    late = attrs.evolve(
        everyone[30], records=(*everyone[30].records[:-1], attrs.evolve(everyone[30].records[-1], id=used))
    )
    with pytest.raises(InvalidInput) as refused:
        bulk(store).bulk_append([*everyone[10:30], late])
    assert [(p.field, p.row) for p in refused.value.problems] == [("id", used)]
    assert snapshot(store) == before


def records_of(rows: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A snapshot without the ledger, its head and the records' receipt times: loads at other moments,
    or in two parts, enter other arrivals in it."""
    kept = {table: found for table, found in rows.items() if table != "antidrug_ledger"}
    kept["antidrug_chain_head"] = [row[:3] for row in rows["antidrug_chain_head"]]
    received = list(RECORDS.columns).index(RECORDS.c.received_at)
    kept["antidrug_records"] = [row[:received] + row[received + 1 :] for row in rows["antidrug_records"]]
    return kept


@pytest.mark.usefixtures("small_batches")
def test_a_load_with_a_writer_process_writes_what_a_load_in_one_process_writes(
    tmp_path: Path,
    open_sql: Callable[..., Store],
    writers: list[WriterProcess],
    monkeypatch: pytest.MonkeyPatch,
    snapshot: Snapshot,
) -> None:
    reported: list[tuple[int, int]] = []
    with_writer = open_sql(f"sqlite:///{tmp_path / 'writer.db'}")
    written = bulk(with_writer).bulk_append(
        with_units_and_organisations(),
        divisions=divisions(SPEC),
        progress=lambda p, r: reported.append((p, r)),
    )
    assert len(writers) == 1
    assert with_writer.recorder.last_load.writer_process  # type: ignore[attr-defined]
    assert reported[-1] == (SPEC.people + 2, written)
    assert [r for _p, r in reported] == sorted({r for _p, r in reported})

    monkeypatch.setattr(WriterProcess, "start", classmethod(lambda cls, *args: None))
    in_one = open_sql(f"sqlite:///{tmp_path / 'one.db'}")
    assert bulk(in_one).bulk_append(with_units_and_organisations(), divisions=divisions(SPEC)) == written

    with_indexes = open_sql(f"sqlite:///{tmp_path / 'indexed.db'}")
    everything = list(with_units_and_organisations())
    bulk(with_indexes).bulk_append(everything[:1])  # not empty: every index kept up to date
    bulk(with_indexes).bulk_append(everything[1:], divisions=divisions(SPEC))

    assert (
        records_of(snapshot(with_writer))
        == records_of(snapshot(in_one))
        == records_of(snapshot(with_indexes))
    )
    for store in (with_writer, in_one, with_indexes):  # each ledger says when its own loads arrived
        assert store.recorder.verify_state().intact  # type: ignore[attr-defined]
    recorder = with_writer.recorder
    assert isinstance(recorder, AuditableRecorder)
    report = verify_chain(recorder.chain(), recorder.chain_head())
    assert (report.intact, report.records) == (True, written)
    with with_writer.unit_of_work(Actor.local_administrator()) as uow:
        kinds = {s.subject: s.kind for s in map(uow.session.read_stream, ("U9", "O9"), (None, None)) if s}
        assert kinds == {"U9": SubjectKind.UNIT, "O9": SubjectKind.ORGANISATION}
        assert sum(1 for _ in uow.counted_files(SubjectKind.PERSON)) == SPEC.people  # sealed ones too


@pytest.mark.usefixtures("small_batches", "one_process")
def test_a_load_into_an_empty_store_in_one_process_keeps_every_index_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], snapshot: Snapshot
) -> None:
    loaded = open_sql(databases.new())
    bulk(loaded).bulk_append(appends(), divisions=divisions(SPEC))
    created = open_sql(databases.new())
    assert snapshot(loaded)["indexes"] == snapshot(created)["indexes"]
    first = next(appends())
    someone_else = attrs.evolve(
        first, subject="X1", records=tuple(attrs.evolve(r, person="X1") for r in first.records)
    )
    with pytest.raises(InvalidInput, match="already used"):  # and they hold
        bulk(loaded).bulk_append([someone_else])


@pytest.mark.usefixtures("small_batches")
def test_a_killed_writer_process_leaves_the_store_as_it_was(
    tmp_path: Path,
    open_sql: Callable[..., Store],
    writers: list[WriterProcess],
    monkeypatch: pytest.MonkeyPatch,
    snapshot: Snapshot,
) -> None:
    store = open_sql(f"sqlite:///{tmp_path / 'killed.db'}")
    before = snapshot(store)
    send = WriterProcess.send
    sent: list[int] = []

    def send_then_kill(self: WriterProcess, rows: Any) -> None:
        send(self, rows)
        sent.append(1)
        if len(sent) == 3:
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait()

    monkeypatch.setattr(WriterProcess, "send", send_then_kill)
    with pytest.raises(StoreUnavailable, match="writer process ended unexpectedly; nothing was written"):
        bulk(store).bulk_append(appends())
    assert snapshot(store) == before
    monkeypatch.setattr(WriterProcess, "send", send)
    bulk(store).bulk_append(appends())
    with store.unit_of_work(Actor.local_administrator()) as uow:
        assert sum(1 for _ in uow.counted_files(SubjectKind.PERSON)) == SPEC.people  # sealed ones too


@pytest.mark.usefixtures("small_batches")
def test_appends_that_fail_midway_leave_the_store_as_it_was_and_stop_the_writer(
    tmp_path: Path,
    open_sql: Callable[..., Store],
    writers: list[WriterProcess],
    snapshot: Snapshot,
) -> None:
    store = open_sql(f"sqlite:///{tmp_path / 'stopped.db'}")
    before = snapshot(store)

    def failing() -> Iterator[StreamAppend]:
        for index, append in enumerate(appends()):
            if index == 45:
                raise RuntimeError("the source went away")
            yield append

    with pytest.raises(RuntimeError, match="the source went away"):
        bulk(store).bulk_append(failing())
    assert [writer._process.returncode for writer in writers] == [0]
    assert snapshot(store) == before


@pytest.mark.usefixtures("small_batches")
def test_a_person_given_twice_batches_apart_is_refused(
    tmp_path: Path,
    open_sql: Callable[..., Store],
    writers: list[WriterProcess],
    snapshot: Snapshot,
) -> None:
    store = open_sql(f"sqlite:///{tmp_path / 'person twice.db'}")
    before = snapshot(store)
    load, person = with_person_again(0)
    with pytest.raises(ConcurrencyConflict, match=f"{person!r} given twice"):
        bulk(store).bulk_append(load)
    assert len(writers) == 1
    assert snapshot(store) == before


@pytest.mark.usefixtures("small_batches")
def test_a_load_leaves_no_write_ahead_log_behind(
    tmp_path: Path, open_sql: Callable[..., Store], writers: list[WriterProcess]
) -> None:
    path = tmp_path / "wal.db"
    store = open_sql(f"sqlite:///{path}")
    bulk(store).bulk_append(appends())
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    times = store.recorder.last_load  # type: ignore[attr-defined]
    assert times.writer_process
    assert times.commit > 0
    assert times.checkpoint > 0


_LOADER = textwrap.dedent(
    """
    import sys
    from antidrug_core.bootstrap import open_store
    from antidrug_core.store import new_stream
    from antidrug_core.synthetic import SyntheticSpec, person_records
    from antidrug_sql import recorder

    recorder.BULK_RECORDS = 100
    spec = SyntheticSpec.demo(seed=5, people=400, townships=3)

    def appends():
        for index, records in enumerate(person_records(spec)):
            if index == 200:
                print("halfway", flush=True)
                sys.stdin.readline()  # wait here to be killed
            yield new_stream(records[0].subject, records, spec.policy)

    with open_store(sys.argv[1]) as store:
        store.recorder.bulk_append(appends())
    print("loaded", flush=True)
    """
)


def test_a_loading_process_killed_midway_leaves_the_store_empty_and_its_writer_gone(
    tmp_path: Path, open_sql: Callable[..., Store]
) -> None:
    url = f"sqlite:///{tmp_path / 'orphan.db'}"
    open_sql(url)
    with subprocess.Popen(
        [sys.executable, "-c", _LOADER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as loading:
        assert loading.stdout is not None
        assert loading.stdout.readline().strip() == "halfway"
        children = Path(f"/proc/{loading.pid}/task/{loading.pid}/children").read_text().split()
        assert len(children) == 1, "the load should have started a writer process"
        writer = int(children[0])
        loading.send_signal(signal.SIGKILL)
        loading.wait(timeout=30)
    for _ in range(300):  # the writer sees its input end, rolls back and exits
        if _gone(writer):
            break
        time.sleep(0.1)
    assert _gone(writer)
    store = open_sql(url)
    with store.unit_of_work(Actor.local_administrator()) as uow:
        assert uow.people() == []
    bulk(store).bulk_append(appends())  # and nothing holds the store


def _gone(pid: int) -> bool:
    """Whether the process has exited (its parent is gone, so it may linger as a zombie until reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in status


@pytest.mark.parametrize(
    "where",
    ["a host whose executable is not Python", "an interpreter that cannot import the store"],
)
@pytest.mark.usefixtures("small_batches")
def test_where_no_writer_process_can_run_the_load_runs_in_one_process(
    where: str, tmp_path: Path, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    if where.startswith("a host"):
        monkeypatch.setattr(sys, "executable", "/usr/sbin/uwsgi")
    else:
        monkeypatch.setattr(writer_module, "_BOOT", "import sys\nsys.exit(3)\n")
    store = open_sql(f"sqlite:///{tmp_path / 'alone.db'}")
    written = bulk(store).bulk_append(appends())
    assert not store.recorder.last_load.writer_process  # type: ignore[attr-defined]
    with store.unit_of_work(Actor.local_administrator()) as uow:
        assert sum(len(f) for f in uow.counted_files(SubjectKind.PERSON)) == written


def with_text_to_escape(source: Iterator[StreamAppend]) -> Iterator[StreamAppend]:
    """The appends, some records holding a backslash, tab, newline or carriage return in their values."""
    for index, append in enumerate(source):
        if index in (3, 17):
            records = tuple(
                attrs.evolve(r, id=f"{r.id}\\x0{n}档", recorded_by=f"民警\t{n}\\N\r\nend")
                for n, r in enumerate(append.records)
            )
            append = attrs.evolve(append, records=records)
        yield append


def on_each_send(monkeypatch: pytest.MonkeyPatch, seen: Callable[[Any], None]) -> None:
    """Call ``seen`` with the text path (``COPY``, ``LOAD DATA``) as it sends each batch."""
    for cls in (FreshCopy, FreshInfile):

        def sending(self: Any, rows: Any, send: Any = cls._send) -> None:
            seen(self)
            send(self, rows)

        monkeypatch.setattr(cls, "_send", sending)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the text path's class for each batch it sent (``COPY``, ``LOAD DATA``)."""
    batches: list[str] = []
    on_each_send(monkeypatch, lambda path: batches.append(type(path).__name__))
    return batches


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize(("server", "path"), [("postgresql", "FreshCopy"), ("mysql", "FreshInfile")])
def test_a_load_into_an_empty_server_store_sends_text_and_writes_what_inserting_writes(
    server: str,
    path: str,
    make_databases: Callable[[str], Any],
    open_sql: Callable[..., Store],
    snapshot: Snapshot,
    sent: list[str],
) -> None:
    databases = make_databases(server)
    everything = list(with_text_to_escape(with_units_and_organisations()))
    copied = open_sql(databases.new())
    written = bulk(copied).bulk_append(everything, divisions=divisions(SPEC))
    assert len(sent) > 1  # every batch went as text, on this engine's path
    assert set(sent) == {path}
    sent.clear()

    inserted = open_sql(databases.new())
    bulk(inserted).bulk_append(everything[:1])  # into an empty store: as text
    bulk(inserted).bulk_append(everything[1:], divisions=divisions(SPEC))  # inserted, every index there
    assert sent == [path]

    # Compared without the ledger: the two stores' loads arrived at other moments, in other parts.
    assert records_of(snapshot(copied)) == records_of(snapshot(inserted))
    recorder = copied.recorder
    assert isinstance(recorder, AuditableRecorder)
    report = verify_chain(recorder.chain(), recorder.chain_head())
    assert (report.intact, report.records) == (True, written)
    given = {r.id: r for r in everything[3].records}
    with copied.unit_of_work(Actor.local_administrator()) as uow:  # the escaped values read back
        read = uow.file(everything[3].subject).records
    assert read
    assert all(given[r.id] == r for r in read)
    assert any("\t" in r.recorded_by for r in read)
    engine: sa.Engine = recorder.engine  # type: ignore[attr-defined]
    tables = ("antidrug_records", "antidrug_access")
    with engine.connect() as connection:  # the foreign and primary keys (dropped for a COPY) are there
        inspector = sa.inspect(connection)
        keys = {t: [k["referred_table"] for k in inspector.get_foreign_keys(t)] for t in tables}
        primary = inspector.get_pk_constraint("antidrug_records")
    assert keys == {table: ["antidrug_streams"] for table in tables}
    assert primary["constrained_columns"] == ["sequence"]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:  # and they hold
        connection.exec_driver_sql("INSERT INTO antidrug_access VALUES ('nobody', '522631')")


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_a_server_load_hands_the_interpreters_lock_round_often_while_it_sends_and_only_then(
    server: str,
    make_databases: Callable[[str], Any],
    open_sql: Callable[..., Store],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[float] = []
    on_each_send(monkeypatch, lambda _path: seen.append(sys.getswitchinterval()))
    before = sys.getswitchinterval()
    assert before > ShortSwitchInterval.INTERVAL  # the interpreter's own 5 ms
    bulk(open_sql(make_databases(server).new())).bulk_append(list(appends()))
    assert len(seen) > 1
    assert seen == pytest.approx([ShortSwitchInterval.INTERVAL] * len(seen))
    assert sys.getswitchinterval() == before


def test_loads_that_overlap_put_the_switch_interval_back_when_the_last_one_has_sent() -> None:
    before = sys.getswitchinterval()
    ShortSwitchInterval.hold()
    ShortSwitchInterval.hold()
    ShortSwitchInterval.release()
    # The other load still sends.
    assert sys.getswitchinterval() == pytest.approx(ShortSwitchInterval.INTERVAL)
    ShortSwitchInterval.release()
    assert sys.getswitchinterval() == before
    sys.setswitchinterval(0.0002)  # a host's own shorter choice is kept
    try:
        shorter = sys.getswitchinterval()
        ShortSwitchInterval.hold()
        assert sys.getswitchinterval() == shorter
        ShortSwitchInterval.release()
        assert sys.getswitchinterval() == shorter
    finally:
        sys.setswitchinterval(before)


@pytest.mark.usefixtures("small_batches")
def test_where_the_server_refuses_files_a_mariadb_load_inserts_the_same_rows(
    make_databases: Callable[[str], Any],
    open_sql: Callable[..., Store],
    snapshot: Snapshot,
    sent: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    databases = make_databases("mysql")
    everything = list(with_text_to_escape(appends()))
    sent_as_files = open_sql(databases.new())
    bulk(sent_as_files).bulk_append(everything)
    assert set(sent) == {"FreshInfile"}
    sent.clear()

    monkeypatch.setattr(recorder_module, "infile_allowed", lambda connection: False)  # local_infile OFF
    inserted = open_sql(databases.new())
    bulk(inserted).bulk_append(everything)
    assert sent == []
    assert records_of(snapshot(sent_as_files)) == records_of(snapshot(inserted))


class _FileSender:
    """The part of a PyMySQL connection that sends a local file: it keeps each packet's size."""

    max_allowed_packet = 16 << 20

    def __init__(self, source: Callable[[Any], None] | None) -> None:
        self.antidrug_source = source
        self.sent: list[int] = []

    def write_packet(self, payload: bytes) -> None:
        self.sent.append(len(payload))


def test_a_mariadb_load_sends_its_own_lines_and_other_connections_files_as_pymysql_does(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store], sent: list[str], tmp_path: Path
) -> None:
    from pymysql import connections

    store = open_sql(make_databases("mysql").new())
    bulk(store).bulk_append(list(appends())[:5])
    assert sent == ["FreshInfile"]
    named = tmp_path / "named by the server.txt"
    named.write_bytes(b"x" * (3 << 20))
    in_a_load = _FileSender(lambda driver: driver.write_packet(b"the load's own lines"))
    other = _FileSender(None)
    connections._send_local_file(str(named), in_a_load)  # never the file the server names
    connections._send_local_file(str(named), other)
    assert in_a_load.sent == [len(b"the load's own lines")]
    assert (set(other.sent), sum(other.sent)) == ({16 << 10}, 3 << 20)


@pytest.mark.usefixtures("small_batches")
def test_a_mariadb_load_is_one_bulk_statement_and_names_a_person_given_twice(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store], snapshot: Snapshot
) -> None:
    store = open_sql(make_databases("mysql").new())
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        assert has_bulk_insert(connection)  # the machine's MariaDB builds the indexes by sorting
    before = snapshot(store)
    load, person = with_person_again(0)
    with pytest.raises(ConcurrencyConflict, match=f"{person!r} given twice"):
        bulk(store).bulk_append(load)
    assert snapshot(store) == before
    with engine.connect() as connection:  # the session's checks are back for the next one to use it
        checks = connection.exec_driver_sql("SELECT @@unique_checks, @@foreign_key_checks").one()
    assert tuple(checks) == (1, 1)


@pytest.mark.usefixtures("small_batches")
def test_after_a_mariadb_load_the_optimizer_knows_the_tables_are_not_empty(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    store = open_sql(make_databases("mysql").new())
    written = bulk(store).bulk_append(list(appends()))
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    tables = ("antidrug_records", "antidrug_streams", "antidrug_access")
    with engine.connect() as connection:  # a bulk insert counts its rows nowhere; ANALYZE does
        estimated = dict(
            connection.exec_driver_sql(
                "SELECT table_name, n_rows FROM mysql.innodb_table_stats "
                f"WHERE database_name = DATABASE() AND table_name IN {tables}"
            ).all()
        )
        counted = {t: connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in tables}
    assert estimated == counted  # a small table's sample is all of it
    assert counted["antidrug_records"] == written
    assert store.recorder.last_load.statistics > 0  # type: ignore[attr-defined]


def test_a_value_mariadb_refuses_in_a_load_is_named_by_its_column_and_record(tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"  # the load's record ids, a line each, as the statement was handed them
    ids.write_text("r-1\nr-2\n", encoding="utf-8")
    warnings = [
        ("Warning", 1265, "Data truncated for column 'method' at row 2"),
        (
            "Warning",
            1292,
            "Incorrect date value: '2023-13-01' for column `s`.`antidrug_records`.`on` at row 1",
        ),
        ("Warning", 1262, "Row 9 was truncated; it contained more data than there were input columns"),
    ]
    error = _refused(warnings, 0, ids)
    assert isinstance(error, InvalidInput)
    assert [(p.field, p.row) for p in error.problems] == [("method", "r-2"), ("on", "r-1"), ("", None)]
    assert all(p.reason.startswith("the store refused the value: ") for p in error.problems)


def test_a_stream_head_refused_as_a_duplicate_names_its_subject() -> None:
    # Where the server checks keys row by row (MySQL, older MariaDB), the heads' file of a load
    # that gives a person twice is refused as a warning naming the subject.
    warnings = [("Warning", 1062, "Duplicate entry 'P1' for key 'PRIMARY'")]
    error = _refused(warnings, 1, None)
    assert isinstance(error, ConcurrencyConflict)
    assert "'P1' given twice" in str(error)
    # The records' (subject, version) key, refused first, names the subject too (an id may hold '-').
    key = "uq_antidrug_records_subject_version"
    records = [("Warning", 1062, f"Duplicate entry 'P-7-3' for key 'antidrug_records.{key}'")]
    assert "'P-7' given twice" in str(_refused(records, 1, None))


def test_a_mariadb_store_may_send_files_only_where_both_sides_allow_it(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    store = open_sql(make_databases("mysql").new())
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        server_allows = bool(connection.exec_driver_sql("SELECT @@local_infile").scalar())
        assert infile_allowed(connection) == server_allows
        driver: Any = connection.connection.driver_connection
        assert driver._local_infile is False  # no file is sent outside a load's own statement
    without = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)  # a connection that did not ask
    try:
        with without.connect() as connection:
            assert not infile_allowed(connection)
    finally:
        without.dispose()


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_a_text_load_that_fails_midway_leaves_the_server_store_as_it_was(
    server: str,
    make_databases: Callable[[str], Any],
    open_sql: Callable[..., Store],
    snapshot: Snapshot,
    sent: list[str],
) -> None:
    store = open_sql(make_databases(server).new())
    before = snapshot(store)
    everyone = list(appends())
    again = attrs.evolve(
        everyone[0], records=tuple(attrs.evolve(r, id=f"again-{r.id}") for r in everyone[0].records)
    )
    with pytest.raises(ConcurrencyConflict):
        bulk(store).bulk_append([*everyone, again])
    assert snapshot(store) == before

    def failing() -> Iterator[StreamAppend]:
        for index, append in enumerate(appends()):
            if index == 45:
                raise RuntimeError("the source went away")
            yield append

    interval = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="the source went away"):
        bulk(store).bulk_append(failing())
    assert snapshot(store) == before
    assert len(sent) > 1  # batches had gone to the server before each failure
    assert sys.getswitchinterval() == interval  # the load's short interval did not outlive it


@pytest.mark.usefixtures("small_batches", "one_process")
def test_a_record_given_in_another_subjects_stream_is_refused_by_name_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], snapshot: Snapshot
) -> None:
    """MariaDB's load checks no foreign keys: the load itself refuses a record that is not its stream's."""
    store = open_sql(databases.new())
    before = snapshot(store)
    people = list(appends())
    stranger = people[0].records[-1]
    moved = attrs.evolve(people[40], records=(*people[40].records, attrs.evolve(stranger, id="stranger-1")))
    with pytest.raises(InvalidInput) as refused:
        bulk(store).bulk_append([*people[:40], moved, *people[41:]])
    (problem,) = refused.value.problems
    assert (problem.field, problem.row) == ("subject", "stranger-1")
    assert repr(people[40].subject) in problem.reason
    assert repr(stranger.subject) in problem.reason
    assert snapshot(store) == before


def test_after_a_load_the_store_checks_foreign_keys_again_on_every_engine(
    databases: Any, open_sql: Callable[..., Store], engine: str
) -> None:
    """A load drops (PostgreSQL) or turns off (MariaDB, for its own session) the foreign keys of
    the records to their streams; afterwards a record of no stream is refused again."""
    store = open_sql(databases.new())
    bulk(store).bulk_append(appends())
    recorder: Any = store.recorder
    with recorder.engine.connect() as connection:
        if engine == "mysql":
            assert connection.exec_driver_sql("SELECT @@foreign_key_checks").scalar() == 1
        ghost = dict.fromkeys(("id", "type", "subject", "recorded_by", "payload"), "x")
        at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        with pytest.raises(sa.exc.IntegrityError):  # a record of no stream
            connection.execute(
                RECORDS.insert().values(
                    sequence=10**9,
                    type_code=1,
                    version=1,
                    on=at.date(),
                    recorded_at=at,
                    hash=b"\0" * 32,
                    **ghost,
                )
            )
