"""The standard catalogue, as data, every version of it, and how hosts add to it.

docs/reference/catalogue.md is generated from it (one row per definition, the rates
first, then the counts); docs/reference/indicators.md says what the criteria mean.
The catalogue reaches the library through the same hook as any host's local
indicators (``antidrug_register_indicators``): this module is a built-in plugin.

A change of meaning is a new version of a definition, and the catalogue that
holds it is a new catalogue version; earlier versions stay here as data, so a
figure reported under them can be reproduced (``standard_catalogue(1)``,
``antidrug rates --indicator test_adherence@1``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import pluggy

from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
    CountsMatch,
    Criterion,
    DueExcused,
    EveryDueExcused,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    InScope,
    ItemField,
    Not,
    ReferencedBy,
    StatusIn,
    When,
    Where,
)
from antidrug_core.indicators.definitions import (
    AcceptedTransfers,
    Basis,
    Direction,
    DueTests,
    IndicatorDefinition,
    ItemSource,
    Records,
    RecordsInPeriod,
    Unit,
)
from antidrug_core.indicators.prevention import activity_parts, prevention_catalogue
from antidrug_core.model import ACTIVE_STATUSES, FaceCheckMethod, InvalidInput, Status, SubjectKind, TestKind
from antidrug_core.plugins import hookimpl
from antidrug_core.registry import Registry
from antidrug_core.rules import RuleRegistry

__all__ = [
    "CATALOGUE_VERSION",
    "CATALOGUE_VERSIONS",
    "MANAGED",
    "antidrug_register_indicators",
    "earlier_definitions",
    "indicator_definitions",
    "indicator_registry",
    "select_definitions",
    "standard_catalogue",
]

CATALOGUE_VERSION = 2
"""The version of the standard catalogue in force (docs/reference/catalogue.md).

1: as first published. 2: ``test_adherence`` version 2 (an excused due test
is a denominator exception); every other definition is unchanged.
"""

CATALOGUE_VERSIONS = (1, 2)
"""Every catalogue version this library can still give (``standard_catalogue(version)``)."""

MANAGED = StatusIn(ACTIVE_STATUSES)
"""The managed population: status at the period end is community_detox,
community_rehab, maintenance_treatment or registered."""


def _rate(
    id: str,
    name_zh: str,
    name_en: str,
    *,
    initial: Criterion = MANAGED,
    denominator: Criterion | None = None,
    numerator: Criterion | None = None,
    denominator_exception: Criterion | None = None,
) -> IndicatorDefinition:
    """A person-based percentage; IP is the managed population unless ``initial`` says otherwise."""
    return IndicatorDefinition(
        id=id,
        version=1,
        name_zh=name_zh,
        name_en=name_en,
        unit=Unit.PERCENT,
        initial=initial,
        denominator=denominator,
        numerator=numerator,
        denominator_exception=denominator_exception,
    )


def _people(id: str, name_zh: str, name_en: str, initial: Criterion) -> IndicatorDefinition:
    """A count of the people attributed to the division who meet ``initial``."""
    return IndicatorDefinition(
        id=id,
        version=1,
        name_zh=name_zh,
        name_en=name_en,
        unit=Unit.COUNT,
        initial=initial,
        decimals=0,
        higher_is_better=None,
    )


def _items(id: str, name_zh: str, name_en: str, items: ItemSource) -> IndicatorDefinition:
    """A count of items (person-times, 人次) of the people attributed to the division."""
    return IndicatorDefinition(
        id=id,
        version=1,
        name_zh=name_zh,
        name_en=name_en,
        unit=Unit.COUNT,
        basis=Basis.EVENT,
        items=items,
        decimals=0,
        higher_is_better=None,
    )


def _in_period(*types: str, **where: Sequence[str]) -> HasRecord:
    return HasRecord(types, When.PERIOD, Where.of(**where))


def _by_end(*types: str, **where: Sequence[str]) -> HasRecord:
    return HasRecord(types, When.BY_PERIOD_END, Where.of(**where))


def _test_rate(kind: TestKind, id: str, name_zh: str, name_en: str) -> IndicatorDefinition:
    return _rate(
        id,
        name_zh,
        name_en,
        denominator=_in_period("test_due", kind=[kind.value]),
        numerator=_in_period("test_done", kind=[kind.value]),
        denominator_exception=EveryDueExcused(kind),
    )


def _test_adherence(version: int) -> IndicatorDefinition:
    """检测按期完成率: due tests fulfilled within their window.

    Version 1 left excused tests in the denominator, so a person in hospital
    counted against the division; version 2 makes an excused due test (not
    fulfilled) a denominator exception, as ``urine_test_rate`` does for people.
    """
    return IndicatorDefinition(
        id="test_adherence",
        version=version,
        name_zh="检测按期完成率",
        name_en="Test adherence",
        unit=Unit.PERCENT,
        basis=Basis.EVENT,
        items=DueTests(),
        initial=MANAGED,
        numerator=FulfilledInWindow(),
        denominator_exception=DueExcused() if version >= 2 else None,
    )


def standard_catalogue(version: int = CATALOGUE_VERSION) -> list[IndicatorDefinition]:
    """Every definition of the standard catalogue, in the order results list them.

    Args:
        version: The catalogue version (``CATALOGUE_VERSIONS``); by default the one in
            force. Earlier ones reproduce figures reported under them.

    Raises:
        InvalidInput: no such catalogue version.
    """
    return list(_standard_catalogue(version))


@functools.cache
def _standard_catalogue(version: int) -> list[IndicatorDefinition]:
    """``standard_catalogue``, made once per version (callers get a copy): every evaluation asks
    for it, and the definitions (frozen, each checked as it is made) never change."""
    if version not in CATALOGUE_VERSIONS:
        raise InvalidInput.of(
            "catalogue", f"no catalogue version {version} (known: {', '.join(map(str, CATALOGUE_VERSIONS))})"
        )
    return [
        # --- the rates (one row each of docs/reference/catalogue.md) ------------------------------
        _rate(
            "face_check_rate",
            "见面核查率",
            "Face-check rate",
            # people in lost contact stay in D: nothing is excluded
            numerator=_in_period("face_check", method=[m.value for m in FaceCheckMethod]),
        ),
        _rate(
            "risk_assessment_rate",
            "风险评估率",
            "Risk-assessment rate",
            numerator=_in_period("risk_assessed"),
        ),
        _rate(
            "tiered_control_rate",
            "分级分类率",
            "Tiered-control rate",
            # a control level in effect at the period end: any effective level record on or before it
            numerator=_by_end("risk_assessed", "control_level_set"),
        ),
        _rate("care_rate", "关爱帮扶率", "Care rate", numerator=_in_period("care_provided")),
        _test_rate(TestKind.URINE, "urine_test_rate", "尿检率", "Urine-test rate"),
        _test_rate(TestKind.HAIR, "hair_test_rate", "毛发检测率", "Hair-test rate"),
        _test_adherence(2 if version >= 2 else 1),
        _rate("app_install_rate", "APP安装率", "App install rate", numerator=_by_end("app_installed")),
        _rate(
            "app_login_rate",
            "APP登录率",
            "App login rate",
            denominator=_by_end("app_installed"),
            numerator=_in_period("app_login"),
        ),
        _rate(
            "lost_contact_found_rate",
            "脱失人员查找率",
            "Lost-contact found rate",
            initial=InLostContact(When.PERIOD),
            numerator=Not(InLostContact(When.PERIOD_END)),
        ),
        _rate(
            "licence_notified_rate",
            "驾驶证通报率",
            "Licence notified rate",
            denominator=_by_end("licence_found"),
            numerator=_by_end("licence_notified"),
        ),
        # --- the counts listed under the table ----------------------------------------------
        _people("managed", "在管人员", "People under management", MANAGED),
        _people(
            "managed_registered",
            "一般在册人员",
            "Registered (no current measure)",
            StatusIn({Status.REGISTERED}),
        ),
        _people(
            "managed_community_detox",
            "社区戒毒人员",
            "In community detox",
            StatusIn({Status.COMMUNITY_DETOX}),
        ),
        _people(
            "managed_community_rehab",
            "社区康复人员",
            "In community rehab",
            StatusIn({Status.COMMUNITY_REHAB}),
        ),
        _people(
            "managed_maintenance_treatment",
            "药物维持治疗人员",
            "In maintenance treatment",
            StatusIn({Status.MAINTENANCE_TREATMENT}),
        ),
        _people(
            "abstinent_3y", "戒断三年未复吸人员", "Abstinent three years", StatusIn({Status.ABSTINENT_3Y})
        ),
        _people("newly_registered", "新增登记人员", "Newly registered", _in_period("person_registered")),
        _items("transfers_in", "转入人次", "Transfers in", AcceptedTransfers(Direction.IN)),
        _items("transfers_out", "转出人次", "Transfers out", AcceptedTransfers(Direction.OUT)),
        _people(
            "lost_contact_at_end",
            "脱失人员",
            "In lost contact at the period end",
            InLostContact(When.PERIOD_END),
        ),
        _items("urine_tests_due", "应做尿检人次", "Urine tests due", DueTests(TestKind.URINE)),
        _items(
            "urine_tests_done",
            "实做尿检人次",
            "Urine tests done",
            RecordsInPeriod(("test_done",), Where.of(kind=[TestKind.URINE.value])),
        ),
        _items("hair_tests_due", "应做毛发检测人次", "Hair tests due", DueTests(TestKind.HAIR)),
        _items(
            "hair_tests_done",
            "实做毛发检测人次",
            "Hair tests done",
            RecordsInPeriod(("test_done",), Where.of(kind=[TestKind.HAIR.value])),
        ),
        _items(
            "positive_tests",
            "检测阳性人次",
            "Positive tests",
            RecordsInPeriod(("test_done",), Where.of(result=["positive"])),
        ),
        # --- beyond people (from catalogue version 2): units, in their division at the period end ---
        *(_beyond_people() if version >= 2 else []),
    ]


def _beyond_people() -> list[IndicatorDefinition]:
    """The figures over units and organisations: version 1 had none, so they enter with version 2."""
    return [
        IndicatorDefinition(
            id="precursor_units",
            version=1,
            name_zh="易制毒化学品单位",
            name_en="Precursor-chemical units",
            unit=Unit.COUNT,
            subject=SubjectKind.UNIT,
            initial=InScope(),
            decimals=0,
            higher_is_better=None,
        ),
        *precursor_definitions(),
        # --- organisations' work (docs/prevention.md) ---
        *prevention_catalogue(),
    ]


def _unit_figure(id: str, name_zh: str, name_en: str, unit: Unit, **fields: Any) -> IndicatorDefinition:
    """A figure about units (docs/reference/indicators.md), attributed to the unit's division at the end."""
    if unit in (Unit.COUNT, Unit.SUM):
        fields.setdefault("decimals", 0)
        fields.setdefault("higher_is_better", None)
    return IndicatorDefinition(
        id=id,
        version=1,  # a definition's own version; it entered with catalogue version 2
        name_zh=name_zh,
        name_en=name_en,
        unit=unit,
        subject=SubjectKind.UNIT,
        **fields,
    )


def precursor_definitions() -> list[IndicatorDefinition]:
    """The precursor-chemical figures beside ``precursor_units``: three rates and six counts.

    Rates and the counts of what stands at the period end are about the
    units in scope then; the work done in the period (inspections, their
    findings, incidents) counts for every unit, also one closed since.
    """
    rectified = ReferencedBy(("rectification_done",), field="order")
    return [
        _unit_figure(
            "precursor_inspection_rate",
            "易制毒化学品单位检查率",
            "Precursor-unit inspection rate",
            Unit.PERCENT,
            initial=InScope(),
            numerator=HasRecord(("inspected",), When.PERIOD),
        ),
        _unit_figure(
            "ledger_match_rate",
            "账物相符率",
            "Stock matches the ledger",
            Unit.PERCENT,
            initial=InScope(),
            denominator=HasRecord(("stock_counted",), When.PERIOD),
            numerator=CountsMatch(),
        ),
        _unit_figure(
            "rectification_rate",
            "整改按期完成率",
            "Rectified on time",
            Unit.PERCENT,
            basis=Basis.EVENT,
            items=Records(("rectification_ordered",), When.PERIOD, date="due"),
            initial=InScope(),
            numerator=ReferencedBy(("rectification_done",), field="order", by="due"),
        ),
        _unit_figure(
            "precursor_inspections",
            "易制毒化学品检查次数",
            "Precursor-unit inspections",
            Unit.COUNT,
            basis=Basis.EVENT,
            items=Records(("inspected",), When.PERIOD),
        ),
        _unit_figure(
            "precursor_findings",
            "检查发现问题",
            "Findings of precursor inspections",
            Unit.SUM,
            basis=Basis.EVENT,
            items=Records(("inspected",), When.PERIOD),
            sum_of="findings",
        ),
        _unit_figure(
            "precursor_incidents",
            "易制毒化学品案件报告",
            "Precursor incidents reported",
            Unit.COUNT,
            basis=Basis.EVENT,
            items=Records(("incident_reported",), When.PERIOD),
        ),
        _unit_figure(
            "rectifications_overdue",
            "逾期未整改",
            "Rectifications overdue",
            Unit.COUNT,
            basis=Basis.EVENT,
            items=Records(("rectification_ordered",), When.BY_PERIOD_END, date="due"),
            initial=InScope(),
            numerator=Not(rectified),
        ),
        _unit_figure(
            "licences_in_force",
            "有效许可备案",
            "Licences and filings in force",
            Unit.COUNT,
            basis=Basis.EVENT,
            items=Records(("licence_granted",), When.BY_PERIOD_END),
            initial=InScope(),
            numerator=AllOf(
                (
                    Not(ReferencedBy(("licence_revoked",), field="licence_record")),
                    AnyOf((Not(ItemField("until")), ItemField("until", when=When.FROM_PERIOD_END))),
                )
            ),
        ),
    ]


@hookimpl(tryfirst=True)
def antidrug_register_indicators(registry: Registry[IndicatorDefinition]) -> None:
    """Register the standard catalogue first, so a host plugin can replace an entry on purpose."""
    for definition in standard_catalogue():
        registry.add(definition)


def indicator_registry() -> Registry[IndicatorDefinition]:
    """An empty registry of definitions, keyed by id (what the registration hook receives)."""
    return Registry("indicator", lambda definition: definition.id)


def indicator_definitions(plugins: pluggy.PluginManager | None = None) -> list[IndicatorDefinition]:
    """The definitions in force: the standard catalogue and every local indicator plugins add.

    Args:
        plugins: The plugin manager to ask (a store's ``plugins``); None for
            the standard catalogue alone.
    """
    if plugins is None:
        return standard_catalogue()
    registry = indicator_registry()
    plugins.hook.antidrug_register_indicators(registry=registry)
    # A key date or channel a host added is data like the national ones: it gets its own
    # parts of the activities and their reach, unless a plugin registered figures of that id.
    rules = RuleRegistry()
    plugins.hook.antidrug_register_rules(registry=rules)
    for part in activity_parts(rules.key_dates, rules.channels):
        if part.id not in registry:
            registry.add(part)
    return list(registry)


def earlier_definitions() -> list[IndicatorDefinition]:
    """Definitions of earlier catalogue versions that a later version replaced, oldest first."""
    current = {(d.id, d.version) for d in standard_catalogue()}
    found: dict[tuple[str, int], IndicatorDefinition] = {}
    for version in CATALOGUE_VERSIONS:
        for definition in standard_catalogue(version):
            key = (definition.id, definition.version)
            if key not in current:
                found.setdefault(key, definition)
    return list(found.values())


def _named(text: str) -> tuple[str, int | None]:
    """``id`` or ``id@version``."""
    id, at, version = text.partition("@")
    if not at:
        return id, None
    if not version.isdigit():
        raise InvalidInput.of("indicator", f"{text!r}: the version after @ is not a number")
    return id, int(version)


def select_definitions(
    definitions: Iterable[IndicatorDefinition], ids: Sequence[str] | None
) -> list[IndicatorDefinition]:
    """The definitions named by ``ids`` (all when None), in catalogue order.

    An id may name a version, ``test_adherence@1``: the version in force, or
    an earlier version of the standard catalogue kept to reproduce old figures
    (it takes the place of the one in force in the order).

    Raises:
        InvalidInput: an id names no definition, or no such version of one.
    """
    available = list(definitions)
    if ids is None:
        return available
    known = {d.id for d in available}
    named = [_named(i) for i in ids]
    unknown = [i for i, (id, _) in zip(ids, named, strict=True) if id not in known]
    if unknown:
        raise InvalidInput.of(
            "indicator",
            f"unknown indicator {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})",
        )
    versions = {(d.id, d.version): d for d in (*earlier_definitions(), *available)}
    missing = [i for i, key in zip(ids, named, strict=True) if key[1] is not None and key not in versions]
    if missing:
        raise InvalidInput.of(
            "indicator",
            "; ".join(
                f"{text!r}: no such version (known: "
                f"{', '.join(str(v) for (id, v) in sorted(versions) if id == _named(text)[0])})"
                for text in missing
            ),
        )
    chosen: list[IndicatorDefinition] = []
    for definition in available:
        for id, version in dict.fromkeys(named):
            if id != definition.id:
                continue
            picked = definition if version is None else versions[(id, version)]
            if picked not in chosen:
                chosen.append(picked)
    return chosen
