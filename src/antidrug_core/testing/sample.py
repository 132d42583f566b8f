"""Streams that hold one record of every type, valid together: a person's, a unit's, an organisation's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
    FileSealed,
    FileUnsealed,
    FollowUp,
    FollowUpMethod,
    HouseholdChanged,
    LicenceFound,
    LicenceNotified,
    LostContact,
    OrganisationChanged,
    OrganisationClosed,
    OrganisationId,
    OrganisationKind,
    OrganisationRegistered,
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
    UnitChanged,
    UnitClosed,
    UnitId,
    UnitRegistered,
    UnitRole,
    registration_id,
    subject_registration_id,
)
from antidrug_core.model.base import SubjectId, SubjectKind
from antidrug_core.model.prevention import (
    ActivityHeld,
    FundingAllocated,
    ItemScore,
    LeadingGroupSet,
    LetterKind,
    LettersSigned,
    MeetingHeld,
    MeetingKind,
    PlantsDestroyed,
    PlantsFound,
    PlantSpecies,
    RatingAssessed,
    SurveyConducted,
    TrainingHeld,
    VolunteerJoined,
    VolunteerLeft,
)
from antidrug_core.testing.chemicals import add_chemical_records
from antidrug_core.testing.fakes import at

__all__ = ["SampleStream", "every_person_record_type", "every_record_type", "every_subject_record_type"]


class SampleStream:
    """Builds one subject's records in the order they happened, each recorded on its own day."""

    def __init__(self, kind: SubjectKind, subject: SubjectId) -> None:
        self.kind, self.subject = kind, subject
        self.records: list[Record] = []

    def add(self, cls: type[Record], day: str, **fields: Any) -> RecordId:
        """Append a ``cls`` record dated ``day`` and return its id."""
        record_id = RecordId(fields.pop("id", f"{self.subject}-{len(self.records) + 1}"))
        build: Any = cls
        self.records.append(
            build(
                id=record_id,
                on=dt.date.fromisoformat(day),
                recorded_at=at(day, 10 + len(self.records) % 8),
                recorded_by="sample",
                **{self.kind.value: self.subject},
                **fields,
            )
        )
        return record_id


def every_subject_record_type(
    unit: UnitId, organisation: OrganisationId, home: str, elsewhere: str
) -> tuple[list[Record], list[Record]]:
    """A unit's and an organisation's records covering every record type of theirs."""
    home_code, other_code = DivisionCode(home), DivisionCode(elsewhere)
    units = SampleStream(SubjectKind.UNIT, unit)
    units.add(
        UnitRegistered,
        "2022-01-03",
        id=subject_registration_id(unit),
        name="某化工有限公司",
        division=home_code,
        roles=frozenset({UnitRole.USE}),
        uscc="91350100M000100Y43",
        since=dt.date(2020, 3, 1),
    )
    renamed = units.add(UnitChanged, "2022-02-01", name="某化工股份有限公司")
    units.add(UnitChanged, "2022-02-01", name="某化工科技有限公司", voids=renamed)
    moved = units.add(UnitChanged, "2022-03-01", division=other_code)
    units.add(RecordVoided, "2022-03-02", voids=moved, reason="录入错误")
    add_chemical_records(units.add, unit)
    units.add(UnitClosed, "2022-12-31")
    organisations = SampleStream(SubjectKind.ORGANISATION, organisation)
    organisations.add(
        OrganisationRegistered,
        "2022-01-03",
        id=subject_registration_id(organisation),
        name="某县应急管理局",
        kind=OrganisationKind.DEPARTMENT,
        division=DivisionCode(home[:6]),
    )
    organisations.add(OrganisationChanged, "2022-06-01", name="某县应急管理局（合署）")
    organisations.add(
        LeadingGroupSet, "2022-01-10", leader="局长", deputies=("副局长",), members=8, office=True
    )
    organisations.add(
        LettersSigned, "2022-01-20", kind=LetterKind.COMMITMENT, count=6, counterparts=("某化工有限公司",)
    )
    organisations.add(FundingAllocated, "2022-02-01", amount=Decimal("12000.50"), purpose="禁毒宣传")
    organisations.add(MeetingHeld, "2022-02-15", kind=MeetingKind.DEPLOYMENT, participants=20)
    organisations.add(
        ActivityHeld,
        "2022-06-26",
        theme="6·26国际禁毒日宣传",
        channels=("community", "school"),
        key_date="0626",
        division=home_code,
        sessions=2,
        reach=1200,
        materials=3000,
        banners=10,
        posters=40,
        vehicles=2,
        volunteers=15,
    )
    organisations.add(VolunteerJoined, "2022-03-01", volunteer="V1")
    organisations.add(VolunteerLeft, "2022-09-01", volunteer="V1")
    organisations.add(TrainingHeld, "2022-04-01", topic="易制毒化学品管理", participants=30)
    organisations.add(
        SurveyConducted, "2022-05-10", division=home_code, area_mu=Decimal("350.5"), personnel=12
    )
    found = organisations.add(
        PlantsFound, "2022-05-10", division=other_code, species=PlantSpecies.POPPY, plants=37
    )
    organisations.add(PlantsDestroyed, "2022-05-11", found=found)
    organisations.add(
        RatingAssessed,
        "2022-11-30",
        scheme="example_star@1",
        scores=(ItemScore("organisation", Decimal(20)),),
    )
    organisations.add(OrganisationClosed, "2022-12-31")
    return units.records, organisations.records


def every_person_record_type(person: PersonId, home: str, elsewhere: str) -> list[Record]:
    """Records of ``person`` covering every person record type, in the order they happened."""
    home_code, other_code = DivisionCode(home), DivisionCode(elsewhere)
    stream = SampleStream(SubjectKind.PERSON, person)
    made = stream.records
    add = stream.add

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
    # Sealed and opened again the next day: the file holds both decisions and is open.
    add(FileSealed, "2022-11-01", basis="治安管理处罚法第一百三十六条", reason="依申请封存")
    add(FileUnsealed, "2022-11-02", basis="戒毒条例第七条", reason="复查需要")
    return made


def every_record_type(
    home: str,
    elsewhere: str,
    *,
    person: PersonId = "P9",
    unit: UnitId = "U9",
    organisation: OrganisationId = "O9",
) -> dict[SubjectId, list[Record]]:
    """Three streams, a person's, a unit's and an organisation's, that together hold every record type."""
    units, organisations = every_subject_record_type(unit, organisation, home, elsewhere)
    return {
        person: every_person_record_type(person, home, elsewhere),
        unit: units,
        organisation: organisations,
    }
