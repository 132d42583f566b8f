"""Test support for the library and for hosts: the store contract, fakes, strategies.

Needs the ``dev`` extras (pytest, hypothesis). Nothing in the library
imports this package.
"""

from __future__ import annotations

from antidrug_core.testing.contract import (
    AuditChainContract,
    BulkLoadContract,
    PersistentStoreContract,
    RetentionContract,
    StoreContract,
    open_memory_store,
    verification_problems,
)
from antidrug_core.testing.fakes import FixedClock, RecordingNotifier, SequentialIds, at
from antidrug_core.testing.history import History
from antidrug_core.testing.sample import every_person_record_type, every_record_type
from antidrug_core.testing.sealing import SealingContract

__all__ = [
    "AuditChainContract",
    "BulkLoadContract",
    "FixedClock",
    "History",
    "PersistentStoreContract",
    "RecordingNotifier",
    "RetentionContract",
    "SealingContract",
    "SequentialIds",
    "StoreContract",
    "at",
    "every_person_record_type",
    "every_record_type",
    "open_memory_store",
    "verification_problems",
]
