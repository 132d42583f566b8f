"""No oracle in person ids: an officer of one township cannot tell from any error whether an id is
taken in another township, rather than in its own, nor anything of the file behind it.

Ids are one namespace per store, so a caller-chosen id that is taken anywhere must be refused. The
refusal is one and the same (type, field, words) wherever the id is taken and whoever finds it (the
unit of work, or the store at commit after a race); everything else a caller can be told about a
registration is decided before it; and it is decided without reading the other file's records, so
its cost does not depend on them. Store-assigned ids, the default, are random.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from antidrug_core.bootstrap import open_store
from antidrug_core.model import (
    Actor,
    FaceCheckMethod,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PersonId,
    Role,
    Status,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.services import record_face_check, register_person
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock

A = "522631101"
B = "522631102"
OFFICER_A = Actor(id="officer-a", role=Role.OFFICER, divisions={A})
OFFICER_B = Actor(id="officer-b", role=Role.OFFICER, divisions={B})
DAY = dt.date(2023, 1, 5)


def register(store: Store, actor: Actor, person: str | None, household: str) -> PersonId:
    with store.unit_of_work(actor) as uow:
        made = register_person(uow, household=household, on=DAY, status=Status.COMMUNITY_DETOX, person=person)
        uow.commit()
    return made


def refusal(attempt: Callable[[], object], person: str) -> tuple[type[BaseException], str]:
    """What the caller is told when ``attempt`` fails: the error's type and words, the id it chose masked."""
    with pytest.raises((InvalidInput, NotFound, PermissionDenied)) as refused:
        attempt()
    return type(refused.value), str(refused.value).replace(person, "ID")


def with_files(store: Store) -> None:
    """Township B has a person X with a long file; township A has a person Y."""
    register(store, OFFICER_B, "X", B)
    for day in range(1, 29):
        with store.unit_of_work(OFFICER_B) as uow:
            record_face_check(uow, PersonId("X"), dt.date(2023, 2, day), FaceCheckMethod.HOME_VISIT)
            uow.commit()
    register(store, OFFICER_A, "Y", A)


def attempts(store: Store, person: str) -> dict[str, tuple[type[BaseException], str]]:
    """What officer A is told when it uses ``person`` as an id: registering someone in township B
    (outside its divisions), visiting that person, and registering someone in its own township."""

    def register_there() -> object:
        return register(store, OFFICER_A, person, B)

    def visit() -> object:
        with store.unit_of_work(OFFICER_A) as uow:
            return record_face_check(uow, PersonId(person), DAY, FaceCheckMethod.HOME_VISIT)

    def register_here() -> object:
        return register(store, OFFICER_A, person, A)

    told = {"register there": refusal(register_there, person)}
    if person != "Y":  # A's own person can be visited, of course
        told["visit"] = refusal(visit, person)
    if person != "FREE":  # a free id is registered, of course
        told["register here"] = refusal(register_here, person)
    return told


def check_no_oracle(store: Store) -> None:
    with_files(store)
    elsewhere, own, free = attempts(store, "X"), attempts(store, "Y"), attempts(store, "FREE")
    # An id taken in B, one taken in A and a free one: word for word the same, but for what must differ.
    assert elsewhere["register there"] == own["register there"] == free["register there"]
    assert elsewhere["visit"] == free["visit"]
    assert elsewhere["register here"] == own["register here"]
    assert [kind for kind, _words in elsewhere.values()] == [PermissionDenied, NotFound, InvalidInput]
    assert "version" not in elsewhere["register here"][1]
    assert "records" not in elsewhere["register here"][1]


def test_an_officer_cannot_tell_an_id_taken_in_another_township_from_one_taken_in_its_own(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    check_no_oracle(open_sql(databases.new()))


def test_the_memory_store_refuses_taken_ids_in_the_same_words(clock: FixedClock) -> None:
    store = open_store("memory://", plugins=make_plugin_manager(), clock=clock)
    try:
        check_no_oracle(store)
    finally:
        store.close()


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_refusing_a_taken_id_reads_nothing_of_the_file_that_holds_it(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    """The cost of the refusal cannot depend on the other file: none of its records is read."""
    store = open_sql(databases.new())
    with_files(store)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with statements(engine) as seen, pytest.raises(InvalidInput):
        register(store, OFFICER_A, "X", A)
    assert seen
    assert not [statement for statement in seen if "antidrug_records" in statement]


def test_an_id_taken_in_a_race_is_refused_at_commit_in_the_same_words(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    with store.unit_of_work(OFFICER_A) as late, store.unit_of_work(OFFICER_B) as early:
        register_person(late, household=A, on=DAY, person=PersonId("Z"))
        register_person(early, household=B, on=DAY, status=Status.COMMUNITY_DETOX, person=PersonId("Z"))
        early.commit()
        with pytest.raises(InvalidInput) as at_commit:
            late.commit()
    with pytest.raises(InvalidInput) as afterwards:
        register(store, OFFICER_A, "Z", A)
    assert str(at_commit.value) == str(afterwards.value)
    assert "version" not in str(at_commit.value)
    with store.unit_of_work(OFFICER_A) as uow:
        assert uow.people() == []


def test_the_store_assigns_random_ids_when_the_caller_gives_none(clock: FixedClock) -> None:
    store = open_store("memory://", plugins=make_plugin_manager(), clock=clock)
    try:
        made = [register(store, OFFICER_A, None, A) for _ in range(3)]
    finally:
        store.close()
    assert all(re.fullmatch(r"[0-9a-f]{32}", person) for person in made)
    assert len(set(made)) == 3
