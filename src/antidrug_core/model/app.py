"""The rehabilitation app (xx驿站 APP): installed, and logins."""

from __future__ import annotations

from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord

__all__ = ["AppInstalled", "AppLogin"]


@attrs.frozen(kw_only=True)
class AppInstalled(PersonRecord):
    """The app was installed on the person's phone."""

    type_tag: ClassVar[str] = "app_installed"


@attrs.frozen(kw_only=True)
class AppLogin(PersonRecord):
    """The person logged in to the app on ``on``."""

    type_tag: ClassVar[str] = "app_login"
