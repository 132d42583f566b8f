"""The parts of the activities by key date and by channel: laws that hold for any work log.

The key-date parts and the other days are a partition of the activities, so they add up to the
whole, in every division; a channel's part is at most the whole, and the channels' parts together
at least the whole (an activity of two channels counts in both).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from antidrug_core.indicators import EvaluationRequest, Period, standard_catalogue
from antidrug_core.indicators.prevention import activity_parts
from antidrug_core.indicators.reference import evaluate_files
from antidrug_core.model import ActivityHeld, DivisionTree, OrganisationRegistered, Record, SubjectKind
from antidrug_core.rules import Policy
from antidrug_core.state import build_file
from antidrug_core.testing.strategies import DIVISIONS, record_strategies

PERIOD = Period(dt.date(2019, 1, 1), dt.date(2024, 12, 31))
TREE = DivisionTree(DIVISIONS)
ORGANISATION = OrganisationRegistered(
    id="O1-registered",
    organisation="O1",
    on=dt.date(2018, 1, 1),
    recorded_at=dt.datetime(2018, 1, 1, tzinfo=dt.UTC),
    recorded_by="test",
    name="甲乡人民政府",
    kind="government",
    division="522631101",
)
WHOLES = [d for d in standard_catalogue() if d.id in ("activities", "activity_reach")]
PARTS = activity_parts()


@st.composite
def work_log(draw: st.DrawFn) -> list[Record]:
    activities = draw(st.lists(record_strategies()["activity_held"], max_size=10))
    return [
        ORGANISATION,
        *(
            attrs.evolve(a, id=f"a{i}", organisation="O1", recorded_at=ORGANISATION.recorded_at)
            for i, a in enumerate(activities)
            if isinstance(a, ActivityHeld)
        ),
    ]


@given(work_log())
@settings(max_examples=60, deadline=None)
def test_the_key_date_parts_add_up_to_the_whole_and_the_channels_cover_it(records: list[Record]) -> None:
    file = build_file(SubjectKind.ORGANISATION, "O1", records)
    request = EvaluationRequest(period=PERIOD, policy=Policy())
    results = {
        (r.indicator, r.division): r.value or Fraction(0)
        for r in evaluate_files([file], [*WHOLES, *PARTS], request, TREE, policy=Policy())
    }
    for division in {division for _, division in results}:
        for whole in ("activities", "activity_reach"):
            by_key_date = [
                p for p in PARTS if p.part_of and p.part_of.whole == whole and p.part_of.by == "key_date"
            ]
            by_channel = [
                p for p in PARTS if p.part_of and p.part_of.whole == whole and p.part_of.by == "channels"
            ]
            total = results[(whole, division)]
            assert sum(results[(p.id, division)] for p in by_key_date) == total
            channels = [results[(p.id, division)] for p in by_channel]
            assert all(part <= total for part in channels)
            assert sum(channels) >= total
