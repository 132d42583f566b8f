"""Policies as data: responsibility, test schedules, risk rules, level schemes, control measures.

Everything local documents decide differently lives here with the national
practice as default, and a host changes it through the
``antidrug_register_rules`` hook instead of through code.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from antidrug_core.model import DivisionCode, RiskLevel
from antidrug_core.registry import Registry
from antidrug_core.rules.chemicals import (
    NATIONAL_CATALOGUE,
    Category,
    ChemicalCatalogue,
    ChemicalEntry,
    chemical_from_data,
)
from antidrug_core.rules.control import DEFAULT_CONTROL_MEASURES, ControlMeasures
from antidrug_core.rules.levels import COLOUR_SCHEME, LETTER_SCHEME, NATIONAL_SCHEME, LevelScheme, read_level
from antidrug_core.rules.policy import Policy, Responsibility
from antidrug_core.rules.prevention import (
    DEFAULT_CHANNELS,
    DEFAULT_KEY_DATES,
    EXAMPLE_STAR_SCHEME,
    Channel,
    KeyDate,
    PreventionRules,
    RatingItem,
    RatingScheme,
    StarLevel,
)
from antidrug_core.rules.retention import (
    DEFAULT_RETENTION_RULES,
    SEALING_YEARS,
    RetentionAnchor,
    RetentionRule,
    RetentionRules,
)
from antidrug_core.rules.risk import NATIONAL_RISK_RULES, RiskProposal, RiskRuleSet
from antidrug_core.rules.sealing import DEFAULT_SEALING, SealingRule
from antidrug_core.rules.test_schedule import (
    DEFAULT_TEST_SCHEDULE,
    SchedulePolicies,
    ScheduleStep,
    TestSchedule,
    add_months,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_CONTROL_MEASURES",
    "DEFAULT_KEY_DATES",
    "DEFAULT_RETENTION_RULES",
    "DEFAULT_SEALING",
    "DEFAULT_TEST_SCHEDULE",
    "EXAMPLE_STAR_SCHEME",
    "NATIONAL_CATALOGUE",
    "NATIONAL_RISK_RULES",
    "SEALING_YEARS",
    "Category",
    "Channel",
    "ChemicalCatalogue",
    "ChemicalEntry",
    "ControlMeasures",
    "KeyDate",
    "LevelScheme",
    "Policy",
    "PreventionRules",
    "RatingItem",
    "RatingScheme",
    "Responsibility",
    "RetentionAnchor",
    "RetentionRule",
    "RetentionRules",
    "RiskProposal",
    "RiskRuleSet",
    "RuleRegistry",
    "Rules",
    "SchedulePolicies",
    "ScheduleStep",
    "SealingRule",
    "StarLevel",
    "TestSchedule",
    "add_months",
    "chemical_from_data",
    "read_level",
]


@attrs.frozen
class Rules:
    """Every rule in force for one store, assembled once when it opens."""

    schedules: SchedulePolicies = attrs.field(factory=SchedulePolicies)
    risk_rules: Mapping[str, RiskRuleSet] = attrs.field(
        factory=lambda: {NATIONAL_RISK_RULES.id: NATIONAL_RISK_RULES}
    )
    """Rule sets in force by id (the latest version of each); ``national`` is the default."""
    risk_rule_versions: Mapping[str, RiskRuleSet] = attrs.field(
        factory=lambda: {NATIONAL_RISK_RULES.key: NATIONAL_RISK_RULES}
    )
    """Every version registered, by ``id@version``: what re-explains an old assessment."""
    level_schemes: Mapping[str, LevelScheme] = attrs.field(
        factory=lambda: {s.id: s for s in (NATIONAL_SCHEME, LETTER_SCHEME, COLOUR_SCHEME)}
    )
    control_measures: Mapping[RiskLevel, ControlMeasures] = DEFAULT_CONTROL_MEASURES
    chemicals: ChemicalCatalogue = NATIONAL_CATALOGUE
    """The precursor chemical catalogue: the national one and any entries a host added."""
    prevention: PreventionRules = attrs.field(factory=PreventionRules)
    """Key dates, channels and rating schemes (禁毒宣传, 星级评定)."""
    retention: RetentionRules = attrs.field(factory=RetentionRules)
    """When identities are erased (PIPL art. 47)."""
    sealing: SealingRule = DEFAULT_SEALING
    """When a person's file is sealed by rule (封存)."""


class RuleRegistry:
    """What ``antidrug_register_rules`` receives: the rules a plugin adds or replaces."""

    def __init__(self) -> None:
        self.test_schedules: dict[DivisionCode, TestSchedule] = {}
        self.default_schedule: TestSchedule = DEFAULT_TEST_SCHEDULE
        self.risk_rules: Registry[RiskRuleSet] = Registry("risk rule set", lambda r: r.key)
        """Keyed by ``id@version``: a new version is added beside the old, which keeps
        explaining the assessments made under it."""
        self.level_schemes: Registry[LevelScheme] = Registry("level scheme", lambda s: s.id)
        self.control_measures: dict[RiskLevel, ControlMeasures] = dict(DEFAULT_CONTROL_MEASURES)
        self.key_dates: Registry[KeyDate] = Registry("key date", lambda d: d.id)
        self.channels: Registry[Channel] = Registry("channel", lambda c: c.id)
        self.rating_schemes: Registry[RatingScheme] = Registry("rating scheme", lambda s: s.id)
        for key_date in DEFAULT_KEY_DATES:
            self.key_dates.add(key_date)
        for channel in DEFAULT_CHANNELS:
            self.channels.add(channel)
        self.rating_schemes.add(EXAMPLE_STAR_SCHEME)
        self.risk_rules.add(NATIONAL_RISK_RULES)
        for scheme in (NATIONAL_SCHEME, LETTER_SCHEME, COLOUR_SCHEME):
            self.level_schemes.add(scheme)
        self.retention: RetentionRules = RetentionRules()
        """When identities are erased: replace it to set a jurisdiction's own periods."""
        self.chemicals: Registry[ChemicalEntry] = Registry("chemical", lambda c: c.id)
        for entry in NATIONAL_CATALOGUE:
            self.chemicals.add(entry)
        self.sealing: SealingRule = DEFAULT_SEALING
        """When files are sealed by rule; a host replaces it whole (``SealingRule(years=5)``)."""

    def add_chemical(self, entry: ChemicalEntry | Mapping[str, object], *, replace: bool = False) -> None:
        """Add a catalogue entry, given as an entry or as plain data (a new addition to the
        catalogue is a data change); ``replace=True`` corrects an entry on purpose."""
        made = entry if isinstance(entry, ChemicalEntry) else chemical_from_data(entry)
        self.chemicals.add(made, replace=replace)

    def add_test_schedule(self, division: DivisionCode | None, schedule: TestSchedule) -> None:
        """Use ``schedule`` for everyone managed in ``division`` (None: the default everywhere)."""
        if division is None:
            self.default_schedule = schedule
        else:
            self.test_schedules[division] = schedule

    def set_control_measures(self, measures: ControlMeasures) -> None:
        """Replace the measures of one control level."""
        self.control_measures[measures.level] = measures

    def build(self) -> Rules:
        """The rules as registered."""
        return Rules(
            schedules=SchedulePolicies(self.default_schedule, dict(self.test_schedules)),
            risk_rules={r.id: r for r in sorted(self.risk_rules, key=lambda r: r.version)},
            risk_rule_versions={r.key: r for r in self.risk_rules},
            level_schemes={s.id: s for s in self.level_schemes},
            control_measures=dict(self.control_measures),
            chemicals=ChemicalCatalogue(self.chemicals),
            prevention=PreventionRules(
                key_dates={d.id: d for d in self.key_dates},
                channels={c.id: c for c in self.channels},
                rating_schemes={s.id: s for s in self.rating_schemes},
            ),
            retention=self.retention,
            sealing=self.sealing,
        )
