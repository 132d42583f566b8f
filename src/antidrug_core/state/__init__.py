"""Derived state: pure functions from a person's records to what holds on a date."""

from __future__ import annotations

from antidrug_core.state.chemical_checks import Finding, FindingKind, check_unit, licences_valid_on
from antidrug_core.state.control import (
    app_installed_on,
    control_level_on,
    in_lost_contact_on,
    licence_unnotified_on,
    lost_contact_spells,
    overdue_measures,
    reassessment_reasons,
)
from antidrug_core.state.drug_tests import DueStatus, DueTest, due_tests, fulfilment
from antidrug_core.state.ledger import (
    ChemicalLedger,
    CountLine,
    Ledger,
    LedgerLine,
    balance_at_end_of,
    ledger_as_of,
    measure_problems,
    unit_division_on,
    unit_in_scope_on,
)
from antidrug_core.state.person_file import PersonFile, canonical_order, latest_on_or_before
from antidrug_core.state.places import (
    Places,
    TransferState,
    accepted_transfer_on,
    access_divisions,
    cooperating_divisions_on,
    places_on,
    responsible_division_on,
    transfers,
)
from antidrug_core.state.status import (
    ABSTINENCE_YEARS,
    Abstinence,
    abstinence,
    is_managed_on,
    measure_start,
    relapses,
    status_on,
)

__all__ = [
    "ABSTINENCE_YEARS",
    "Abstinence",
    "ChemicalLedger",
    "CountLine",
    "DueStatus",
    "DueTest",
    "Finding",
    "FindingKind",
    "Ledger",
    "LedgerLine",
    "PersonFile",
    "Places",
    "TransferState",
    "abstinence",
    "accepted_transfer_on",
    "access_divisions",
    "app_installed_on",
    "balance_at_end_of",
    "canonical_order",
    "check_unit",
    "control_level_on",
    "cooperating_divisions_on",
    "due_tests",
    "fulfilment",
    "in_lost_contact_on",
    "is_managed_on",
    "latest_on_or_before",
    "ledger_as_of",
    "licence_unnotified_on",
    "licences_valid_on",
    "lost_contact_spells",
    "measure_problems",
    "measure_start",
    "overdue_measures",
    "places_on",
    "reassessment_reasons",
    "relapses",
    "responsible_division_on",
    "status_on",
    "transfers",
    "unit_division_on",
    "unit_in_scope_on",
]
