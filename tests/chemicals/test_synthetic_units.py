"""The demo's units: six, deterministic, and each check of the chemical work has something to show."""

from __future__ import annotations

import datetime as dt

from antidrug_core.rules import Policy
from antidrug_core.rules.chemicals import NATIONAL_CATALOGUE
from antidrug_core.state import UnitFile
from antidrug_core.state.chemical_checks import FindingKind, check_unit
from antidrug_core.synthetic import SyntheticSpec
from antidrug_core.synthetic_units import UNITS, unit_records
from antidrug_core.validation import reference_problems

SPEC = SyntheticSpec(people=100, townships=4, seed=2025)
YEAR_END = dt.date(2025, 12, 31)


def test_the_same_seed_gives_the_same_units() -> None:
    assert list(unit_records(SPEC)) == list(unit_records(SPEC))
    assert len(list(unit_records(SPEC))) == UNITS


def test_every_record_is_valid_against_the_stream_before_it() -> None:
    for stream in unit_records(SPEC):
        history = {}
        for record in stream:
            file = UnitFile.build(record.subject, history.values())
            assert reference_problems(record, history, file) == [], record
            history[record.id] = record


def test_one_count_does_not_match_and_one_order_is_overdue_at_the_year_end() -> None:
    found = [
        finding
        for stream in unit_records(SPEC)
        for finding in check_unit(
            UnitFile.build(stream[0].subject, stream), YEAR_END, NATIONAL_CATALOGUE, Policy()
        )
    ]
    assert sorted(f.kind for f in found) == [FindingKind.COUNT_MISMATCH, FindingKind.RECTIFICATION_OVERDUE]
