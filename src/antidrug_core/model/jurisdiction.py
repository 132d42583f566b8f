"""Two-sided transfers of responsibility between divisions (异地管控, 双向管控)."""

from __future__ import annotations

from typing import ClassVar

import attrs

from antidrug_core.model.base import DivisionCode, PersonRecord, RecordId, is_division, non_empty

__all__ = ["TransferAccepted", "TransferRejected", "TransferRequested"]


@attrs.frozen(kw_only=True)
class TransferRequested(PersonRecord):
    """The responsible division asks another to take the person over.

    Until the receiving division accepts, the person stays with the sender,
    so nobody is ever without a responsible division.
    """

    type_tag: ClassVar[str] = "transfer_requested"

    from_division: DivisionCode = attrs.field(validator=is_division)
    """The division handing over: the responsible division on ``on``."""
    to_division: DivisionCode = attrs.field(validator=is_division)
    """The division asked to take over."""
    household: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """户籍迁移: the household place the person moved to, when that move is what the transfer is
    for. The move is recorded when the receiving division accepts, so responsibility never moves
    with a place alone (双向管控)."""
    residence: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """The residence the person moved to, when that move is what the transfer is for (under the
    residence-first policy); recorded on acceptance like ``household``."""


@attrs.frozen(kw_only=True)
class TransferAccepted(PersonRecord):
    """The receiving division accepts; it is responsible from ``on``."""

    type_tag: ClassVar[str] = "transfer_accepted"

    request: RecordId = attrs.field(validator=non_empty)
    """The ``transfer_requested`` record answered."""


@attrs.frozen(kw_only=True)
class TransferRejected(PersonRecord):
    """The receiving division declines; the sender stays responsible."""

    type_tag: ClassVar[str] = "transfer_rejected"

    request: RecordId = attrs.field(validator=non_empty)
    """The ``transfer_requested`` record answered."""
    reason: str | None = None
    """Why, so the sender can act on it."""
