"""The in-memory store: the executable model of what every store must do.

It keeps everything in Python objects for the life of the process: the
streams, access sets, identities, divisions, the policy the records were
written under, and the same audit chain the SQL store keeps. Tests use it as
the reference back end, and the store contract suite
(``antidrug_core.testing``) runs against it first.
"""

from __future__ import annotations

from antidrug_core.plugins import hookimpl
from antidrug_core.ports import Recorder, StoreContext
from antidrug_memory.recorder import MemoryRecorder

__all__ = ["MemoryRecorder", "antidrug_open_recorder"]


@hookimpl
def antidrug_open_recorder(url: str, context: StoreContext) -> Recorder | None:
    """Open ``memory://`` URLs: a new, empty store each time."""
    if url.split("://", 1)[0] != "memory":
        return None
    return MemoryRecorder(url)
