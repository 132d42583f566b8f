"""The store's state machine and a concurrent history hold on SQLite, PostgreSQL and MariaDB.

The stateful model (``antidrug_core.testing.store_model``) runs against the
SQL store on each engine, bounded to keep the suite quick, one database per
engine emptied between examples, and ``audit verify`` must pass after every
run. Then several threads append to and read the same people at once; the
history they record must show every acknowledged write, gap-free versions,
and no read of anything that was not committed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import attrs
import sqlalchemy as sa
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from pluggy import PluginManager

from antidrug_core.audit import GENESIS, verify_chain
from antidrug_core.bootstrap import open_store
from antidrug_core.model import Actor, ConcurrencyConflict, FaceCheckMethod, PersonId, Role, Status
from antidrug_core.ports import AuditableRecorder, LedgerRecorder
from antidrug_core.services import record_face_check, register_person
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, SequentialIds
from antidrug_core.testing.store_model import StoreMachine
from antidrug_sql.tables import (
    ACCESS,
    CHAIN_HEAD,
    DIVISIONS,
    IDENTITIES,
    IDENTITY_KEYS,
    LEDGER,
    META,
    RECORDS,
    STREAMS,
)

TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})


def empty(url: str) -> None:
    """Every row of a store deleted, its chain heads back at the start: a fresh store, without
    building the schema again for each example."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        for table in (IDENTITIES, IDENTITY_KEYS, ACCESS, RECORDS, LEDGER, STREAMS, DIVISIONS):
            connection.execute(sa.delete(table))
        connection.execute(sa.delete(META).where(META.c.key.in_(["policy", "identity_key_check"])))
        connection.execute(
            sa.update(CHAIN_HEAD).values(sequence=0, hash=GENESIS, ledger_sequence=0, ledger_hash=None)
        )
    engine.dispose()


def verified(store: Store) -> None:
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    assert isinstance(recorder, LedgerRecorder)
    assert verify_chain(recorder.chain(), recorder.chain_head()).intact
    assert recorder.verify_state().problems == ()


def test_the_state_machine_holds_on_every_engine(databases: Any, open_sql: Callable[..., Store]) -> None:
    url = databases.new()
    open_sql(url).close()  # the schema, once

    class SqlStoreMachine(StoreMachine):
        def new_store(self, clock: FixedClock, plugins: PluginManager, ids: SequentialIds) -> Store:
            empty(url)
            return open_store(url, clock=clock, plugins=plugins, ids=ids)

        def teardown(self) -> None:
            if hasattr(self, "store"):
                verified(self.store)
            super().teardown()

    run_state_machine_as_test(
        SqlStoreMachine, settings=settings(max_examples=6, stateful_step_count=12, deadline=None)
    )


@attrs.frozen
class Read:
    """What one read saw: the record ids of a person's stream, in version order."""

    reader: int
    person: str
    ids: tuple[str, ...]


@attrs.define
class History:
    """What every thread did and saw."""

    acknowledged: dict[str, list[str]] = attrs.field(factory=dict)
    """Per person, the face checks whose commit returned."""
    abandoned: set[str] = attrs.field(factory=set)
    """Face checks made in a unit of work that never committed (given up, or refused by a conflict)."""
    reads: list[Read] = attrs.field(factory=list)
    lock: threading.Lock = attrs.field(factory=threading.Lock)


PEOPLE = ("P1", "P2")
WRITERS = 3
WRITES = 6
READERS = 2


def write(store: Store, history: History, writer: int) -> None:
    """Append ``WRITES`` face checks, alternating people; every third attempt is given up before
    its commit; conflicts are retried with a new unit of work."""
    for n in range(WRITES):
        person = PersonId(PEOPLE[(writer + n) % len(PEOPLE)])
        while True:
            try:
                with store.unit_of_work(OFFICER) as uow:
                    check = record_face_check(uow, person, dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
                    if n % 3 == 2:
                        with history.lock:
                            history.abandoned.add(check.id)
                        break  # leaves the unit of work without committing
                    try:
                        uow.commit()
                    except ConcurrencyConflict:
                        with history.lock:
                            history.abandoned.add(check.id)
                        continue
                with history.lock:
                    history.acknowledged.setdefault(person, []).append(check.id)
                break
            except ConcurrencyConflict:
                continue


def read(store: Store, history: History, reader: int, stop: threading.Event) -> None:
    while not stop.is_set():
        for person in PEOPLE:
            with store.unit_of_work(OFFICER) as uow:
                stream = uow.session.read_stream(PersonId(person), uow.scope)
            assert stream is not None
            assert stream.version == len(stream.records)
            with history.lock:
                history.reads.append(Read(reader, person, tuple(r.id for r in stream.records)))


def test_a_concurrent_history_of_appends_and_reads_is_consistent_on_every_engine(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    first = open_sql(url)
    for person in PEOPLE:
        with first.unit_of_work(OFFICER) as uow:
            register_person(
                uow,
                household=TOWNSHIP,
                on=dt.date(2023, 1, 5),
                status=Status.COMMUNITY_DETOX,
                person=PersonId(person),
            )
            uow.commit()
    history = History()
    stop = threading.Event()
    errors: list[BaseException] = []

    def guarded(work: Callable[..., None], *args: Any) -> Callable[[], None]:
        def run() -> None:
            try:
                work(*args)
            except BaseException as error:  # reported by the main thread
                errors.append(error)
                stop.set()

        return run

    writers = [threading.Thread(target=guarded(write, open_sql(url), history, n)) for n in range(WRITERS)]
    readers = [
        threading.Thread(target=guarded(read, open_sql(url), history, n, stop)) for n in range(READERS)
    ]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    stop.set()
    for thread in readers:
        thread.join(timeout=60)
    assert not errors, errors

    final: dict[str, tuple[str, ...]] = {}
    with first.unit_of_work(OFFICER) as uow:
        for person in PEOPLE:
            stream = uow.session.read_stream(PersonId(person), uow.scope)
            assert stream is not None
            assert stream.version == len(stream.records)  # versions gap-free
            final[person] = tuple(r.id for r in stream.records)
    for person in PEOPLE:
        assert set(history.acknowledged.get(person, [])) <= set(final[person])  # every acknowledged write
        assert not history.abandoned & set(final[person])
        assert len(final[person]) == 2 + len(history.acknowledged.get(person, []))  # registration, status
    assert history.reads, "the readers read nothing"
    last_seen: dict[tuple[int, str], int] = {}
    for seen in history.reads:
        # A read is a prefix of the final stream: nothing uncommitted, nothing out of order.
        assert seen.ids == final[seen.person][: len(seen.ids)]
        assert not history.abandoned & set(seen.ids)
        key = (seen.reader, seen.person)
        assert len(seen.ids) >= last_seen.get(key, 0)  # a reader never goes back in time
        last_seen[key] = len(seen.ids)
    verified(first)
