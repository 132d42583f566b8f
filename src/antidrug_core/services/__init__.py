"""Use cases: the verbs a host calls, each working on a unit of work.

Every verb takes the unit of work first, checks what it is given, stages
records, and returns what it made; the caller commits::

    with store.unit_of_work(actor) as uow:
        record_face_check(uow, person, on=day, method=FaceCheckMethod.HOME_VISIT)
        uow.commit()
"""

from __future__ import annotations

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
    excuse_test,
    notify_overdue_tests,
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
from antidrug_core.services.prevention import (
    allocate_funding,
    assess_rating,
    enrol_volunteer,
    hold_activity,
    hold_meeting,
    hold_training,
    notify_plants_not_destroyed,
    record_letters,
    record_plants_destroyed,
    record_plants_found,
    release_volunteer,
    set_leading_group,
    survey_land,
)
from antidrug_core.services.risk import (
    PendingAssessment,
    confirm_risk_assessment,
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
    "PendingAssessment",
    "UnitOfWork",
    "accept_transfer",
    "allocate_funding",
    "assess_rating",
    "change_activity",
    "change_household",
    "change_organisation",
    "change_residence",
    "change_status",
    "change_unit",
    "close_organisation",
    "close_unit",
    "conclude_abstinence",
    "confirm_risk_assessment",
    "enrol_volunteer",
    "excuse_test",
    "hold_activity",
    "hold_meeting",
    "hold_training",
    "notify_overdue_tests",
    "notify_plants_not_destroyed",
    "overdue_tests",
    "people_reaching_abstinence",
    "propose_risk_level",
    "record_app_installed",
    "record_app_login",
    "record_care",
    "record_face_check",
    "record_follow_up",
    "record_letters",
    "record_licence_found",
    "record_licence_notified",
    "record_plants_destroyed",
    "record_plants_found",
    "record_relapse",
    "record_serious_breach",
    "record_test_result",
    "register_organisation",
    "register_person",
    "register_unit",
    "reject_transfer",
    "release_volunteer",
    "report_lost_contact",
    "request_transfer",
    "restore_contact",
    "schedule_tests",
    "set_control_level",
    "set_leading_group",
    "survey_land",
    "void_record",
    "void_subject_record",
]
