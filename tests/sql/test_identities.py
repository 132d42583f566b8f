"""Names and identity numbers are encrypted at rest, bound to their row, and found by a keyed blind index."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import ric

from antidrug_core.identity import Identity
from antidrug_core.model import Actor, InvalidInput, PersonId, Role, Status, StoreUnavailable, UnitId
from antidrug_core.services import register_person, register_unit
from antidrug_core.store import Store
from antidrug_sql.identities import KEY_ENVIRONMENT_VARIABLE
from antidrug_sql.tables import IDENTITIES, METADATA

TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})
DAY = dt.date(2023, 1, 5)


def resident_id(birth: str, serial: str) -> str:
    """A valid resident identity number (GB 11643 check digit) born on ``birth`` (YYYYMMDD)."""
    body = f"522631{birth}{serial}"
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last character


CANARIES = [
    Identity("金丝雀甲乙", resident_id("19850317", "731")),
    Identity("Zebedee Canaryfield", resident_id("19991231", "482")),
    Identity("欧阳金丝雀", resident_id("20010228", "159")),
]


def register(store: Store, person: str, identity: Identity | None = None) -> None:
    with store.unit_of_work(OFFICER) as uow:
        register_person(
            uow,
            person=PersonId(person),
            household=TOWNSHIP,
            on=dt.date(2023, 1, 5),
            status=Status.COMMUNITY_DETOX,
            identity=identity,
        )
        uow.commit()


def raw_contents(url: str, store: Store) -> bytes:
    """Everything the database holds, as bytes: the files for SQLite, every table's rows otherwise."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(
            p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
        )
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    dump = bytearray()
    with engine.connect() as connection:
        for table in METADATA.sorted_tables:
            for row in connection.execute(sa.text(f"SELECT * FROM {table.name}")):
                for value in row:
                    dump += value if isinstance(value, bytes) else str(value).encode("utf-8")
                    dump += b"\x00"
    return bytes(dump)


def leaks(haystack: bytes | str, identities: list[Identity]) -> list[str]:
    data = haystack.encode("utf-8") if isinstance(haystack, str) else haystack
    needles = [i.name for i in identities] + [i.resident_id for i in identities]
    needles += [i.resident_id[6:14] + i.resident_id[14:17] for i in identities]  # birth date and serial
    return [needle for needle in needles if needle.encode("utf-8") in data]


def test_canary_identities_appear_nowhere_in_the_database_or_the_logs(
    databases: Any, open_sql: Callable[..., Store], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # SQL statements and their parameters
    url = databases.new()
    store = open_sql(url)
    for index, identity in enumerate(CANARIES):
        register(store, f"P{index}", identity)
    with store.unit_of_work(OFFICER) as uow:
        assert [uow.find_person(i.resident_id) for i in CANARIES] == ["P0", "P1", "P2"]
        assert uow.identity(PersonId("P1")) == CANARIES[1]
    with pytest.raises(InvalidInput, match="already registered"):
        register(store, "P9", CANARIES[0])
    assert "INSERT INTO antidrug_identities" in caplog.text, "the SQL was logged and captured"
    assert leaks(caplog.text, CANARIES) == []
    contents = raw_contents(url, store)
    assert b"P2:registered" in contents, "the raw contents hold what was written"
    assert leaks(contents, CANARIES) == []


def test_the_identity_key_is_never_written_to_the_database(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    key = bytes(range(100, 132))
    url = databases.new()
    store = open_sql(url, key=key)
    register(store, "P1", CANARIES[0])
    contents = raw_contents(url, store)
    assert key not in contents
    assert key.hex().encode() not in contents


def test_a_ciphertext_moved_to_another_person_does_not_decrypt(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    register(store, "P1", CANARIES[0])
    register(store, "P2", CANARIES[1])
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        stolen = connection.execute(sa.select(IDENTITIES.c.name).where(IDENTITIES.c.person == "P1")).scalar()
        connection.execute(sa.update(IDENTITIES).where(IDENTITIES.c.person == "P2").values(name=stolen))
    with store.unit_of_work(OFFICER) as uow, pytest.raises(StoreUnavailable, match="does not decrypt"):
        uow.identity(PersonId("P2"))


def test_a_name_moved_into_the_number_column_does_not_decrypt(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    register(store, "P1", CANARIES[0])
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        name = connection.execute(sa.select(IDENTITIES.c.name)).scalar()
        connection.execute(sa.update(IDENTITIES).values(resident_id=name))
    with store.unit_of_work(OFFICER) as uow, pytest.raises(StoreUnavailable, match="resident_id"):
        uow.identity(PersonId("P1"))


def test_without_a_key_people_are_kept_but_an_identity_is_refused_and_nothing_written(
    tmp_path: Path, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENVIRONMENT_VARIABLE, raising=False)
    store = open_sql(f"sqlite:///{tmp_path / 'keyless.db'}", key=None)
    register(store, "P1")
    with pytest.raises(StoreUnavailable, match=f"no identity key was given; set {KEY_ENVIRONMENT_VARIABLE}"):
        register(store, "P2", CANARIES[0])
    with store.unit_of_work(OFFICER) as uow:
        assert uow.people() == ["P1"]


def test_the_key_may_come_from_the_environment_as_hex_or_base64(
    tmp_path: Path, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, "ab" * 32)
    register(open_sql(url, key=None), "P1", CANARIES[0])
    monkeypatch.setenv(
        KEY_ENVIRONMENT_VARIABLE, "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="
    )  # the same bytes
    with open_sql(url, key=None).unit_of_work(OFFICER) as uow:
        assert uow.find_person(CANARIES[0].resident_id) == "P1"


def test_a_malformed_key_in_the_environment_is_refused_clearly(
    tmp_path: Path, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, "too-short")
    store = open_sql(f"sqlite:///{tmp_path / 'bad.db'}", key=None)
    with pytest.raises(StoreUnavailable, match="32-byte key written as 64 hex digits or 44 base64"):
        register(store, "P1", CANARIES[0])


def test_the_wrong_key_is_refused_instead_of_finding_nobody(
    tmp_path: Path, open_sql: Callable[..., Store]
) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    register(open_sql(url), "P1", CANARIES[0])
    other = open_sql(url, key=bytes(32))
    with other.unit_of_work(OFFICER) as uow, pytest.raises(StoreUnavailable, match="not the one"):
        uow.find_person(CANARIES[0].resident_id)


def test_a_number_is_found_however_its_check_letter_is_written(
    tmp_path: Path, open_sql: Callable[..., Store]
) -> None:
    number = next(n for n in (resident_id("19850317", f"{s:03d}") for s in range(100)) if n.endswith("X"))
    store = open_sql(f"sqlite:///{tmp_path / 'x.db'}")
    register(store, "P1", Identity("张三", number))
    with store.unit_of_work(OFFICER) as uow:
        assert uow.find_person(number.lower()) == "P1"
        assert uow.find_person(f" {number} ") == "P1"


def test_an_identity_for_a_person_not_in_the_store_is_refused(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    session = store.recorder.session()
    session.put_identity(PersonId("nobody"), CANARIES[0])
    with pytest.raises(InvalidInput, match="refers to a person who is not in the store"):
        session.commit()


def test_an_identity_for_a_unit_is_refused(databases: Any, open_sql: Callable[..., Store]) -> None:
    store = open_sql(databases.new())
    with store.unit_of_work(OFFICER) as uow:
        register_unit(uow, unit=UnitId("U1"), name="某化工有限公司", division=TOWNSHIP, roles=["use"], on=DAY)
        uow.commit()
    session = store.recorder.session()
    session.put_identity(PersonId("U1"), CANARIES[0])
    with pytest.raises(InvalidInput, match="'U1' is not a person"):
        session.commit()
