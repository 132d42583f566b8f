"""An error on any statement of a commit, or at the commit itself, leaves the store exactly as it was."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from antidrug_core.commands.store import load_dataset
from antidrug_core.identity import Identity
from antidrug_core.interchange import read_dataset
from antidrug_core.model import Actor, Division, FaceCheckMethod, PersonId, Role, Status
from antidrug_core.services import record_face_check, register_person
from antidrug_core.store import Store
from antidrug_sql.engines import WRITE
from antidrug_sql.tables import ACCESS, RECORDS, STREAMS

Snapshot = Callable[[Store], dict[str, list[Any]]]
"""The ``snapshot`` fixture (tests/sql/conftest.py): every row and index of a store."""

TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})
ADMIN = Actor.local_administrator()


class InjectedFault(Exception):
    """The error the fault injector raises."""


class Faults:
    """Counts the statements and commits of write transactions, and fails the n-th one when armed."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.fail_at: int | None = None
        self.seen = 0
        self.armed = False
        self.steps: list[str] = []
        """What each step was, while armed."""
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)

    def arm(self, fail_at: int | None) -> None:
        self.armed, self.fail_at, self.seen, self.steps = True, fail_at, 0, []

    def _step(self, what: str) -> None:
        if not self.armed:
            return
        self.seen += 1
        self.steps.append(what)
        if self.seen == self.fail_at:
            self.armed = False
            raise InjectedFault(f"injected at step {self.seen}: {what[:60]}")

    def _statement(self, connection: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        self._step(statement)

    def _commit(self, connection: sa.Connection) -> None:
        if connection.get_execution_options().get(WRITE):
            self._step("COMMIT")


def prepare(store: Store) -> None:
    with store.unit_of_work(OFFICER) as uow:
        register_person(
            uow,
            person=PersonId("P1"),
            household=TOWNSHIP,
            on=dt.date(2023, 1, 5),
            status=Status.COMMUNITY_DETOX,
            identity=Identity("张三", "11010519491231002X"),
        )
        uow.commit()
    with store.unit_of_work(ADMIN) as uow:
        uow.add_divisions([Division(code=TOWNSHIP, name="某乡")])
        uow.commit()


def unit_of_work(store: Store) -> None:
    """A unit of work that touches every table: records, people, access, identities, divisions, chain
    and ledger (an administrator: only one names divisions)."""
    with store.unit_of_work(ADMIN) as uow:
        record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
        register_person(
            uow,
            person=PersonId("P2"),
            household=TOWNSHIP,
            on=dt.date(2023, 3, 1),
            status=Status.COMMUNITY_REHAB,
            identity=Identity("李四", "110105198001011238"),
        )
        uow.add_divisions(
            [Division(code=TOWNSHIP, name="某乡（新名）"), Division(code="522631", name="某县")]
        )
        uow.commit()


DATASET = {
    "format": "antidrug-dataset/1",
    "divisions": [{"code": "522631", "name": "某县"}, {"code": "522631102", "name": "另一乡"}],
    "people": [{"id": "D1", "household": "522631102"}, {"id": "D2", "household": "522631102"}],
    "records": [
        {"type": "status_changed", "person": "D1", "on": "2023-01-02", "status": "community_detox"},
        {"type": "face_check", "person": "D2", "on": "2023-03-01", "method": "home_visit"},
    ],
}


def _pooled_sessions_check_foreign_keys(store: Store) -> bool:
    """Whether every connection waiting in the store's pool checks foreign keys (a MariaDB load turns
    the checks off for its own session only, and must turn them back on however it ends)."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    if engine.dialect.name != "mysql":
        return True
    pooled = [engine.connect() for _ in range(engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        return all(c.exec_driver_sql("SELECT @@SESSION.foreign_key_checks").scalar() == 1 for c in pooled)
    finally:
        for connection in pooled:
            connection.close()


def bulk_load(store: Store) -> None:
    load_dataset(store, read_dataset(DATASET))


def name_divisions(store: Store) -> None:
    """Only divisions: the store holds no records, so a load into it builds its indexes after the rows."""
    with store.unit_of_work(ADMIN) as uow:
        uow.add_divisions([Division(code=TOWNSHIP, name="某乡")])
        uow.commit()


@pytest.mark.parametrize(
    ("prepare", "work"),
    [(prepare, unit_of_work), (prepare, bulk_load), (name_divisions, bulk_load)],
    ids=["unit of work", "bulk load", "bulk load into an empty store"],
)
def test_a_fault_at_any_step_of_a_commit_leaves_the_store_as_it_was(
    prepare: Callable[[Store], None],
    work: Callable[[Store], None],
    databases: Any,
    open_sql: Callable[..., Store],
    snapshot: Snapshot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    temporary = tmp_path / "temporary"  # where a MariaDB load puts its files
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    # Count the steps of the work on a store of its own.
    rehearsal = open_sql(databases.new())
    prepare(rehearsal)
    counter = Faults(rehearsal.recorder.engine)  # type: ignore[attr-defined]
    counter.arm(None)
    work(rehearsal)
    # The steps up to the commit; a MariaDB load samples its tables' statistics after it.
    steps = counter.steps.index("COMMIT") + 1
    after = counter.steps[steps:]
    counter.remove()
    assert steps >= 8
    assert after in ([], [f"ANALYZE TABLE {RECORDS.name}, {STREAMS.name}, {ACCESS.name}"])

    store = open_sql(databases.new())
    prepare(store)
    before = snapshot(store)
    faults = Faults(store.recorder.engine)  # type: ignore[attr-defined]
    for step in range(1, steps + 1):
        faults.arm(step)
        with pytest.raises(InjectedFault):
            work(store)
        assert snapshot(store) == before, f"the store changed after a fault at step {step}"
        assert list(temporary.iterdir()) == [], f"files left behind after a fault at step {step}"
        assert _pooled_sessions_check_foreign_keys(store), f"a session changed by a fault at step {step}"
    if after:  # a fault after the commit: the load is in, and statistics are left to InnoDB
        faults.arm(steps + 1)
        work(store)
        assert faults.seen == steps + 1
        assert snapshot(store) != before
        assert _pooled_sessions_check_foreign_keys(store)
        return
    faults.arm(None)
    work(store)
    assert faults.seen == steps
    assert snapshot(store) != before
