"""Synthetic people and records: deterministic, streaming and realistic.

The demo, the storage benchmark and the indicator benchmark all need a county
or a whole province of people under management with a year of work recorded
about them, and none of them may use real people. This module makes such
data from a seed:

* ``divisions(spec)`` gives the province, its cities, counties and
  townships, with GB/T 2260-shaped codes (nine-digit statistical township
  codes: 0xx 街道, 1xx 镇, 2xx 乡) and made-up Chinese names.
* ``person_records(spec)`` yields one person's complete, valid records at a
  time, so a million people stream through in the memory of one.

The same spec always gives the same divisions and the same records, byte for
byte: each person is drawn from a random generator seeded by the spec's seed
and the person's index alone, so any slice of people can be made on its own
(``first``/``stop``), in any process.

The proportions follow the 2023 work summaries in ``shared/reference``: most
people are 一般在册 or 戒断三年未复吸, some are in community detox or
rehabilitation, a few in isolation, custody, abroad or deceased; face checks
and assessments reach 90–100 % of the managed, care fewer; nearly everyone
has the app and about half log in; lost contact is rare and tests are mostly
done on time. Each township has its own diligence, so rates differ between
townships the way they do in real reports.

Nothing here reads a clock, a file or the environment. The data are
pseudonymous ids and codes only: no names, no identity numbers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import attrs

from antidrug_core.model import (
    ACTIVE_STATUSES,
    AppInstalled,
    AppLogin,
    CareMeasure,
    CareProvided,
    ContactRestored,
    ControlLevelSet,
    Division,
    DivisionCode,
    FaceCheck,
    FaceCheckMethod,
    FollowUp,
    FollowUpMethod,
    InvalidInput,
    LicenceFound,
    LicenceNotified,
    LostContact,
    PersonId,
    PersonRecord,
    PersonRegistered,
    Problem,
    Record,
    RecordId,
    RecordVoided,
    RelapseFound,
    ResidenceChanged,
    RiskAssessed,
    RiskLevel,
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
from antidrug_core.rules.policy import Policy, Responsibility
from antidrug_core.rules.test_schedule import DEFAULT_TEST_SCHEDULE, TestSchedule

__all__ = [
    "DEFAULT_STATUS_MIX",
    "SyntheticRates",
    "SyntheticSpec",
    "divisions",
    "person_id",
    "person_records",
    "townships",
]

T = TypeVar("T")

_CST = dt.timezone(dt.timedelta(hours=8), "CST")
"""Records are stamped in China Standard Time, as a township office would."""

_SEED_STRIDE = 1 << 40
"""Person ``i`` of seed ``s`` draws from ``Random(s * stride + i)``: independent, random-access streams."""

_COUNTIES_PER_CITY = 15
_MAX_PER_KIND = 99
"""A statistical township code has 99 numbers per kind: 001–099 街道, 101–199 镇, 201–299 乡."""

_NAME_FIRST = "青石龙凤金银白红黄东西南北上下大小长新古高平安云清柳桃花竹松梅兰桂溪泉湖河江岭岩林坪田"
_NAME_SECOND = "山河桥坪寨溪水岭林田湾塘坝沟口洞岩场阳峰源泉江湖冲坡屯营堡关庄"


DEFAULT_STATUS_MIX: tuple[tuple[Status, float], ...] = (
    (Status.REGISTERED, 0.44),
    (Status.ABSTINENT_3Y, 0.36),
    (Status.COMMUNITY_DETOX, 0.05),
    (Status.COMMUNITY_REHAB, 0.05),
    (Status.MAINTENANCE_TREATMENT, 0.02),
    (Status.COMPULSORY_ISOLATION, 0.04),
    (Status.IN_CUSTODY, 0.025),
    (Status.DECEASED, 0.01),
    (Status.ABROAD, 0.005),
)
"""Status at the period end, by share of people: the summaries' 一般在册 and
戒断三年未复吸 dominate, 社区戒毒/社区康复 are a handful per township."""


def _probability(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise InvalidInput.of(attribute.name, f"{value!r} is not a probability between 0 and 1")


@attrs.frozen(kw_only=True)
class SyntheticRates:
    """How often things happen, before each township's diligence is applied.

    Each rate is a probability per person (per half year for the daily work).
    A township's diligence scales the chance of *not* doing the work, so a
    careless township misses more face checks, care and tests than a
    diligent one while the county stays in the ranges of the summaries.
    """

    newly_registered: float = attrs.field(default=0.03, validator=_probability)
    """Share of people first registered during the period (新发现)."""
    left_in_period: float = attrs.field(default=0.06, validator=_probability)
    """Share of those who leave management (three years reached, isolation …) during the period."""
    face_check: float = attrs.field(default=0.965, validator=_probability)
    """Chance a managed person is seen face to face in a half year (见面核查)."""
    assessment: float = attrs.field(default=0.955, validator=_probability)
    """Chance of a risk assessment in a half year (风险评估)."""
    prior_assessment: float = attrs.field(default=0.9, validator=_probability)
    """Chance that someone managed before the period was assessed in the half year before it."""
    care: float = attrs.field(default=0.72, validator=_probability)
    """Chance of a care measure in a half year (关爱帮扶): lower than checks, as in the summaries."""
    app_install: float = attrs.field(default=0.95, validator=_probability)
    """Share of managed people with the app installed (安装率)."""
    app_user: float = attrs.field(default=0.55, validator=_probability)
    """Share of installers who use the app; users log in most half years, others rarely."""
    lost_contact: float = attrs.field(default=0.02, validator=_probability)
    """Chance of losing contact in a window of activity (脱失)."""
    contact_restored: float = attrs.field(default=0.75, validator=_probability)
    """Chance a lost person is found again before the period ends (清零)."""
    transfer: float = attrs.field(default=0.025, validator=_probability)
    """Chance of a transfer to another township (异地管控)."""
    transfer_accepted: float = attrs.field(default=0.8, validator=_probability)
    """Chance the receiving township accepts (else it rejects, saying why)."""
    spot_urine_test: float = attrs.field(default=0.35, validator=_probability)
    """Chance that someone 一般在册 has an unscheduled urine test due in the period."""
    hair_test: float = attrs.field(default=0.12, validator=_probability)
    """Chance of a hair test due in the period (hair tests are campaigns)."""
    test_on_time: float = attrs.field(default=0.92, validator=_probability)
    """Chance a due test is taken within its window."""
    test_late: float = attrs.field(default=0.03, validator=_probability)
    """Chance a due test is taken after its window."""
    test_excused: float = attrs.field(default=0.02, validator=_probability)
    """Chance a due test is excused with a reason; the rest are missed."""
    positive: float = attrs.field(default=0.015, validator=_probability)
    """Chance a test is positive (复吸)."""
    licence: float = attrs.field(default=0.04, validator=_probability)
    """Share of people found holding a driving licence."""
    licence_notified: float = attrs.field(default=0.9, validator=_probability)
    """Chance the traffic authority is notified once a licence is found."""
    void: float = attrs.field(default=0.006, validator=_probability)
    """Chance a person has a record corrected or retracted."""
    late_recorded: float = attrs.field(default=0.03, validator=_probability)
    """Chance a record of the period is entered weeks after the fact."""


def _status_mix(value: Any) -> tuple[tuple[Status, float], ...]:
    try:
        mix = tuple((Status(status), float(weight)) for status, weight in value)
    except (TypeError, ValueError):
        raise InvalidInput.of("status_mix", "must be pairs of (status, weight)") from None
    if not mix or any(weight < 0 for _, weight in mix) or sum(weight for _, weight in mix) <= 0:
        raise InvalidInput.of("status_mix", "weights must be non-negative and not all zero")
    return mix


def _code(length: int) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or len(value) != length or not value.isdigit():
            raise InvalidInput.of(attribute.name, f"{value!r} is not a {length}-digit division code")

    return check


@attrs.frozen(kw_only=True)
class SyntheticSpec:
    """What to generate. The defaults are the demo county: 20 townships, 2,000 people, 2025.

    Use ``SyntheticSpec.demo()`` and ``SyntheticSpec.provincial()`` for the two
    shapes the library itself needs.
    """

    seed: int = attrs.field(default=2025)
    """Everything drawn follows from it; the same seed gives the same records."""
    province: DivisionCode = attrs.field(default="520000", validator=_code(6))
    """The province's code (``xx0000``)."""
    county: DivisionCode = attrs.field(default="522631", validator=_code(6))
    """The first county's code; further counties take the following numbers and cities."""
    counties: int = 1
    """How many counties."""
    townships: int = 20
    """How many townships and street offices in all, spread evenly over the counties."""
    people: int = 2_000
    """How many people."""
    start: dt.date = dt.date(2025, 1, 1)
    """First day of the period of activity."""
    end: dt.date = dt.date(2025, 12, 31)
    """Last day of the period of activity (included)."""
    history_years: int = 12
    """How far back registrations before the period go."""
    policy: Policy = attrs.field(factory=Policy)
    """Who is responsible (transfers leave from the responsible division) and the test window."""
    schedule: TestSchedule = DEFAULT_TEST_SCHEDULE
    """When scheduled tests fall due for people in community measures."""
    rates: SyntheticRates = attrs.field(factory=SyntheticRates)
    """How often things happen."""
    status_mix: tuple[tuple[Status, float], ...] = attrs.field(
        default=DEFAULT_STATUS_MIX, converter=_status_mix
    )
    """Share of people by status at the period end."""
    id_prefix: str = "S"
    """Person ids are ``<prefix><index>``, so two specs can share a store."""

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        if self.seed < 0:
            problems.append(Problem("seed", "must not be negative"))
        if not self.province.endswith("0000"):
            problems.append(Problem("province", f"{self.province!r} is not a province code (xx0000)"))
        if self.county[:2] != self.province[:2] or self.county.endswith("00"):
            problems.append(Problem("county", f"{self.county!r} is not a county of {self.province}"))
        if self.counties < 1:
            problems.append(Problem("counties", "at least one county"))
        elif int(self.county[4:]) + min(self.counties, _COUNTIES_PER_CITY) - 1 > 99:
            problems.append(Problem("counties", f"{self.counties} counties do not fit after {self.county}"))
        elif int(self.county[2:4]) + (self.counties - 1) // _COUNTIES_PER_CITY > 99:
            problems.append(Problem("counties", f"{self.counties} counties do not fit in one province"))
        if self.townships < self.counties:
            problems.append(Problem("townships", "at least one township per county"))
        elif self.counties >= 1 and math.ceil(self.townships / self.counties) > 3 * _MAX_PER_KIND:
            problems.append(Problem("townships", f"at most {3 * _MAX_PER_KIND} townships per county"))
        if self.people < 0:
            problems.append(Problem("people", "must not be negative"))
        if self.end < self.start:
            problems.append(Problem("end", f"{self.end} is before {self.start}"))
        if self.history_years < 6:
            problems.append(Problem("history_years", "at least 6, so that histories of 3-year measures fit"))
        if not self.id_prefix or not self.id_prefix.isalnum():
            problems.append(Problem("id_prefix", "letters and digits only"))
        if problems:
            raise InvalidInput(problems)

    @classmethod
    def demo(cls, *, seed: int = 2025, people: int = 2_000, townships: int = 20) -> SyntheticSpec:
        """The county of ``antidrug demo``: about 20 townships, 2,000 people, the year 2025."""
        return cls(seed=seed, people=people, townships=townships)

    @classmethod
    def provincial(
        cls, *, seed: int = 2025, people: int = 1_000_000, counties: int = 100, townships: int = 1_500
    ) -> SyntheticSpec:
        """A synthetic province for benchmarks: a million people in 1,500 townships of 100 counties."""
        return cls(seed=seed, people=people, counties=counties, townships=townships)


# --- divisions ----------------------------------------------------------------------------


@attrs.frozen
class _Township:
    code: DivisionCode
    county_index: int
    miss: float
    """The township's diligence: how much more (>1) or less (<1) often it misses work."""


@attrs.frozen
class _Layout:
    divisions: tuple[Division, ...]
    townships: tuple[_Township, ...]
    cumulative: tuple[float, ...]
    """Cumulative people weights of the townships, for drawing a household place."""
    by_county: tuple[tuple[int, ...], ...]
    """Township indexes of each county."""
    statuses: tuple[Status, ...]
    status_cumulative: tuple[float, ...]
    """The status mix, for drawing each person's status at the period end."""


def _names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """``count`` two-character place names not in ``taken`` (which they are added to)."""
    pool = [a + b for a in _NAME_FIRST for b in _NAME_SECOND if a != b and a + b not in taken]
    chosen = (
        rng.sample(pool, count) if count <= len(pool) else [*pool, *rng.choices(pool, k=count - len(pool))]
    )
    taken.update(chosen)
    return chosen


def _township_codes(county: str, count: int) -> list[tuple[str, str]]:
    """(code, suffix) of ``count`` townships: some 街道, more 镇, the rest 乡."""
    streets = min(count // 6, _MAX_PER_KIND)
    towns = min((count - streets) * 3 // 5, _MAX_PER_KIND)
    rural = count - streets - towns
    if rural > _MAX_PER_KIND:
        spill = rural - _MAX_PER_KIND
        rural = _MAX_PER_KIND
        more_streets = min(spill, _MAX_PER_KIND - streets)
        streets += more_streets
        towns += spill - more_streets
    made = [(f"{county}{n:03d}", "街道") for n in range(1, streets + 1)]
    made += [(f"{county}{100 + n:03d}", "镇") for n in range(1, towns + 1)]
    made += [(f"{county}{200 + n:03d}", "乡") for n in range(1, rural + 1)]
    return made


@functools.lru_cache(maxsize=8)
def _layout(spec: SyntheticSpec) -> _Layout:
    rng = random.Random(spec.seed * _SEED_STRIDE - 1)
    made: list[Division] = []
    taken: set[str] = set()
    (province_name,) = _names(rng, 1, set())
    made.append(Division(code=DivisionCode(spec.province), name=f"{province_name}省"))
    first_city, first_number = int(spec.county[2:4]), int(spec.county[4:])
    county_codes: list[str] = []
    for index in range(spec.counties):
        city = first_city + index // _COUNTIES_PER_CITY
        number = (first_number if city == first_city else 21) + index % _COUNTIES_PER_CITY
        county_codes.append(f"{spec.province[:2]}{city:02d}{number:02d}")
    cities = sorted({code[:4] for code in county_codes})
    for city_code, name in zip(cities, _names(rng, len(cities), taken), strict=True):
        made.append(Division(code=DivisionCode(f"{city_code}00"), name=f"{name}市"))
    county_names = _names(rng, len(county_codes), taken)
    base, extra = divmod(spec.townships, spec.counties)
    townships: list[_Township] = []
    weights: list[float] = []
    by_county: list[tuple[int, ...]] = []
    for index, (county, name) in enumerate(zip(county_codes, county_names, strict=True)):
        made.append(Division(code=DivisionCode(county), name=f"{name}县"))
        codes = _township_codes(county, base + (index < extra))
        names = _names(rng, len(codes), set())
        first = len(townships)
        for (code, suffix), township_name in zip(codes, names, strict=True):
            made.append(Division(code=DivisionCode(code), name=f"{township_name}{suffix}"))
            miss = min(max(math.exp(rng.gauss(0.0, 0.4)), 0.45), 2.2)
            townships.append(_Township(DivisionCode(code), index, miss))
            weights.append(math.exp(rng.gauss(0.0, 0.45)) * (1.6 if suffix == "街道" else 1.0))
        by_county.append(tuple(range(first, len(townships))))
    cumulative = tuple(itertools.accumulate(weights))
    statuses = tuple(status for status, _ in spec.status_mix)
    status_cumulative = tuple(itertools.accumulate(weight for _, weight in spec.status_mix))
    return _Layout(tuple(made), tuple(townships), cumulative, tuple(by_county), statuses, status_cumulative)


def divisions(spec: SyntheticSpec) -> list[Division]:
    """The province, its cities, counties and townships, by code."""
    return sorted(_layout(spec).divisions, key=lambda d: d.code)


def townships(spec: SyntheticSpec) -> list[DivisionCode]:
    """The township codes people live in, by code."""
    return sorted(t.code for t in _layout(spec).townships)


def person_id(spec: SyntheticSpec, index: int) -> PersonId:
    """The pseudonymous id of person ``index`` (0-based)."""
    width = max(7, len(str(max(spec.people - 1, 0))))
    return PersonId(f"{spec.id_prefix}{index:0{width}d}")


def person_records(spec: SyntheticSpec, *, first: int = 0, stop: int | None = None) -> Iterator[list[Record]]:
    """Each person's complete records, one person at a time, in person order.

    Each list starts with the person's registration (``registration_id``)
    and is in the order the records were entered (by ``recorded_at``), so a
    record always comes after the records it names; loading the lists in
    order through ``uow.add_record(record, live=False)`` meets every rule.

    Args:
        spec: What to generate.
        first: The first person's index (0-based), to make a slice.
        stop: One past the last person's index; ``spec.people`` by default.
    """
    layout = _layout(spec)
    stop = spec.people if stop is None else min(stop, spec.people)
    for index in range(max(first, 0), stop):
        yield _PersonStory(spec, layout, index).records()


# --- one person ---------------------------------------------------------------------------

_ONE_DAY = dt.timedelta(days=1)
_CARE_MEASURES = tuple(CareMeasure)
_CARE_CUMULATIVE = tuple(itertools.accumulate((0.3, 0.28, 0.1, 0.05, 0.08, 0.1, 0.05, 0.04)))
_FACE_CHECK_METHODS = (FaceCheckMethod.HOME_VISIT, FaceCheckMethod.VIDEO_CALL, FaceCheckMethod.OFFICE_VISIT)
_FACE_CHECK_CUMULATIVE = tuple(itertools.accumulate((0.6, 0.3, 0.1)))
_FOLLOW_UP_METHODS = tuple(FollowUpMethod)
_LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
_LEVEL_CUMULATIVE = tuple(itertools.accumulate((0.06, 0.22, 0.72)))
_MEASURE_LEVEL_CUMULATIVE = tuple(itertools.accumulate((0.2, 0.45, 0.35)))
_EXCUSES = ("住院治疗", "外出务工已报备", "孕期", "重病卧床")
_REJECTIONS = ("经核查该人员未在本辖区居住", "移交材料不全，请补充后重新移交")
_VOID_REASONS = ("重复录入", "录入错误")
_LEAVING = (Status.COMPULSORY_ISOLATION, Status.IN_CUSTODY, Status.DECEASED, Status.ABROAD)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return dt.date(day.year + years, 3, 1)


_DELTAS = tuple(dt.timedelta(days=count) for count in range(800))
"""Day steps made once: generating ten million records asks for half a billion of them."""


def _days(count: int) -> dt.timedelta:
    if 0 <= count < 800:
        return _DELTAS[count]
    return dt.timedelta(days=count)


def _halves(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """``[start, end]`` cut at each 1 January and 1 July: the reporting half years."""
    cuts: list[tuple[dt.date, dt.date]] = []
    current = start
    while current <= end:
        boundary = dt.date(current.year, 7, 1) if current.month < 7 else dt.date(current.year + 1, 1, 1)
        last = min(end, boundary - _ONE_DAY)
        cuts.append((current, last))
        current = last + _ONE_DAY
    return cuts


@attrs.frozen
class _Spell:
    status: Status
    start: dt.date
    end: dt.date | None
    """The first day of the next status, or None."""


@attrs.frozen
class _Window:
    """A stretch of the period in which the person is under active management."""

    start: dt.date
    end: dt.date
    spells: tuple[_Spell, ...]
    """The active spells it covers, in order."""

    def spell_on(self, day: dt.date) -> _Spell:
        found = self.spells[0]
        for spell in self.spells:
            if spell.start <= day:
                found = spell
        return found

    def part(self, spell: _Spell) -> tuple[dt.date, dt.date]:
        """The days of this window ``spell`` covers."""
        end = self.end if spell.end is None else min(self.end, spell.end - _ONE_DAY)
        return max(self.start, spell.start), end


class _PersonStory:
    """Draws one person's life on the register and the period of work about them."""

    def __init__(self, spec: SyntheticSpec, layout: _Layout, index: int) -> None:
        self.spec = spec
        self.rates = spec.rates
        self.layout = layout
        self.random = random.Random(spec.seed * _SEED_STRIDE + index).random
        self.person = person_id(spec, index)
        self.start, self.end = spec.start, spec.end
        self.earliest = _add_years(spec.start, -spec.history_years)
        self._made: list[tuple[dt.datetime, int, Record]] = []
        self._counter = itertools.count(1)
        home_index = bisect.bisect_right(layout.cumulative, self.random() * layout.cumulative[-1])
        self.home = layout.townships[min(home_index, len(layout.townships) - 1)]
        self.miss = self.home.miss
        self.app_user = self.chance(self.rates.app_user)
        self.residence: DivisionCode | None = self.home.code
        self.responsible_after: list[tuple[dt.date, DivisionCode]] = []
        self.registered_on = spec.start
        self.installed: dt.date | None = None
        self.licensed = False

    def records(self) -> list[Record]:
        spells = self.history()
        for window in self.windows(spells):
            self.activity(window)
        self._made.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in self._made]

    # --- drawing ---------------------------------------------------------------------------

    def chance(self, rate: float) -> bool:
        return self.random() < rate

    def randint(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]`` (``random.randint`` is several times slower)."""
        return lo + int(self.random() * (hi - lo + 1))

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence[T], cumulative: Sequence[float]) -> T:
        """One of ``items``, drawn by the cumulative weights ``cumulative``."""
        found = bisect.bisect_right(cumulative, self.random() * cumulative[-1])
        return items[min(found, len(items) - 1)]

    def done(self, rate: float) -> bool:
        """Whether work done at ``rate`` is done here: a careless township misses more often."""
        return self.random() >= min((1.0 - rate) * self.miss, 0.95)

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        """A day in ``[lo, hi]``; ``lo`` when the range is empty."""
        if hi <= lo:
            return lo
        return lo + _days(int(self.random() * ((hi - lo).days + 1)))

    def other_township(self) -> DivisionCode:
        """Another township: mostly in the same county, now and then anywhere."""
        layout = self.layout
        pool: Sequence[int] = layout.by_county[self.home.county_index]
        if len(pool) < 2 or self.chance(0.2):
            pool = range(len(layout.townships))
        if len(pool) < 2:
            return self.home.code
        while True:
            chosen = layout.townships[pool[int(self.random() * len(pool))]].code
            if chosen != self.home.code:
                return chosen

    # --- making records --------------------------------------------------------------------

    def officer(self, on: dt.date, worker: bool = False) -> str:
        """Who enters a record: the responsible township's officer (禁毒专干) or social worker."""
        code = self.home.code
        for since, division in self.responsible_after:
            if on >= since:
                code = division
        return f"{'worker' if worker else 'officer'}-{code}"

    def stamp(self, on: dt.date, *, live: bool, after: Record | None) -> dt.datetime:
        """When a fact of ``on`` was entered: mostly the same day or soon after, sometimes weeks late."""
        delay = 0
        if live:
            roll = self.random()
            if roll < self.rates.late_recorded:
                delay = self.randint(15, 60)
            elif roll < 0.35:
                delay = self.randint(1, 3)
        minute = self.randint(9 * 60, 18 * 60 - 1)
        stamp = dt.datetime.combine(on + _days(delay), dt.time(minute // 60, minute % 60), tzinfo=_CST)
        if after is not None and stamp <= after.recorded_at:
            stamp = after.recorded_at + dt.timedelta(minutes=self.randint(1, 90))
        return stamp

    def add(
        self,
        cls: type[PersonRecord | RecordVoided],
        on: dt.date,
        *,
        live: bool = True,
        after: Record | None = None,
        recorded_at: dt.datetime | None = None,
        worker: bool = False,
        **fields: Any,
    ) -> Any:
        """Make a record of ``cls``; ``after`` is a record it names, so it is entered later."""
        number = next(self._counter)
        stamp = recorded_at or self.stamp(on, live=live, after=after)
        record = cls(
            id=RecordId(f"{self.person}:{number}"),
            person=self.person,
            on=on,
            recorded_at=stamp,
            recorded_by=self.officer(on, worker),
            **fields,
        )
        self._made.append((stamp, number, record))
        return record

    # --- the history on the register -------------------------------------------------------

    def register(self, on: dt.date) -> None:
        residence: DivisionCode | None = self.home.code
        roll = self.random()
        if roll < 0.06:
            residence = self.other_township()
        elif roll < 0.10:
            residence = None
        self.residence = residence
        activity = self.other_township() if self.chance(0.03) else None
        stamp = dt.datetime.combine(on, dt.time(8, 30), tzinfo=_CST)
        self.registered_on = on
        record = PersonRegistered(
            id=registration_id(self.person),
            person=self.person,
            on=on,
            recorded_at=stamp,
            recorded_by=self.officer(on),
            household=self.home.code,
            residence=residence,
            activity=None if activity in (residence, self.home.code) else activity,
        )
        self._made.append((stamp, 0, record))

    def keep_count_running(self, anchor: dt.date, until: dt.date) -> None:
        """A relapse found, so that someone still on the register on ``until`` has not
        completed three clean years counted from ``anchor`` (一般在册 rather than 戒断三年)."""
        if _add_years(anchor, 3) > until:
            return
        lo = max(_add_years(until, -3) + _ONE_DAY, anchor + _ONE_DAY)
        hi = min(until, self.start) - _ONE_DAY
        on = self.day(lo, hi if hi >= lo else until - _ONE_DAY)
        self.add(RelapseFound, on, live=on >= self.start)

    def positive_before(self, on: dt.date, floor: dt.date) -> None:
        """The positive test (in the period) or finding (before it) that led to a measure on ``on``."""
        found = self.day(max(on - _days(20), floor), on - _days(2))
        if found < floor or found >= on:
            return
        if found >= self.start:
            self.add(TestDone, found, kind=TestKind.URINE, result=TestResult.POSITIVE)
        else:
            self.add(RelapseFound, found, live=False)

    def history(self) -> list[_Spell]:
        """Registration and every status change, drawn back from the status at the period end."""
        start, end, earliest = self.start, self.end, self.earliest
        final: Status = self.weighted(self.layout.statuses, self.layout.status_cumulative)
        changes_in_period = self.chance(self.rates.left_in_period)
        newly = self.chance(self.rates.newly_registered)
        path: list[tuple[dt.date, Status]]

        if final in (Status.REGISTERED, Status.MAINTENANCE_TREATMENT):
            if newly:
                path = [(self.day(start, end), Status.REGISTERED)]
                anchor = path[0][0]
            else:
                roll = self.random()
                if roll < 0.6:
                    registered = self.day(earliest, start - _days(30))
                    path = [(registered, Status.REGISTERED)]
                    anchor = registered
                elif roll < 0.85:
                    registered = self.day(earliest, _add_years(start, -3) - _days(60))
                    path = [
                        (registered, Status.COMMUNITY_DETOX),
                        (_add_years(registered, 3), Status.REGISTERED),
                    ]
                    anchor = registered
                else:
                    registered = self.day(earliest, _add_years(start, -5) - _days(60))
                    path = [
                        (registered, Status.COMPULSORY_ISOLATION),
                        (_add_years(registered, 2), Status.COMMUNITY_REHAB),
                        (_add_years(registered, 5), Status.REGISTERED),
                    ]
                    anchor = _add_years(registered, 2)
            if final is Status.MAINTENANCE_TREATMENT:
                latest = path[-1][0]
                begun = self.day(latest + _days(30), start - _ONE_DAY) if latest < start else latest
                path.append((min(max(begun, latest + _ONE_DAY), end), final))
            self.register(path[0][0])
            self.keep_count_running(anchor, end)
        elif final is Status.ABSTINENT_3Y:
            if changes_in_period:
                concluded = self.day(start, end)
            else:
                concluded = self.day(_add_years(earliest, 5) + _days(90), start - _ONE_DAY)
            anchor = _add_years(concluded - _days(self.randint(0, 90)), -3)
            roll = self.random()
            if roll < 0.5:
                path = [(anchor, Status.REGISTERED)]
            elif roll < 0.85:
                path = [(anchor, Status.COMMUNITY_DETOX)]
            else:
                path = [
                    (_add_years(anchor, -2), Status.COMPULSORY_ISOLATION),
                    (anchor, Status.COMMUNITY_REHAB),
                ]
            path.append((max(concluded, path[-1][0] + _ONE_DAY), Status.ABSTINENT_3Y))
            self.register(path[0][0])
        elif final in (Status.COMMUNITY_DETOX, Status.COMMUNITY_REHAB):
            lo = max(_add_years(end, -3) + _days(30), earliest)
            if newly or changes_in_period:
                lo = max(lo, start)
            begun = self.day(lo, max(lo, end - _days(14)))
            if final is Status.COMMUNITY_DETOX:
                measure_path = [(begun, Status.COMMUNITY_DETOX)]
            else:
                isolated = _add_years(begun, -2) + _days(self.randint(0, 60))
                measure_path = [(isolated, Status.COMPULSORY_ISOLATION), (begun, Status.COMMUNITY_REHAB)]
            if self.random() < 0.55:
                path = measure_path
                self.register(path[0][0])
            else:
                registered = self.day(earliest, measure_path[0][0] - _days(60))
                path = [(registered, Status.REGISTERED), *measure_path]
                self.register(registered)
                self.keep_count_running(registered, measure_path[0][0] - _days(21))
                self.positive_before(measure_path[0][0], registered + _ONE_DAY)
        else:  # leaving the community: isolation, custody, death, going abroad
            if changes_in_period or self.random() < 0.2:
                left = self.day(min(start + _days(20), end), end)
            elif final is Status.COMPULSORY_ISOLATION:
                left = self.day(_add_years(end, -2) + _days(30), start - _ONE_DAY)
            else:
                left = self.day(_add_years(start, -4), start - _ONE_DAY)
            registered = self.day(earliest, left - _days(90))
            in_detox = self.random() < 0.3 and (left - registered).days < 3 * 365
            path = [(registered, Status.COMMUNITY_DETOX if in_detox else Status.REGISTERED), (left, final)]
            self.register(registered)
            self.keep_count_running(registered, left - _days(21))
            if final in (Status.COMPULSORY_ISOLATION, Status.IN_CUSTODY):
                self.positive_before(left, registered + _ONE_DAY)

        spells: list[_Spell] = []
        previous: Record | None = None
        for position, (on, status) in enumerate(path):
            following = path[position + 1][0] if position + 1 < len(path) else None
            spells.append(_Spell(status, on, following))
            previous = self.add(StatusChanged, on, live=on >= start, after=previous, status=status)
        return spells

    def windows(self, spells: Sequence[_Spell]) -> list[_Window]:
        """The stretches of the period under active management, neighbouring spells joined."""
        found: list[_Window] = []
        for spell in spells:
            if spell.status not in ACTIVE_STATUSES:
                continue
            lo = max(spell.start, self.start)
            hi = self.end if spell.end is None else min(spell.end - _ONE_DAY, self.end)
            if lo > hi:
                continue
            if found and found[-1].end + _ONE_DAY == lo:
                last = found.pop()
                found.append(_Window(last.start, hi, (*last.spells, spell)))
            else:
                found.append(_Window(lo, hi, (spell,)))
        return found

    # --- a window of work ------------------------------------------------------------------

    def activity(self, window: _Window) -> None:
        """The daily work of the summaries, half year by half year.

        发现一个、核查一个、评估一个、管控一个、帮扶一个: checks, assessments, control
        levels, care, follow-up talks for community measures, the app, tests.
        """
        rates = self.rates
        lo, hi = window.start, window.end
        first = window.spells[0]
        if lo == self.start and first.start < self.start and self.chance(rates.prior_assessment):
            prior = self.day(max(first.start, self.start - _days(180)), self.start - _ONE_DAY)
            self.assess(prior, first, live=False)

        lost = self.lost_contact(lo, hi)
        self.transfer(lo, hi)
        self.app(lo, hi, first)
        scheduled = self.spec.schedule.statuses

        checks: list[FaceCheck] = []
        cares: list[CareProvided] = []
        for half_lo, half_hi in _halves(lo, hi):
            if self.done(rates.face_check):
                for _ in range(1 + self.chance(0.25) + self.chance(0.05)):
                    on = self.day(half_lo, half_hi)
                    if lost is None or not lost[0] <= on < lost[1]:
                        seen_by = self.weighted(_FACE_CHECK_METHODS, _FACE_CHECK_CUMULATIVE)
                        checks.append(self.add(FaceCheck, on, method=seen_by))
            if self.done(rates.assessment):
                on = self.day(half_lo, half_hi)
                self.assess(on, window.spell_on(on))
            if self.done(rates.care):
                for _ in range(1 + self.chance(0.2)):
                    measure = self.weighted(_CARE_MEASURES, _CARE_CUMULATIVE)
                    on = self.day(half_lo, half_hi)
                    cares.append(self.add(CareProvided, on, measure=measure, worker=True))
            if any(window.spell_on(day).status in scheduled for day in (half_lo, half_hi)):
                for _ in range(self.randint(1, 3)):
                    talked_by = self.pick(_FOLLOW_UP_METHODS)
                    self.add(FollowUp, self.day(half_lo, half_hi), method=talked_by, worker=True)
            if self.installed is not None and self.chance(0.85 if self.app_user else 0.06):
                login_lo = max(half_lo, self.installed)
                if login_lo <= half_hi:
                    for _ in range(self.randint(1, 4)):
                        self.add(AppLogin, self.day(login_lo, half_hi))
        self.tests(window)
        self.licence(lo, hi)
        self.voids(checks, cares, hi)

    def assess(self, on: dt.date, spell: _Spell, *, live: bool = True) -> None:
        """A confirmed risk assessment; people in community measures are riskier."""
        if spell.status in (Status.COMMUNITY_DETOX, Status.COMMUNITY_REHAB):
            cumulative = _MEASURE_LEVEL_CUMULATIVE
        else:
            cumulative = _LEVEL_CUMULATIVE
        level = self.weighted(_LEVELS, cumulative)
        self.add(RiskAssessed, on, live=live, level=level, confirmed_by=self.officer(on))

    def app(self, lo: dt.date, hi: dt.date, spell: _Spell) -> None:
        """Install the app once: before the period for most people already managed."""
        if self.installed is not None or not self.done(self.rates.app_install):
            return
        if spell.start < self.start and lo == self.start and self.chance(0.85):
            on = self.day(max(spell.start, _add_years(self.start, -2)), self.start - _ONE_DAY)
            self.add(AppInstalled, on, live=False)
        else:
            on = self.day(lo, min(hi, lo + _days(45)))
            self.add(AppInstalled, on)
        self.installed = on

    def lost_contact(self, lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date] | None:
        """Perhaps lose contact, and perhaps be found again: the spell, its last day excluded."""
        if (hi - lo).days < 20 or not self.chance(min(self.rates.lost_contact * self.miss, 0.5)):
            return None
        lost_on = self.day(lo + _days(10), hi - _days(5))
        lost = self.add(LostContact, lost_on)
        found_on = lost_on + _days(self.randint(7, 90))
        if found_on <= hi and self.chance(self.rates.contact_restored):
            self.add(ContactRestored, found_on, after=lost)
            return lost_on, found_on
        return lost_on, hi + _ONE_DAY

    def responsible(self) -> DivisionCode:
        """The responsible township now, as the policy and any accepted transfer say."""
        if self.responsible_after:
            return self.responsible_after[-1][1]
        if self.spec.policy.responsible is Responsibility.RESIDENCE_FIRST and self.residence is not None:
            return self.residence
        return self.home.code

    def transfer(self, lo: dt.date, hi: dt.date) -> None:
        """Perhaps move away and have the file handed over to the new township (异地管控).

        Under household first the person moves and then the file follows; under
        residence first the move itself would shift responsibility, so the
        residence is changed once the new township has accepted.
        """
        if (hi - lo).days < 30 or not self.chance(self.rates.transfer):
            return
        destination = self.other_township()
        if destination == self.responsible():
            return
        household_first = self.spec.policy.responsible is Responsibility.HOUSEHOLD_FIRST
        asked_on = self.day(lo + _days(10), hi - _days(10))
        if household_first:
            self.add(ResidenceChanged, self.day(lo, asked_on), residence=destination)
            self.residence = destination
        request = self.add(
            TransferRequested, asked_on, from_division=self.responsible(), to_division=destination
        )
        answered_on = asked_on + _days(self.randint(3, 30))
        if answered_on > hi:
            return  # still waiting for the receiving township at the period end
        if self.chance(self.rates.transfer_accepted):
            self.responsible_after.append((answered_on, destination))
            accepted = self.add(TransferAccepted, answered_on, after=request, request=request.id)
            if not household_first:
                self.add(ResidenceChanged, answered_on, after=accepted, residence=destination)
                self.residence = destination
        else:
            reason = self.pick(_REJECTIONS)
            self.add(TransferRejected, answered_on, after=request, request=request.id, reason=reason)

    def tests(self, window: _Window) -> None:
        """Due tests by the schedule (community measures), spot and hair tests, and what became of them."""
        schedule = self.spec.schedule
        dues: list[tuple[dt.date, TestKind]] = []
        for spell in window.spells:
            part_lo, part_hi = window.part(spell)
            if spell.status in schedule.statuses:
                dues += [
                    (d, schedule.kind) for d in schedule.due_dates(spell.start) if part_lo <= d <= part_hi
                ]
            elif self.chance(self.rates.spot_urine_test):
                dues.append((self.day(part_lo, part_hi), TestKind.URINE))
        if self.chance(self.rates.hair_test):
            dues.append((self.day(window.start, window.end), TestKind.HAIR))
        lo, hi = window.start, window.end
        test_window = self.spec.policy.test_window_days
        on_time = 1.0 - min((1.0 - self.rates.test_on_time) * self.miss, 0.9)
        late = on_time + self.rates.test_late
        excused = late + self.rates.test_excused
        for position, (due_on, kind) in enumerate(dues):
            planned = dt.datetime.combine(max(lo, due_on - _days(14)), dt.time(8, 45), tzinfo=_CST)
            due = self.add(TestDue, due_on, recorded_at=planned, kind=kind)
            roll = self.random()
            if roll < on_time:
                spread = _days(min(3, test_window))
                taken = self.day(max(lo, due_on - spread), min(hi, due_on + spread))
                # A test that names no due test fulfils any of its kind in whose window it falls,
                # so only a due test with no neighbour of its kind gets one.
                alone = all(
                    other_kind is not kind
                    or other == position
                    or abs((day - due_on).days) > 2 * test_window + 6
                    for other, (day, other_kind) in enumerate(dues)
                )
                self.test_done(taken, kind, due, named=not alone or self.chance(0.85), hi=hi)
            elif roll < late:
                taken = due_on + _days(test_window + self.randint(1, 18))
                if taken <= hi:
                    self.test_done(taken, kind, due, named=True, hi=hi)
            elif roll < excused and not self.taken_near(due_on, kind, test_window):
                excused_on = max(lo, min(hi, due_on + _days(self.randint(0, 3))))
                self.add(TestExcused, excused_on, after=due, due=due.id, reason=self.pick(_EXCUSES))

    def taken_near(self, day: dt.date, kind: TestKind, window: int) -> bool:
        """Whether a test naming no due test was taken within ``window`` days of ``day``."""
        return any(
            isinstance(record, TestDone)
            and record.due is None
            and record.kind is kind
            and abs((record.on - day).days) <= window
            for _, _, record in self._made
        )

    def test_done(self, on: dt.date, kind: TestKind, due: TestDue, *, named: bool, hi: dt.date) -> None:
        """A test taken; a positive one raises the control level (复吸)."""
        roll = self.random()
        positive = self.rates.positive * (2 if kind is TestKind.HAIR else 1)
        if roll < positive:
            result = TestResult.POSITIVE
        elif roll < positive + 0.003:
            result = TestResult.INVALID
        else:
            result = TestResult.NEGATIVE
        test = self.add(TestDone, on, after=due, kind=kind, result=result, due=due.id if named else None)
        raised = on + _days(self.randint(1, 5))
        if result is TestResult.POSITIVE and raised <= hi:
            self.add(
                ControlLevelSet, raised, after=test, level=RiskLevel.HIGH, reason="检测结果阳性，提高管控等级"
            )

    def licence(self, lo: dt.date, hi: dt.date) -> None:
        """A driving licence holder, warned; the traffic authority notified (or not yet)."""
        if self.licensed or not self.chance(self.rates.licence):
            return
        self.licensed = True
        if self.registered_on < self.start and lo == self.start and self.chance(0.5):
            found_on = self.day(self.registered_on, self.start - _ONE_DAY)
            found = self.add(LicenceFound, found_on, live=False)
        else:
            found_on = self.day(lo, hi)
            found = self.add(LicenceFound, found_on)
        notified = found_on + _days(self.randint(1, 20))
        if self.chance(self.rates.licence_notified) and notified <= hi:
            self.add(LicenceNotified, notified, live=notified >= self.start, after=found)

    def voids(self, checks: Sequence[FaceCheck], cares: Sequence[CareProvided], hi: dt.date) -> None:
        """Now and then a face check is corrected, or a care record entered twice is retracted."""
        if not (checks or cares) or not self.chance(self.rates.void):
            return
        if checks and (not cares or self.chance(0.5)):
            wrong = self.pick(checks)
            method = next(m for m in _FACE_CHECK_METHODS if m is not wrong.method)
            self.add(FaceCheck, wrong.on, after=wrong, method=method, voids=wrong.id)
        else:
            care = self.pick(cares)
            on = min(hi, care.on + _days(self.randint(0, 5)))
            self.add(RecordVoided, on, after=care, voids=care.id, reason=self.pick(_VOID_REASONS))
