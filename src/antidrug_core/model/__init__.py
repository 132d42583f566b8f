"""Records and value objects: the vocabulary of the library.

This package is stdlib and attrs only, and imports nothing else of
``antidrug_core``: it is the part every other part stands on.
"""

from __future__ import annotations

from collections.abc import Mapping

from antidrug_core.model.actors import ROLE_PERMISSIONS, Actor, Permission, Role
from antidrug_core.model.app import AppInstalled, AppLogin
from antidrug_core.model.base import (
    DivisionCode,
    PersonId,
    Record,
    RecordId,
    RecordVoided,
    division_code,
)
from antidrug_core.model.care import CareMeasure, CareProvided
from antidrug_core.model.contact import (
    ContactRestored,
    FaceCheck,
    FaceCheckMethod,
    FollowUp,
    FollowUpMethod,
    LostContact,
)
from antidrug_core.model.divisions import Division, DivisionTree, ancestors, is_within, level_of, parent_code
from antidrug_core.model.drug_tests import TestDone, TestDue, TestExcused, TestKind, TestResult
from antidrug_core.model.errors import (
    AntidrugError,
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Problem,
    StoreUnavailable,
)
from antidrug_core.model.jurisdiction import TransferAccepted, TransferRejected, TransferRequested
from antidrug_core.model.licences import LicenceFound, LicenceNotified
from antidrug_core.model.notices import Notice, NoticeKind
from antidrug_core.model.people import (
    ACTIVE_STATUSES,
    ActivityChanged,
    HouseholdChanged,
    PersonRegistered,
    RelapseFound,
    ResidenceChanged,
    SeriousBreach,
    SeriousBreachKind,
    Status,
    StatusChanged,
    registration_id,
)
from antidrug_core.model.risk import ControlLevelSet, FactorValue, LevelMark, RiskAssessed, RiskLevel

RECORD_TYPES: Mapping[str, type[Record]] = {
    cls.type_tag: cls
    for cls in (
        PersonRegistered,
        StatusChanged,
        ResidenceChanged,
        HouseholdChanged,
        ActivityChanged,
        TransferRequested,
        TransferAccepted,
        TransferRejected,
        FaceCheck,
        FollowUp,
        RiskAssessed,
        ControlLevelSet,
        CareProvided,
        TestDue,
        TestDone,
        TestExcused,
        LostContact,
        ContactRestored,
        AppInstalled,
        AppLogin,
        LicenceFound,
        LicenceNotified,
        RelapseFound,
        SeriousBreach,
        RecordVoided,
    )
}
"""Every record type by its stable tag. A new record type is added here, once."""

__all__ = [
    "ACTIVE_STATUSES",
    "RECORD_TYPES",
    "ROLE_PERMISSIONS",
    "ActivityChanged",
    "Actor",
    "AntidrugError",
    "AppInstalled",
    "AppLogin",
    "CareMeasure",
    "CareProvided",
    "ConcurrencyConflict",
    "ContactRestored",
    "ControlLevelSet",
    "Division",
    "DivisionCode",
    "DivisionTree",
    "FaceCheck",
    "FaceCheckMethod",
    "FactorValue",
    "FollowUp",
    "FollowUpMethod",
    "HouseholdChanged",
    "InvalidInput",
    "LevelMark",
    "LicenceFound",
    "LicenceNotified",
    "LostContact",
    "NotFound",
    "Notice",
    "NoticeKind",
    "Permission",
    "PermissionDenied",
    "PersonId",
    "PersonRegistered",
    "Problem",
    "Record",
    "RecordId",
    "RecordVoided",
    "RelapseFound",
    "ResidenceChanged",
    "RiskAssessed",
    "RiskLevel",
    "Role",
    "SeriousBreach",
    "SeriousBreachKind",
    "Status",
    "StatusChanged",
    "StoreUnavailable",
    "TestDone",
    "TestDue",
    "TestExcused",
    "TestKind",
    "TestResult",
    "TransferAccepted",
    "TransferRejected",
    "TransferRequested",
    "ancestors",
    "division_code",
    "is_within",
    "level_of",
    "parent_code",
    "registration_id",
]
