"""antidrug_core: an embeddable library for grassroots anti-drug work (禁毒工作).

Everything that happens is a dated, append-only record; state, indicators and
reports are pure functions of the records. Open a store, act through units
of work, read derived state::

    import antidrug_core as ad

    store = ad.open_store("memory://")
    officer = ad.Actor(id="u1", role=ad.Role.OFFICER, divisions={"522631101"})
    with store.unit_of_work(officer) as uow:
        person = ad.services.register_person(uow, household="522631101", on=day)
        uow.commit()

Importing this package reads no settings, opens nothing and loads no plugin.
"""

from __future__ import annotations

from antidrug_core import model, rules, services, state
from antidrug_core.bootstrap import open_store
from antidrug_core.clock import Clock, FixedClock
from antidrug_core.converter import record_from_data, record_to_data
from antidrug_core.identity import Identity
from antidrug_core.interchange import Dataset, read_dataset, write_dataset
from antidrug_core.model import (
    Actor,
    AntidrugError,
    ConcurrencyConflict,
    Division,
    InvalidInput,
    NotFound,
    Notice,
    NoticeKind,
    PermissionDenied,
    Problem,
    Record,
    Role,
    Status,
    StoreUnavailable,
)
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.services import UnitOfWork
from antidrug_core.state import PersonFile
from antidrug_core.store import Store

__version__ = "0.1.0"

__all__ = [
    "Actor",
    "AntidrugError",
    "Clock",
    "ConcurrencyConflict",
    "Dataset",
    "Division",
    "FixedClock",
    "Identity",
    "InvalidInput",
    "NotFound",
    "Notice",
    "NoticeKind",
    "PermissionDenied",
    "PersonFile",
    "Policy",
    "Problem",
    "Record",
    "Responsibility",
    "Role",
    "Status",
    "Store",
    "StoreUnavailable",
    "UnitOfWork",
    "__version__",
    "hookimpl",
    "make_plugin_manager",
    "model",
    "open_store",
    "read_dataset",
    "record_from_data",
    "record_to_data",
    "rules",
    "services",
    "state",
    "write_dataset",
]
