"""Seeing people: face-to-face checks, follow-up talks, losing and regaining contact."""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord, one_of

__all__ = [
    "ContactRestored",
    "FaceCheck",
    "FaceCheckMethod",
    "FollowUp",
    "FollowUpMethod",
    "LostContact",
]


class FaceCheckMethod(enum.StrEnum):
    """How a face-to-face verification (见面核查) was made; each counts as one."""

    HOME_VISIT = "home_visit"
    """上门走访."""
    VIDEO_CALL = "video_call"
    """视频通话."""
    OFFICE_VISIT = "office_visit"
    """The person came to the office or centre."""


def _face_check_method(value: object) -> FaceCheckMethod:
    return one_of(FaceCheckMethod, value, "method")


def _follow_up_method(value: object) -> FollowUpMethod:
    return one_of(FollowUpMethod, value, "method")


@attrs.frozen(kw_only=True)
class FaceCheck(PersonRecord):
    """见面核查: the person was seen and their circumstances verified."""

    type_tag: ClassVar[str] = "face_check"

    method: FaceCheckMethod = attrs.field(converter=_face_check_method)
    """How they were seen."""
    note: str | None = None
    """What was found, briefly: circumstances relevant to drug use, health and
    safety only."""


class FollowUpMethod(enum.StrEnum):
    """How a follow-up talk was held."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


@attrs.frozen(kw_only=True)
class FollowUp(PersonRecord):
    """帮教谈话 / 回访: a follow-up talk, weekly under many local plans."""

    type_tag: ClassVar[str] = "follow_up"

    method: FollowUpMethod = attrs.field(converter=_follow_up_method)
    """How the talk was held."""


@attrs.frozen(kw_only=True)
class LostContact(PersonRecord):
    """脱失: from ``on`` the person cannot be contacted or located."""

    type_tag: ClassVar[str] = "lost_contact"


@attrs.frozen(kw_only=True)
class ContactRestored(PersonRecord):
    """The person was found again on ``on`` (the 清零 drive counts these)."""

    type_tag: ClassVar[str] = "contact_restored"
