"""SQLite is set up to lose nothing: WAL, synchronous=FULL, foreign keys, a busy timeout, IMMEDIATE writes."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from antidrug_core.model import Actor, FaceCheck, FaceCheckMethod, PersonId, Role
from antidrug_core.services import record_face_check, register_person
from antidrug_core.store import Store

TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})


@pytest.fixture
def store(tmp_path: Path, open_sql: Callable[..., Store]) -> Store:
    store = open_sql(f"sqlite:///{tmp_path / 'safe.db'}")
    with store.unit_of_work(OFFICER) as uow:
        register_person(uow, person=PersonId("P1"), household=TOWNSHIP, on=dt.date(2023, 1, 5))
        uow.commit()
    return store


def test_every_connection_uses_wal_full_sync_foreign_keys_and_a_busy_timeout(store: Store) -> None:
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 30_000}


def test_write_transactions_begin_immediate_and_reads_deferred(store: Store) -> None:
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    with store.unit_of_work(OFFICER) as uow:
        record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
        uow.commit()
    event.remove(engine, "before_cursor_execute", remember)
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins[-1] == "BEGIN IMMEDIATE"
    assert set(begins[:-1]) == {"BEGIN"}


def test_a_second_writer_waits_for_the_first_instead_of_failing(store: Store) -> None:
    """The first writer stops inside its write transaction; the second must wait, then land."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    inside, release, second_begins = threading.Event(), threading.Event(), threading.Event()
    paused = threading.local()

    def pause_first_writer(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if getattr(paused, "armed", False) and statement.startswith("INSERT INTO antidrug_records"):
            paused.armed = False
            inside.set()
            assert release.wait(10)
        if getattr(paused, "second", False) and statement == "BEGIN IMMEDIATE":
            second_begins.set()

    event.listen(engine, "before_cursor_execute", pause_first_writer)
    errors: list[BaseException] = []

    def first() -> None:
        paused.armed = True
        try:
            with store.unit_of_work(OFFICER) as uow:
                record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
                uow.commit()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    # The second writer read before the first committed, and commits while the first holds the lock.
    second_done = threading.Event()

    def second() -> None:
        paused.second = True
        try:
            with store.unit_of_work(OFFICER) as uow:
                register_person(uow, person=PersonId("P2"), household=TOWNSHIP, on=dt.date(2023, 1, 5))
                uow.commit()
        except BaseException as error:
            errors.append(error)
        second_done.set()

    other = threading.Thread(target=second)
    other.start()
    assert second_begins.wait(10)
    assert not second_done.wait(0.2), "the second writer did not wait for the first"
    release.set()
    thread.join(10)
    other.join(10)
    event.remove(engine, "before_cursor_execute", pause_first_writer)
    assert errors == []
    with store.unit_of_work(OFFICER) as uow:
        assert uow.people() == ["P1", "P2"]
        assert len(uow.file(PersonId("P1")).of_type(FaceCheck)) == 1
