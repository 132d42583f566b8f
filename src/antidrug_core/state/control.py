"""Graded control, contact, the app and driving licences on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from antidrug_core.model import (
    AppInstalled,
    ContactRestored,
    ControlLevelSet,
    FaceCheck,
    FollowUp,
    LicenceFound,
    LicenceNotified,
    LostContact,
    Record,
    RelapseFound,
    ResidenceChanged,
    RiskAssessed,
    RiskLevel,
    SeriousBreach,
    StatusChanged,
    TestDone,
    TestResult,
)
from antidrug_core.rules.control import DEFAULT_CONTROL_MEASURES, ControlMeasures
from antidrug_core.state.person_file import PersonFile, canonical_order, latest_on_or_before

__all__ = [
    "app_installed_on",
    "control_level_on",
    "in_lost_contact_on",
    "licence_unnotified_on",
    "lost_contact_spells",
    "overdue_measures",
    "reassessment_reasons",
]


def control_level_on(file: PersonFile, day: dt.date) -> RiskLevel | None:
    """The control level in effect on ``day``: set by the latest assessment or level record."""
    setters: list[RiskAssessed | ControlLevelSet] = sorted(
        (*file.of_type(RiskAssessed), *file.of_type(ControlLevelSet)), key=canonical_order
    )
    latest = latest_on_or_before(setters, day)
    return latest.level if latest else None


def lost_contact_spells(file: PersonFile) -> list[tuple[dt.date, dt.date | None]]:
    """Each spell of lost contact as (lost on, restored on or None), in date order."""
    spells: list[tuple[dt.date, dt.date | None]] = []
    events = sorted((*file.of_type(LostContact), *file.of_type(ContactRestored)), key=canonical_order)
    lost: dt.date | None = None
    for event in events:
        if isinstance(event, LostContact) and lost is None:
            lost = event.on
        elif isinstance(event, ContactRestored) and lost is not None:
            spells.append((lost, event.on))
            lost = None
    if lost is not None:
        spells.append((lost, None))
    return spells


def in_lost_contact_on(file: PersonFile, day: dt.date) -> bool:
    """Whether the person is in lost contact (脱失) on ``day``."""
    return any(lost <= day and (found is None or found > day) for lost, found in lost_contact_spells(file))


def app_installed_on(file: PersonFile, day: dt.date) -> bool:
    """Whether the rehabilitation app was installed on or before ``day``."""
    return any(record.on <= day for record in file.of_type(AppInstalled))


def licence_unnotified_on(file: PersonFile, day: dt.date) -> bool:
    """A known licence holder whom the traffic authority has not been told about by ``day``."""
    found = any(record.on <= day for record in file.of_type(LicenceFound))
    notified = any(record.on <= day for record in file.of_type(LicenceNotified))
    return found and not notified


_CHANGES_THAT_NEED_REASSESSMENT: tuple[type[Record], ...] = (
    StatusChanged,
    ResidenceChanged,
    LostContact,
    ContactRestored,
    RelapseFound,
    SeriousBreach,
)


def reassessment_reasons(
    file: PersonFile,
    day: dt.date,
    measures: Mapping[RiskLevel, ControlMeasures] = DEFAULT_CONTROL_MEASURES,
) -> list[str]:
    """Why the person should be re-assessed on ``day``; empty when they need not be.

    Circumstances change (对现实情况发生变化的已列管对象，及时调整管控等级):
    a status or residence change, lost or regained contact, a relapse or a
    serious breach after the last assessment, or the assessment is older than
    its level allows.
    """
    assessments = [a for a in file.of_type(RiskAssessed) if a.on <= day]
    if not assessments:
        return ["尚未评估"]
    last = assessments[-1]
    reasons: list[str] = []
    for record in file.records:
        if last.on < record.on <= day and (
            isinstance(record, _CHANGES_THAT_NEED_REASSESSMENT)
            or (isinstance(record, TestDone) and record.result is TestResult.POSITIVE)
        ):
            reasons.append(f"{record.on} {record.type_tag}")
    level = control_level_on(file, day) or last.level
    if (day - last.on).days > measures[level].reassess_every_days:
        reasons.append(f"评估已超过 {measures[level].reassess_every_days} 天")
    return reasons


def overdue_measures(
    file: PersonFile,
    day: dt.date,
    measures: Mapping[RiskLevel, ControlMeasures] = DEFAULT_CONTROL_MEASURES,
) -> list[str]:
    """The control measures of the person's level not met by ``day`` (empty when all are)."""
    level = control_level_on(file, day)
    if level is None:
        return []
    rule = measures[level]
    due: list[str] = []
    for cls, every, name in (
        (FaceCheck, rule.face_check_every_days, "face_check"),
        (FollowUp, rule.follow_up_every_days, "follow_up"),
    ):
        last = latest_on_or_before(file.of_type(cls), day)
        if last is None or (day - last.on).days > every:
            due.append(name)
    return due
