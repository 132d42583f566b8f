"""The fast evaluator declines what it does not translate: figures about units and organisations,
sums, flags and distinct counts (issue 9). The reference evaluator then answers the whole request."""

from __future__ import annotations

import pytest

from antidrug_core.indicators import (
    Distinct,
    FlagRule,
    IndicatorDefinition,
    RecordsInPeriod,
    Unit,
    Where,
    standard_catalogue,
)
from antidrug_core.model import SubjectKind
from antidrug_sql.translation import Untranslatable, translate

POSITIVE = RecordsInPeriod(("test_done",), Where.of(result=["positive"]))


def person_figure(**fields: object) -> IndicatorDefinition:
    return IndicatorDefinition(
        id="local", version=1, name_zh="本地", name_en="Local", basis="event", items=POSITIVE, **fields
    )


@pytest.mark.parametrize(
    "definition",
    [
        next(d for d in standard_catalogue() if d.id == "precursor_units"),
        person_figure(unit=Unit.FLAG, flag=FlagRule.ANY),
        person_figure(unit=Unit.COUNT, distinct=Distinct("kind")),
    ],
    ids=["units", "flag", "distinct"],
)
def test_a_figure_it_does_not_translate_is_left_to_the_reference_evaluator(
    definition: IndicatorDefinition,
) -> None:
    with pytest.raises(Untranslatable):
        translate([*standard_catalogue()[:3], definition])


def test_the_figures_about_people_are_still_translated() -> None:
    assert translate([d for d in standard_catalogue() if d.subject is SubjectKind.PERSON])
