"""Migrations: from the first revision to head on every engine, matching the tables derived from records."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from alembic import command

from antidrug_core.audit import GENESIS, canonical_bytes, canonical_json, chain_hash, verify_chain
from antidrug_core.cli import main
from antidrug_core.model import Actor, InvalidInput, PersonId, Role, Status, StoreUnavailable
from antidrug_core.ports import AuditableRecorder
from antidrug_core.services import register_person
from antidrug_core.store import Store
from antidrug_core.testing import every_person_record_type
from antidrug_sql import schema
from antidrug_sql.engines import create_store_engine
from antidrug_sql.rows import record_row
from antidrug_sql.schema import alembic_config, head_revision, known_revisions, stored_revision
from antidrug_sql.tables import CHAIN_HEAD, META, METADATA, PEOPLE, RECORDS

TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})


def describe(url: str) -> dict[str, Any]:
    """Every antidrug table's columns, keys, indexes and foreign keys, as the database reports them."""
    engine, _backend = create_store_engine(url)
    try:
        inspector = sa.inspect(engine)
        found: dict[str, Any] = {}
        for table in sorted(set(inspector.get_table_names()) & set(METADATA.tables)):
            found[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
                "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
                "indexes": sorted(
                    (tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                    if not i.get("duplicates_constraint")
                ),
                "foreign keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                    for f in inspector.get_foreign_keys(table)
                ),
            }
        return found
    finally:
        engine.dispose()


def register(store: Store, person: str) -> None:
    with store.unit_of_work(OFFICER) as uow:
        register_person(
            uow, person=PersonId(person), household=TOWNSHIP, on=dt.date(2023, 1, 5), status=Status.REGISTERED
        )
        uow.commit()


def test_migrations_go_from_the_first_revision_to_head_and_build_the_derived_schema(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    migrated = databases.new()
    engine, _backend = create_store_engine(migrated)
    revisions = known_revisions()
    with engine.connect() as connection:
        for revision in revisions:  # one step at a time, oldest first
            with connection.begin():
                command.upgrade(alembic_config(connection), revision)
            assert stored_revision(connection) == revision
            connection.rollback()
    engine.dispose()
    assert revisions[-1] == head_revision()

    created = databases.new()
    engine, _backend = create_store_engine(created)
    METADATA.create_all(engine)
    engine.dispose()
    assert describe(migrated) == describe(created)

    store = open_sql(migrated, create=False)
    register(store, "P1")
    with store.unit_of_work(OFFICER) as uow:
        assert uow.people() == ["P1"]


def test_a_database_made_by_a_newer_version_is_refused(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    open_sql(url).close()
    engine, _backend = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.update(META).where(META.c.key == "schema_revision").values(value="9999"))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match=r"'9999'.*newer version"):
        open_sql(url)
    with pytest.raises(StoreUnavailable, match="newer version"):
        open_sql(url, create=True)


def test_an_older_schema_is_refused_until_antidrug_init_upgrades_it(
    databases: Any, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.new()
    open_sql(url).close()
    # This version of the library pretends to know one more revision than the database has.
    monkeypatch.setattr(schema, "known_revisions", lambda: (*known_revisions(), "9999"))
    with pytest.raises(StoreUnavailable, match=r"older than this library's '9999'.*antidrug init --db"):
        open_sql(url)


def test_an_empty_database_is_created_only_when_allowed(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    with pytest.raises(StoreUnavailable, match=r"holds no antidrug store.*antidrug init --db"):
        open_sql(url, create=False)
    store = open_sql(url, create=True)
    register(store, "P1")


def test_stores_opened_at_once_on_an_empty_database_create_it_once(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    errors: list[BaseException] = []
    opened: list[Store] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            opened.append(open_sql(url))
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert {store.recorder.schema_revisions()[1] for store in opened} == {head_revision()}  # type: ignore[attr-defined]
    created = [store for store in opened if store.recorder.schema_revisions()[0] is None]  # type: ignore[attr-defined]
    assert len(created) >= 1
    register(opened[0], "P1")
    register(opened[-1], "P2")


def test_the_mariadb_spelling_opens_the_same_store_with_the_same_column_types(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    url = make_databases("mysql").new()
    register(open_sql(url.replace("mysql+pymysql://", "mariadb+pymysql://", 1)), "P1")
    created = describe(url)
    assert ("id", "VARBINARY(512)", False) in created["antidrug_records"]["columns"]
    with open_sql(url).unit_of_work(OFFICER) as uow:
        assert uow.people() == ["P1"]


def test_a_store_written_at_the_first_revision_keeps_every_row_and_its_uniqueness_when_upgraded(
    databases: Any, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    """0002 turns the record table's unique constraints into unique indexes (SQLite copies the table)."""
    url = databases.new()
    engine, _backend = create_store_engine(url)
    with engine.connect() as connection, connection.begin():
        command.upgrade(alembic_config(connection), "0001")
    sample = every_person_record_type(PersonId("P1"), TOWNSHIP, "522631102")
    last, rows = GENESIS, []
    for sequence, record in enumerate(sample, start=1):
        last = chain_hash(last, sequence, canonical_bytes(record))
        rows.append(record_row(record, sequence, sequence, canonical_json(record), last))
    with engine.begin() as connection:  # written as the first version of the store wrote them
        connection.execute(sa.insert(PEOPLE).values(person="P1", version=len(sample)))
        connection.execute(sa.insert(RECORDS), rows)
        connection.execute(sa.update(CHAIN_HEAD).values(sequence=len(sample), hash=last))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="antidrug init"):
        open_sql(url)

    assert main(["init", "--db", url]) == 0
    assert f"upgraded the schema from revision 0001 to {head_revision()}" in capsys.readouterr().out
    store = open_sql(url, create=False)
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    report = verify_chain(recorder.chain(), recorder.chain_head())
    assert (report.intact, report.records) == (True, len(sample))
    with store.unit_of_work(Actor.local_administrator()) as uow:
        stream = uow.session.read_stream(PersonId("P1"), None)
        assert stream is not None
        assert list(stream.records) == sample
        with pytest.raises(InvalidInput, match="already used"):
            uow.add_record(attrs.evolve(sample[-1], id=sample[0].id), live=False)
