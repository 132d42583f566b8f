"""The store contract: what every back end must do, as one suite of tests.

A back end's test module subclasses ``StoreContract`` and says how to open
an empty store; every test here then runs against it. The in-memory store
passes it first; SQLite, PostgreSQL and MariaDB run the very same tests::

    class TestMyStore(StoreContract):
        def open_empty_store(self, **options):
            return open_store("my://…", **options)

A store with an optional capability takes on its part of the contract as
well (``AuditChainContract``, ``BulkLoadContract``, and
``PersistentStoreContract`` for a store that outlives its process), so that
what a store claims is tested and nothing is skipped.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from antidrug_core.audit import verify_chain
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
    OrganisationId,
    OrganisationKind,
    PermissionDenied,
    PersonId,
    PersonRegistered,
    Record,
    Role,
    Status,
    SubjectKind,
    UnitId,
    UnitRole,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import (
    AuditableRecorder,
    BulkRecorder,
    ErasingRecorder,
    IdentityErasure,
    LedgerRecorder,
    RatingSchemeRecorder,
    StreamAppend,
)
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.rules.prevention import RatingItem, RatingScheme, StarLevel
from antidrug_core.services import (
    UnitOfWork,
    apply_retention,
    change_status,
    change_unit,
    close_organisation,
    close_unit,
    plan_retention,
    record_face_check,
    record_relapse,
    register_organisation,
    register_person,
    register_unit,
    report_lost_contact,
    request_transfer,
    void_subject_record,
)
from antidrug_core.state import PersonFile
from antidrug_core.store import Store, describe_policy, new_stream
from antidrug_core.testing.fakes import RecordingNotifier, SequentialIds, at
from antidrug_core.testing.sample import every_record_type

__all__ = [
    "AuditChainContract",
    "BulkLoadContract",
    "PersistentStoreContract",
    "RetentionContract",
    "StoreContract",
    "open_memory_store",
]

TOWNSHIP = "522631101"
OTHER_TOWNSHIP = "522631102"
OTHER_COUNTY_TOWNSHIP = "522632101"
RESIDENCE_FIRST = Policy(responsible=Responsibility.RESIDENCE_FIRST)
LONGER_WINDOW = Policy(test_window_days=10, time_zone="Asia/Urumqi")


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
        streams = every_record_type(TOWNSHIP, OTHER_TOWNSHIP)
        assert {type(r) for records in streams.values() for r in records} == set(RECORD_TYPES.values())
        with store.unit_of_work(Actor.local_administrator()) as uow:
            for records in streams.values():
                for record in records:
                    uow.add_record(record, live=False)
            uow.commit()
        with store.unit_of_work(Actor.local_administrator()) as uow:
            for subject, records in streams.items():
                stream = uow.session.read_stream(subject, None)
                assert stream is not None
                assert (stream.kind, list(stream.records)) == (records[0].subject_kind, records)
                assert stream.version == len(records)

    # --- units and organisations: the same streams ---------------------------------------

    def register_unit(self, store: Store, actor: Actor, unit: str = "U1", **fields: Any) -> UnitId:
        with store.unit_of_work(actor) as uow:
            made = register_unit(
                uow,
                unit=UnitId(unit),
                name=fields.pop("name", "某化工有限公司"),
                division=fields.pop("division", TOWNSHIP),
                roles=fields.pop("roles", [UnitRole.USE]),
                on=fields.pop("on", dt.date(2023, 1, 5)),
                **fields,
            )
            uow.commit()
        return made

    def register_organisation(
        self, store: Store, actor: Actor, organisation: str = "O1", **fields: Any
    ) -> OrganisationId:
        with store.unit_of_work(actor) as uow:
            made = register_organisation(
                uow,
                organisation=OrganisationId(organisation),
                name=fields.pop("name", "某乡人民政府"),
                kind=fields.pop("kind", OrganisationKind.GOVERNMENT),
                division=fields.pop("division", TOWNSHIP),
                on=fields.pop("on", dt.date(2023, 1, 5)),
            )
            uow.commit()
        return made

    def test_a_unit_and_an_organisation_are_streams_like_a_person_file(
        self, store: Store, officer: Actor
    ) -> None:
        self.register(store, officer)
        self.register_unit(store, officer)
        self.register_organisation(store, officer)
        with store.unit_of_work(officer) as uow:
            change_unit(uow, UnitId("U1"), dt.date(2023, 2, 1), name="某化工科技有限公司")
            close_organisation(uow, OrganisationId("O1"), dt.date(2023, 6, 30))
            uow.commit()
        with store.unit_of_work(officer) as uow:
            unit = uow.unit_file(UnitId("U1"))
            assert [r.type_tag for r in unit] == ["unit_registered", "unit_changed"]
            assert [r.type_tag for r in uow.organisation_file(OrganisationId("O1"))] == [
                "organisation_registered",
                "organisation_closed",
            ]
            assert uow.people() == ["P1"]
            assert [f.subject for f in uow.subject_files(SubjectKind.UNIT)] == ["U1"]
            assert [f.subject for f in uow.subject_files(SubjectKind.ORGANISATION)] == ["O1"]
            stream = uow.session.read_stream(UnitId("U1"), uow.scope)
            assert stream is not None
            assert (stream.kind, stream.version) == (SubjectKind.UNIT, 2)

    def test_one_id_names_one_subject_whatever_its_kind(self, store: Store, officer: Actor) -> None:
        self.register(store, officer, "X1")
        with pytest.raises(InvalidInput, match="already registered"):
            self.register_unit(store, officer, "X1")
        with store.unit_of_work(officer) as uow:
            assert not uow.exists(PersonId("X1"), SubjectKind.UNIT)
            with pytest.raises(NotFound, match="no unit"):
                uow.unit_file(UnitId("X1"))
        assert len(self.stored(store, officer, "X1")) == 2

    def test_units_and_organisations_outside_the_actors_divisions_do_not_exist(
        self, store: Store, officer: Actor, neighbour: Actor
    ) -> None:
        self.register_unit(store, officer)
        self.register_organisation(store, officer)
        county = Actor(id="county", role=Role.AUDITOR, divisions={"522631"})
        with store.unit_of_work(neighbour) as uow:
            assert list(uow.subject_files(SubjectKind.UNIT)) == []
            assert list(uow.subject_files(SubjectKind.ORGANISATION)) == []
            with pytest.raises(NotFound):
                uow.unit_file(UnitId("U1"))
            with pytest.raises(NotFound):
                close_unit(uow, UnitId("U1"), dt.date(2023, 3, 1))
        with store.unit_of_work(county) as uow:
            assert [f.subject for f in uow.subject_files(SubjectKind.UNIT)] == ["U1"]
        with store.unit_of_work(neighbour) as uow, pytest.raises(PermissionDenied):
            register_unit(
                uow,
                unit=UnitId("U2"),
                name="某公司",
                division=TOWNSHIP,
                roles=["trade"],
                on=dt.date(2023, 1, 5),
            )

    def test_a_unit_that_moves_leaves_the_division_it_left(self, store: Store, officer: Actor) -> None:
        self.register_unit(store, officer)
        with store.unit_of_work(Actor.local_administrator()) as uow:
            change_unit(uow, UnitId("U1"), dt.date(2023, 3, 1), division=OTHER_TOWNSHIP)
            uow.commit()
        other = Actor(id="officer-3", role=Role.OFFICER, divisions={OTHER_TOWNSHIP})
        with store.unit_of_work(officer) as uow:
            assert not uow.exists(UnitId("U1"), SubjectKind.UNIT)
        with store.unit_of_work(other) as uow:
            assert uow.exists(UnitId("U1"), SubjectKind.UNIT)

    def test_a_unit_record_is_voided_in_its_own_stream(self, store: Store, officer: Actor) -> None:
        self.register_unit(store, officer)
        with store.unit_of_work(officer) as uow:
            change = change_unit(uow, UnitId("U1"), dt.date(2023, 2, 1), name="错误名称")
            uow.commit()
        with store.unit_of_work(officer) as uow:
            void_subject_record(uow, SubjectKind.UNIT, UnitId("U1"), change.id, dt.date(2023, 2, 2))
            uow.commit()
        with store.unit_of_work(officer) as uow:
            file = uow.unit_file(UnitId("U1"))
            assert [r.type_tag for r in file] == ["unit_registered"]
            assert change.id in file.voided_by

    def test_a_bad_unified_social_credit_code_is_refused(self, store: Store, officer: Actor) -> None:
        with pytest.raises(InvalidInput, match="uscc"):
            self.register_unit(store, officer, uscc="91350100M000100Y44")
        with store.unit_of_work(officer) as uow:
            assert list(uow.subject_files(SubjectKind.UNIT)) == []

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

    def test_an_identity_on_file_elsewhere_is_refused_without_showing_that_file(
        self, store: Store, officer: Actor, neighbour: Actor
    ) -> None:
        self.register(store, officer, identity=Identity("张三", "11010519491231002X"))
        with store.unit_of_work(neighbour) as uow, pytest.raises(InvalidInput) as refused:
            register_person(
                uow,
                person=PersonId("N1"),
                household=OTHER_COUNTY_TOWNSHIP,
                on=dt.date(2023, 2, 1),
                identity=Identity("张三", "11010519491231002X"),
            )
        message = str(refused.value)
        assert "transfer" in message
        assert "P1" not in message
        assert TOWNSHIP not in message
        with store.unit_of_work(neighbour) as uow:
            assert uow.people() == []

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
        administrator = Actor(id="admin-1", role=Role.ADMINISTRATOR, divisions={TOWNSHIP})
        late, early = store.unit_of_work(administrator), store.unit_of_work(officer)
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

    def test_only_an_administrator_of_a_division_names_it(self, store: Store, officer: Actor) -> None:
        county_admin = Actor(id="admin-county", role=Role.ADMINISTRATOR, divisions={"522631"})
        township_admin = Actor(id="admin-town", role=Role.ADMINISTRATOR, divisions={TOWNSHIP})
        for actor, division in (
            (officer, Division(code=TOWNSHIP, name="改名乡")),
            (township_admin, Division(code="522631", name="改名县")),
            (county_admin, Division(code=OTHER_COUNTY_TOWNSHIP, name="邻县某乡")),
        ):
            with store.unit_of_work(actor) as uow, pytest.raises(PermissionDenied):
                uow.add_divisions([division])
        with store.unit_of_work(county_admin) as uow:
            uow.add_divisions([Division(code=TOWNSHIP, name="某乡")])
            uow.commit()
        with store.unit_of_work(officer) as uow:
            assert uow.divisions() == [Division(code=TOWNSHIP, name="某乡")]

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

    # --- the policy the store keeps --------------------------------------------------------

    def again(self, store: Store, policy: Policy | None = None) -> Store:
        """Another store over the same recorder, as a process opening the same database would get."""
        return Store(store.recorder, plugins=store.plugins, clock=store.clock, policy=policy)

    def test_a_store_keeps_the_policy_its_first_records_were_written_under(
        self, clock: Clock, officer: Actor
    ) -> None:
        store = self.open_empty_store(clock=clock, policy=RESIDENCE_FIRST)
        try:
            assert store.recorder.stored_policy() is None
            self.register(store, officer)
            assert store.recorder.stored_policy() == RESIDENCE_FIRST
            again = self.again(store)
            assert (again.policy, again.policy_is_set) == (RESIDENCE_FIRST, True)
        finally:
            store.close()

    def test_another_policy_is_refused_naming_both(self, clock: Clock, officer: Actor) -> None:
        store = self.open_empty_store(clock=clock, policy=RESIDENCE_FIRST)
        try:
            self.register(store, officer)
            with pytest.raises(InvalidInput, match="policy") as refused:
                self.again(store, LONGER_WINDOW)
            assert describe_policy(RESIDENCE_FIRST) in str(refused.value)
            assert describe_policy(LONGER_WINDOW) in str(refused.value)
            assert self.again(store, RESIDENCE_FIRST).policy == RESIDENCE_FIRST
        finally:
            store.close()

    def test_a_store_without_records_keeps_no_policy_and_runs_under_the_default(
        self, store: Store, officer: Actor
    ) -> None:
        with store.unit_of_work(Actor.local_administrator()) as uow:
            uow.add_divisions([Division(code=TOWNSHIP, name="某乡")])
            uow.commit()
        assert store.recorder.stored_policy() is None
        assert (store.policy, store.policy_is_set) == (Policy(), False)
        store.use_policy(RESIDENCE_FIRST, what="the dataset's policy")
        self.register(store, officer)
        assert store.recorder.stored_policy() == RESIDENCE_FIRST

    def test_a_policy_kept_before_any_record_is_the_stores_from_then_on(self, store: Store) -> None:
        store.recorder.keep_policy(LONGER_WINDOW)
        store.recorder.keep_policy(LONGER_WINDOW)
        assert store.recorder.stored_policy() == LONGER_WINDOW
        with pytest.raises(InvalidInput, match="policy") as refused:
            store.recorder.keep_policy(RESIDENCE_FIRST)
        assert describe_policy(LONGER_WINDOW) in str(refused.value)
        assert describe_policy(RESIDENCE_FIRST) in str(refused.value)
        assert self.again(store).policy == LONGER_WINDOW

    # --- the rating schemes the store keeps ----------------------------------------------

    def test_a_store_keeps_rating_schemes_once_and_never_changed(self, store: Store) -> None:
        province = RatingScheme(
            id="province@2023",
            name="某省社区戒毒康复工作中心星级评定细则",
            items=(RatingItem("org", "组织领导", 40), RatingItem("work", "工作机制", 60)),
            stars=(StarLevel(1, 60), StarLevel(2, 75)),
        )
        if not isinstance(store.recorder, RatingSchemeRecorder):
            pytest.skip("the store does not keep rating schemes")
        assert store.recorder.kept_rating_schemes() == ()
        store.keep_rating_schemes([province])
        store.keep_rating_schemes([province])
        assert store.recorder.kept_rating_schemes() == (province,)
        changed = RatingScheme(
            id=province.id, name=province.name, items=province.items, stars=(StarLevel(1, 50),)
        )
        with pytest.raises(InvalidInput, match="province@2023"):
            store.keep_rating_schemes([changed])
        assert store.recorder.kept_rating_schemes() == (province,)
        # Opened again, the store rates with the scheme it keeps.
        assert self.again(store).rules.prevention.rating_schemes["province@2023"] == province

    def test_a_chosen_policy_is_not_changed_by_a_dataset(self, clock: Clock) -> None:
        store = self.open_empty_store(clock=clock, policy=LONGER_WINDOW)
        try:
            with pytest.raises(InvalidInput, match="the dataset's policy"):
                store.use_policy(RESIDENCE_FIRST, what="the dataset's policy")
            store.use_policy(LONGER_WINDOW)
            assert store.policy == LONGER_WINDOW
        finally:
            store.close()


class PersistentStoreContract(StoreContract):
    """The contract, plus what a store that outlives its process must do."""

    @abc.abstractmethod
    def reopen_factory(self) -> Callable[[], Store]:
        """A function that opens the same, initially empty, database each time it is called."""

    def test_two_stores_opened_under_different_policies_cannot_both_write(self, officer: Actor) -> None:
        reopen = self.reopen_factory()
        first, second = reopen(), reopen()
        try:
            first.use_policy(RESIDENCE_FIRST)
            second.use_policy(LONGER_WINDOW)
            self.register(first, officer, "P1")
            with pytest.raises(InvalidInput, match="policy") as refused:
                self.register(second, officer, "P2")
            assert describe_policy(RESIDENCE_FIRST) in str(refused.value)
            assert describe_policy(LONGER_WINDOW) in str(refused.value)
            with first.unit_of_work(officer) as uow:
                assert uow.people() == ["P1"]
        finally:
            first.close()
            second.close()

    def test_a_store_reopened_runs_under_the_policy_it_keeps(self, officer: Actor) -> None:
        reopen = self.reopen_factory()
        first = reopen()
        first.use_policy(RESIDENCE_FIRST)
        self.register(first, officer)
        first.close()
        second = reopen()
        try:
            assert (second.policy, second.policy_is_set) == (RESIDENCE_FIRST, True)
        finally:
            second.close()

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


class BulkLoadContract(StoreContract):
    """The contract, plus what a store that loads in bulk (``BulkRecorder``) must do.

    A capability is a class a back end's tests take on, not a test that
    skips where it is missing: a skipped test would pass unseen.
    """

    def test_a_bulk_load_keeps_the_policy_or_is_refused_whole(self, store: Store, officer: Actor) -> None:
        recorder = store.recorder
        assert isinstance(recorder, BulkRecorder), "a store under BulkLoadContract must load in bulk"
        store.use_policy(RESIDENCE_FIRST)
        recorder.bulk_append(self.appends("P1", "P2"))
        assert recorder.stored_policy() == RESIDENCE_FIRST
        recorder.write_under(Policy())  # a writer that computed access sets under another policy
        with pytest.raises(InvalidInput, match="policy"):
            recorder.bulk_append(self.appends("P3"))
        with store.unit_of_work(Actor.local_administrator()) as uow:
            assert uow.people() == ["P1", "P2"]

    def appends(self, *people: str) -> list[StreamAppend]:
        """New people registered in the township, as a load hands them to a store."""
        found: list[StreamAppend] = []
        for person in people:
            records = [
                PersonRegistered(
                    id=f"{person}:registered",
                    person=PersonId(person),
                    on=dt.date(2023, 1, 5),
                    recorded_at=at("2023-01-05"),
                    recorded_by="load",
                    household=TOWNSHIP,
                )
            ]
            found.append(new_stream(PersonId(person), records, RESIDENCE_FIRST))
        return found


def verification_problems(store: Store) -> list[str]:
    """Everything ``antidrug audit verify`` would find wrong with ``store``: the record chain's
    break, or else the ledger's replay problems (empty when the store verifies)."""
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    assert isinstance(recorder, LedgerRecorder)
    chain = verify_chain(recorder.chain(), recorder.chain_head())
    if not chain.intact:
        return [f"chain: {chain.reason}"]
    return list(recorder.verify_state().problems)


class AuditChainContract(StoreContract):
    """The contract, plus what a store that keeps the audit chain (``AuditableRecorder``) must do."""

    def test_every_record_is_in_one_gap_free_hash_chain(self, store: Store, officer: Actor) -> None:
        recorder = store.recorder
        assert isinstance(recorder, AuditableRecorder), "a store under AuditChainContract must keep a chain"
        assert verify_chain(recorder.chain(), recorder.chain_head()).intact
        self.register(store, officer, "P1")
        self.register(store, officer, "P2")
        with store.unit_of_work(officer) as uow:
            record_face_check(uow, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            uow.commit()
        rows = list(recorder.chain())
        report = verify_chain(rows, recorder.chain_head())
        assert (report.intact, report.records) == (True, 5)
        assert [row.sequence for row in rows] == [1, 2, 3, 4, 5]
        assert [(row.record.subject, row.version) for row in rows if row.record is not None] == [
            ("P1", 1),
            ("P1", 2),
            ("P2", 1),
            ("P2", 2),
            ("P1", 3),
        ]
        assert rows[-1].hash == recorder.chain_head().hash == report.head
        assert [row.record for row in rows[:2]] == list(self.stored(store, officer, "P1"))[:2]

    def test_a_refused_commit_adds_nothing_to_the_chain(self, store: Store, officer: Actor) -> None:
        recorder = store.recorder
        assert isinstance(recorder, AuditableRecorder), "a store under AuditChainContract must keep a chain"
        self.register(store, officer)
        head = recorder.chain_head()
        late, early = store.unit_of_work(officer), store.unit_of_work(officer)
        with late, early:
            record_face_check(late, PersonId("P1"), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            record_face_check(early, PersonId("P1"), dt.date(2023, 3, 2), FaceCheckMethod.HOME_VISIT)
            early.commit()
            with pytest.raises(ConcurrencyConflict):
                late.commit()
        assert recorder.chain_head().sequence == head.sequence + 1
        assert verify_chain(recorder.chain(), recorder.chain_head()).intact


def _resident_id(serial: int) -> str:
    """A valid resident identity number (GB 11643 check digit) for the retention tests."""
    from stdnum.cn import ric

    body = f"52263119800101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


RETAINED = {
    "P1": ("张一", Status.DECEASED, dt.date(2017, 3, 1)),
    "P2": ("张二", Status.ABSTINENT_3Y, dt.date(2014, 6, 1)),
    "P3": ("张三", Status.COMMUNITY_DETOX, dt.date(2022, 1, 1)),
    "P4": ("张四", Status.ABSTINENT_3Y, dt.date(2019, 1, 1)),
    "P5": ("张五", Status.DECEASED, dt.date(2016, 1, 1)),
}
"""People, their last status and its date: P1 (dead more than five years), P2 (abstinent more than
eight) and P5 (dead more than five) are due as of 2023-06-30; P3 (managed) and P4 (abstinent four and
a half years) are not."""
RETENTION_DAY = dt.date(2023, 6, 30)
DUE = ["P1", "P2", "P5"]
SEALED = {"P2", "P4"}
"""Sealed by the default rule three years after ``abstinent_3y``: in 2017 and 2022."""


class RetentionContract(StoreContract):
    """The contract, plus what a store that erases identities (``ErasingRecorder``) must do."""

    @pytest.fixture
    def administrator(self) -> Actor:
        return Actor(id="admin-1", role=Role.ADMINISTRATOR, divisions={TOWNSHIP})

    @staticmethod
    def opened(uow: UnitOfWork, person: str) -> PersonFile:
        """The person's file, opened as an authorised query: P2 and P4 are sealed (封存) by the
        default rule long before their identities are due, as retention expects."""
        return uow.sealed_file(PersonId(person), reason="retention contract: check the erasure")

    def identity_of(self, uow: UnitOfWork, person: str) -> Identity | None:
        """The identity still held for ``person``, sealed file or not."""
        self.opened(uow, person)
        return uow.identity(PersonId(person))

    def identified_people(self, store: Store, administrator: Actor) -> dict[str, Identity]:
        """Everyone registered in ``RETAINED``, with their identity."""
        people: dict[str, Identity] = {}
        with store.unit_of_work(administrator) as uow:
            for serial, (person, (name, status, on)) in enumerate(RETAINED.items(), start=1):
                identity = Identity(name, _resident_id(serial))
                register_person(
                    uow,
                    person=PersonId(person),
                    household=TOWNSHIP,
                    on=dt.date(2010, 1, 5),
                    status=Status.COMMUNITY_DETOX,
                    identity=identity,
                )
                if status is not Status.COMMUNITY_DETOX:
                    change_status(uow, PersonId(person), status, on)
                people[person] = identity
            uow.commit()
        return people

    def test_a_due_identity_is_erased_and_the_file_stays(self, store: Store, administrator: Actor) -> None:
        people = self.identified_people(store, administrator)
        with store.unit_of_work(administrator) as uow:
            before = {p: self.opened(uow, p).records for p in people}
            plan = plan_retention(uow, RETENTION_DAY)
        assert sorted(c.person for c in plan if c.to_erase) == DUE
        assert {c.person: c.due.rule.id for c in plan} == {
            "P1": "deceased-5y",
            "P2": "abstinent-sealed-5y",
            "P4": "abstinent-sealed-5y",
            "P5": "deceased-5y",
        }
        with store.unit_of_work(administrator) as uow:
            done = apply_retention(uow, RETENTION_DAY)
        assert sorted(done.erased) == DUE
        with store.unit_of_work(administrator) as uow:
            for person, identity in people.items():
                erased = person in DUE
                assert (self.identity_of(uow, person) is None) is erased
                if person not in SEALED:  # a sealed file is found by no number
                    assert (uow.find_person(identity.resident_id) is None) is erased
                assert self.opened(uow, person).records == before[person]  # the records stay
            plan = plan_retention(uow, RETENTION_DAY)
        with store.unit_of_work(administrator) as uow:
            assert uow.people() == sorted(set(people) - SEALED)  # erased or not, as before
        assert sorted(c.person for c in plan if not c.identified) == DUE
        with store.unit_of_work(administrator) as uow:
            assert apply_retention(uow, RETENTION_DAY).erased == ()  # erasure is idempotent

    def test_only_an_administrator_erases_and_never_ahead_of_today(
        self, store: Store, administrator: Actor, officer: Actor
    ) -> None:
        self.identified_people(store, administrator)
        with store.unit_of_work(officer) as uow, pytest.raises(PermissionDenied, match="may not"):
            apply_retention(uow, RETENTION_DAY)
        with store.unit_of_work(administrator) as uow, pytest.raises(InvalidInput, match="later than today"):
            apply_retention(uow, dt.date(2030, 1, 1))
        with store.unit_of_work(administrator) as uow:
            assert sum(c.to_erase for c in plan_retention(uow, dt.date(2030, 1, 1))) == 4  # P4 by 2027
            assert all(self.identity_of(uow, p) is not None for p in RETAINED)

    def test_an_administrator_erases_only_in_its_divisions(self, store: Store, administrator: Actor) -> None:
        self.identified_people(store, administrator)
        elsewhere = Actor(id="admin-2", role=Role.ADMINISTRATOR, divisions={OTHER_COUNTY_TOWNSHIP})
        with store.unit_of_work(elsewhere) as uow:
            assert apply_retention(uow, RETENTION_DAY).erased == ()
        with store.unit_of_work(administrator) as uow:
            assert all(self.identity_of(uow, p) is not None for p in RETAINED)

    def test_a_file_that_moved_on_since_it_was_read_is_not_erased(
        self, store: Store, administrator: Actor
    ) -> None:
        self.identified_people(store, administrator)
        recorder = store.recorder
        assert isinstance(recorder, ErasingRecorder), "a store under RetentionContract must erase"
        with store.unit_of_work(administrator) as uow:
            plan = [c for c in plan_retention(uow, RETENTION_DAY) if c.to_erase]
        with store.unit_of_work(administrator) as uow:  # meanwhile P2 is found using again
            self.opened(uow, "P2")
            record_relapse(uow, PersonId("P2"), dt.date(2023, 6, 1))
            uow.commit()
        erasures = [IdentityErasure(c.person, c.due.rule.id, RETENTION_DAY, c.version) for c in plan]
        assert recorder.erase_identities(erasures, by="admin-1") == ["P1", "P5"]
        with store.unit_of_work(administrator) as uow:
            assert self.identity_of(uow, "P2") is not None
            assert [c.person for c in plan_retention(uow, RETENTION_DAY) if c.identified] == ["P4"]

    @pytest.mark.parametrize("stop_at", range(4))
    def test_an_erasure_stopped_at_any_step_leaves_each_identity_whole_or_gone(
        self, store: Store, administrator: Actor, stop_at: int
    ) -> None:
        people = self.identified_people(store, administrator)
        seen: list[str] = []

        def step(where: str) -> None:
            seen.append(where)
            if len(seen) - 1 == stop_at:
                raise _Stopped(where)

        with store.unit_of_work(administrator) as uow, pytest.raises(_Stopped):
            apply_retention(uow, RETENTION_DAY, batch=2, step=step)
        erased = sorted(DUE)[: 2 * seen.count("committed")]
        with store.unit_of_work(administrator) as uow:
            for person, identity in people.items():
                held = self.identity_of(uow, person)
                assert held == (None if person in erased else identity)
        with store.unit_of_work(administrator) as uow:
            assert sorted(apply_retention(uow, RETENTION_DAY, batch=2).erased) == sorted(
                set(DUE) - set(erased)
            )
        with store.unit_of_work(administrator) as uow:
            assert [p for p in people if self.identity_of(uow, p) is None] == DUE


class _Stopped(Exception):
    """A fake kill, raised by a step callback."""
