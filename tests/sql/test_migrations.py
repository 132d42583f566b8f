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
from antidrug_core.model import (
    Actor,
    InvalidInput,
    OrganisationId,
    PersonId,
    Record,
    Role,
    Status,
    StoreUnavailable,
    SubjectKind,
    UnitId,
)
from antidrug_core.ports import AuditableRecorder
from antidrug_core.services import register_organisation, register_person, register_unit
from antidrug_core.store import Store
from antidrug_core.testing import every_person_record_type
from antidrug_sql import schema
from antidrug_sql.engines import create_store_engine
from antidrug_sql.rows import record_row
from antidrug_sql.schema import alembic_config, head_revision, known_revisions, stored_revision
from antidrug_sql.tables import CHAIN_HEAD, META, METADATA, RECORDS, Key

TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})
DAY = dt.date(2023, 1, 5)


def describe(url: str) -> dict[str, Any]:
    """Every antidrug table's columns, keys, indexes and foreign keys, as the database reports them."""
    engine, _backend = create_store_engine(url)
    try:
        inspector = sa.inspect(engine)
        found: dict[str, Any] = {}
        for table in sorted(set(inspector.get_table_names()) & set(METADATA.tables)):
            found[table] = {
                # By name: a column a later revision adds comes last in the table, where the derived
                # table puts it among the others.
                "columns": sorted(
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ),
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


def _people_table() -> sa.Table:
    """``antidrug_people`` as revisions 0001 to 0003 had it."""
    return sa.Table(
        "antidrug_people", sa.MetaData(), sa.Column("person", Key()), sa.Column("version", sa.Integer)
    )


LATER_COLUMNS = frozenset(
    {"name", "uscc"}  # 0004: units' and organisations' records
    | {"chemical", "counterparty", "licence_number", "number", "inspection", "licence_record", "order"}
    | {"item", "licence", "movement"}  # 0005: the precursor-chemical records
    | {"found", "key_date", "leader", "place", "purpose", "scheme", "species", "theme", "topic", "volunteer"}
    | {"received_at"}  # 0012: the store's own clock per row
    | {"basis"}  # 0009: sealing decisions
    | {"type_code"}  # 0015: each type's code beside its name
)
"""Typed record columns later revisions added (0006 the work-log records', 0009 sealing decisions'): a
store of revision 0003 has none of them."""


def _person_records_table() -> sa.Table:
    """``antidrug_records`` as revisions 0001 to 0003 had it: ``person`` where ``subject`` is now, and
    none of the columns added since."""
    columns = [
        sa.Column("person" if column.name == "subject" else column.name, column.type)
        for column in RECORDS.columns
        if column.name not in LATER_COLUMNS
    ]
    return sa.Table("antidrug_records", sa.MetaData(), *columns)


def write_people_at(url: str, revision: str, people: dict[str, list[Record]]) -> int:
    """A store at ``revision`` holding ``people``'s records, written as that version of the store wrote
    them (their chain, their versions, their access sets); how many records it holds."""
    engine, _backend = create_store_engine(url)
    with engine.connect() as connection, connection.begin():
        command.upgrade(alembic_config(connection), revision)
    last, rows, sequence = GENESIS, [], 0
    for records in people.values():
        for version, record in enumerate(records, start=1):
            sequence += 1
            last = chain_hash(last, sequence, canonical_bytes(record))
            row = record_row(record, sequence, version, canonical_json(record), last)
            row["person"] = row.pop("subject")
            for name in LATER_COLUMNS & row.keys():
                del row[name]
            rows.append(row)
    access = sa.table("antidrug_access", sa.column("person", Key()), sa.column("division", sa.String))
    with engine.begin() as connection:
        for person, records in people.items():
            connection.execute(sa.insert(_people_table()).values(person=person, version=len(records)))
            connection.execute(sa.insert(access).values(person=person, division=TOWNSHIP))
        connection.execute(sa.insert(_person_records_table()), rows)
        connection.execute(sa.update(CHAIN_HEAD).values(sequence=sequence, hash=last))
    engine.dispose()
    return sequence


def test_a_store_written_at_the_first_revision_keeps_every_row_and_its_uniqueness_when_upgraded(
    databases: Any, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    """0002 turns the record table's unique constraints into unique indexes (SQLite copies the table)."""
    url = databases.new()
    sample = every_person_record_type(PersonId("P1"), TOWNSHIP, "522631102")
    write_people_at(url, "0001", {"P1": sample})
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


def test_a_store_of_people_at_revision_0003_becomes_one_of_streams_and_still_verifies(
    databases: Any, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    """0004 renames the people's tables and columns to streams and subjects in place: every person
    record is kept, the chain still verifies, and units and organisations can be written after it."""
    url = databases.new()
    people = {p: every_person_record_type(PersonId(p), TOWNSHIP, "522631102") for p in ("P1", "P2")}
    written = write_people_at(url, "0003", people)
    with pytest.raises(StoreUnavailable, match="antidrug init"):
        open_sql(url)

    assert main(["audit", "verify", "--db", url]) != 0  # refused: older schema, nothing read
    capsys.readouterr()
    assert main(["init", "--db", url]) == 0
    assert f"upgraded the schema from revision 0003 to {head_revision()}" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", url]) == 0
    assert "intact" in capsys.readouterr().out

    store = open_sql(url, create=False)
    with store.unit_of_work(OFFICER) as uow:
        assert uow.people() == ["P1", "P2"]
        streams = list(uow.session.read_streams(None))
        assert [(s.subject, s.kind, s.version, list(s.records)) for s in streams] == [
            (p, SubjectKind.PERSON, len(records), records) for p, records in people.items()
        ]
        register_unit(uow, unit=UnitId("U1"), name="某化工有限公司", division=TOWNSHIP, roles=["use"], on=DAY)
        register_organisation(
            uow,
            organisation=OrganisationId("O1"),
            name="某乡人民政府",
            kind="government",
            division=TOWNSHIP,
            on=DAY,
        )
        uow.commit()
    register(store, "P3")
    with store.unit_of_work(OFFICER) as uow:
        assert [f.subject for f in uow.subject_files(SubjectKind.UNIT)] == ["U1"]
        assert uow.people() == ["P1", "P2", "P3"]
        with pytest.raises(InvalidInput, match="already registered"):
            register_unit(uow, unit=UnitId("P1"), name="某公司", division=TOWNSHIP, roles=["use"], on=DAY)
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    report = verify_chain(recorder.chain(), recorder.chain_head())
    assert (report.intact, report.records) == (True, written + 4)


def test_revision_0004_goes_back_to_people_only_while_the_store_holds_only_people(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    people = {"P1": every_person_record_type(PersonId("P1"), TOWNSHIP, "522631102")}
    written = write_people_at(url, "0003", people)
    before = describe(url)
    engine, _backend = create_store_engine(url)
    with engine.connect() as connection:
        with connection.begin():
            command.upgrade(alembic_config(connection), head_revision())
        with connection.begin():
            command.downgrade(alembic_config(connection), "0003")
    engine.dispose()
    assert describe(url) == before

    assert main(["init", "--db", url]) == 0
    store = open_sql(url, create=False)
    with store.unit_of_work(OFFICER) as uow:
        register_unit(uow, unit=UnitId("U1"), name="某化工有限公司", division=TOWNSHIP, roles=["use"], on=DAY)
        uow.commit()
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    assert verify_chain(recorder.chain(), recorder.chain_head()).records == written + 1
    store.close()
    engine, _backend = create_store_engine(url)
    with (
        engine.connect() as connection,
        pytest.raises(RuntimeError, match="units or organisations"),
        connection.begin(),
    ):
        command.downgrade(alembic_config(connection), "0003")
    engine.dispose()


def test_a_row_of_a_type_without_a_code_stops_the_upgrade_to_0015_before_it_changes_anything(
    databases: Any, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    """No library wrote such a row (a hand-edited one): given no code, it would count as no type at
    all, so ``antidrug init`` names the column, its first row and why, and the store stays at 0014."""
    url = databases.new()
    sample = every_person_record_type(PersonId("P1"), TOWNSHIP, "522631102")
    write_people_at(url, "0003", {"P1": sample})
    engine, _backend = create_store_engine(url)
    records = sa.table("antidrug_records", sa.column("sequence", sa.BigInteger), sa.column("type", sa.String))
    with engine.connect() as connection:
        with connection.begin():
            command.upgrade(alembic_config(connection), "0014")
        with connection.begin():
            retired = sa.update(records).where(records.c.sequence.in_([3, 5])).values(type="retired")
            connection.execute(retired)
    engine.dispose()
    before = describe(url)
    capsys.readouterr()

    assert main(["init", "--db", url]) == 1
    error = capsys.readouterr().err
    assert "antidrug_records.type 'retired' at sequence 3 (2 row(s) of it)" in error
    assert "changed nothing" in error
    assert describe(url) == before  # no column added, on MariaDB too

    engine, _backend = create_store_engine(url)
    with engine.begin() as connection:  # the rows restored, the upgrade goes through
        for sequence in (3, 5):
            original = sample[sequence - 1].type_tag
            connection.execute(sa.update(records).where(records.c.sequence == sequence).values(type=original))
    engine.dispose()
    assert main(["init", "--db", url]) == 0
    assert "upgraded the schema from revision 0014" in capsys.readouterr().out
