"""Prevention, eradication, organisation and ratings: the work log of an organisation.

Most of every seed summary is about work that is not about a person under
management: publicity on key dates and its reach (场次, 份, 人次, 幅, 张次,
台次), the volunteer team (禁毒义工), training, the land surveyed for drug
plants (禁种铲毒, 踏查; 禁毒法 art. 19), the leading group (领导小组) and the
letters it signs (目标责任书, 禁毒承诺书), funding, meetings, and the star
rating of a rehabilitation centre (社区戒毒康复工作中心星级评定). Each is a
record in the stream of the organisation that did it (field
``organisation``), so the same summary can be produced, added up by
division and traced back like every rate.

Channels and key dates are plain ids here: they are data a host extends
(``antidrug_core.rules.prevention``), checked against the rules in force
when a service records them, not fixed in the model. Volunteers are
pseudonymous ids; a name, an identity number or a telephone number is
refused where a volunteer id belongs.
"""

from __future__ import annotations

import decimal
import enum
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from antidrug_core.model.base import (
    DivisionCode,
    OrganisationRecord,
    RecordId,
    is_division,
    non_empty,
    one_of,
)
from antidrug_core.model.errors import InvalidInput

__all__ = [
    "ActivityHeld",
    "FundingAllocated",
    "ItemScore",
    "LeadingGroupSet",
    "LetterKind",
    "LettersSigned",
    "MeetingHeld",
    "MeetingKind",
    "PlantSpecies",
    "PlantsDestroyed",
    "PlantsFound",
    "RatingAssessed",
    "SurveyConducted",
    "TrainingHeld",
    "VolunteerJoined",
    "VolunteerLeft",
    "decimal_quantity",
]

TEXT_LENGTH = 200
"""The longest theme, topic, purpose or title, in characters."""


class PlantSpecies(enum.StrEnum):
    """毒品原植物: the plants a field survey looks for (禁毒法 art. 19)."""

    POPPY = "poppy"
    """罂粟."""
    CANNABIS = "cannabis"
    """大麻 (illegal cultivation, not licensed industrial hemp)."""
    OTHER = "other"
    """Any other drug plant (e.g. 古柯)."""


class LetterKind(enum.StrEnum):
    """The letters an organisation signs in creating drug-free units (无毒单位创建)."""

    RESPONSIBILITY = "responsibility"
    """目标责任书: between a body and those under it (林草局 with its 林场, 股站)."""
    COMMITMENT = "commitment"
    """禁毒承诺书: signed by staff, each promising to keep away from drugs."""


class MeetingKind(enum.StrEnum):
    """What a meeting on anti-drug work was for."""

    PLENARY = "plenary"
    """全体会议 / 禁毒委员会会议."""
    STUDY = "study"
    """学习会: studying instructions and documents (传达学习)."""
    DEPLOYMENT = "deployment"
    """部署会: deploying the year's or a campaign's work."""
    OTHER = "other"
    """Any other meeting."""


def _text(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None and attribute.default is None:
        return
    non_empty(_instance, attribute, value)  # type: ignore[arg-type]
    assert value is not None
    if len(value) > TEXT_LENGTH:
        raise InvalidInput.of(attribute.name, f"is longer than {TEXT_LENGTH} characters")


def _count(least: int) -> Any:
    """attrs validator: a whole number of at least ``least`` (not a bool, not a float)."""

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput.of(attribute.name, f"{value!r} is not a whole number")
        if value < least:
            raise InvalidInput.of(attribute.name, f"must be at least {least}, not {value}")

    return check


def decimal_quantity(value: Any, field: str) -> Decimal:
    """An exact, finite, non-negative decimal from a ``Decimal``, an ``int`` or a decimal string.

    Areas (亩) and money (元) are exact: a float is refused rather than
    rounded, since ``0.1`` as a float is not one tenth.

    Raises:
        InvalidInput: naming ``field``, for a float, a bool, a text that is not
            a number, infinity, NaN or a negative amount.
    """
    if isinstance(value, bool | float):
        raise InvalidInput.of(field, f'{value!r} must be written exactly, as a decimal string like "12.5"')
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise InvalidInput.of(field, f"{value!r} is not a decimal number") from None
    else:
        raise InvalidInput.of(field, f"{value!r} is not a decimal number")
    if not number.is_finite():
        raise InvalidInput.of(field, f"{value!r} is not a finite number")
    if number < 0:
        raise InvalidInput.of(field, f"must not be negative, not {value}")
    return number


def _area(value: Any) -> Decimal:
    return decimal_quantity(value, "area_mu")


def _optional_area(value: Any) -> Decimal | None:
    return None if value is None else decimal_quantity(value, "area_mu")


def _amount(value: Any) -> Decimal:
    return decimal_quantity(value, "amount")


def _score(value: Any) -> Decimal:
    return decimal_quantity(value, "scores")


def _species(value: Any) -> PlantSpecies:
    return one_of(PlantSpecies, value, "species")


def _letter_kind(value: Any) -> LetterKind:
    return one_of(LetterKind, value, "kind")


def _meeting_kind(value: Any) -> MeetingKind:
    return one_of(MeetingKind, value, "kind")


def _texts(value: Any, field: str) -> tuple[str, ...]:
    """A list of non-empty texts, kept as a tuple in the order given, without repeats."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput.of(field, "must be a list")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise InvalidInput.of(field, f"{item!r} is not a non-empty text")
        if item not in items:
            items.append(item)
    return tuple(items)


def _channels(value: Any) -> tuple[str, ...]:
    return _texts(value, "channels")


def _deputies(value: Any) -> tuple[str, ...]:
    return _texts(value, "deputies")


def _counterparts(value: Any) -> tuple[str, ...]:
    return _texts(value, "with")


def _some(_instance: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not value:
        raise InvalidInput.of(attribute.name, "names at least one")


_IDENTITY_NUMBER = re.compile(r"\d{15}|\d{17}[\dXx]")
_MOBILE = re.compile(r"1\d{10}")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _pseudonym(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    # A volunteer's id travels into figures and exports; it must not be who they are.
    non_empty(_instance, attribute, value)
    if _IDENTITY_NUMBER.fullmatch(value) or _MOBILE.fullmatch(value) or _HAN.search(value):
        raise InvalidInput.of(
            attribute.name,
            "must be a pseudonymous id, not a name, an identity number or a telephone number",
        )
    if len(value) > 64:
        raise InvalidInput.of(attribute.name, "is longer than 64 characters")


@attrs.frozen(kw_only=True)
class ActivityHeld(OrganisationRecord):
    """宣传活动: a prevention or publicity activity held on ``on``.

    Counts are the units the summaries count in: 场次 (sessions), 人次
    (reach), 份 (materials), 幅 (banners), 张次 (posters), 台次 (vehicles).
    The ``key_date`` and ``channels`` are ids of the key dates and channels
    in force (``rules.prevention``); 六进 is six of the channels (禁毒法
    arts. 11–17 put publicity into schools, villages, venues, workplaces,
    communities and families).
    """

    type_tag: ClassVar[str] = "activity_held"

    theme: str = attrs.field(validator=_text)
    """What it was about (“禁毒+普法”, 国际禁毒日集中宣传)."""
    channels: tuple[str, ...] = attrs.field(converter=_channels, validator=_some)
    """Where it reached people: channel ids (``school``, ``village`` … ``online``)."""
    key_date: str | None = attrs.field(default=None, validator=_text)
    """The key date it marked (``0626`` 国际禁毒日), if any."""
    division: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """Where it was held; None means the organisation's own division."""
    sessions: int = attrs.field(default=1, validator=_count(1))
    """场次: how many sessions it counts as."""
    reach: int = attrs.field(default=0, validator=_count(0))
    """人次: people reached."""
    materials: int = attrs.field(default=0, validator=_count(0))
    """份: leaflets and other materials handed out."""
    banners: int = attrs.field(default=0, validator=_count(0))
    """幅: banners and fixed slogans hung."""
    posters: int = attrs.field(default=0, validator=_count(0))
    """张次: posters and wall charts put up."""
    vehicles: int = attrs.field(default=0, validator=_count(0))
    """台次: publicity vehicle trips."""
    volunteers: int = attrs.field(default=0, validator=_count(0))
    """人次: volunteers taking part."""


@attrs.frozen(kw_only=True)
class VolunteerJoined(OrganisationRecord):
    """A volunteer joins the organisation's team (禁毒义工队伍) from ``on``."""

    type_tag: ClassVar[str] = "volunteer_joined"

    volunteer: str = attrs.field(validator=_pseudonym)
    """The volunteer's pseudonymous id; never a name or an identity number."""


@attrs.frozen(kw_only=True)
class VolunteerLeft(OrganisationRecord):
    """A volunteer leaves the team from ``on`` (no longer counted at the end of that day)."""

    type_tag: ClassVar[str] = "volunteer_left"

    volunteer: str = attrs.field(validator=_pseudonym)
    """The volunteer's pseudonymous id."""


@attrs.frozen(kw_only=True)
class TrainingHeld(OrganisationRecord):
    """培训: a training of staff or volunteers (禁毒义工专项培训)."""

    type_tag: ClassVar[str] = "training_held"

    topic: str = attrs.field(validator=_text)
    """What was taught."""
    participants: int = attrs.field(validator=_count(0))
    """人次: people trained."""


@attrs.frozen(kw_only=True)
class SurveyConducted(OrganisationRecord):
    """踏查: a field survey for drug plants (禁种铲毒; 禁毒法 art. 19), ending on ``on``."""

    type_tag: ClassVar[str] = "survey_conducted"

    division: DivisionCode = attrs.field(validator=is_division)
    """The division whose land was surveyed."""
    area_mu: Decimal = attrs.field(converter=_area)
    """踏查面积: the area surveyed, in 亩, exactly."""
    personnel: int = attrs.field(validator=_count(0))
    """出动人次: rangers, grassland keepers and staff sent out."""
    days: int = attrs.field(default=1, validator=_count(1))
    """天数: how many days the survey lasted."""
    place: str | None = attrs.field(default=None, validator=_text)
    """The named place (重点林区, 好地林场), if any."""


@attrs.frozen(kw_only=True)
class PlantsFound(OrganisationRecord):
    """发现非法种植: drug plants found growing illegally on ``on``.

    Until a ``plants_destroyed`` names it, the finding is outstanding and a
    person must act (铲除).
    """

    type_tag: ClassVar[str] = "plants_found"

    division: DivisionCode = attrs.field(validator=is_division)
    """Where they were found."""
    species: PlantSpecies = attrs.field(converter=_species)
    """Which plant."""
    plants: int = attrs.field(validator=_count(1))
    """株: how many plants."""
    area_mu: Decimal | None = attrs.field(default=None, converter=_optional_area)
    """The area planted, in 亩, when measured."""


@attrs.frozen(kw_only=True)
class PlantsDestroyed(OrganisationRecord):
    """铲除: the plants of a finding were eradicated on ``on``."""

    type_tag: ClassVar[str] = "plants_destroyed"

    found: RecordId = attrs.field(validator=non_empty)
    """The ``plants_found`` record whose plants were destroyed."""


@attrs.frozen(kw_only=True)
class LeadingGroupSet(OrganisationRecord):
    """领导小组: the leading group in force from ``on``; it replaces any earlier one.

    Titles, not names: the summaries say “由局长任组长、分管副局长任副组长”.
    """

    type_tag: ClassVar[str] = "leading_group_set"

    leader: str = attrs.field(validator=_text)
    """组长: the leader's title (局长, 街道办事处主任)."""
    deputies: tuple[str, ...] = attrs.field(default=(), converter=_deputies)
    """副组长: the deputies' titles."""
    members: int = attrs.field(default=0, validator=_count(0))
    """成员: how many members besides the leader and deputies."""
    office: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    """Whether it has an office (下设办公室) with someone in charge of the work."""


@attrs.frozen(kw_only=True)
class LettersSigned(OrganisationRecord):
    """目标责任书 / 禁毒承诺书: letters signed on ``on``."""

    type_tag: ClassVar[str] = "letters_signed"

    kind: LetterKind = attrs.field(converter=_letter_kind)
    """Which letters."""
    count: int = attrs.field(validator=_count(1))
    """How many were signed."""
    counterparts: tuple[str, ...] = attrs.field(default=(), converter=_counterparts)
    """The counterparts (各林场, 各股站), when named; ``with`` in plain data."""


@attrs.frozen(kw_only=True)
class FundingAllocated(OrganisationRecord):
    """经费保障: money set aside for the work on ``on``."""

    type_tag: ClassVar[str] = "funding_allocated"

    amount: Decimal = attrs.field(converter=_amount)
    """元, exactly (a decimal string in plain data)."""
    purpose: str = attrs.field(validator=_text)
    """What it is for (印发宣传资料、制作禁毒标语)."""


@attrs.frozen(kw_only=True)
class MeetingHeld(OrganisationRecord):
    """A meeting on anti-drug work (禁毒工作部署会议, 传达学习)."""

    type_tag: ClassVar[str] = "meeting_held"

    kind: MeetingKind = attrs.field(converter=_meeting_kind)
    """What it was for."""
    participants: int = attrs.field(default=0, validator=_count(0))
    """人次: who attended."""


@attrs.frozen
class ItemScore:
    """One item's score in a checklist rating (组织领导: 23)."""

    item: str = attrs.field(validator=non_empty)
    """The item's id in the rating scheme."""
    score: Decimal = attrs.field(converter=_score)
    """Points given, exactly (half points happen)."""


def _scores(value: Any) -> tuple[ItemScore, ...]:
    """Scores from a mapping ``item → number`` or a list of ``ItemScore``; sorted by item, no repeats."""
    if isinstance(value, Mapping):
        pairs = [ItemScore(item, score) for item, score in value.items()]
    elif isinstance(value, Iterable) and not isinstance(value, str):
        pairs = [v if isinstance(v, ItemScore) else ItemScore(*v) for v in value]
    else:
        raise InvalidInput.of("scores", "must map each item to its score")
    items = [p.item for p in pairs]
    repeated = sorted({i for i in items if items.count(i) > 1})
    if repeated:
        raise InvalidInput.of("scores", f"item {repeated[0]!r} is scored twice")
    return tuple(sorted(pairs, key=lambda p: p.item))


@attrs.frozen(kw_only=True)
class RatingAssessed(OrganisationRecord):
    """考核评定: a checklist rating, in force from ``on`` until the next.

    A rehabilitation centre's star rating (星级评定, “三区一室”) or a
    village's rating. The scheme is data (``rules.prevention``); the scores
    are checked against it when recorded or loaded: a score above an item's
    maximum, an unknown item or a missing one is refused naming the record.
    """

    type_tag: ClassVar[str] = "rating_assessed"

    scheme: str = attrs.field(validator=non_empty)
    """The rating scheme's id and version (``example_star@1``)."""
    scores: tuple[ItemScore, ...] = attrs.field(converter=_scores)
    """Each item's score; ``item → number`` in plain data."""

    def score_of(self) -> dict[str, Decimal]:
        """The scores as a mapping item → points."""
        return {s.item: s.score for s in self.scores}
