"""Wiring: the one place that reads the wall clock and discovers plugins.

Nothing here runs at import time; a host calls ``open_store`` when it wants
a store, and gets one with its own plugin manager.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import pluggy

from antidrug_core.clock import Clock
from antidrug_core.model import StoreUnavailable
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import StoreContext
from antidrug_core.rules import Policy, RuleRegistry, Rules
from antidrug_core.store import Store

__all__ = ["SystemClock", "load_rules", "mask_url", "open_store"]


class SystemClock:
    """The wall clock, time-zone aware (UTC; dates are localised where they are taken)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print and log."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _at, host = rest.rpartition("@")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


def load_rules(plugins: pluggy.PluginManager) -> Rules:
    """Collect the rules every plugin registers."""
    registry = RuleRegistry()
    plugins.hook.antidrug_register_rules(registry=registry)
    return registry.build()


def open_store(
    url: str = "memory://",
    *,
    clock: Clock | None = None,
    policy: Policy | None = None,
    plugins: pluggy.PluginManager | None = None,
    extra_plugins: Iterable[object] = (),
    ids: Callable[[], str] | None = None,
    create: bool = True,
    processes: bool = False,
) -> Store:
    """Open the store at ``url`` through the storage hook.

    Args:
        url: ``memory://``, ``sqlite:///path``, ``postgresql+psycopg://…`` or
            ``mysql+pymysql://…``; whichever installed plugin handles it.
        clock: The clock records are stamped with; the wall clock by default.
        policy: Responsibility, test window, time zone. None: the policy the
            store keeps, or the default for a store that keeps none yet. A
            store keeps the policy its first records are written under, and
            refuses another one.
        plugins: A plugin manager to use as is; by default a new one with the
            installed plugins and ``extra_plugins``.
        extra_plugins: Plugin objects to register in the new manager.
        ids: Where record ids come from (UUIDs by default).
        create: Let the store create its schema if the database is empty.
        processes: Let the store start processes of its own to read (``StoreContext.processes``):
            for the library's own processes (the command line), never inside a host's call.

    Raises:
        StoreUnavailable: no plugin handles the URL, or the store could not open.
        InvalidInput: ``policy`` is not the one the store keeps (naming both).
    """
    manager = plugins or make_plugin_manager(plugins=extra_plugins)
    context = StoreContext(
        identity_key=lambda: manager.hook.antidrug_identity_key(), create=create, processes=processes
    )
    recorder = manager.hook.antidrug_open_recorder(url=url, context=context)
    if recorder is None:
        scheme = url.partition("://")[0] or url
        raise StoreUnavailable(
            f"{mask_url(url)}: no installed plugin opens {scheme!r} URLs "
            "(memory:// and sqlite:/// come with antidrug-core; "
            "postgresql and mysql need its [postgresql] or [mysql] extra)"
        )
    extra = {"ids": ids} if ids is not None else {}
    try:
        return Store(
            recorder,
            plugins=manager,
            clock=clock or SystemClock(),
            policy=policy,
            rules=load_rules(manager),
            **extra,
        )
    except BaseException:
        recorder.close()
        raise
