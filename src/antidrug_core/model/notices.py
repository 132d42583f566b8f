"""Notices: what people must hear about, delivered after a unit of work commits."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from antidrug_core.model.base import DivisionCode, PersonId, RecordId, SubjectId, SubjectKind

__all__ = ["Notice", "NoticeKind"]


class NoticeKind(enum.StrEnum):
    """Why a notice goes out."""

    LICENCE_FOUND = "licence_found"
    """A driving licence holder: the traffic authority must be notified."""
    TEST_OVERDUE = "test_overdue"
    """A due test was not taken in its window."""
    LOST_CONTACT = "lost_contact"
    """A person cannot be contacted: start looking (清零)."""
    TRANSFER_WAITING = "transfer_waiting"
    """A transfer waits for the receiving division's answer."""
    TRANSFER_ANSWERED = "transfer_answered"
    """The receiving division accepted or rejected a transfer."""
    ABSTINENCE_REACHED = "abstinence_reached"
    """Three years without relapse: the person leaves active management."""
    ABSTINENCE_ENDED = "abstinence_ended"
    """A relapse after three years without one: managed again, a measure must be decided."""
    LEDGER_MISMATCH = "ledger_mismatch"
    """Counted stock differs from the ledger balance (易制毒化学品)."""
    RECTIFICATION_OVERDUE = "rectification_overdue"
    """A unit did not put a finding right by its due date (逾期未整改)."""
    LOSS_NOT_REPORTED = "loss_not_reported"
    """Precursor chemicals were lost and not reported to the police in time (art. 35)."""
    PLANTS_NOT_DESTROYED = "plants_not_destroyed"
    """Drug plants found and not yet destroyed (发现非法种植，尚未铲除): eradicate them."""


@attrs.frozen(kw_only=True)
class Notice:
    """A message for the people of some divisions; it carries no name or identity number."""

    kind: NoticeKind
    """Why it goes out."""
    subject: SubjectId | None
    """The subject concerned, if any: a pseudonymous person id, a unit's or an organisation's id."""
    divisions: frozenset[DivisionCode]
    """Who must hear: the divisions whose staff act on it."""
    on: dt.date
    """The date the notice is about."""
    message: str
    """A short text for people, in Chinese."""
    record: RecordId | None = None
    """The record that caused it."""
    subject_kind: SubjectKind | None = attrs.field(default=None)
    """What kind of subject ``subject`` is (a person unless said otherwise)."""

    def __attrs_post_init__(self) -> None:
        if self.subject is not None and self.subject_kind is None:
            object.__setattr__(self, "subject_kind", SubjectKind.PERSON)

    @property
    def person(self) -> PersonId | None:
        """The pseudonymous person concerned, when the notice is about a person."""
        return self.subject if self.subject_kind is SubjectKind.PERSON else None
