"""A store: a recorder opened through the storage hook, with the policy, rules and clock it runs under.

The store remembers its policy. The responsibility policy decides each
person's responsible division and so their access set, which the store
keeps per person; reading or extending a store under another policy than
its records were written under would scope people wrongly. So a store
keeps the policy its first records were written under (or the one
``antidrug init --policy`` set), a store opened without a policy runs under
the one it keeps, and a different one is refused, naming both.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Sequence
from types import TracebackType

import attrs
import pluggy

from antidrug_core.clock import Clock
from antidrug_core.model import Actor, InvalidInput, Record, SubjectId
from antidrug_core.ports import RatingSchemeRecorder, Recorder, StreamAppend
from antidrug_core.rules import Policy, Rules
from antidrug_core.rules.prevention import RatingScheme
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import build_file, subject_access

__all__ = ["Store", "describe_policy", "new_stream", "policy_conflict"]


def describe_policy(policy: Policy) -> str:
    """A policy in a few words, for messages that must name it."""
    return (
        f"{policy.responsible.value}, test window {policy.test_window_days} days, "
        f"missed after {policy.missed_after_days} days, {policy.time_zone}"
    )


def new_stream(subject: SubjectId, records: Sequence[Record], policy: Policy) -> StreamAppend:
    """``records`` as the whole history of a subject new to the store, with the access set they
    give under ``policy``: what every bulk load (a dataset, the demo, the benchmarks) appends.

    The kind of subject is the records' (they are all about ``subject``).
    """
    kind = records[0].subject_kind
    return StreamAppend(
        subject=subject,
        kind=kind,
        expected_version=0,
        records=tuple(records),
        access=subject_access(build_file(kind, subject, records), policy),
    )


def policy_conflict(kept: Policy, other: Policy, other_is: str) -> InvalidInput:
    """The error for a policy that is not the one a store keeps, naming both.

    Args:
        kept: The policy the store keeps.
        other: The policy it was asked to use.
        other_is: What ``other`` is, e.g. ``"the dataset's policy"``.
    """
    return InvalidInput.of(
        "policy",
        f"{other_is} ({describe_policy(other)}) is not the policy the store keeps "
        f"({describe_policy(kept)}); the store's access sets were computed under its own policy, "
        "so use that one, or load the data into a new store",
    )


def _uuid_ids() -> str:
    return uuid.uuid4().hex


class Store:
    """Where records live, and the policy, rules and clock they are read under.

    Open one with ``antidrug_core.open_store``; close it when done (or use it
    as a context manager).

    Raises:
        InvalidInput: ``policy`` is not the policy the store keeps (naming both).
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
        kept = recorder.stored_policy()
        if kept is not None and policy is not None and policy != kept:
            raise policy_conflict(kept, policy, "the policy the store was opened under")
        self.recorder = recorder
        self.plugins = plugins
        self.clock = clock
        self.policy: Policy = kept or policy or Policy()
        """What every derivation and record written here is computed under."""
        self._policy_set = kept is not None or policy is not None
        recorder.write_under(self.policy)
        self.rules = rules or Rules()
        if isinstance(recorder, RatingSchemeRecorder):
            # The schemes loaded with a dataset rate as they did from the file, over a host's of that id.
            self.rules = self._with_schemes(recorder.kept_rating_schemes())
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
    def policy_is_set(self) -> bool:
        """Whether the policy was chosen: kept by the store, or given when it was opened.

        Otherwise the store runs under the default policy only because
        nothing said otherwise yet, and ``use_policy`` may change it.
        """
        return self._policy_set

    def _with_schemes(self, schemes: Sequence[RatingScheme]) -> Rules:
        return attrs.evolve(self.rules, prevention=self.rules.prevention.with_schemes(schemes))

    def keep_rating_schemes(self, schemes: Sequence[RatingScheme]) -> None:
        """Keep ``schemes`` (a dataset's) with the store, and rate with them from now on.

        Raises:
            InvalidInput: a scheme differs from the kept one of its id, or the
                store cannot keep schemes (a host's recorder without
                ``RatingSchemeRecorder``); nothing is kept.
        """
        if not schemes:
            return
        if not isinstance(self.recorder, RatingSchemeRecorder):
            raise InvalidInput.of(
                "rating_schemes",
                f"the store at {self.recorder.url} cannot keep rating schemes, so its ratings would "
                "lose their stars; load the dataset without rating_schemes or into another store",
            )
        self.recorder.keep_rating_schemes(schemes)
        self.rules = self._with_schemes(schemes)

    def use_policy(self, policy: Policy, *, what: str = "the policy asked for") -> None:
        """Run under ``policy`` from now on, unless another one is set.

        Loading a dataset into a store that keeps no policy takes the
        dataset's; the store keeps it with the first records written.

        Args:
            policy: The policy to run under.
            what: What ``policy`` is, for the message when it is refused.

        Raises:
            InvalidInput: the store keeps, or was opened under, another
                policy; the message names both.
        """
        if policy != self.policy and self._policy_set:
            kept = self.recorder.stored_policy()
            if kept is not None:
                raise policy_conflict(kept, policy, what)
            raise InvalidInput.of(
                "policy",
                f"{what} ({describe_policy(policy)}) is not the policy the store was opened under "
                f"({describe_policy(self.policy)})",
            )
        self.policy = policy
        self._policy_set = True
        self.recorder.write_under(policy)

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
