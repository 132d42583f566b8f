"""A stateful property test: random sequences of use cases against the memory store, checked against a
plain model (``antidrug_core.testing.store_model``; tests/sql runs the same machine on every engine)."""

from __future__ import annotations

from hypothesis import settings

from antidrug_core.testing.store_model import StoreMachine

StoreMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestStoreAgainstAPlainModel = StoreMachine.TestCase
