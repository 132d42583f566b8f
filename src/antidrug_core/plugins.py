"""The plugin manager: built-in plugins plus those found through entry points.

An embeddable library makes one plugin manager per store, never one per
process at import time: two stores in one host may run different plugins.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

import pluggy

from antidrug_core import hookspecs

__all__ = ["BUILTIN_PLUGINS", "ENTRY_POINT_GROUP", "PROJECT", "hookimpl", "make_plugin_manager"]

PROJECT = "antidrug_core"
ENTRY_POINT_GROUP = "antidrug_core"
"""The entry-point group plugin distributions register under."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a function as a hook implementation."""

BUILTIN_PLUGINS: tuple[str, ...] = ("antidrug_core.indicators.catalogue",)
"""Core modules that implement hooks, registered before entry points so that
built-in behaviour goes through the same path as any plugin's."""


def make_plugin_manager(
    *,
    plugins: Iterable[object] = (),
    entry_points: bool = True,
) -> pluggy.PluginManager:
    """A fresh plugin manager.

    Args:
        plugins: Extra plugin objects or modules, registered after the
            built-ins and entry points, so they are called first (pluggy calls
            the latest registered first) and win first-result hooks.
        entry_points: Load installed plugins from the ``antidrug_core``
            entry-point group. Tests that want an exact set pass False.
    """
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        manager.register(importlib.import_module(name), name=name)
    if entry_points:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in plugins:
        manager.register(plugin)
    return manager
