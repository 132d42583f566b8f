"""The figures of prevention, eradication and organisation (docs/prevention.md), as data.

Every figure the seed summaries give about an organisation's work: the
activities and their reach (场次, 人次, 份, 幅, 张次, 台次), the key-date
activities and the “六进” coverage, the volunteers, training, the surveys
for drug plants and 零种植, letters, funding, meetings, the leading groups
and the rated centres. Each is an organisation figure: an item of a record
is attributed to the record's ``division`` when it has one, else to its
organisation's division, and every division adds up those below it. Sums
are exact (areas and money are decimals); ``zero_cultivation`` is a flag.

The activities and their reach are also broken down by key date and by
channel (``activity_parts``): one figure per key date (and one for the
activities on no key date), one per channel, each a part of ``activities``
or ``activity_reach`` (``PartOf``), generated from the key dates and
channels in force, so a host's own key date gets figures of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from antidrug_core.indicators.criteria import (
    AllOf,
    Criterion,
    FollowedBy,
    HasRecord,
    InScope,
    ItemField,
    Not,
    ReferencedBy,
    SubjectIn,
    When,
    Where,
)
from antidrug_core.indicators.definitions import (
    Basis,
    Distinct,
    FlagRule,
    IndicatorDefinition,
    PartOf,
    Records,
    Unit,
)
from antidrug_core.model import SubjectKind
from antidrug_core.rules.prevention import DEFAULT_CHANNELS, DEFAULT_KEY_DATES, SIX_ENTRIES, Channel, KeyDate

__all__ = ["OTHER_DAYS", "PREVENTION_VERSION", "activity_parts", "prevention_catalogue"]

PREVENTION_VERSION = 1
"""The version of these definitions (the standard catalogue's)."""


def _work(
    id: str,
    name_zh: str,
    name_en: str,
    items: Records,
    *,
    unit: Unit = Unit.SUM,
    sum_of: str | None = None,
    numerator: Criterion | None = None,
    distinct: Distinct | None = None,
    flag: FlagRule | None = None,
    description: str | None = None,
    part_of: PartOf | None = None,
) -> IndicatorDefinition:
    """A figure over the items of organisations' records."""
    return IndicatorDefinition(
        id=id,
        version=PREVENTION_VERSION,
        name_zh=name_zh,
        name_en=name_en,
        unit=unit,
        subject=SubjectKind.ORGANISATION,
        basis=Basis.EVENT,
        items=items,
        sum_of=sum_of,
        numerator=numerator,
        distinct=distinct,
        flag=flag,
        decimals=0,
        higher_is_better=None,
        description=description,
        part_of=part_of,
    )


def _organisations(
    id: str, name_zh: str, name_en: str, initial: Criterion, description: str
) -> IndicatorDefinition:
    """A count of organisations (not of their records) attributed to the division."""
    return IndicatorDefinition(
        id=id,
        version=PREVENTION_VERSION,
        name_zh=name_zh,
        name_en=name_en,
        unit=Unit.COUNT,
        subject=SubjectKind.ORGANISATION,
        initial=initial,
        decimals=0,
        higher_is_better=None,
        description=description,
    )


def _in_period(*types: str, **where: list[str]) -> Records:
    return Records(types, When.PERIOD, where=Where.of(**where))


ACTIVITIES = _in_period("activity_held")

OTHER_DAYS = "其他日期"
"""The label of the part of the activities held on no key date."""

_MEASURES = (
    ("activities", "宣传活动场次", "Activity sessions", "sessions"),
    ("activity_reach", "覆盖人次", "People reached", "reach"),
)
"""The wholes broken down by key date and channel: (id, 中文名, English name, field summed)."""


def activity_parts(
    key_dates: Iterable[KeyDate] = DEFAULT_KEY_DATES, channels: Iterable[Channel] = DEFAULT_CHANNELS
) -> list[IndicatorDefinition]:
    """The activities and their reach on each key date, on other days, and through each channel.

    ``activities_on_0626`` and ``activity_reach_on_0626`` for 6·26,
    ``activities_on_other_days`` for the activities with no key date,
    ``activities_via_school`` for 进校园, and so on: each is its own figure,
    evaluated like any other (every engine, ``known_at``, ``--organisation``,
    evidence), and names the whole it is a part of. The key-date parts and
    the other days add up to the whole; the channel parts need not, as an
    activity through two channels counts in both.

    Raises:
        InvalidInput: a key date's or channel's id cannot be part of a figure's id.
    """
    return list(_activity_parts(tuple(key_dates), tuple(channels)))


@functools.lru_cache(maxsize=16)
def _activity_parts(dates: tuple[KeyDate, ...], ways: tuple[Channel, ...]) -> tuple[IndicatorDefinition, ...]:
    """``activity_parts``, made once per set of key dates and channels: a store asks for its
    definitions at every evaluation, and making (and checking) ninety of them took a third of a
    county's evaluation after a day's work."""
    parts: list[IndicatorDefinition] = []
    for whole, name_zh, name_en, field in _MEASURES:
        for key_date in dates:
            parts.append(
                _work(
                    f"{whole}_on_{key_date.id}",
                    f"{name_zh}（{key_date.label}）",
                    f"{name_en} on key date {key_date.id}",
                    ACTIVITIES,
                    sum_of=field,
                    numerator=ItemField("key_date", (key_date.id,)),
                    part_of=PartOf(whole, "key_date", key_date.id, key_date.label),
                )
            )
        parts.append(
            _work(
                f"{whole}_on_other_days",
                f"{name_zh}（{OTHER_DAYS}）",
                f"{name_en} on no key date",
                ACTIVITIES,
                sum_of=field,
                numerator=Not(ItemField("key_date")),
                part_of=PartOf(whole, "key_date", None, OTHER_DAYS),
            )
        )
        for channel in ways:
            parts.append(
                _work(
                    f"{whole}_via_{channel.id}",
                    f"{name_zh}（{channel.name}）",
                    f"{name_en} through channel {channel.id}",
                    ACTIVITIES,
                    sum_of=field,
                    numerator=ItemField("channels", (channel.id,)),
                    part_of=PartOf(whole, "channels", channel.id, channel.name),
                    description="An activity through several channels counts in each of them.",
                )
            )
    return tuple(parts)


def prevention_catalogue() -> list[IndicatorDefinition]:
    """Every figure of docs/prevention.md, in the order of its table."""
    return [
        _work("activities", "宣传活动场次", "Activity sessions", ACTIVITIES, sum_of="sessions"),
        _work("activity_reach", "覆盖人次", "People reached", ACTIVITIES, sum_of="reach"),
        _work(
            "materials_distributed",
            "发放宣传品（份）",
            "Materials handed out",
            ACTIVITIES,
            sum_of="materials",
        ),
        _work("banners_hung", "标语（幅）", "Banners hung", ACTIVITIES, sum_of="banners"),
        _work("posters_put_up", "挂画（张次）", "Posters put up", ACTIVITIES, sum_of="posters"),
        _work("vehicle_trips", "宣传车（台次）", "Publicity vehicle trips", ACTIVITIES, sum_of="vehicles"),
        _work(
            "key_date_activities",
            "重要节点活动场次",
            "Key-date activity sessions",
            ACTIVITIES,
            sum_of="sessions",
            numerator=ItemField("key_date"),
        ),
        _work(
            "six_entries_covered",
            "“六进”覆盖",
            "Six entries covered",
            ACTIVITIES,
            unit=Unit.COUNT,
            distinct=Distinct("channels", values=tuple(SIX_ENTRIES)),
            description="How many of the six channels (六进) had at least one activity in the period (0–6).",
        ),
        _work(
            "volunteers",
            "禁毒义工人数",
            "Volunteers",
            Records(("volunteer_joined",), When.BY_PERIOD_END),
            unit=Unit.COUNT,
            numerator=Not(FollowedBy(("volunteer_left",), ("volunteer",))),
            distinct=Distinct("volunteer", per_subject=True),
            description="Volunteers joined and not left at the period end, each counted once per team.",
        ),
        _work("trainings", "培训场次", "Trainings", _in_period("training_held"), unit=Unit.COUNT),
        _work(
            "training_participants",
            "培训人次",
            "Training participants",
            _in_period("training_held"),
            sum_of="participants",
        ),
        _work("surveys", "踏查次数", "Field surveys", _in_period("survey_conducted"), unit=Unit.COUNT),
        _work("survey_days", "踏查天数", "Survey days", _in_period("survey_conducted"), sum_of="days"),
        _work(
            "survey_personnel",
            "出动人次",
            "Survey personnel",
            _in_period("survey_conducted"),
            sum_of="personnel",
        ),
        _work(
            "area_surveyed_mu",
            "踏查面积（亩）",
            "Area surveyed (mu)",
            _in_period("survey_conducted"),
            sum_of="area_mu",
        ),
        _work(
            "plants_found", "发现非法种植（株）", "Plants found", _in_period("plants_found"), sum_of="plants"
        ),
        _work(
            "plants_not_destroyed",
            "未铲除（株）",
            "Plants not destroyed",
            Records(("plants_found",), When.BY_PERIOD_END),
            sum_of="plants",
            numerator=Not(ReferencedBy(("plants_destroyed",), "found")),
            description="Plants found by the period end and not destroyed by then.",
        ),
        _work(
            "zero_cultivation",
            "零种植",
            "Zero cultivation",
            _in_period("plants_found"),
            unit=Unit.FLAG,
            flag=FlagRule.NONE,
            description="Yes when no plants were found in the period, here and in every division below.",
        ),
        _work(
            "responsibility_letters",
            "目标责任书",
            "Responsibility letters",
            _in_period("letters_signed", kind=["responsibility"]),
            sum_of="count",
        ),
        _work(
            "commitment_letters",
            "承诺书",
            "Commitment letters",
            _in_period("letters_signed", kind=["commitment"]),
            sum_of="count",
        ),
        _work(
            "funding_yuan", "经费（元）", "Funding (yuan)", _in_period("funding_allocated"), sum_of="amount"
        ),
        _work("meetings", "会议次数", "Meetings", _in_period("meeting_held"), unit=Unit.COUNT),
        _organisations(
            "leading_groups",
            "领导小组",
            "Leading groups",
            AllOf((InScope(), HasRecord(("leading_group_set",), When.BY_PERIOD_END))),
            "Organisations not closed at the period end with a leading group set on or before it.",
        ),
        _organisations(
            "centres_rated",
            "星级评定中心",
            "Centres rated",
            AllOf(
                (
                    InScope(),
                    SubjectIn("kind", ("rehab_centre",)),
                    HasRecord(("rating_assessed",), When.BY_PERIOD_END),
                )
            ),
            "Rehabilitation centres not closed at the period end with a rating in force then.",
        ),
        *activity_parts(),
    ]
