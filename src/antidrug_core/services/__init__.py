"""Use cases: the verbs a host calls, each working on a unit of work.

Every verb takes the unit of work first, checks what it is given, stages
records, and returns what it made; the caller commits::

    with store.unit_of_work(actor) as uow:
        record_face_check(uow, person, on=day, method=FaceCheckMethod.HOME_VISIT)
        uow.commit()
"""

from __future__ import annotations

from antidrug_core.services.chemicals import (
    chemical_findings,
    complete_rectification,
    grant_licence,
    notify_overdue_rectifications,
    notify_unreported_losses,
    order_rectification,
    record_inspection,
    record_movement,
    record_stock_count,
    report_incident,
    revoke_licence,
    unit_ledger,
)
from antidrug_core.services.daily_work import (
    record_app_installed,
    record_app_login,
    record_care,
    record_face_check,
    record_follow_up,
    record_licence_found,
    record_licence_notified,
    report_lost_contact,
    restore_contact,
)
from antidrug_core.services.drug_tests import (
    OUTSTANDING,
    OutstandingTest,
    excuse_test,
    notify_overdue_tests,
    outstanding_tests,
    overdue_tests,
    record_test_result,
    schedule_tests,
)
from antidrug_core.services.jurisdiction import accept_transfer, reject_transfer, request_transfer
from antidrug_core.services.people import (
    change_activity,
    change_household,
    change_residence,
    change_status,
    conclude_abstinence,
    people_reaching_abstinence,
    record_relapse,
    record_serious_breach,
    register_person,
    void_record,
)
from antidrug_core.services.risk import (
    PendingAssessment,
    confirm_risk_assessment,
    control_level_as,
    explain_risk_assessment,
    propose_risk_level,
    set_control_level,
)
from antidrug_core.services.subjects import (
    change_organisation,
    change_unit,
    close_organisation,
    close_unit,
    register_organisation,
    register_unit,
    void_subject_record,
)
from antidrug_core.services.unit_of_work import UnitOfWork

__all__ = [
    "OUTSTANDING",
    "OutstandingTest",
    "PendingAssessment",
    "UnitOfWork",
    "accept_transfer",
    "change_activity",
    "change_household",
    "change_organisation",
    "change_residence",
    "change_status",
    "change_unit",
    "chemical_findings",
    "close_organisation",
    "close_unit",
    "complete_rectification",
    "conclude_abstinence",
    "confirm_risk_assessment",
    "control_level_as",
    "excuse_test",
    "explain_risk_assessment",
    "grant_licence",
    "notify_overdue_rectifications",
    "notify_overdue_tests",
    "notify_unreported_losses",
    "order_rectification",
    "outstanding_tests",
    "overdue_tests",
    "people_reaching_abstinence",
    "propose_risk_level",
    "record_app_installed",
    "record_app_login",
    "record_care",
    "record_face_check",
    "record_follow_up",
    "record_inspection",
    "record_licence_found",
    "record_licence_notified",
    "record_movement",
    "record_relapse",
    "record_serious_breach",
    "record_stock_count",
    "record_test_result",
    "register_organisation",
    "register_person",
    "register_unit",
    "reject_transfer",
    "report_incident",
    "report_lost_contact",
    "request_transfer",
    "restore_contact",
    "revoke_licence",
    "schedule_tests",
    "set_control_level",
    "unit_ledger",
    "void_record",
    "void_subject_record",
]
