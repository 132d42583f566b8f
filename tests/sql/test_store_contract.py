"""The store contract passes on SQLite, PostgreSQL and MariaDB, each in a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from antidrug_core.bootstrap import open_store
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.store import Store
from antidrug_core.testing import (
    AuditChainContract,
    BulkLoadContract,
    PersistentStoreContract,
    RetentionContract,
    SealingContract,
)


class SqlStoreContract(
    AuditChainContract, BulkLoadContract, PersistentStoreContract, RetentionContract, SealingContract
):
    engine_name = "sqlite"

    @pytest.fixture(autouse=True)
    def _fresh_databases(self, make_databases: Callable[[str], Any], host_key: Callable[[], Any]) -> None:
        self.databases = make_databases(self.engine_name)
        self.host_key = host_key()

    def open_empty_store(self, **options: Any) -> Store:
        return self._open(self.databases.new(), **options)

    def _open(self, url: str, **options: Any) -> Store:
        plugins = options.pop("plugins", None) or make_plugin_manager()
        if not plugins.is_registered(self.host_key):
            plugins.register(self.host_key)
        return open_store(url, plugins=plugins, **options)

    def reopen_factory(self) -> Callable[[], Store]:
        url = self.databases.new()
        return lambda: self._open(url)


class TestSqliteStore(SqlStoreContract):
    engine_name = "sqlite"


class TestPostgresqlStore(SqlStoreContract):
    engine_name = "postgresql"


class TestMysqlStore(SqlStoreContract):
    engine_name = "mysql"
