"""``antidrug keys rotate``: stopped at any step, no identity is lost, each decrypts under exactly one key.

The rotation is stopped by a step callback that raises (a fake of a kill:
raised inside a transaction it rolls that transaction back, raised between
transactions it leaves what was committed), on every engine; a rerun with
the same keys finishes, and the ledger verifies at every point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import ric

from antidrug_core.cli import main
from antidrug_core.identity import Identity
from antidrug_core.model import Actor, InvalidInput, PersonId, StoreUnavailable
from antidrug_core.ports import KeyRotatingRecorder, LedgerRecorder
from antidrug_core.services import register_person
from antidrug_core.store import Store
from antidrug_sql.identities import IdentityCipher
from antidrug_sql.tables import IDENTITIES, IDENTITY_KEYS

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
ADMIN = Actor.local_administrator()
PEOPLE = {
    f"P{n}": Identity(f"姓名{n}", (body := f"52263119850317{n:03d}") + ric.calc_check_digit(body + "0"))
    for n in range(1, 6)
}
BATCH = 2
STEPS = ["begun", "batch", "committed", "batch", "committed", "batch", "committed", "finishing"]
"""The steps of a rotation of five people two at a time."""


class Stopped(Exception):
    """The fake kill."""


class StopAt:
    """A step callback that stops the rotation at its ``at``-th step (from 0) and records the steps."""

    def __init__(self, at: int | None) -> None:
        self.at = at
        self.seen: list[str] = []

    def __call__(self, where: str) -> None:
        self.seen.append(where)
        if self.at is not None and len(self.seen) - 1 == self.at:
            raise Stopped(where)


def fill(store: Store) -> None:
    with store.unit_of_work(ADMIN) as uow:
        for person, identity in PEOPLE.items():
            register_person(
                uow, household="522631101", on=dt.date(2023, 1, 5), identity=identity, person=PersonId(person)
            )
        uow.commit()


def under_which_key(store: Store, people: dict[str, Identity] = PEOPLE) -> dict[str, bytes]:
    """Each person's host key: their row must decrypt under exactly one of the two (through their own
    data key, or the store-wide key of before), to their identity, with the blind index of that key."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(IDENTITIES)).all()
        wrapped = dict(connection.execute(sa.select(IDENTITY_KEYS.c.person, IDENTITY_KEYS.c.key)).all())
    assert sorted(row.person for row in rows) == sorted(people)  # never lost
    assert set(wrapped) <= set(people)
    found: dict[str, bytes] = {}
    for row in rows:
        opened: dict[bytes, Identity] = {}
        for key in (KEY_A, KEY_B):
            cipher = IdentityCipher(key)
            try:
                own = (
                    None if row.person not in wrapped else cipher.person_key(row.person, wrapped[row.person])
                )
                opened[key] = Identity(
                    cipher.decrypt("antidrug_identities", "name", row.person, bytes(row.name), own),
                    cipher.decrypt(
                        "antidrug_identities", "resident_id", row.person, bytes(row.resident_id), own
                    ),
                )
            except StoreUnavailable:
                continue
        assert len(opened) == 1, f"{row.person} decrypts under {len(opened)} keys"
        ((key, identity),) = opened.items()
        assert identity == people[row.person]
        assert bytes(row.resident_id_index) == IdentityCipher(key).blind_index(identity.resident_id)
        found[row.person] = key
    return found


def rotate(store: Store, new: bytes, step: StopAt) -> Any:
    recorder = store.recorder
    assert isinstance(recorder, KeyRotatingRecorder)
    return recorder.rotate_identity_key(new, batch=BATCH, step=step)


def intact(store: Store) -> None:
    recorder = store.recorder
    assert isinstance(recorder, LedgerRecorder)
    assert recorder.verify_state().problems == ()


def test_a_rotation_stopped_at_every_step_loses_nothing_and_a_rerun_finishes(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    fill(open_sql(url, key=KEY_A))
    whole = StopAt(None)
    current, other = KEY_A, KEY_B
    done = rotate(open_sql(url, key=current), other, whole)
    assert whole.seen == STEPS
    assert (done.rotated, done.identities) == (5, 5)
    assert set(under_which_key(open_sql(url, key=other)).values()) == {other}
    current, other = other, current
    for at in range(len(STEPS)):
        stop = StopAt(at)
        with pytest.raises(Stopped):
            rotate(open_sql(url, key=current), other, stop)
        keys = under_which_key(open_sql(url, key=current))
        rotated = min((stop.seen.count("committed") * BATCH), len(PEOPLE))
        if STEPS[at] == "finishing":  # rolled back, but every row had moved
            rotated = len(PEOPLE)
        assert sorted(p for p, k in keys.items() if k == other) == sorted(PEOPLE)[:rotated]
        intact(open_sql(url, key=current))
        again = rotate(open_sql(url, key=current), other, StopAt(None))
        assert again.identities == len(PEOPLE)
        assert set(under_which_key(open_sql(url, key=other)).values()) == {other}
        intact(open_sql(url, key=other))
        current, other = other, current


def test_during_a_rotation_identities_are_refused_and_afterwards_the_new_key_finds_them(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    fill(open_sql(url, key=KEY_A))
    with pytest.raises(Stopped):
        rotate(open_sql(url, key=KEY_A), KEY_B, StopAt(2))
    with (
        pytest.raises(StoreUnavailable, match="rotation has not finished"),
        open_sql(url, key=KEY_A).unit_of_work(ADMIN) as uow,
    ):
        uow.find_person(PEOPLE["P5"].resident_id)
    with pytest.raises(InvalidInput, match="another new key"):
        rotate(open_sql(url, key=KEY_A), bytes(32), StopAt(None))
    rotate(open_sql(url, key=KEY_A), KEY_B, StopAt(None))
    with open_sql(url, key=KEY_B).unit_of_work(ADMIN) as uow:
        assert uow.find_person(PEOPLE["P5"].resident_id) == "P5"
        assert uow.identity(PersonId("P3")) == PEOPLE["P3"]
    with (
        pytest.raises(StoreUnavailable, match="not the one"),
        open_sql(url, key=KEY_A).unit_of_work(ADMIN) as uow,
    ):
        uow.find_person(PEOPLE["P5"].resident_id)
    assert rotate(open_sql(url, key=KEY_B), KEY_A, StopAt(None)).identities == len(PEOPLE)
    with pytest.raises(InvalidInput, match="the one in use"):
        rotate(open_sql(url, key=KEY_A), KEY_A, StopAt(None))


def test_antidrug_keys_rotate_takes_the_new_key_from_the_environment(
    tmp_path: Any, open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    fill(open_sql(url, key=KEY_A))
    monkeypatch.setenv("ANTIDRUG_IDENTITY_KEY", KEY_A.hex())
    assert main(["keys", "rotate", "--db", url]) != 0
    assert "ANTIDRUG_NEW_IDENTITY_KEY" in capsys.readouterr().err
    monkeypatch.setenv("ANTIDRUG_NEW_IDENTITY_KEY", KEY_B.hex())
    assert main(["keys", "rotate", "--db", url]) == 0
    assert "5 identities are under the new key" in capsys.readouterr().out
    assert set(under_which_key(open_sql(url, key=KEY_B)).values()) == {KEY_B}
    assert main(["audit", "verify", "--db", url]) == 0
