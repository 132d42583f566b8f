"""Jurisdiction scoping is a filter inside the SQL itself: out-of-scope people never leave the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from antidrug_core.identity import Identity
from antidrug_core.model import Actor, PersonId, Role, Status
from antidrug_core.services import register_person
from antidrug_core.store import Store

HERE = "522631101"
THERE = "522632101"
ADMIN = Actor.local_administrator()


def resident_id(serial: int) -> str:
    from stdnum.cn import ric

    body = f"52263119800101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def populate(store: Store) -> None:
    with store.unit_of_work(ADMIN) as uow:
        for n in range(6):
            register_person(
                uow,
                person=PersonId(f"{'H' if n < 2 else 'T'}{n}"),
                household=HERE if n < 2 else THERE,
                on=dt.date(2023, 1, 5),
                status=Status.COMMUNITY_DETOX,
                identity=Identity("某人", resident_id(n)),
            )
        uow.commit()


def test_an_actor_reads_and_counts_only_people_in_its_divisions(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    populate(store)
    officer = Actor(id="officer-1", role=Role.OFFICER, divisions={HERE})
    with store.unit_of_work(officer) as uow:
        assert uow.people() == ["H0", "H1"]
        assert [s.subject for s in uow.session.read_streams(uow.scope, ["H1", "T3"])] == ["H1"]
        assert uow.session.read_stream(PersonId("T3"), uow.scope) is None
        assert uow.session.get_identity(PersonId("T3"), uow.scope) is None
        assert uow.find_person(resident_id(3)) is None
        assert uow.find_person(resident_id(1)) == "H1"
    province = Actor(id="province", role=Role.AUDITOR, divisions={"520000"})
    with store.unit_of_work(province) as uow:
        assert len(uow.people()) == 6


def test_every_query_for_people_carries_the_scope_filter(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    populate(store)
    officer = Actor(id="officer-1", role=Role.OFFICER, divisions={HERE})
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        with store.unit_of_work(officer) as uow:
            uow.people()
            uow.exists(PersonId("T3"))
            uow.session.get_identity(PersonId("T3"), uow.scope)
            uow.find_person(resident_id(3))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    people_queries = [
        s for s in statements if "FROM antidrug_records" in s or "FROM antidrug_identities" in s
    ]
    assert len(people_queries) == 4
    assert all("antidrug_access" in s and "antidrug_access.division IN" in s for s in people_queries)
