"""Who acts: an actor has a role and a set of divisions.

Every read and write is made by an actor. Outside the actor's divisions a
person does not exist for it; within them, the role decides what it may do.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from antidrug_core.model.base import DivisionCode, division_code, non_empty
from antidrug_core.model.divisions import is_within
from antidrug_core.model.errors import InvalidInput

__all__ = ["ROLE_PERMISSIONS", "Actor", "Permission", "Role"]


class Permission(enum.StrEnum):
    """What a role allows."""

    READ = "read"
    """See people and records in scope (pseudonymised)."""
    WRITE = "write"
    """Record facts about people in scope."""
    CONFIRM_ASSESSMENT = "confirm_assessment"
    """Confirm a proposed risk level so that it takes effect."""
    SEE_IDENTITY = "see_identity"
    """See names and identity numbers (masked in named lists all the same)."""
    MANAGE = "manage"
    """Register people, transfer them, conclude their management, load datasets."""
    SEAL = "seal"
    """Seal a person's file by decision (封存), or unseal it (治安管理处罚法 art. 136)."""
    READ_SEALED = "read_sealed"
    """Read a sealed file, giving a reason; every such query is entered in the store's ledger."""


class Role(enum.StrEnum):
    """The people who do the work (GLOSSARY: 禁毒专干, 禁毒社工, 社区民警, 网格员) and auditors."""

    OFFICER = "officer"
    """禁毒专干."""
    SOCIAL_WORKER = "social_worker"
    """禁毒社工."""
    COMMUNITY_POLICE = "community_police"
    """社区民警."""
    GRID_WORKER = "grid_worker"
    """网格员."""
    AUDITOR = "auditor"
    """Checks figures; reads pseudonymised data only."""
    ADMINISTRATOR = "administrator"
    """Runs the installation: imports, migrations, exports."""


_SEALED = frozenset({Permission.SEAL, Permission.READ_SEALED})
"""Sealed files are out of routine work: only the administrator decides on them and reads them."""

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset(Permission) - _SEALED,
    Role.COMMUNITY_POLICE: frozenset(Permission) - _SEALED,
    Role.SOCIAL_WORKER: frozenset({Permission.READ, Permission.WRITE}),
    Role.GRID_WORKER: frozenset({Permission.READ, Permission.WRITE}),
    Role.AUDITOR: frozenset({Permission.READ}),
    Role.ADMINISTRATOR: frozenset(Permission),
}
"""The default permission of each role. A host with other rules passes its own
mapping to ``Actor.may``."""


def _divisions(value: Iterable[str]) -> frozenset[DivisionCode]:
    return frozenset(division_code(code) for code in value)


@attrs.frozen(kw_only=True)
class Actor:
    """Someone (or something) acting through the library."""

    id: str = attrs.field(validator=non_empty)
    """A stable id the host uses for this actor; it is written on every record made."""
    role: Role
    """What the actor may do."""
    divisions: frozenset[DivisionCode] = attrs.field(converter=_divisions, default=frozenset())
    """The divisions the actor works in; it sees everything below them too."""
    unrestricted: bool = False
    """Sees every division. For a script on its own SQLite file and for
    maintenance; a platform never gives this to a person."""

    def __attrs_post_init__(self) -> None:
        if not self.unrestricted and not self.divisions:
            raise InvalidInput.of("divisions", "an actor needs at least one division")

    @classmethod
    def local_administrator(cls, id: str = "local") -> Actor:
        """The actor a command-line user on their own database acts as."""
        return cls(id=id, role=Role.ADMINISTRATOR, unrestricted=True)

    def covers(self, code: str) -> bool:
        """Whether ``code`` lies within the actor's divisions."""
        return self.unrestricted or any(is_within(code, scope) for scope in self.divisions)

    def may(
        self,
        permission: Permission,
        permissions: Mapping[Role, frozenset[Permission]] = ROLE_PERMISSIONS,
    ) -> bool:
        """Whether the actor's role grants ``permission``."""
        return permission in permissions.get(self.role, frozenset())
