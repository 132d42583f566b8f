"""A bounded fuzzer: malformed datasets and workbooks get a clear error and leave the store as it was.

Whatever a file holds, reading it either succeeds or raises ``InvalidInput``
naming where; no other exception escapes, and a refused load writes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import antidrug_core as ad
from antidrug_core.clock import FixedClock
from antidrug_core.commands.store import load_dataset
from antidrug_core.interchange import DATASET_FORMAT, read_dataset
from antidrug_core.interchange.spreadsheet import read_workbook, workbook_template
from antidrug_core.model import InvalidInput, SubjectKind
from antidrug_core.testing import at

TOWNSHIP = "522631101"

GOOD: dict[str, Any] = {
    "format": DATASET_FORMAT,
    "divisions": [{"code": "522631", "name": "某县"}, {"code": TOWNSHIP, "name": "某乡"}],
    "people": [{"id": "P1", "household": TOWNSHIP, "registered_on": "2023-01-05"}],
    "units": [{"id": "U1", "name": "某化工有限公司", "division": TOWNSHIP, "roles": ["use"]}],
    "organisations": [{"id": "O1", "name": "某乡人民政府", "kind": "government", "division": TOWNSHIP}],
    "records": [
        {
            "id": "s1",
            "type": "status_changed",
            "person": "P1",
            "on": "2023-01-05",
            "status": "community_detox",
        },
        {"id": "f1", "type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"},
        {"type": "face_check", "person": "P1", "on": "2023-03-02", "voids": "f1"},
        {"id": "c1", "type": "unit_changed", "unit": "U1", "on": "2023-02-01", "name": "某化工科技有限公司"},
        {"id": "x1", "type": "organisation_closed", "organisation": "O1", "on": "2023-06-30"},
    ],
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


PATHS = paths(GOOD)[1:]


def attempt(function: Callable[..., Any], *args: Any) -> tuple[Any, InvalidInput | None]:
    """The result, or the ``InvalidInput`` raised; any other exception fails the test as it is."""
    try:
        return function(*args), None
    except InvalidInput as error:
        return None, error


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(GOOD)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the way there
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_malformed_dataset_is_refused_by_name_or_read_and_a_refused_load_writes_nothing(
    document: dict[str, Any],
) -> None:
    store = ad.open_store("memory://", clock=FixedClock(at("2023-07-01")))
    dataset, refused = attempt(read_dataset, document)
    if refused is not None:
        assert refused.problems
        assert all(p.reason for p in refused.problems)
        return
    _, refused = attempt(load_dataset, store, dataset)
    if refused is not None:
        with store.unit_of_work(ad.Actor.local_administrator()) as uow:
            for kind in SubjectKind:
                assert list(uow.subject_files(kind)) == []


cells = st.none() | st.text(max_size=10) | st.integers(-5, 10**12) | st.floats(allow_nan=True) | st.dates()


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_workbook_of_any_cells_is_read_or_refused_naming_the_sheet(data: st.DataObject) -> None:
    book: dict[str, list[list[Any]]] = {}
    template = workbook_template()
    for name in data.draw(st.lists(st.sampled_from(sorted(template)), min_size=1, max_size=4, unique=True)):
        headers = template[name][0]
        rows = data.draw(st.lists(st.lists(cells, min_size=len(headers), max_size=len(headers)), max_size=3))
        book[name] = [headers, *rows]
    _, refused = attempt(read_workbook, book)
    if refused is not None:
        assert all(p.row for p in refused.problems), refused.problems


def test_the_good_document_itself_loads() -> None:
    store = ad.open_store("memory://", clock=FixedClock(dt.datetime(2023, 7, 1, tzinfo=dt.UTC)))
    result = load_dataset(store, read_dataset(GOOD))
    assert (result.people, result.units, result.organisations) == (1, 1, 1)
