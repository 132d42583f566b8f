"""Every hook a plugin can implement, grouped by what it is for.

The project name is ``antidrug_core``; plugins are modules or objects with
functions marked ``@hookimpl`` (``from antidrug_core.plugins import
hookimpl``), found through the ``antidrug_core`` entry-point group or
registered by a host. Hooks marked *first result* stop at the first plugin
that returns something other than None ("first non-None result wins").

Every hook here is documented in ``docs/hooks.md``; a test fails when one is
not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from antidrug_core.model import Notice
    from antidrug_core.ports import Recorder, StoreContext
    from antidrug_core.rules import RuleRegistry

__all__ = ["hookspec"]

hookspec = pluggy.HookspecMarker("antidrug_core")


# --- Storage ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def antidrug_open_recorder(url: str, context: StoreContext) -> Recorder | None:
    """Open the storage for ``url`` if this plugin handles its scheme.

    First result wins. Return None for a URL you do not handle, so the next
    plugin can; raise ``StoreUnavailable`` (naming the URL with its password
    masked, and what to install or check) for one you handle but cannot open.

    Args:
        url: A store URL: ``memory://``, ``sqlite:///path``,
            ``postgresql+psycopg://…``, ``mysql+pymysql://…``.
        context: What the store may need from the host (the identity key).
    """


@hookspec(firstresult=True)
def antidrug_identity_key() -> bytes | None:
    """Supply the 32-byte key that encrypts identities at rest.

    First result wins. A platform returns its key from its own key
    management; the key is never stored in the database. Return None to let
    the store fall back to its documented environment variable.
    """


# --- Notices ------------------------------------------------------------------------------


@hookspec
def antidrug_deliver_notice(notice: Notice) -> None:
    """Deliver a notice (licence holder found, test overdue, lost contact,
    transfer waiting, ledger mismatch …) to the people who act on it.

    Called for every plugin, only after the unit of work that caused the
    notice has committed, so nobody is told of something that did not happen.
    A notice carries pseudonymous ids only.
    """


# --- Rules --------------------------------------------------------------------------------


@hookspec
def antidrug_register_rules(registry: RuleRegistry) -> None:
    """Add or replace local rules: test schedules per division, risk rule
    sets, level schemes, control measures. Called once when a store opens."""
