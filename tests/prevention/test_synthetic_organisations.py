"""The synthetic organisations: deterministic, valid against the rules and the references, a year of work."""

from __future__ import annotations

import datetime as dt

import pytest

from antidrug_core.converter import record_to_data
from antidrug_core.model import (
    ActivityHeld,
    OrganisationRegistered,
    RatingAssessed,
    Record,
    RecordId,
    SurveyConducted,
    VolunteerJoined,
)
from antidrug_core.rules import RuleRegistry
from antidrug_core.state import OrganisationFile, volunteers_on
from antidrug_core.synthetic import SyntheticSpec, townships
from antidrug_core.synthetic_organisations import FORESTRY, centre_id, government_id, organisation_records
from antidrug_core.validation import reference_problems

SPEC = SyntheticSpec.demo(people=10, townships=6, seed=7)


def test_the_same_spec_gives_the_same_work_logs() -> None:
    first = [[record_to_data(r) for r in log] for log in organisation_records(SPEC)]
    again = [[record_to_data(r) for r in log] for log in organisation_records(SPEC)]
    assert first == again


def test_every_township_has_a_government_every_other_a_rated_centre_and_the_county_two_bureaus() -> None:
    logs = {log[0].subject: log for log in organisation_records(SPEC)}
    codes = townships(SPEC)
    assert {government_id(code) for code in codes} <= set(logs)
    assert {centre_id(code) for code in codes[::2]} <= set(logs)
    assert FORESTRY in logs
    assert all(isinstance(log[0], OrganisationRegistered) for log in logs.values())
    assert all(any(isinstance(r, RatingAssessed) for r in logs[centre_id(c)]) for c in codes[::2])
    forestry = logs[FORESTRY]
    assert {r.division for r in forestry if isinstance(r, SurveyConducted)} == {
        c for c in codes if c[6] != "0"
    }


@pytest.mark.parametrize("seed", [7, 2025, 11])
def test_every_work_log_meets_the_rules_and_the_references_in_its_order(seed: int) -> None:
    rules = RuleRegistry().build().prevention
    for log in organisation_records(SyntheticSpec.demo(people=10, townships=20, seed=seed)):
        rules.check(log)
        history: dict[RecordId, Record] = {}
        for record in log:
            problems = reference_problems(
                record, history, OrganisationFile.build(record.subject, history.values())
            )
            assert problems == [], problems
            history[record.id] = record
        assert all(r.on <= SPEC.end for r in log)


def test_a_government_has_a_team_of_volunteers_and_activities_on_key_dates() -> None:
    log = next(organisation_records(SPEC))
    file = OrganisationFile.build(log[0].subject, log)
    joined = {r.volunteer for r in log if isinstance(r, VolunteerJoined)}
    assert 0 < len(volunteers_on(file, dt.date(2025, 12, 31))) <= len(joined)
    assert any(isinstance(r, ActivityHeld) and r.key_date is not None for r in log)
