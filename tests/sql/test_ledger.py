"""The ledger: ``audit verify`` finds any insert, change or delete in the tables that decide who sees what.

The record chain already covers records. These tests tamper, behind the
store's back, with every other table that decides access or a figure
(access sets, identities, divisions, the kept policy, stream heads, the
ledger itself and its head) on every engine, and check that verification
fails; and that the attacks issue 14 reported now fail by name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from antidrug_core.cli import main
from antidrug_core.identity import Identity
from antidrug_core.ledger import EntryKind, LedgerRow, replay_ledger
from antidrug_core.model import Actor, Division, PersonId, Status
from antidrug_core.services import register_person
from antidrug_core.store import Store
from antidrug_core.testing import verification_problems
from antidrug_sql.schema import alembic_config, head_revision
from antidrug_sql.tables import ACCESS, CHAIN_HEAD, DIVISIONS, IDENTITIES, LEDGER, META, RECORDS, STREAMS

TOWNSHIP = "522631101"
OTHER = "522631102"
FAR = "522632101"
"""A township of another county: nobody of the store's people may be seen there."""
ADMIN = Actor.local_administrator()
DAY = dt.date(2023, 1, 5)


def resident_id(serial: str) -> str:
    body = f"52263119850317{serial}"
    return body + ric.calc_check_digit(body + "0")


def fill(store: Store) -> None:
    """Three people in two townships (two with identities), and the divisions named."""
    with store.unit_of_work(ADMIN) as uow:
        uow.add_divisions(
            [
                Division(code="522631", name="甲县"),
                Division(code=TOWNSHIP, name="甲镇", parent="522631"),
                Division(code=OTHER, name="乙镇", parent="522631"),
            ]
        )
        uow.commit()
    for person, household, identity in (
        ("P1", TOWNSHIP, Identity("张三", resident_id("731"))),
        ("P2", OTHER, Identity("李四", resident_id("482"))),
        ("P3", OTHER, None),
    ):
        with store.unit_of_work(ADMIN) as uow:
            register_person(
                uow,
                household=household,
                on=DAY,
                status=Status.COMMUNITY_DETOX,
                identity=identity,
                person=PersonId(person),
            )
            uow.commit()


Undo = Callable[[sa.Connection], None]


def _restore(table: sa.Table, rows: list[dict[str, Any]], where: Any) -> Undo:
    def undo(connection: sa.Connection) -> None:
        connection.execute(sa.delete(table).where(where))
        if rows:
            connection.execute(sa.insert(table), rows)

    return undo


def _rows(connection: sa.Connection, table: sa.Table, where: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(sa.select(table).where(where)).mappings()]


def tamper(connection: sa.Connection, kind: str) -> Undo:
    """Do ``kind`` to the store's tables; return what puts them back."""
    table_name, action = kind.split(":")
    if table_name == "access":
        where = ACCESS.c.subject == "P1"
        before = _rows(connection, ACCESS, where)
        if action == "insert":  # another county's township reads P1
            connection.execute(sa.insert(ACCESS).values(subject="P1", division=FAR))
        elif action == "delete":
            connection.execute(sa.delete(ACCESS).where(where, ACCESS.c.division == TOWNSHIP))
        else:
            connection.execute(
                sa.update(ACCESS).where(where, ACCESS.c.division == TOWNSHIP).values(division=FAR)
            )
        return _restore(ACCESS, before, where)
    if table_name == "identities":
        where = IDENTITIES.c.person.in_(["P1", "P3"])
        before = _rows(connection, IDENTITIES, where)
        if action == "insert":  # P1's identity copied onto P3, who has none
            row = dict(next(r for r in before if r["person"] == "P1"), person="P3")
            connection.execute(sa.insert(IDENTITIES), [row])
        elif action == "delete":
            connection.execute(sa.delete(IDENTITIES).where(IDENTITIES.c.person == "P1"))
        else:  # the blind index pointed elsewhere
            connection.execute(
                sa.update(IDENTITIES).where(IDENTITIES.c.person == "P1").values(resident_id_index=bytes(32))
            )
        return _restore(IDENTITIES, before, where)
    if table_name == "divisions":
        where = DIVISIONS.c.code.in_([TOWNSHIP, FAR])
        before = _rows(connection, DIVISIONS, where)
        if action == "insert":
            connection.execute(sa.insert(DIVISIONS).values(code=FAR, name="丙镇", parent="522632"))
        elif action == "delete":
            connection.execute(sa.delete(DIVISIONS).where(DIVISIONS.c.code == TOWNSHIP))
        else:
            connection.execute(sa.update(DIVISIONS).where(DIVISIONS.c.code == TOWNSHIP).values(name="丁镇"))
        return _restore(DIVISIONS, before, where)
    if table_name == "policy":
        where = META.c.key == "policy"
        before = _rows(connection, META, where)
        if action == "delete":
            connection.execute(sa.delete(META).where(where))
        else:  # residence first
            switched = json.loads(before[0]["value"])
            switched["responsible"] = "residence_first"
            connection.execute(sa.update(META).where(where).values(value=json.dumps(switched)))
        return _restore(META, before, where)
    if table_name == "streams":
        where = STREAMS.c.subject.in_(["P2", "X9"])
        before = _rows(connection, STREAMS, where)
        if action == "insert":
            connection.execute(sa.insert(STREAMS).values(subject="X9", kind="person", version=0))
        elif action == "kind":
            connection.execute(sa.update(STREAMS).where(STREAMS.c.subject == "P2").values(kind="unit"))
        else:
            connection.execute(
                sa.update(STREAMS).where(STREAMS.c.subject == "P2").values(version=STREAMS.c.version + 1)
            )

        def undo(connection: sa.Connection) -> None:
            connection.execute(sa.delete(STREAMS).where(STREAMS.c.subject == "X9"))
            for row in before:
                connection.execute(
                    sa.update(STREAMS).where(STREAMS.c.subject == row["subject"]).values(**row)
                )

        return undo
    if table_name == "received":  # the store's time of receipt of P2's registration
        where = RECORDS.c.id == "P2:registered"
        before = _rows(connection, RECORDS, where)
        received = before[0]["received_at"]
        changed = None if action == "delete" else received - dt.timedelta(days=400)
        connection.execute(sa.update(RECORDS).where(where).values(received_at=changed))

        def undo_received(connection: sa.Connection) -> None:
            connection.execute(sa.update(RECORDS).where(where).values(received_at=received))

        return undo_received
    if table_name == "ledger":
        last = connection.execute(sa.select(sa.func.max(LEDGER.c.sequence))).scalar_one()
        where = LEDGER.c.sequence >= 2
        before = _rows(connection, LEDGER, where)
        head = _rows(connection, CHAIN_HEAD, CHAIN_HEAD.c.id == 1)
        if action == "delete":  # the last entry, and the head moved back to the one before: a tail cut
            connection.execute(sa.delete(LEDGER).where(LEDGER.c.sequence == last))
            connection.execute(sa.update(CHAIN_HEAD).values(ledger_sequence=last - 1))
        elif action == "change":
            connection.execute(
                sa.update(LEDGER).where(LEDGER.c.sequence == 2).values(payload=LEDGER.c.payload + " ")
            )
        else:  # an entry appended after the head
            connection.execute(
                sa.insert(LEDGER).values(
                    sequence=last + 1,
                    kind="division",
                    key=FAR,
                    at=dt.datetime.now(dt.UTC),
                    payload="{}",
                    hash=bytes(32),
                )
            )

        def undo_ledger(connection: sa.Connection) -> None:
            _restore(LEDGER, before, where)(connection)
            connection.execute(sa.update(CHAIN_HEAD).values(**head[0]))

        return undo_ledger
    raise AssertionError(kind)


TAMPERINGS = (
    "access:insert",
    "access:delete",
    "access:change",
    "identities:insert",
    "identities:delete",
    "identities:change",
    "divisions:insert",
    "divisions:delete",
    "divisions:change",
    "policy:delete",
    "policy:change",
    "streams:insert",
    "streams:kind",
    "streams:version",
    "ledger:insert",
    "ledger:delete",
    "ledger:change",
    "received:change",
    "received:delete",
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(
        st.sampled_from(TAMPERINGS), min_size=1, max_size=3, unique_by=lambda kind: kind.split(":")[0]
    )
)
def test_any_insert_change_or_delete_in_a_table_that_decides_access_is_found(
    store_with_people: Store, kinds: list[str]
) -> None:
    engine: sa.Engine = store_with_people.recorder.engine  # type: ignore[attr-defined]
    undos: list[Undo] = []
    with engine.begin() as connection:
        for kind in kinds:
            undos.append(tamper(connection, kind))
    try:
        assert verification_problems(store_with_people), f"{kinds} passed verification"
    finally:
        with engine.begin() as connection:
            for undo in reversed(undos):
                undo(connection)
    assert verification_problems(store_with_people) == []


@pytest.fixture
def store_with_people(databases: Any, open_sql: Callable[..., Store]) -> Store:
    store = open_sql(databases.new())
    fill(store)
    assert verification_problems(store) == []
    return store


ATTACKS = [
    ("access:insert", "access divisions of 'P1' differ"),
    ("access:delete", "access divisions of 'P1' differ"),
    ("divisions:change", "division '522631101' differs from the ledger"),
    ("policy:change", "kept policy differs"),
    ("streams:version", "stream 'P2' is stored at version 3 but holds 2 records"),
    ("identities:insert", "the identity of 'P3' is in the store but not in the ledger"),
    ("ledger:delete", "ledger head's hash does not match"),
    ("received:change", "record 3's time of receipt differs from the ledger entry it arrived in"),
]
"""What issue 14 found passing ``audit verify``, and what it says now."""


def test_the_attacks_issue_14_reported_fail_verify_with_exit_status_3(
    store_with_people: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    engine: sa.Engine = store_with_people.recorder.engine  # type: ignore[attr-defined]
    url = engine.url.render_as_string(hide_password=False)
    for kind, said in ATTACKS:
        with engine.begin() as connection:
            undo = tamper(connection, kind)
        assert main(["audit", "verify", "--db", url]) == 3, kind
        assert said in capsys.readouterr().err, kind
        with engine.begin() as connection:
            undo(connection)
        assert main(["audit", "verify", "--db", url]) == 0, kind
        capsys.readouterr()


def test_the_ledger_records_the_policy_divisions_identities_and_each_commit(
    store_with_people: Store,
) -> None:
    engine: sa.Engine = store_with_people.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = [
            LedgerRow(r.sequence, r.kind, r.key, r.at, r.first, r.last, r.payload, bytes(r.hash))
            for r in connection.execute(sa.select(LEDGER).order_by(LEDGER.c.sequence))
        ]
        head = connection.execute(sa.select(CHAIN_HEAD)).one()
    report = replay_ledger(rows, head.ledger_sequence, bytes(head.ledger_hash))
    assert report.intact
    kinds = [row.kind for row in rows]
    assert kinds.count(EntryKind.DIVISION) == 3
    assert kinds.count(EntryKind.IDENTITY) == 2
    assert kinds.count(EntryKind.POLICY) == 1
    assert [(a.first, a.last) for a in report.state.arrivals] == [(1, 2), (3, 4), (5, 6)]
    assert all(a.kind is EntryKind.COMMIT and a.at is not None for a in report.state.arrivals)
    assert "张三" not in "".join(row.text for row in rows)  # digests of ciphertexts only


def test_a_store_made_by_revision_0004_upgrades_in_place_and_still_verifies(
    store_with_people: Store, capsys: pytest.CaptureFixture[str], store_wide: Any
) -> None:
    """0008 opens the ledger of an older store with what it holds: its policy, divisions, identities
    and an entry for the records already there, so verification passes after the upgrade."""
    recorder = store_with_people.recorder
    engine: sa.Engine = recorder.engine  # type: ignore[attr-defined]
    url = engine.url.render_as_string(hide_password=False)
    store_wide(engine)  # as a store of revision 0004 held its identities
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004")
    store_with_people.close()
    assert main(["init", "--db", url]) == 0
    assert f"from revision 0004 to {head_revision()}" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", url]) == 0
    assert "ledger intact" in capsys.readouterr().out
    with engine.begin() as connection:
        tamper(connection, "access:insert")
    assert main(["audit", "verify", "--db", url]) == 3
