"""Care and assistance (关爱帮扶)."""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from antidrug_core.model.base import PersonRecord, one_of

__all__ = ["CareMeasure", "CareProvided"]


class CareMeasure(enum.StrEnum):
    """The kinds of help the summaries report."""

    EMPLOYMENT_GUIDANCE = "employment_guidance"
    """职业指导 / 就业帮扶."""
    COUNSELLING = "counselling"
    """心理疏导."""
    MEDICAL_INSURANCE = "medical_insurance"
    """医疗保险."""
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance"
    """失业保险."""
    SUBSISTENCE_ALLOWANCE = "subsistence_allowance"
    """低保."""
    SKILLS_TRAINING = "skills_training"
    """技能培训."""
    MINOR_ASSISTANCE = "minor_assistance"
    """未成年子女关爱救助."""
    OTHER = "other"


def _care_measure(value: object) -> CareMeasure:
    return one_of(CareMeasure, value, "measure")


@attrs.frozen(kw_only=True)
class CareProvided(PersonRecord):
    """A care measure given on ``on``."""

    type_tag: ClassVar[str] = "care_provided"

    measure: CareMeasure = attrs.field(converter=_care_measure)
    """What kind of help."""
    note: str | None = None
    """A short description."""
