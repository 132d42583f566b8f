"""The rehabilitation app (xx驿站 APP): installed, and logins."""

from __future__ import annotations

from typing import ClassVar

import attrs

from antidrug_core.model.base import Record

__all__ = ["AppInstalled", "AppLogin"]


@attrs.frozen(kw_only=True)
class AppInstalled(Record):
    """The app was installed on the person's phone."""

    type_tag: ClassVar[str] = "app_installed"


@attrs.frozen(kw_only=True)
class AppLogin(Record):
    """The person logged in to the app on ``on``."""

    type_tag: ClassVar[str] = "app_login"
