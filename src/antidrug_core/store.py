"""A store: a recorder opened through the storage hook, with the rules and clock it runs under."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from types import TracebackType

import pluggy

from antidrug_core.clock import Clock
from antidrug_core.model import Actor
from antidrug_core.ports import Recorder
from antidrug_core.rules import Policy, Rules
from antidrug_core.services.unit_of_work import UnitOfWork

__all__ = ["Store"]


def _uuid_ids() -> str:
    return uuid.uuid4().hex


class Store:
    """Where records live, and the policy, rules and clock they are read under.

    Open one with ``antidrug_core.open_store``; close it when done (or use it
    as a context manager).
    """

    def __init__(
        self,
        recorder: Recorder,
        *,
        plugins: pluggy.PluginManager,
        clock: Clock,
        policy: Policy | None = None,
        rules: Rules | None = None,
        ids: Callable[[], str] = _uuid_ids,
    ) -> None:
        self.recorder = recorder
        self.plugins = plugins
        self.clock = clock
        self.policy = policy or Policy()
        self.rules = rules or Rules()
        self.ids = ids
        self._last_recorded_at: dt.datetime | None = None
        self._time_lock = threading.Lock()

    def recording_time(self) -> dt.datetime:
        """The time to stamp a record with: the clock's, but always later than the last one stamped.

        Two facts about a person on the same day are ordered by when they were
        recorded; a clock that stands still (a test's, or a coarse system clock)
        must not leave that order to chance.
        """
        with self._time_lock:
            now = self.clock.now()
            if self._last_recorded_at is not None and now <= self._last_recorded_at:
                now = self._last_recorded_at + dt.timedelta(microseconds=1)
            self._last_recorded_at = now
            return now

    @property
    def url(self) -> str:
        """The store's URL, password masked."""
        return self.recorder.url

    def unit_of_work(self, actor: Actor) -> UnitOfWork:
        """A unit of work for ``actor``; use it in a with-block and ``commit``."""
        return UnitOfWork(self, actor)

    def close(self) -> None:
        """Release the recorder's connections and files."""
        self.recorder.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"
