"""Sealing a person's file (封存): the decisions that seal and unseal it.

治安管理处罚法 (2025 revision) art. 136 and 戒毒条例 art. 7: records of
drug use are sealed; only authorised queries may read them, and sealing is
not deletion. A file is sealed either by rule (``rules.SealingRule``: some
years after the person was concluded ``abstinent_3y``, without relapse) or
by one of these decisions. Both are records in the person's own stream, so
the decision, who made it (``recorded_by``), its legal basis and its reason
are in the audit chain and in the file's ``known_at`` history like any other
fact. What the decisions mean is derived in ``state.sealing``.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord, non_empty

__all__ = ["FileSealed", "FileUnsealed"]


@attrs.frozen(kw_only=True)
class FileSealed(PersonRecord):
    """封存决定: from ``on``, the person's file is sealed by an authorised decision.

    ``recorded_by`` is who decided: only a role with ``Permission.SEAL``
    may record it. Routine roles then find no such person.
    """

    type_tag: ClassVar[str] = "file_sealed"

    basis: str = attrs.field(validator=non_empty)
    """The legal basis (e.g. ``治安管理处罚法第一百三十六条``)."""
    reason: str = attrs.field(validator=non_empty)
    """Why the file is sealed now (not the person's history: the file holds that)."""


@attrs.frozen(kw_only=True)
class FileUnsealed(PersonRecord):
    """解除封存: from ``on``, the person's file is no longer sealed, by an authorised decision.

    Made when the person is managed again (a relapse found after the seal,
    a new measure), or on a court's or a prosecutor's request. A relapse
    does not unseal a file by itself: someone with ``Permission.SEAL``
    decides, and the decision is on the record.
    """

    type_tag: ClassVar[str] = "file_unsealed"

    basis: str = attrs.field(validator=non_empty)
    """The legal basis or the request that allows reopening the file."""
    reason: str = attrs.field(validator=non_empty)
    """Why the file is opened again."""
