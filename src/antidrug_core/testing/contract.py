"""The store contract: what every back end must do, as one suite of tests.

A back end's test module subclasses ``StoreContract`` and says how to open
an empty store; every test here then runs against it. The in-memory store
passes it first; SQLite, PostgreSQL and MariaDB run the very same tests::

    class TestMyStore(StoreContract):
        def open_empty_store(self, **options):
            return open_store("my://…", **options)
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from antidrug_core.bootstrap import open_store
from antidrug_core.clock import Clock, FixedClock
from antidrug_core.identity import Identity
from antidrug_core.model import (
    RECORD_TYPES,
    Actor,
    ConcurrencyConflict,
    Division,
    FaceCheck,
    FaceCheckMethod,
    InvalidInput,
    NotFound,
    NoticeKind,
    PersonId,
    PersonRegistered,
    Record,
    Role,
    Status,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.services import (
    record_face_check,
    register_person,
    report_lost_contact,
    request_transfer,
)
from antidrug_core.store import Store
from antidrug_core.testing.fakes import RecordingNotifier, SequentialIds, at
from antidrug_core.testing.sample import every_record_type

__all__ = ["PersistentStoreContract", "StoreContract", "open_memory_store"]

TOWNSHIP = "522631101"
OTHER_TOWNSHIP = "522631102"
OTHER_COUNTY_TOWNSHIP = "522632101"


def open_memory_store(**options: Any) -> Store:
    """An empty in-memory store, opened through the storage hook like any other."""
    return open_store("memory://", **options)


class StoreContract(abc.ABC):
    """Every test a store must pass. Subclass it and implement ``open_empty_store``."""

    @abc.abstractmethod
    def open_empty_store(self, **options: Any) -> Store:
        """A new, empty store, passing ``options`` on to ``open_store``."""

    # --- fixtures ------------------------------------------------------------------------

    @pytest.fixture
    def clock(self) -> FixedClock:
        return FixedClock(at("2023-07-01"))

    @pytest.fixture
    def notifier(self) -> RecordingNotifier:
        return RecordingNotifier()

    @pytest.fixture
    def store(self, clock: Clock, notifier: RecordingNotifier) -> Iterator[Store]:
        plugins = make_plugin_manager(plugins=[notifier])
        store = self.open_empty_store(clock=clock, plugins=plugins, ids=SequentialIds())
        try:
            yield store
        finally:
            store.close()

    @pytest.fixture
    def officer(self) -> Actor:
        return Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})

    @pytest.fixture
    def neighbour(self) -> Actor:
        return Actor(id="officer-2", role=Role.OFFICER, divisions={OTHER_COUNTY_TOWNSHIP})

    def register(self, store: Store, actor: Actor, person: str = "P1", **fields: Any) -> PersonId:
        with store.unit_of_work(actor) as uow:
            made = register_person(
                uow,
                person=PersonId(person),
                household=fields.pop("household", TOWNSHIP),
                on=fields.pop("on", dt.date(2023, 1, 5)),
                status=fields.pop("status", Status.COMMUNITY_DETOX),
                **fields,
            )
            uow.commit()
        return made

    def stored(self, store: Store, actor: Actor, person: str) -> Sequence[Record]:
        with store.unit_of_work(actor) as uow:
            return uow.file(PersonId(person)).records

    # --- the contract --------------------------------------------------------------------

    def test_a_registered_person_is_read_back_as_written(self, store: Store, officer: Actor) -> None:
        self.register(store, officer)
        records = self.stored(store, officer, "P1")
        assert [type(r) for r in records] == [PersonRegistered, RECORD_TYPES["status_changed"]]
        assert records[0].recorded_by == "officer-1"

    def test_records_of_every_type_come_back_equal(self, store: Store, officer: Actor) -> None:
        sample = every_record_type(PersonId("P9"), TOWNSHIP, OTHER_TOWNSHIP)
        assert {type(r) for r in sample} == set(RECORD_TYPES.values())
        with store.unit_of_work(officer) as uow:
            for record in sample:
                uow.add_record(record, live=False)
            uow.commit()
        with store.unit_of_work(Actor.local_administrator()) as uow:
            stream = uow.session.read_stream(PersonId("P9"), None)
        assert stream is not None
        assert list(stream.records) == sample
        assert stream.version == len(sample)

    def test_leaving_without_commit_changes_nothing(self, store: Store, officer: Actor) -> None:
        self.register(store, officer)
        with store.unit_of_work(officer) as uow:
            record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
        assert len(self.stored(store, officer, "P1")) == 2

    def test_an_error_midway_leaves_the_store_as_before(self, store: Store, officer: Actor) -> None:
        self.register(store, officer)

        def work_that_fails_on_its_third_record() -> None:
            with store.unit_of_work(officer) as uow:
                record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
                register_person(uow, person=PersonId("P2"), household=TOWNSHIP, on=dt.date(2023, 3, 1))
                uow.add(FaceCheck, person=PersonId("P1"), on=dt.date(2023, 3, 1), method="telepathy")
                uow.commit()

        with pytest.raises(InvalidInput, match="method"):
            work_that_fails_on_its_third_record()
        with store.unit_of_work(officer) as uow:
            assert uow.people() == ["P1"]
            assert len(uow.file(PersonId("P1"))) == 2

    def test_two_writers_on_one_person_do_not_lose_each_others_work(
        self, store: Store, officer: Actor
    ) -> None:
        self.register(store, officer)
        person = PersonId("P1")
        first = store.unit_of_work(officer)
        second = store.unit_of_work(officer)
        with first, second:
            record_face_check(first, person, dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            record_face_check(second, person, dt.date(2023, 3, 2), FaceCheckMethod.VIDEO_CALL)
            second.commit()
            with pytest.raises(ConcurrencyConflict):
                first.commit()
        with store.unit_of_work(officer) as retry:
            record_face_check(retry, person, dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            retry.commit()
        checks = [r for r in self.stored(store, officer, "P1") if isinstance(r, FaceCheck)]
        assert [c.on.day for c in checks] == [1, 2]

    def test_writers_on_different_people_both_land(self, store: Store, officer: Actor) -> None:
        self.register(store, officer, "P1")
        self.register(store, officer, "P2")
        first, second = store.unit_of_work(officer), store.unit_of_work(officer)
        with first, second:
            record_face_check(first, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            record_face_check(second, PersonId("P2"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            first.commit()
            second.commit()
        assert len(self.stored(store, officer, "P1")) == len(self.stored(store, officer, "P2")) == 3

    def test_a_conflict_on_one_person_writes_nothing_for_any(self, store: Store, officer: Actor) -> None:
        self.register(store, officer, "P1")
        self.register(store, officer, "P2")
        late, early = store.unit_of_work(officer), store.unit_of_work(officer)
        with late, early:
            record_face_check(late, PersonId("P2"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            record_face_check(late, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            record_face_check(early, PersonId("P1"), dt.date(2023, 3, 2), FaceCheckMethod.HOME_VISIT)
            early.commit()
            with pytest.raises(ConcurrencyConflict):
                late.commit()
        assert len(self.stored(store, officer, "P2")) == 2

    def test_a_record_id_used_twice_is_refused_and_nothing_is_written(
        self, store: Store, officer: Actor
    ) -> None:
        self.register(store, officer, "P1")
        self.register(store, officer, "P2")
        used = self.stored(store, officer, "P1")[-1].id
        reused = FaceCheck(
            id=used,
            person=PersonId("P2"),
            on=dt.date(2023, 3, 1),
            recorded_at=at("2023-03-01"),
            recorded_by="x",
            method=FaceCheckMethod.HOME_VISIT,
        )

        def work_that_reuses_an_id_of_another_person() -> None:
            with store.unit_of_work(officer) as uow:
                record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
                uow.add_record(reused)
                uow.commit()

        with pytest.raises(InvalidInput, match="already used"):
            work_that_reuses_an_id_of_another_person()
        assert len(self.stored(store, officer, "P1")) == len(self.stored(store, officer, "P2")) == 2

    def test_a_person_outside_the_actors_divisions_does_not_exist(
        self, store: Store, officer: Actor, neighbour: Actor
    ) -> None:
        self.register(store, officer, identity=Identity("张三", "11010519491231002X"))
        with store.unit_of_work(neighbour) as uow:
            assert uow.people() == []
            assert not uow.exists(PersonId("P1"))
            with pytest.raises(NotFound):
                uow.file(PersonId("P1"))
            assert uow.find_person("11010519491231002X") is None
            with pytest.raises(NotFound):
                record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)

    def test_the_county_sees_its_townships_people(self, store: Store, officer: Actor) -> None:
        self.register(store, officer)
        county = Actor(id="county", role=Role.AUDITOR, divisions={"522631"})
        with store.unit_of_work(county) as uow:
            assert uow.people() == ["P1"]

    def test_a_pending_transfer_shows_the_person_to_the_receiving_division(
        self, store: Store, officer: Actor, neighbour: Actor
    ) -> None:
        self.register(store, officer)
        with store.unit_of_work(officer) as uow:
            request_transfer(uow, PersonId("P1"), OTHER_COUNTY_TOWNSHIP, dt.date(2023, 6, 1))
            uow.commit()
        with store.unit_of_work(neighbour) as uow:
            assert uow.people() == ["P1"]

    def test_identities_are_kept_apart_and_found_by_number(self, store: Store, officer: Actor) -> None:
        self.register(store, officer, identity=Identity("张三", "11010519491231002X"))
        with store.unit_of_work(officer) as uow:
            assert uow.find_person("11010519491231002X") == "P1"
            assert uow.identity(PersonId("P1")) == Identity("张三", "11010519491231002X")
            assert uow.find_person("110105194912310029") is None

    def test_divisions_are_kept(self, store: Store, officer: Actor) -> None:
        divisions = [Division(code="522631", name="某县"), Division(code=TOWNSHIP, name="某乡")]
        with store.unit_of_work(Actor.local_administrator()) as uow:
            uow.add_divisions(divisions)
            uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.divisions() == divisions

    def test_streams_come_in_person_order_and_can_be_chosen(self, store: Store, officer: Actor) -> None:
        for person in ("P3", "P1", "P2"):
            self.register(store, officer, person)
        with store.unit_of_work(officer) as uow:
            assert [f.person for f in uow.files()] == ["P1", "P2", "P3"]
            assert [f.person for f in uow.files(people=["P3", "P2", "P9"])] == ["P2", "P3"]

    def test_a_conflict_writes_no_identity_and_no_division_either(self, store: Store, officer: Actor) -> None:
        self.register(store, officer, "P1")
        late, early = store.unit_of_work(officer), store.unit_of_work(officer)
        with late, early:
            record_face_check(late, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            late.set_identity(PersonId("P1"), Identity("张三", "11010519491231002X"))
            late.add_divisions([Division(code=TOWNSHIP, name="某乡")])
            record_face_check(early, PersonId("P1"), dt.date(2023, 3, 2), FaceCheckMethod.HOME_VISIT)
            early.commit()
            with pytest.raises(ConcurrencyConflict):
                late.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.identity(PersonId("P1")) is None
            assert uow.divisions() == []

    def test_an_identity_given_again_replaces_the_old_one(self, store: Store, officer: Actor) -> None:
        self.register(store, officer, identity=Identity("张三", "11010519491231002X"))
        with store.unit_of_work(officer) as uow:
            uow.set_identity(PersonId("P1"), Identity("张三丰", "11010519491231002X"))
            uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.identity(PersonId("P1")) == Identity("张三丰", "11010519491231002X")
            assert uow.find_person("11010519491231002X") == "P1"

    def test_a_division_named_again_keeps_its_latest_name(self, store: Store, officer: Actor) -> None:
        for name in ("某乡", "某镇"):
            with store.unit_of_work(Actor.local_administrator()) as uow:
                uow.add_divisions([Division(code=TOWNSHIP, name=name)])
                uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.divisions() == [Division(code=TOWNSHIP, name="某镇")]

    def test_many_people_can_be_chosen_at_once(self, store: Store, officer: Actor) -> None:
        """More people than one query may name (stores split long lists, and keep the order)."""
        with store.unit_of_work(officer) as uow:
            for n in range(1200):
                register_person(uow, person=PersonId(f"P{n:04d}"), household=TOWNSHIP, on=dt.date(2023, 1, 5))
            uow.commit()
        chosen = [PersonId(f"P{n:04d}") for n in range(1199, -1, -2)]
        with store.unit_of_work(officer) as uow:
            assert [f.person for f in uow.files(people=chosen)] == sorted(chosen)

    def test_notices_go_out_after_commit_and_only_then(
        self, store: Store, officer: Actor, notifier: RecordingNotifier
    ) -> None:
        self.register(store, officer)
        with store.unit_of_work(officer) as uow:
            report_lost_contact(uow, PersonId("P1"), dt.date(2023, 6, 1))
        assert notifier.notices == []
        with store.unit_of_work(officer) as uow:
            report_lost_contact(uow, PersonId("P1"), dt.date(2023, 6, 1))
            assert notifier.notices == []
            uow.commit()
        assert [n.kind for n in notifier.notices] == [NoticeKind.LOST_CONTACT]
        assert notifier.notices[0].divisions == {TOWNSHIP}


class PersistentStoreContract(StoreContract):
    """The contract, plus what a store that outlives its process must do."""

    @abc.abstractmethod
    def reopen_factory(self) -> Callable[[], Store]:
        """A function that opens the same, initially empty, database each time it is called."""

    def test_a_store_reopened_keeps_what_was_committed(self, officer: Actor) -> None:
        reopen = self.reopen_factory()
        first = reopen()
        self.register(first, officer)
        first.close()
        second = reopen()
        try:
            assert len(self.stored(second, officer, "P1")) == 2
        finally:
            second.close()
