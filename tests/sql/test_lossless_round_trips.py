"""store → export → load → export loses nothing on every engine: every field of every record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from antidrug_core.commands.store import export_document
from antidrug_core.interchange import read_dataset, write_dataset
from antidrug_core.testing.datasets import dataset_documents

from .test_fast_evaluator import Stores

EXAMPLES = {"sqlite": 25, "postgresql": 12, "mysql": 12}


@pytest.fixture
def stores(databases: Any) -> Iterator[Stores]:
    made = Stores(databases.new())
    yield made
    made.close()


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "records": sorted(document["records"], key=lambda r: (r["person"], r["id"]))}


def test_a_store_exported_loaded_and_exported_again_gives_the_same_file(engine: str, stores: Stores) -> None:
    @settings(max_examples=EXAMPLES[engine], deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(dataset_documents(max_people=4, void_again=True, late_registrations=True, every_field=True))
    def same_file(document: dict[str, Any]) -> None:
        dataset = read_dataset(document)
        first = write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)
        with stores.loaded(dataset) as store:
            exported = export_document(store, sealed_reason="无损往返检查")
        with stores.loaded(read_dataset(exported)) as store:
            again = export_document(store, sealed_reason="无损往返检查")
        assert canonical(exported) == canonical(first)
        assert canonical(again) == canonical(exported)

    same_file()
