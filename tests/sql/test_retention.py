"""Retention on the SQL store: an erased identity is gone for good, its erasure verifies, the rest stays.

The store contract (``RetentionContract``) holds what every store must do;
here, on SQLite, PostgreSQL and MariaDB, what only the SQL store can show:
the data key, ciphertexts and blind index leave the database, the ledger
records each erasure (never the identity) and ``antidrug audit verify``
holds at every step of a stopped run, a rotation after an erasure, an older
store's identities under the store-wide key, and the command line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from antidrug_core.cli import main
from antidrug_core.identity import Identity, mask_name
from antidrug_core.ledger import EntryKind
from antidrug_core.model import Actor, PersonId, Role, Status, StoreUnavailable
from antidrug_core.ports import ErasingRecorder, IdentityErasure, KeyRotatingRecorder, LedgerRecorder
from antidrug_core.services import apply_retention, change_status, register_person
from antidrug_core.store import Store
from antidrug_sql.identities import IdentityCipher
from antidrug_sql.schema import alembic_config
from antidrug_sql.tables import IDENTITIES, IDENTITY_KEYS, LEDGER

TOWNSHIP = "522631101"
ADMIN = Actor(id="admin-1", role=Role.ADMINISTRATOR, divisions={TOWNSHIP})
KEY = bytes(range(32))  # the conftest's host key
NEW_KEY = bytes(range(100, 132))
AS_OF = dt.date(2023, 6, 30)
TABLE = IDENTITIES.name


def number(serial: int) -> str:
    body = f"52263119800101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def fill(store: Store, dead: list[str], alive: list[str]) -> dict[str, Identity]:
    """``dead`` died in 2017 (due for erasure as of ``AS_OF``), ``alive`` are under management."""
    people: dict[str, Identity] = {}
    with store.unit_of_work(ADMIN) as uow:
        for serial, person in enumerate(sorted(dead + alive), start=1):
            identity = Identity(f"李{serial}", number(serial))
            register_person(
                uow,
                person=PersonId(person),
                household=TOWNSHIP,
                on=dt.date(2010, 1, 5),
                status=Status.COMMUNITY_DETOX,
                identity=identity,
            )
            if person in dead:
                change_status(uow, PersonId(person), Status.DECEASED, dt.date(2017, 3, 1))
            people[person] = identity
        uow.commit()
    return people


def rows(store: Store) -> tuple[dict[str, Any], dict[str, bytes]]:
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        identities = {row.person: row for row in connection.execute(sa.select(IDENTITIES))}
        keys = {row.person: bytes(row.key) for row in connection.execute(sa.select(IDENTITY_KEYS))}
    return identities, keys


def erasure_entries(store: Store) -> list[dict[str, Any]]:
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        texts = connection.execute(
            sa.select(LEDGER.c.payload)
            .where(LEDGER.c.kind == EntryKind.ERASURE.value)
            .order_by(LEDGER.c.sequence)
        ).scalars()
        return [json.loads(text) for text in texts]


def intact(store: Store) -> None:
    recorder = store.recorder
    assert isinstance(recorder, LedgerRecorder)
    assert recorder.verify_state().problems == ()


def readable_under_one_key(store: Store, people: dict[str, Identity]) -> None:
    """Every identity still held reads under exactly one of the two host keys, to itself."""
    identities, keys = rows(store)
    assert sorted(identities) == sorted(people)
    for person, row in identities.items():
        opened = []
        for host in (KEY, NEW_KEY):
            cipher = IdentityCipher(host)
            try:
                own = cipher.person_key(person, keys[person]) if person in keys else None
                name = cipher.decrypt(TABLE, "name", person, bytes(row.name), own)
                resident_id = cipher.decrypt(TABLE, "resident_id", person, bytes(row.resident_id), own)
            except StoreUnavailable:
                continue
            opened.append(Identity(name, resident_id))
        assert opened == [people[person]], person


def test_an_erasure_removes_key_ciphertexts_and_index_and_the_ledger_records_it(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    store = open_sql(url)
    people = fill(store, ["P1", "P3"], ["P2"])
    identities, keys = rows(store)
    with store.unit_of_work(ADMIN) as uow:
        assert sorted(apply_retention(uow, AS_OF).erased) == ["P1", "P3"]
    after, left = rows(store)
    assert sorted(after) == sorted(left) == ["P2"]
    assert bytes(after["P2"].name) == bytes(identities["P2"].name)  # the others untouched
    entries = erasure_entries(store)
    assert [(e["key"], e["data"]["rule"], e["data"]["by"], e["data"]["as_of"]) for e in entries] == [
        ("P1", "deceased-5y", "admin-1", "2023-06-30"),
        ("P3", "deceased-5y", "admin-1", "2023-06-30"),
    ]
    text = json.dumps(entries, ensure_ascii=False)
    for person in ("P1", "P3"):
        assert people[person].name not in text
        assert people[person].resident_id not in text
    intact(store)
    # What was taken before the erasure (a backup of the ciphertext) opens under nothing left.
    cipher = IdentityCipher(KEY)
    for stolen in ("P1", "P3"):
        for own in [None, *(cipher.person_key(p, k) for p, k in left.items())]:
            with pytest.raises(StoreUnavailable):
                cipher.decrypt(TABLE, "name", stolen, bytes(identities[stolen].name), own)
    if url.startswith("sqlite"):  # the deleted bytes are overwritten in the file and its log
        path = Path(url.removeprefix("sqlite:///"))
        store.close()
        contents = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        assert keys["P2"] in contents, "the raw file holds what is still kept"
        for gone in ("P1", "P3"):
            assert keys[gone] not in contents
            assert bytes(identities[gone].resident_id) not in contents
            assert bytes(identities[gone].resident_id_index) not in contents


@pytest.mark.parametrize("stop_at", range(6))
def test_an_erasure_stopped_at_any_step_verifies_and_a_rerun_finishes(
    databases: Any, open_sql: Callable[..., Store], stop_at: int
) -> None:
    url = databases.new()
    people = fill(open_sql(url), ["P1", "P2", "P3", "P4", "P5"], ["P6"])
    seen: list[str] = []

    def step(where: str) -> None:
        seen.append(where)
        if len(seen) - 1 == stop_at:
            raise RuntimeError(where)

    with open_sql(url).unit_of_work(ADMIN) as uow, pytest.raises(RuntimeError):
        apply_retention(uow, AS_OF, batch=2, step=step)
    store = open_sql(url)
    erased = ["P1", "P2", "P3", "P4", "P5"][: 2 * seen.count("committed")]
    kept = {p: i for p, i in people.items() if p not in erased}
    readable_under_one_key(store, kept)
    assert [e["key"] for e in erasure_entries(store)] == erased  # each once, with its erasure
    intact(store)
    with store.unit_of_work(ADMIN) as uow:
        apply_retention(uow, AS_OF, batch=2)
    readable_under_one_key(store, {"P6": people["P6"]})
    assert [e["key"] for e in erasure_entries(store)] == ["P1", "P2", "P3", "P4", "P5"]
    intact(store)


def test_a_rotation_after_an_erasure_rewraps_the_rest_and_verifies(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    store = open_sql(url)
    people = fill(store, ["P1"], ["P2", "P3"])
    with store.unit_of_work(ADMIN) as uow:
        apply_retention(uow, AS_OF)
    before, _keys = rows(store)
    recorder = store.recorder
    assert isinstance(recorder, KeyRotatingRecorder)
    assert recorder.rotate_identity_key(NEW_KEY).identities == 2
    after, _keys = rows(store)
    # The data keys were rewrapped; the ciphertexts under them did not change.
    assert {p: bytes(r.name) for p, r in after.items()} == {p: bytes(r.name) for p, r in before.items()}
    readable_under_one_key(store, {p: people[p] for p in ("P2", "P3")})
    moved = open_sql(url, key=NEW_KEY)
    intact(moved)
    with moved.unit_of_work(ADMIN) as uow:
        assert uow.find_person(people["P2"].resident_id) == "P2"
        assert uow.find_person(people["P1"].resident_id) is None


def test_a_store_of_before_per_person_keys_upgrades_verifies_erases_and_moves_to_its_own_keys(
    databases: Any, open_sql: Callable[..., Store], store_wide: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    store = open_sql(url)
    people = fill(store, ["P1"], ["P2", "P3"])
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    store_wide(engine)  # as revision 0008 held them: format 0x01, no data keys
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")  # the ledger goes; 0008 opens it anew
    store.close()
    assert main(["init", "--db", url]) == 0
    assert main(["audit", "verify", "--db", url]) == 0
    capsys.readouterr()
    store = open_sql(url)
    identities, keys = rows(store)
    assert keys == {}
    assert {bytes(r.name)[:1] for r in identities.values()} == {b"\x01"}
    with store.unit_of_work(ADMIN) as uow:
        assert uow.identity(PersonId("P2")) == people["P2"]  # the old format reads
        assert apply_retention(uow, AS_OF).erased == ("P1",)  # and erases: no key to destroy
        uow.set_identity(PersonId("P3"), people["P3"])  # rewritten: under a key of its own
        uow.commit()
    identities, keys = rows(store)
    assert sorted(keys) == ["P3"]
    assert bytes(identities["P3"].name)[:1] == b"\x02"
    intact(store)
    recorder = store.recorder
    assert isinstance(recorder, KeyRotatingRecorder)
    assert recorder.rotate_identity_key(NEW_KEY).identities == 2
    identities, keys = rows(store)
    assert sorted(keys) == ["P2", "P3"]
    assert {bytes(r.name)[:1] for r in identities.values()} == {b"\x02"}
    readable_under_one_key(store, {p: people[p] for p in ("P2", "P3")})
    intact(open_sql(url, key=NEW_KEY))


def test_a_data_key_deleted_or_put_back_out_of_band_is_caught_by_verify(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    fill(store, ["P1"], ["P2"])
    _identities, keys = rows(store)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # a silent erasure, behind the ledger's back
        connection.execute(sa.delete(IDENTITY_KEYS).where(IDENTITY_KEYS.c.person == "P2"))
    recorder = store.recorder
    assert isinstance(recorder, LedgerRecorder)
    assert any("'P2' differs" in p for p in recorder.verify_state().problems)
    with engine.begin() as connection:
        connection.execute(sa.insert(IDENTITY_KEYS).values(person="P2", key=keys["P2"]))
    intact(store)
    with store.unit_of_work(ADMIN) as uow:
        apply_retention(uow, AS_OF)
    with engine.begin() as connection:  # an erased person's key put back from a backup
        connection.execute(sa.insert(IDENTITY_KEYS).values(person="P1", key=keys["P1"]))
    assert any("'P1' is in the store but not in the ledger" in p for p in recorder.verify_state().problems)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    erased=st.lists(st.sampled_from(["P1", "P2", "P3", "P4"]), max_size=6),
    rotate=st.booleans(),
    batch=st.integers(1, 3),
)
def test_an_erased_identity_never_decrypts_again_and_every_other_under_exactly_one_key(
    databases: Any, open_sql: Callable[..., Store], erased: list[str], rotate: bool, batch: int
) -> None:
    """Erasing any people, some twice (idempotent), before or after a rotation."""
    url = databases.new()
    store = open_sql(url)
    people = fill(store, [], ["P1", "P2", "P3", "P4"])
    taken, _keys = rows(store)
    recorder = store.recorder
    assert isinstance(recorder, ErasingRecorder)
    assert isinstance(recorder, KeyRotatingRecorder)
    if rotate:
        recorder.rotate_identity_key(NEW_KEY)
    done: list[str] = []
    for start in range(0, len(erased), 2):  # in two runs or more: a person may come twice
        # Version 2: each file holds a registration and a status change.
        wanted = [IdentityErasure(PersonId(p), "test", AS_OF, 2) for p in erased[start : start + 2]]
        done += recorder.erase_identities(wanted, by="admin-1", batch=batch)
    assert sorted(done) == sorted(set(erased))  # each erased once
    kept = {p: i for p, i in people.items() if p not in erased}
    readable_under_one_key(store, kept)
    _identities, keys = rows(store)
    for person in set(erased):
        for host in (KEY, NEW_KEY):
            cipher = IdentityCipher(host)
            candidates: list[Any] = [None]
            for p, k in keys.items():
                try:
                    candidates.append(cipher.person_key(p, k))
                except StoreUnavailable:
                    continue
            for own in candidates:
                with pytest.raises(StoreUnavailable):
                    cipher.decrypt(TABLE, "name", person, bytes(taken[person].name), own)
    intact(open_sql(url, key=NEW_KEY if rotate else KEY))


def test_antidrug_retention_plan_is_masked_and_apply_erases_so_people_find_finds_no_one(
    tmp_path: Path, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'retention.db'}"
    people = fill(open_sql(url), ["P1"], ["P2"])
    monkeypatch.setenv("ANTIDRUG_IDENTITY_KEY", KEY.hex())
    rates = ["rates", "--db", url, "--period", "2023H1", "--format", "json"]
    assert main(rates) == 0
    before = json.loads(capsys.readouterr().out)

    assert main(["retention", "plan", "--db", url, "--as-of", "2023-06-30"]) == 0
    out = capsys.readouterr().out
    assert "1 identities due for erasure" in out
    assert "P1" in out
    assert mask_name(people["P1"].name) in out
    assert "deceased-5y" in out
    assert "2022-03-01" in out
    assert people["P1"].name not in out
    assert people["P1"].resident_id not in out
    assert "P2" not in out

    with pytest.raises(SystemExit):  # --as-of is required: nobody erases "as of today" by accident
        main(["retention", "apply", "--db", url])
    capsys.readouterr()
    assert main(["retention", "apply", "--db", url, "--as-of", "2099-01-01"]) == 2
    assert "later than today" in capsys.readouterr().err
    assert main(["retention", "apply", "--db", url, "--as-of", "2023-06-30"]) == 0
    out = capsys.readouterr().out
    assert "erased\tP1\tdeceased-5y" in out
    assert "1 identities erased" in out
    assert people["P1"].name not in out
    assert mask_name(people["P1"].name) not in out

    assert main(["people", "find", "--db", url, "--id-number", people["P1"].resident_id]) == 1
    assert "no person registered" in capsys.readouterr().err
    assert main(["people", "find", "--db", url, "--id-number", people["P2"].resident_id]) == 0
    assert main(["audit", "verify", "--db", url]) == 0
    capsys.readouterr()
    assert main(rates) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["results"] == before["results"]  # the file still counts, as before

    assert main(["retention", "plan", "--db", url, "--as-of", "2023-06-30", "--all", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(p["person"], p["state"], p["name"]) for p in plan["people"]] == [("P1", "erased", None)]


def test_a_sealed_file_is_planned_and_erased_by_its_id_alone(
    tmp_path: Path, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The default abstinence rule erases files that are sealed (封存) by then: the plan names them by
    pseudonymous id only, since even a masked name of a sealed file needs a query with a reason."""
    url = f"sqlite:///{tmp_path / 'sealed.db'}"
    store = open_sql(url)
    with store.unit_of_work(ADMIN) as uow:
        identity = Identity("王五", number(7))
        register_person(
            uow,
            person=PersonId("P7"),
            household=TOWNSHIP,
            on=dt.date(2008, 1, 5),
            status=Status.COMMUNITY_DETOX,
            identity=identity,
        )
        change_status(uow, PersonId("P7"), Status.ABSTINENT_3Y, dt.date(2012, 1, 5))
        uow.commit()
    store.close()
    monkeypatch.setenv("ANTIDRUG_IDENTITY_KEY", KEY.hex())

    assert main(["people", "--db", url]) == 0
    assert "P7" not in capsys.readouterr().out  # sealed since 2015: in no routine list
    assert main(["retention", "plan", "--db", url, "--as-of", "2023-06-30", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)["people"]
    assert [(p["person"], p["rule"], p["state"], p["name"], p["resident_id"]) for p in plan] == [
        ("P7", "abstinent-sealed-5y", "erase", None, None)
    ]
    assert main(["retention", "apply", "--db", url, "--as-of", "2023-06-30"]) == 0
    assert "erased\tP7\tabstinent-sealed-5y" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", url]) == 0
