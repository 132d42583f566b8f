"""``antidrug keys rotate``: move a store's identities to a new key.

A key is rotated when it may have leaked, when an officer who held it
leaves, or on the schedule the platform's key policy sets. The store does
the work (``KeyRotatingRecorder``); the command finds the new key (the
host's ``antidrug_new_identity_key`` hook, else ``ANTIDRUG_NEW_IDENTITY_KEY``)
and says what to do next.
"""

from __future__ import annotations

import argparse
from typing import Any

from antidrug_core.commands.common import add_db_option, open_cli_store
from antidrug_core.model import StoreUnavailable
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import KeyRotatingRecorder

__all__ = ["register", "run_rotate"]


def register(subparsers: Any) -> None:
    """Add ``keys rotate``."""
    keys: argparse.ArgumentParser = subparsers.add_parser("keys", help="manage the identity key")
    actions = keys.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)
    rotate: argparse.ArgumentParser = actions.add_parser(
        "rotate",
        help="re-encrypt every identity and rebuild the blind index under a new key (resumable)",
        description=(
            "Re-encrypt names and identity numbers under the new key (antidrug_new_identity_key hook, "
            "or ANTIDRUG_NEW_IDENTITY_KEY) a batch per transaction. Safe to stop at any point: run it "
            "again with the same keys to finish. Afterwards give the store the new key."
        ),
    )
    add_db_option(rotate)
    rotate.set_defaults(run=run_rotate)


def run_rotate(args: argparse.Namespace) -> int:
    """Rotate the store's identity key."""
    from_host = make_plugin_manager().hook.antidrug_new_identity_key()
    with open_cli_store(args, create=False) as store:
        recorder = store.recorder
        if not isinstance(recorder, KeyRotatingRecorder):
            raise StoreUnavailable(f"{store.url}: this store keeps no encrypted identities")
        new_key = recorder.new_identity_key(from_host)
        done = recorder.rotate_identity_key(new_key)
    if done.identities is None:
        print(f"{store.url}: no identities to rotate (none stored, or already under the new key)")
        return 0
    print(
        f"{store.url}: {done.identities} identities are under the new key ({done.rotated} re-encrypted now); "
        "from now on give the store the new key (ANTIDRUG_IDENTITY_KEY or the antidrug_identity_key hook)"
    )
    return 0
