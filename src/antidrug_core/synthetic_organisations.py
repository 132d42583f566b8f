"""Synthetic organisations and their work logs: a year of prevention, eradication and organisation.

Beside the synthetic people (``antidrug_core.synthetic``) the demo county
needs the bodies that write the summaries of the seeds: each township or
street government (乡镇人民政府 / 街道办事处) with its leading group,
volunteers, key-date activities, letters, meetings and surveys; a
rehabilitation centre (社区戒毒康复工作中心) in some townships, rated on the
example checklist; and two county departments, the forestry bureau (林业和
草原局: banners, posters, vehicles, rangers surveying the forests for drug
plants toward 零种植) and the emergency-management bureau (应急管理局:
commitments, key-date activities, meetings).

Deterministic like the people: organisation ``i`` draws from a generator
seeded by the spec's seed and ``i`` alone. Volunteers are pseudonymous ids.
Nothing reads a clock, a file or the environment.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import attrs

from antidrug_core.model import (
    ActivityHeld,
    DivisionCode,
    FundingAllocated,
    LeadingGroupSet,
    LettersSigned,
    MeetingHeld,
    OrganisationId,
    OrganisationRegistered,
    PlantsDestroyed,
    PlantsFound,
    RatingAssessed,
    Record,
    RecordId,
    SurveyConducted,
    TrainingHeld,
    VolunteerJoined,
    VolunteerLeft,
    subject_registration_id,
)
from antidrug_core.synthetic import SyntheticSpec, divisions, townships

__all__ = ["EMERGENCY", "FORESTRY", "centre_id", "government_id", "organisation_records"]

_CST = dt.timezone(dt.timedelta(hours=8), "CST")
_STRIDE = 1 << 40
_OFFSET = 7 << 36
"""Organisations draw from seeds far from any person's, so adding them changes no person."""

FORESTRY = "ORG-FORESTRY"
"""The county forestry and grassland bureau's id (林业和草原局)."""
EMERGENCY = "ORG-EMERGENCY"
"""The county emergency-management bureau's id (应急管理局)."""

_KEY_DATES = (
    ("0305", 3, 5, "学雷锋志愿服务暨禁毒宣传"),
    ("0308", 3, 8, "“三八”妇女节禁毒宣传"),
    ("0512", 5, 12, "防灾减灾宣传周禁毒宣传"),
    ("0601", 6, 1, "《禁毒法》实施纪念日宣传"),
    ("0603", 6, 3, "虎门销烟纪念日宣传"),
    ("0626", 6, 26, "“6·26”国际禁毒日集中宣传"),
)
_SIX = ("school", "village", "venue", "workplace", "community", "family")
_THEMES = (
    "“禁毒+普法”宣传",
    "“禁毒+非遗文化”宣传",
    "禁毒知识进校园",
    "禁毒游园活动",
    "禁毒知识竞赛",
    "集镇赶集日设点宣传",
)


def government_id(code: DivisionCode) -> OrganisationId:
    """The id of the government of township ``code``."""
    return OrganisationId(f"ORG-{code}")


def centre_id(code: DivisionCode) -> OrganisationId:
    """The id of the rehabilitation centre of township ``code``."""
    return OrganisationId(f"ORG-{code}-C")


@attrs.define
class _Log:
    """One organisation's records, in the order they were entered."""

    organisation: OrganisationId
    rng: random.Random
    records: list[Record] = attrs.field(factory=list)

    def add(
        self, cls: Callable[..., Record], on: dt.date, *, after: Record | None = None, **fields: Any
    ) -> Any:
        """Add a record; one that names another (``after``) is recorded after it."""
        record_id = fields.pop("id", None) or RecordId(f"{self.organisation}-{len(self.records)}")
        hour = 9 + len(self.records) % 8
        recorded = dt.datetime.combine(on + dt.timedelta(days=self.rng.randint(0, 3)), dt.time(hour), _CST)
        if after is not None:
            recorded = max(recorded, after.recorded_at + dt.timedelta(hours=1))
        record = cls(
            id=record_id,
            on=on,
            recorded_at=recorded,
            recorded_by="synthetic",
            organisation=self.organisation,
            **fields,
        )
        self.records.append(record)
        return record

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))


def _in_year(spec: SyntheticSpec, month: int, day: int) -> dt.date:
    return dt.date(spec.start.year, month, day)


def _sorted(log: _Log) -> list[Record]:
    """Registration first, then by recording time: a record comes after the ones it names."""
    first, rest = log.records[0], log.records[1:]
    return [first, *sorted(rest, key=lambda r: (r.recorded_at, r.on, r.id))]


def _government(spec: SyntheticSpec, index: int, code: DivisionCode, name: str) -> _Log:
    log = _Log(government_id(code), random.Random(spec.seed * _STRIDE + _OFFSET + index))
    start, end = spec.start, spec.end
    rng = log.rng
    street = code[6] == "0"
    log.add(
        OrganisationRegistered,
        start - dt.timedelta(days=365),
        id=subject_registration_id(log.organisation),
        name=f"{name}{'办事处' if street else '人民政府'}",
        kind="government",
        division=code,
    )
    log.add(
        LeadingGroupSet,
        _in_year(spec, 1, rng.randint(5, 20)),
        leader="街道党工委书记" if street else "乡（镇）党委书记",
        deputies=("分管政法副书记", "派出所所长"),
        members=rng.randint(8, 15),
        office=True,
    )
    log.add(
        MeetingHeld,
        _in_year(spec, 2, rng.randint(1, 20)),
        kind="deployment",
        participants=rng.randint(20, 60),
    )
    log.add(
        MeetingHeld, _in_year(spec, 7, rng.randint(1, 20)), kind="study", participants=rng.randint(15, 40)
    )
    villages = rng.randint(6, 14)
    log.add(
        LettersSigned,
        _in_year(spec, 3, rng.randint(1, 20)),
        kind="responsibility",
        count=villages,
        counterparts=("各村（社区）",),
    )
    log.add(
        FundingAllocated,
        _in_year(spec, 3, 1),
        amount=Decimal(rng.randint(10, 60) * 1000),
        purpose="禁毒宣传及义工培训",
    )
    team = [f"V-{code}-{n:02d}" for n in range(rng.randint(15, 45))]
    for volunteer in team:
        log.add(
            VolunteerJoined,
            log.day(start - dt.timedelta(days=400), end - dt.timedelta(days=30)),
            volunteer=volunteer,
        )
    for volunteer in rng.sample(team, k=len(team) // 8):
        joined = next(r.on for r in log.records if getattr(r, "volunteer", None) == volunteer)
        log.add(VolunteerLeft, log.day(max(joined, start) + dt.timedelta(days=1), end), volunteer=volunteer)
    log.add(
        TrainingHeld, _in_year(spec, 4, rng.randint(1, 28)), topic="禁毒义工专项培训", participants=len(team)
    )
    for key, month, day, theme in _KEY_DATES:
        if rng.random() < 0.75:
            log.add(
                ActivityHeld,
                _in_year(spec, month, day),
                theme=theme,
                channels=tuple(sorted(rng.sample(_SIX, k=rng.randint(1, 3)))),
                key_date=key,
                sessions=rng.randint(1, 4),
                reach=rng.randint(300, 2500),
                materials=rng.randint(200, 1500),
                banners=rng.randint(1, 6),
                posters=rng.randint(5, 40),
                volunteers=rng.randint(5, 20),
            )
    for _ in range(rng.randint(4, 10)):
        log.add(
            ActivityHeld,
            log.day(start, end),
            theme=rng.choice(_THEMES),
            channels=tuple(sorted(rng.sample((*_SIX, "online"), k=rng.randint(1, 2)))),
            sessions=1,
            reach=rng.randint(50, 600),
            materials=rng.randint(0, 400),
        )
    if not street:
        survey_on = _in_year(spec, 4, rng.randint(10, 28))
        log.add(
            SurveyConducted,
            survey_on,
            division=code,
            area_mu=Decimal(rng.randint(2000, 20000)) / 2,
            personnel=rng.randint(20, 120),
            days=rng.randint(2, 10),
            place="辖区山林、房前屋后",
        )
        if rng.random() < 0.15:
            found = log.add(
                PlantsFound,
                survey_on,
                division=code,
                species="poppy",
                plants=rng.randint(3, 60),
                area_mu=Decimal(rng.randint(1, 9)) / 10,
            )
            if rng.random() < 0.8:
                destroyed_on = survey_on + dt.timedelta(days=rng.randint(0, 2))
                log.add(PlantsDestroyed, destroyed_on, after=found, found=found.id)
    return log


def _centre(spec: SyntheticSpec, index: int, code: DivisionCode, name: str) -> _Log:
    log = _Log(centre_id(code), random.Random(spec.seed * _STRIDE + _OFFSET + 5_000 + index))
    rng = log.rng
    log.add(
        OrganisationRegistered,
        spec.start - dt.timedelta(days=365),
        id=subject_registration_id(log.organisation),
        name=f"{name}社区戒毒康复工作中心",
        kind="rehab_centre",
        division=code,
    )
    scores = {
        "organisation": rng.randint(18, 25),
        "facilities": rng.randint(15, 25),
        "staff": rng.randint(15, 25),
        "mechanisms": Decimal(rng.randint(30, 50)) / 2,
    }
    log.add(RatingAssessed, _in_year(spec, 5, rng.randint(10, 30)), scheme="example_star@1", scores=scores)
    return log


def _bureau(
    spec: SyntheticSpec,
    organisation: str,
    offset: int,
    name: str,
    county: DivisionCode,
    group_day: int,
    members: Callable[[random.Random], int],
) -> _Log:
    """A county bureau's log, opened as every bureau's is: registered a year before, and its
    leading group (局长 at its head, 分管副局长 as deputy, an office) set in January."""
    log = _Log(OrganisationId(organisation), random.Random(spec.seed * _STRIDE + _OFFSET + offset))
    log.add(
        OrganisationRegistered,
        spec.start - dt.timedelta(days=365),
        id=subject_registration_id(log.organisation),
        name=name,
        kind="department",
        division=county,
    )
    log.add(
        LeadingGroupSet,
        _in_year(spec, 1, group_day),
        leader="局长",
        deputies=("分管副局长",),
        members=members(log.rng),
        office=True,
    )
    return log


def _forestry(spec: SyntheticSpec, county: DivisionCode, rural: list[DivisionCode]) -> _Log:
    log = _bureau(spec, FORESTRY, 9_000, "县林业和草原局", county, 10, lambda rng: rng.randint(10, 20))
    rng = log.rng
    log.add(
        LettersSigned,
        _in_year(spec, 2, 20),
        kind="responsibility",
        count=rng.randint(8, 16),
        counterparts=("局属各林场", "各股站", "苗圃"),
    )
    log.add(
        FundingAllocated,
        _in_year(spec, 3, 5),
        amount=Decimal("18500.00"),
        purpose="印发宣传资料、制作禁毒标语",
    )
    log.add(MeetingHeld, _in_year(spec, 2, 25), kind="deployment", participants=rng.randint(30, 60))
    log.add(
        ActivityHeld,
        _in_year(spec, 6, 26),
        theme="“6·26”国际禁毒日林区宣传",
        channels=("village",),
        key_date="0626",
        sessions=rng.randint(3, 8),
        reach=rng.randint(2000, 6000),
        materials=rng.randint(5000, 12000),
        banners=rng.randint(20, 60),
        posters=rng.randint(1000, 3000),
        vehicles=rng.randint(10, 40),
    )
    log.add(
        ActivityHeld,
        _in_year(spec, 6, 10),
        theme="全民禁毒宣传月进林入村宣传",
        channels=("village", "family"),
        key_date="june_month",
        sessions=rng.randint(5, 12),
        reach=rng.randint(3000, 8000),
        materials=rng.randint(8000, 20000),
        banners=rng.randint(10, 30),
        posters=rng.randint(500, 2000),
        vehicles=rng.randint(10, 30),
    )
    survey_end = _in_year(spec, 5, 20)
    for code in rural:
        log.add(
            SurveyConducted,
            survey_end,
            division=code,
            area_mu=Decimal(rng.randint(10000, 80000)),
            personnel=rng.randint(60, 300),
            days=20,
            place="重点林区、林缘区",
        )
    return log


def _emergency(spec: SyntheticSpec, county: DivisionCode) -> _Log:
    log = _bureau(spec, EMERGENCY, 9_001, "县应急管理局", county, 12, lambda _rng: 8)
    rng = log.rng
    log.add(MeetingHeld, _in_year(spec, 1, 20), kind="deployment", participants=rng.randint(25, 50))
    log.add(
        LettersSigned,
        _in_year(spec, 3, 1),
        kind="commitment",
        count=rng.randint(40, 80),
        counterparts=("全局干部职工",),
    )
    for key, month, day, theme in (_KEY_DATES[2], _KEY_DATES[3], _KEY_DATES[4], _KEY_DATES[5]):
        log.add(
            ActivityHeld,
            _in_year(spec, month, day),
            theme=theme,
            channels=("workplace", "community"),
            key_date=key,
            reach=rng.randint(100, 800),
            materials=rng.randint(100, 600),
            banners=rng.randint(1, 4),
        )
    return log


def organisation_records(spec: SyntheticSpec) -> Iterator[list[Record]]:
    """Each organisation's complete work log, one organisation at a time, registration first.

    Every township government, a rehabilitation centre in every other
    township, the county forestry bureau and the emergency-management bureau,
    for the spec's year.
    """
    names = {d.code: d.name for d in divisions(spec)}
    codes = townships(spec)
    for index, code in enumerate(codes):
        yield _sorted(_government(spec, index, code, names[code]))
    for index, code in enumerate(codes):
        if index % 2 == 0:
            yield _sorted(_centre(spec, index, code, names[code]))
    for county in sorted({code[:6] for code in codes}):
        rural = [code for code in codes if code.startswith(county) and code[6] != "0"]
        yield _sorted(_forestry(spec, DivisionCode(county), rural))
        yield _sorted(_emergency(spec, DivisionCode(county)))
        break  # the two departments of the first county: the demo writes their summaries
