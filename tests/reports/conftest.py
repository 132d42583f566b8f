"""Shared helpers for the report tests: results made by hand, a small synthetic county in a store."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from antidrug_core import Actor, open_store
from antidrug_core.indicators import (
    IndicatorDefinition,
    IndicatorResult,
    Period,
    Unit,
    digest,
    display,
    standard_catalogue,
)
from antidrug_core.model import Division, DivisionTree
from antidrug_core.rules import Policy
from antidrug_core.store import Store
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records

IDENTITY_NUMBER = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
)
"""An 18-character resident identity number (GB 11643: place, birth date, sequence, check)."""

COUNTY = "522631"
TOWNSHIPS = ("522631101", "522631102")
DEFINITIONS = {d.id: d for d in standard_catalogue()}
H2 = Period.parse("2025H2")
H1 = Period.parse("2025H1")


def made_result(
    indicator: str,
    division: str = COUNTY,
    period: Period = H2,
    *,
    numerator: int,
    denominator: int | None = None,
    excepted: int = 0,
) -> IndicatorResult:
    """A result of a catalogue indicator with the counts given (IP = D)."""
    definition: IndicatorDefinition = DEFINITIONS[indicator]
    denominator = numerator if denominator is None else denominator
    net = denominator - excepted
    if definition.unit is Unit.COUNT:
        value: Fraction | None = Fraction(numerator)
    else:
        value = Fraction(numerator, net) if net else None
    return IndicatorResult(
        indicator=indicator,
        version=definition.version,
        digest=digest(definition),
        division=division,
        period=period,
        known_at=None,
        policy=Policy(),
        unit=definition.unit,
        initial_population=denominator,
        denominator=denominator,
        denominator_exclusion=0,
        denominator_exception=excepted,
        numerator=numerator,
        numerator_exclusion=0,
        value=value,
        display=display(value, definition.unit, definition.decimals, definition.rounding),
        reason=None if value is not None else "no one in the denominator",
    )


def tree() -> DivisionTree:
    return DivisionTree(
        [
            Division(code=COUNTY, name="某县"),
            Division(code=TOWNSHIPS[0], name="甲镇"),
            Division(code=TOWNSHIPS[1], name="乙乡"),
        ]
    )


def outputs_text(path: Path) -> str:
    """Everything a file says: text files as they are, Word documents by every XML part."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8")
                for name in archive.namelist()
                if name.endswith((".xml", ".rels"))
            )
    return path.read_text(encoding="utf-8")


SMALL_SPEC = SyntheticSpec.demo(people=160, townships=4, seed=11)


def load(store: Store, spec: SyntheticSpec = SMALL_SPEC) -> None:
    with store.unit_of_work(Actor.local_administrator()) as uow:
        uow.add_divisions(divisions(spec))
        for person in person_records(spec):
            for record in person:
                uow.add_record(record, live=False)
        uow.commit()


@pytest.fixture(scope="module")
def county_store() -> Iterator[Store]:
    """A small synthetic county (4 townships, 160 people, 2025) in a memory store, loaded once per module."""
    store = open_store("memory://")
    load(store)
    yield store
    store.close()
