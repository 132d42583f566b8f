"""Fixtures for the core's tests: an in-memory store with a fixed clock and a notice recorder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from antidrug_core.model import Actor, Role
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, RecordingNotifier, SequentialIds, at, open_memory_store

TOWNSHIP = "522631101"
OTHER = "522631102"
ELSEWHERE = "522632101"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2023-07-01"))


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def store(clock: FixedClock, notifier: RecordingNotifier) -> Iterator[Store]:
    with open_memory_store(
        clock=clock, plugins=make_plugin_manager(plugins=[notifier]), ids=SequentialIds()
    ) as s:
        yield s


@pytest.fixture
def officer() -> Actor:
    return Actor(id="officer", role=Role.OFFICER, divisions={TOWNSHIP})


@pytest.fixture
def receiver() -> Actor:
    return Actor(id="receiver", role=Role.OFFICER, divisions={OTHER})


@pytest.fixture
def social_worker() -> Actor:
    return Actor(id="worker", role=Role.SOCIAL_WORKER, divisions={TOWNSHIP})
