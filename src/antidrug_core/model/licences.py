"""Driving licence holders (机动车驾驶证申领和使用规定 art. 79)."""

from __future__ import annotations

from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord

__all__ = ["LicenceFound", "LicenceNotified"]


@attrs.frozen(kw_only=True)
class LicenceFound(PersonRecord):
    """The person holds, or held, a driving licence; they are warned."""

    type_tag: ClassVar[str] = "licence_found"


@attrs.frozen(kw_only=True)
class LicenceNotified(PersonRecord):
    """The traffic authority was notified so the licence can be cancelled."""

    type_tag: ClassVar[str] = "licence_notified"
