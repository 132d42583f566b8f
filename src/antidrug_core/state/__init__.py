"""Derived state: pure functions from a person's records to what holds on a date."""

from __future__ import annotations

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
from antidrug_core.state.person_file import PersonFile, SubjectFile, canonical_order, latest_on_or_before
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
from antidrug_core.state.subjects import (
    FILE_TYPES,
    OrganisationFile,
    OrganisationState,
    UnitFile,
    UnitState,
    build_file,
    organisation_on,
    subject_access,
    unit_in_scope_on,
    unit_on,
)

__all__ = [
    "ABSTINENCE_YEARS",
    "FILE_TYPES",
    "Abstinence",
    "DueStatus",
    "DueTest",
    "OrganisationFile",
    "OrganisationState",
    "PersonFile",
    "Places",
    "SubjectFile",
    "TransferState",
    "UnitFile",
    "UnitState",
    "abstinence",
    "accepted_transfer_on",
    "access_divisions",
    "app_installed_on",
    "build_file",
    "canonical_order",
    "control_level_on",
    "cooperating_divisions_on",
    "due_tests",
    "fulfilment",
    "in_lost_contact_on",
    "is_managed_on",
    "latest_on_or_before",
    "licence_unnotified_on",
    "lost_contact_spells",
    "measure_start",
    "organisation_on",
    "overdue_measures",
    "places_on",
    "reassessment_reasons",
    "relapses",
    "responsible_division_on",
    "status_on",
    "subject_access",
    "transfers",
    "unit_in_scope_on",
    "unit_on",
]
