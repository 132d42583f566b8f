"""A person file that holds one record of every type, valid together."""

from __future__ import annotations

import datetime as dt
from typing import Any

from antidrug_core.model import (
    ActivityChanged,
    AppInstalled,
    AppLogin,
    CareMeasure,
    CareProvided,
    ContactRestored,
    ControlLevelSet,
    DivisionCode,
    FaceCheck,
    FaceCheckMethod,
    FactorValue,
    FollowUp,
    FollowUpMethod,
    HouseholdChanged,
    LicenceFound,
    LicenceNotified,
    LostContact,
    PersonId,
    PersonRegistered,
    Record,
    RecordId,
    RecordVoided,
    RelapseFound,
    ResidenceChanged,
    RiskAssessed,
    RiskLevel,
    SeriousBreach,
    SeriousBreachKind,
    Status,
    StatusChanged,
    TestDone,
    TestDue,
    TestExcused,
    TestKind,
    TestResult,
    TransferAccepted,
    TransferRejected,
    TransferRequested,
    registration_id,
)
from antidrug_core.testing.fakes import at

__all__ = ["every_record_type"]


def every_record_type(person: PersonId, home: str, elsewhere: str) -> list[Record]:
    """Records of ``person`` covering every record type, in the order they happened."""
    home_code, other_code = DivisionCode(home), DivisionCode(elsewhere)
    made: list[Record] = []

    def add(cls: type[Record], day: str, **fields: Any) -> RecordId:
        record_id = RecordId(fields.pop("id", f"{person}-{len(made) + 1}"))
        made.append(
            cls(
                id=record_id,
                person=person,
                on=dt.date.fromisoformat(day),
                recorded_at=at(day, 10 + len(made) % 8),
                recorded_by="sample",
                **fields,
            )
        )
        return record_id

    add(PersonRegistered, "2022-01-03", id=registration_id(person), household=home_code, residence=home_code)
    add(StatusChanged, "2022-01-03", status=Status.COMMUNITY_DETOX)
    add(HouseholdChanged, "2022-02-01", household=home_code)
    add(ActivityChanged, "2022-02-01", activity=other_code)
    add(RiskAssessed, "2022-02-10", level=RiskLevel.MEDIUM, factors=(FactorValue("work", "stable"),))
    add(ControlLevelSet, "2022-03-01", level=RiskLevel.HIGH, reason="复吸风险上升")
    add(FollowUp, "2022-03-02", method=FollowUpMethod.PHONE)
    check = add(FaceCheck, "2022-03-05", method=FaceCheckMethod.HOME_VISIT, note="在家")
    add(FaceCheck, "2022-03-05", method=FaceCheckMethod.VIDEO_CALL, voids=check)
    mistaken = add(CareProvided, "2022-03-06", measure=CareMeasure.COUNSELLING)
    add(RecordVoided, "2022-03-07", voids=mistaken, reason="录入错误")
    due = add(TestDue, "2022-04-01", kind=TestKind.URINE)
    add(TestDone, "2022-04-02", kind=TestKind.URINE, result=TestResult.NEGATIVE, due=due)
    excused = add(TestDue, "2022-05-01", kind=TestKind.HAIR, division=other_code)
    add(TestExcused, "2022-05-01", due=excused, reason="住院")
    add(LostContact, "2022-06-01")
    add(ContactRestored, "2022-06-20")
    add(AppInstalled, "2022-07-01")
    add(AppLogin, "2022-07-02")
    add(LicenceFound, "2022-07-03")
    add(LicenceNotified, "2022-07-04")
    add(RelapseFound, "2022-08-01")
    add(SeriousBreach, "2022-08-02", kind=SeriousBreachKind.AWAY_30_DAYS)
    rejected = add(TransferRequested, "2022-09-01", from_division=home_code, to_division=other_code)
    add(TransferRejected, "2022-09-03", request=rejected, reason="未在本地居住")
    add(ResidenceChanged, "2022-10-01", residence=other_code)
    accepted = add(TransferRequested, "2022-10-02", from_division=home_code, to_division=other_code)
    add(TransferAccepted, "2022-10-05", request=accepted)
    return made
