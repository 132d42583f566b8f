"""Retention rules as data: which rule's period runs for a person, from when, until when; a host's own."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core import services
from antidrug_core.model import Actor, PersonId, Role, Status
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.rules import (
    DEFAULT_RETENTION_RULES,
    SEALING_YEARS,
    RetentionAnchor,
    RetentionRule,
    RetentionRules,
    RuleRegistry,
)
from antidrug_core.state import PersonFile, retention_due
from antidrug_core.testing import FixedClock, at, open_memory_store
from antidrug_core.testing.fakes import SequentialIds

D = dt.date.fromisoformat
ADMIN = Actor(id="admin", role=Role.ADMINISTRATOR, divisions={"522631"})
DEFAULTS = RetentionRules()


def file_of(*changes: tuple[Status, str], relapse: str | None = None) -> PersonFile:
    """A person registered in 2010 under 社区戒毒, with later status changes (and a relapse), as a
    store holds it."""
    store = open_memory_store(clock=FixedClock(at("2024-12-31")), ids=SequentialIds())
    with store.unit_of_work(ADMIN) as uow:
        person = services.register_person(
            uow,
            person=PersonId("P1"),
            household="522631101",
            on=D("2010-01-05"),
            status=Status.COMMUNITY_DETOX,
        )
        for status, on in changes:
            services.change_status(uow, person, status, D(on))
        if relapse is not None:
            services.record_relapse(uow, person, D(relapse))
        uow.commit()
    with store.unit_of_work(ADMIN) as uow:  # an abstinent file is sealed (封存) by 2024
        return uow.sealed_file(person, reason="retention test")


def test_the_defaults_are_labelled_as_defaults_and_seal_before_they_erase() -> None:
    assert all(rule.basis.startswith("default:") for rule in DEFAULT_RETENTION_RULES)
    abstinent = [r for r in DEFAULT_RETENTION_RULES if r.anchor is RetentionAnchor.ABSTINENT_3Y]
    assert [r.years for r in abstinent] == [SEALING_YEARS + 5]


def test_a_dead_persons_identity_is_due_five_years_after_death() -> None:
    file = file_of((Status.DECEASED, "2017-03-01"))
    due = retention_due(file, DEFAULTS, D("2022-02-28"))
    assert due is not None
    assert (due.rule.id, due.anchored, due.due) == ("deceased-5y", D("2017-03-01"), D("2022-03-01"))
    assert not due.is_due(D("2022-02-28"))
    assert due.is_due(D("2022-03-01"))


def test_an_abstinent_persons_identity_is_due_after_sealing_and_five_years_more() -> None:
    file = file_of((Status.ABSTINENT_3Y, "2014-06-01"))
    due = retention_due(file, DEFAULTS, D("2024-01-01"))
    assert due is not None
    assert (due.rule.id, due.due) == ("abstinent-sealed-5y", D("2022-06-01"))


def test_a_relapse_after_abstinence_ends_the_period() -> None:
    file = file_of((Status.ABSTINENT_3Y, "2014-06-01"), relapse="2016-02-01")
    assert retention_due(file, DEFAULTS, D("2024-01-01")) is None
    assert retention_due(file, DEFAULTS, D("2015-01-01")) is not None  # before the relapse it ran


def test_a_person_under_management_or_in_custody_is_kept() -> None:
    assert retention_due(file_of(), DEFAULTS, D("2040-01-01")) is None
    assert retention_due(file_of((Status.IN_CUSTODY, "2012-01-01")), DEFAULTS, D("2040-01-01")) is None


def test_a_death_recorded_in_error_and_corrected_ends_the_period() -> None:
    file = file_of((Status.DECEASED, "2015-03-01"), (Status.REGISTERED, "2015-04-01"))
    assert retention_due(file, DEFAULTS, D("2024-01-01")) is None


def test_where_several_rules_hold_the_one_that_runs_out_first_decides() -> None:
    rules = RetentionRules(
        (
            RetentionRule(id="long", anchor=RetentionAnchor.DECEASED, years=10),
            RetentionRule(id="short", anchor="deceased", years=2),
        )
    )
    due = retention_due(file_of((Status.DECEASED, "2017-03-01")), rules, D("2024-01-01"))
    assert due is not None
    assert due.rule.id == "short"


def test_rules_are_checked() -> None:
    with pytest.raises(ValueError, match="negative"):
        RetentionRule(id="x", anchor=RetentionAnchor.DECEASED, years=-1)
    with pytest.raises(ValueError, match="distinct"):
        RetentionRules(
            (
                RetentionRule(id="x", anchor=RetentionAnchor.DECEASED, years=1),
                RetentionRule(id="x", anchor=RetentionAnchor.ABSTINENT_3Y, years=1),
            )
        )
    with pytest.raises(ValueError, match="RetentionAnchor"):
        RetentionRule(id="x", anchor="closed", years=1)


@given(
    st.dates(D("2011-01-01"), D("2023-12-31")), st.integers(0, 30), st.dates(D("2011-01-01"), D("2060-12-31"))
)
def test_an_identity_is_never_due_before_its_anchor_plus_its_years(
    died: dt.date, years: int, as_of: dt.date
) -> None:
    rules = RetentionRules((RetentionRule(id="r", anchor=RetentionAnchor.DECEASED, years=years),))
    due = retention_due(file_of((Status.DECEASED, died.isoformat())), rules, as_of)
    if as_of < died:
        assert due is None
        return
    assert due is not None
    assert due.anchored == died
    assert due.is_due(as_of) == (as_of >= due.due)
    assert (due.due - died).days >= 365 * years - 1 if years else due.due == died


class ShorterPeriods:
    """A host whose regulation keeps a dead person's identity two years."""

    @hookimpl
    def antidrug_register_rules(self, registry: RuleRegistry) -> None:
        registry.retention = RetentionRules(
            (RetentionRule(id="local-deceased-2y", anchor=RetentionAnchor.DECEASED, years=2, basis="local"),)
        )


def test_a_host_sets_its_own_retention_rules_through_the_rules_hook() -> None:
    plugins = make_plugin_manager(plugins=[ShorterPeriods()])
    store = open_memory_store(clock=FixedClock(at("2023-07-01")), plugins=plugins, ids=SequentialIds())
    with store.unit_of_work(ADMIN) as uow:
        person = services.register_person(
            uow, household="522631101", on=D("2010-01-05"), status=Status.COMMUNITY_DETOX
        )
        services.change_status(uow, person, Status.DECEASED, D("2021-03-01"))
        uow.commit()
    with store.unit_of_work(ADMIN) as uow:
        plan = services.plan_retention(uow, D("2023-06-30"))
    assert [(c.due.rule.id, c.due.due, c.identified) for c in plan] == [
        ("local-deceased-2y", D("2023-03-01"), False)
    ]
