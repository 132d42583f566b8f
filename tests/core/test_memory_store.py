"""The in-memory store passes the store contract."""

from __future__ import annotations

from typing import Any

from antidrug_core.store import Store
from antidrug_core.testing import AuditChainContract, RetentionContract, SealingContract, open_memory_store


class TestMemoryStore(AuditChainContract, RetentionContract, SealingContract):
    def open_empty_store(self, **options: Any) -> Store:
        return open_memory_store(**options)
