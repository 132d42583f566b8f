"""Prevention vocabularies and rating schemes as data: key dates, channels, checklists.

Which dates are key (重要节点), which channels an activity can use (六进
and the rest), and how a rehabilitation centre or a village is rated
(考核细则, 星级评定) are local decisions that change from year to year and
province to province. The national practice is the default here; a host
adds its own through the ``antidrug_register_rules`` hook (``registry.
key_dates``, ``registry.channels``, ``registry.rating_schemes``) and a
dataset may carry its own ``rating_schemes``.

The shipped rating scheme is an **example**: its four parts are the ones
seed 2 names (组织领导, 基础配套, 队伍建设, 工作机制), its points and star
thresholds are made up. A province loads its own 考核细则.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from antidrug_core.model import ActivityHeld, InvalidInput, Problem, RatingAssessed, Record
from antidrug_core.model.prevention import decimal_quantity

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_KEY_DATES",
    "EXAMPLE_STAR_SCHEME",
    "SIX_ENTRIES",
    "Channel",
    "KeyDate",
    "PreventionRules",
    "RatingItem",
    "RatingScheme",
    "StarLevel",
    "schemes_to_keep",
]


@attrs.frozen
class KeyDate:
    """重要节点: a date (or a month) on which publicity is concentrated."""

    id: str
    """The id an activity's ``key_date`` names (``0626``)."""
    name: str
    """Its Chinese name (国际禁毒日), as a summary writes it."""
    month: int
    """The month it falls in."""
    day: int | None = None
    """The day of the month; None for a whole month (全民禁毒宣传月)."""

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.month <= 12 or (self.day is not None and not 1 <= self.day <= 31):
            raise InvalidInput.of("key_dates", f"{self.id!r} has no such month or day")

    @property
    def label(self) -> str:
        """How a summary writes it: “6·26 国际禁毒日”, or the name alone for a month."""
        return self.name if self.day is None else f"{self.month}·{self.day} {self.name}"


DEFAULT_KEY_DATES: tuple[KeyDate, ...] = (
    KeyDate("0305", "学雷锋纪念日", 3, 5),
    KeyDate("0308", "国际妇女节", 3, 8),
    KeyDate("0512", "防灾减灾日", 5, 12),
    KeyDate("0601", "禁毒法实施纪念日", 6, 1),
    KeyDate("0603", "虎门销烟纪念日", 6, 3),
    KeyDate("0626", "国际禁毒日", 6, 26),
    KeyDate("june_month", "全民禁毒宣传月", 6),
)
"""The key dates of the reference (docs/reference/dataset.md), in the order of the year."""


@attrs.frozen
class Channel:
    """Where an activity reaches people."""

    id: str
    """The id an activity's ``channels`` names."""
    name: str
    """Its Chinese name (进校园)."""
    six_entries: bool = False
    """Whether it is one of the six entries (六进) whose coverage a summary counts."""


DEFAULT_CHANNELS: tuple[Channel, ...] = (
    Channel("school", "进校园", six_entries=True),
    Channel("village", "进农村", six_entries=True),
    Channel("venue", "进场所", six_entries=True),
    Channel("workplace", "进单位", six_entries=True),
    Channel("community", "进社区", six_entries=True),
    Channel("family", "进家庭", six_entries=True),
    Channel("online", "网络宣传"),
    Channel("media", "广播电视报刊"),
    Channel("other", "其他"),
)
"""The six entries (六进) and the other channels (docs/reference/dataset.md)."""

SIX_ENTRIES: frozenset[str] = frozenset(c.id for c in DEFAULT_CHANNELS if c.six_entries)
"""The ids of the six entries: the “六进” coverage counts these, and only these."""


def _max(value: Any) -> Decimal:
    return decimal_quantity(value, "max")


def _min(value: Any) -> Decimal:
    return decimal_quantity(value, "min")


def _items(value: Iterable[RatingItem]) -> tuple[RatingItem, ...]:
    return tuple(value)


def _levels(value: Iterable[StarLevel]) -> tuple[StarLevel, ...]:
    return tuple(sorted(value, key=lambda level: level.stars))


@attrs.frozen
class RatingItem:
    """One part of a checklist (组织领导) and its most points."""

    id: str
    """The id a rating's ``scores`` names."""
    name: str
    """Its Chinese name."""
    max: Decimal = attrs.field(converter=_max)
    """The most points it can give."""


@attrs.frozen
class StarLevel:
    """The least total that earns a number of stars."""

    stars: int
    """How many stars."""
    min: Decimal = attrs.field(converter=_min)
    """The least total for them (inclusive)."""


@attrs.frozen(kw_only=True)
class RatingScheme:
    """A checklist rating (考核细则): its items, their maxima, and the stars each total earns."""

    id: str
    """Id and version (``example_star@1``); a rating names the scheme it was assessed under."""
    name: str
    """Its Chinese name (社区戒毒康复工作中心星级评定细则)."""
    items: tuple[RatingItem, ...] = attrs.field(converter=_items)
    """The items, in the order the checklist lists them."""
    stars: tuple[StarLevel, ...] = attrs.field(converter=_levels)
    """The least total per number of stars; more stars need strictly more points."""
    example: bool = False
    """True for a made-up scheme that shows the form; reports say so."""

    def __attrs_post_init__(self) -> None:
        where = f"rating scheme {self.id!r}"
        ids = [item.id for item in self.items]
        if not self.id.strip() or not self.items:
            raise InvalidInput.of("rating_schemes", f"{where} needs an id and at least one item")
        if len(set(ids)) != len(ids):
            raise InvalidInput.of("rating_schemes", f"{where} lists an item twice")
        counts = [level.stars for level in self.stars]
        if any(n < 1 for n in counts) or len(set(counts)) != len(counts):
            raise InvalidInput.of("rating_schemes", f"{where}: star counts must be distinct and at least 1")
        minima = [level.min for level in self.stars]
        if any(a >= b for a, b in itertools.pairwise(minima)):
            raise InvalidInput.of("rating_schemes", f"{where}: more stars must need a higher total")
        if minima and minima[-1] > self.maximum:
            raise InvalidInput.of("rating_schemes", f"{where}: a star needs more than the items can give")

    @property
    def maximum(self) -> Decimal:
        """The most points the whole checklist can give."""
        return sum((item.max for item in self.items), Decimal(0))

    def problems(self, scores: Mapping[str, Decimal], row: str | None = None) -> list[Problem]:
        """What is wrong with ``scores`` under this scheme: unknown, missing, or above the maximum."""
        found: list[Problem] = []
        by_id = {item.id: item for item in self.items}
        for item, score in scores.items():
            if item not in by_id:
                found.append(Problem(f"scores.{item}", f"is not an item of {self.id!r}", row))
            elif score > by_id[item].max:
                found.append(
                    Problem(f"scores.{item}", f"{score} is above the item's maximum {by_id[item].max}", row)
                )
        found.extend(
            Problem(f"scores.{item.id}", f"is missing ({item.name})", row)
            for item in self.items
            if item.id not in scores
        )
        return found

    def total(self, scores: Mapping[str, Decimal]) -> Decimal:
        """The sum of the scores."""
        return sum(scores.values(), Decimal(0))

    def stars_for(self, total: Decimal) -> int:
        """How many stars ``total`` earns: the most whose least total it reaches, else 0."""
        minima = [level.min for level in self.stars]
        reached = bisect.bisect_right(minima, total)
        return self.stars[reached - 1].stars if reached else 0


EXAMPLE_STAR_SCHEME = RatingScheme(
    id="example_star@1",
    name="社区戒毒康复工作中心星级评定（示例，非正式考核细则）",
    items=(
        RatingItem("organisation", "组织领导", 25),
        RatingItem("facilities", "基础配套", 25),
        RatingItem("staff", "队伍建设", 25),
        RatingItem("mechanisms", "工作机制", 25),
    ),
    stars=(StarLevel(1, 60), StarLevel(2, 70), StarLevel(3, 80), StarLevel(4, 90), StarLevel(5, 95)),
    example=True,
)
"""AN EXAMPLE, not a province's checklist: the four parts seed 2 names, 25 points each.

One star from 60 points, then 70, 80, 90 and five stars from 95. A host
registers its province's 考核细则 instead."""


def _by_id(items: Iterable[Any]) -> dict[str, Any]:
    return {item.id: item for item in items}


@attrs.frozen
class PreventionRules:
    """The key dates, channels and rating schemes in force for one store."""

    key_dates: Mapping[str, KeyDate] = attrs.field(factory=lambda: _by_id(DEFAULT_KEY_DATES))
    """Key dates by id."""
    channels: Mapping[str, Channel] = attrs.field(factory=lambda: _by_id(DEFAULT_CHANNELS))
    """Channels by id."""
    rating_schemes: Mapping[str, RatingScheme] = attrs.field(
        factory=lambda: {EXAMPLE_STAR_SCHEME.id: EXAMPLE_STAR_SCHEME}
    )
    """Rating schemes by id."""

    @property
    def six_entries(self) -> frozenset[str]:
        """The channel ids that are among the six entries (六进)."""
        return frozenset(c.id for c in self.channels.values() if c.six_entries)

    def with_schemes(self, schemes: Iterable[RatingScheme]) -> PreventionRules:
        """These rules with ``schemes`` added (a dataset's own replace a host's of the same id)."""
        return attrs.evolve(self, rating_schemes={**self.rating_schemes, **_by_id(schemes)})

    def problems(self, record: Record) -> list[Problem]:
        """What in ``record`` these rules do not know: a key date, a channel, a scheme, a score.

        Every problem names the record by its id.
        """
        found: list[Problem] = []
        row = record.id
        if isinstance(record, ActivityHeld):
            if record.key_date is not None and record.key_date not in self.key_dates:
                known = ", ".join(self.key_dates)
                reason = f"{record.key_date!r} is not a key date (known: {known})"
                found.append(Problem("key_date", reason, row))
            for channel in record.channels:
                if channel not in self.channels:
                    known = ", ".join(self.channels)
                    found.append(Problem("channels", f"{channel!r} is not a channel (known: {known})", row))
        elif isinstance(record, RatingAssessed):
            scheme = self.rating_schemes.get(record.scheme)
            if scheme is None:
                known = ", ".join(self.rating_schemes) or "none"
                found.append(Problem("scheme", f"no rating scheme {record.scheme!r} (known: {known})", row))
            else:
                found.extend(scheme.problems(record.score_of(), record.id))
        return found

    def check(self, records: Iterable[Record]) -> None:
        """Refuse ``records`` when any names what these rules do not know.

        Raises:
            InvalidInput: every problem of every record, each naming its record.
        """
        found = [problem for record in records for problem in self.problems(record)]
        if found:
            raise InvalidInput(found)


def schemes_to_keep(kept: Mapping[str, RatingScheme], schemes: Iterable[RatingScheme]) -> list[RatingScheme]:
    """Which of ``schemes`` a store keeping ``kept`` must add: those it does not keep yet.

    A store keeps the rating schemes loaded with a dataset, so its ratings
    read the same stars later as they did from the file. A scheme's id
    names one checklist (``example_star@1``); a scheme of a kept id with
    other items or thresholds would change the stars of ratings already
    assessed under it, so it is refused: a new checklist takes a new id.

    Raises:
        InvalidInput: a scheme differs from the kept one of its id, naming both.
    """
    found: list[Problem] = []
    new: dict[str, RatingScheme] = {}
    for scheme in schemes:
        before = kept.get(scheme.id) or new.get(scheme.id)
        if before is None:
            new[scheme.id] = scheme
        elif before != scheme:
            found.append(
                Problem(
                    "rating_schemes",
                    f"{scheme.id!r} differs from the scheme of that id the store keeps; ratings already "
                    "assessed under it would change their stars, so a changed checklist takes a new id "
                    f"(e.g. {scheme.id.partition('@')[0]}@2)",
                    scheme.id,
                )
            )
    if found:
        raise InvalidInput(found)
    return list(new.values())
