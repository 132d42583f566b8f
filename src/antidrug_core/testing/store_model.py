"""A stateful model of a store: random sequences of use cases, checked against a plain model.

The plain model is what a clerk would keep on paper: each person's status,
who is responsible, whether contact is lost, how many face checks count,
and which transfer is waiting. After every step, the state the library
derives from its records must say the same. ``StoreMachine`` runs on the
memory store; a store's own tests subclass it and override ``new_store``
(the SQL store runs it on SQLite, PostgreSQL and MariaDB).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)
from pluggy import PluginManager

from antidrug_core import services
from antidrug_core.model import Actor, FaceCheckMethod, PersonId, RecordId, Role, Status
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.state import in_lost_contact_on, responsible_division_on, status_on
from antidrug_core.store import Store
from antidrug_core.testing.contract import open_memory_store
from antidrug_core.testing.fakes import FixedClock, RecordingNotifier, SequentialIds, at

__all__ = ["TOWNSHIPS", "PaperFile", "StoreMachine"]

TOWNSHIPS = ("522631101", "522631102", "522631103")


@attrs.define
class PaperFile:
    """What the model remembers of one person."""

    status: Status
    responsible: str
    lost: bool = False
    face_checks: list[RecordId] = attrs.field(factory=list)
    waiting: tuple[RecordId, str] | None = None


class StoreMachine(RuleBasedStateMachine):
    checks = Bundle("checks")

    @initialize()
    def open(self) -> None:
        self.clock = FixedClock(at("2023-01-02"))
        self.notifier = RecordingNotifier()
        self.store: Store = self.new_store(
            self.clock, make_plugin_manager(plugins=[self.notifier]), SequentialIds()
        )
        self.county = Actor(id="county", role=Role.OFFICER, divisions={"522631"})
        self.paper: dict[PersonId, PaperFile] = {}

    def new_store(self, clock: FixedClock, plugins: PluginManager, ids: SequentialIds) -> Store:
        """An empty store for one run (override to run the model on another store)."""
        return open_memory_store(clock=clock, plugins=plugins, ids=ids)

    def teardown(self) -> None:
        self.store.close()

    @property
    def today(self) -> dt.date:
        return self.clock.now().date()

    def officer_of(self, township: str) -> Actor:
        return Actor(id=f"officer-{township}", role=Role.OFFICER, divisions={township})

    def work(self, actor: Actor, verb: Any, *args: Any) -> Any:
        with self.store.unit_of_work(actor) as uow:
            made = verb(uow, *args)
            uow.commit()
        return made

    # --- rules -------------------------------------------------------------------------------

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.clock.advance(dt.timedelta(days=days))

    @rule(township=st.sampled_from(TOWNSHIPS), status=st.sampled_from(Status))
    def register(self, township: str, status: Status) -> None:
        person = self.work(
            self.officer_of(township),
            lambda uow: services.register_person(uow, household=township, on=self.today, status=status),
        )
        self.paper[person] = PaperFile(status=status, responsible=township)

    @precondition(lambda self: bool(self.paper))
    @rule(data=st.data(), status=st.sampled_from(Status))
    def change_status(self, data: st.DataObject, status: Status) -> None:
        person = data.draw(st.sampled_from(sorted(self.paper)))
        self.work(
            self.officer_of(self.paper[person].responsible),
            services.change_status,
            person,
            status,
            self.today,
        )
        self.paper[person].status = status

    @precondition(lambda self: bool(self.paper))
    @rule(target=checks, data=st.data(), method=st.sampled_from(FaceCheckMethod))
    def face_check(self, data: st.DataObject, method: FaceCheckMethod) -> tuple[PersonId, RecordId]:
        person = data.draw(st.sampled_from(sorted(self.paper)))
        check = self.work(
            self.officer_of(self.paper[person].responsible),
            services.record_face_check,
            person,
            self.today,
            method,
        )
        self.paper[person].face_checks.append(check.id)
        return person, check.id

    @rule(check=consumes(checks))
    def void_a_check(self, check: tuple[PersonId, RecordId]) -> None:
        person, record = check
        self.work(self.county, services.void_record, person, record, self.today)
        self.paper[person].face_checks.remove(record)

    @precondition(lambda self: any(not p.lost for p in self.paper.values()))
    @rule(data=st.data())
    def lose_contact(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(sorted(p for p, f in self.paper.items() if not f.lost)))
        self.work(self.county, services.report_lost_contact, person, self.today)
        self.paper[person].lost = True

    @precondition(lambda self: any(p.lost for p in self.paper.values()))
    @rule(data=st.data())
    def find_again(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(sorted(p for p, f in self.paper.items() if f.lost)))
        self.work(self.county, services.restore_contact, person, self.today)
        self.paper[person].lost = False

    @precondition(lambda self: any(p.waiting is None for p in self.paper.values()))
    @rule(data=st.data(), to=st.sampled_from(TOWNSHIPS))
    def ask_for_a_transfer(self, data: st.DataObject, to: str) -> None:
        person = data.draw(st.sampled_from(sorted(p for p, f in self.paper.items() if f.waiting is None)))
        paper = self.paper[person]
        if to == paper.responsible:
            return  # refused by the library: covered by its own test
        request = self.work(
            self.officer_of(paper.responsible), services.request_transfer, person, to, self.today
        )
        paper.waiting = (request.id, to)

    @precondition(lambda self: any(p.waiting is not None for p in self.paper.values()))
    @rule(data=st.data(), accept=st.booleans())
    def answer_a_transfer(self, data: st.DataObject, accept: bool) -> None:
        person = data.draw(st.sampled_from(sorted(p for p, f in self.paper.items() if f.waiting is not None)))
        paper = self.paper[person]
        assert paper.waiting is not None
        request, to = paper.waiting
        receiver = self.officer_of(to)
        if accept:
            self.work(receiver, services.accept_transfer, person, request, self.today)
            paper.responsible = to
        else:
            self.work(receiver, services.reject_transfer, person, request, self.today, "不接收")
        paper.waiting = None

    # --- what must always hold ---------------------------------------------------------------

    @invariant()
    def the_records_say_what_the_paper_says(self) -> None:
        if not hasattr(self, "store"):
            return
        with self.store.unit_of_work(self.county) as uow:
            files = {f.person: f for f in uow.files()}
        assert set(files) == set(self.paper)
        for person, paper in self.paper.items():
            file = files[person]
            assert status_on(file, self.today) is paper.status
            assert responsible_division_on(file, self.today, self.store.policy) == paper.responsible
            assert in_lost_contact_on(file, self.today) is paper.lost
            assert sorted(r.id for r in file.records if r.type_tag == "face_check") == sorted(
                paper.face_checks
            )

    @invariant()
    def the_responsible_office_and_only_the_people_it_may_see_are_visible(self) -> None:
        if not hasattr(self, "store"):
            return
        for township in TOWNSHIPS:
            with self.store.unit_of_work(self.officer_of(township)) as uow:
                visible = set(uow.people())
            for person, paper in self.paper.items():
                if paper.responsible == township or (paper.waiting and paper.waiting[1] == township):
                    assert person in visible
            assert visible <= set(self.paper)
