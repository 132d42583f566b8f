"""The standard catalogue (version 1), as data, and how hosts add to it.

docs/reference/catalogue.md is generated from it (one row per definition, the rates
first, then the counts); docs/reference/indicators.md says what the criteria mean.
The catalogue reaches the library through the same hook as any host's local
indicators (``antidrug_register_indicators``): this module is a built-in plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pluggy

from antidrug_core.indicators.criteria import (
    Criterion,
    EveryDueExcused,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    InScope,
    Not,
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
    RecordsInPeriod,
    Unit,
)
from antidrug_core.indicators.prevention import prevention_catalogue
from antidrug_core.model import ACTIVE_STATUSES, FaceCheckMethod, InvalidInput, Status, SubjectKind, TestKind
from antidrug_core.plugins import hookimpl
from antidrug_core.registry import Registry

__all__ = [
    "CATALOGUE_VERSION",
    "MANAGED",
    "antidrug_register_indicators",
    "indicator_definitions",
    "indicator_registry",
    "select_definitions",
    "standard_catalogue",
]

CATALOGUE_VERSION = 1
"""The version of the standard catalogue shipped here (docs/reference/catalogue.md)."""

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
        version=CATALOGUE_VERSION,
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
        version=CATALOGUE_VERSION,
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
        version=CATALOGUE_VERSION,
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


def standard_catalogue() -> list[IndicatorDefinition]:
    """Every definition of the standard catalogue, in the order results list them."""
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
        IndicatorDefinition(
            id="test_adherence",
            version=CATALOGUE_VERSION,
            name_zh="检测按期完成率",
            name_en="Test adherence",
            unit=Unit.PERCENT,
            basis=Basis.EVENT,
            items=DueTests(),
            initial=MANAGED,
            numerator=FulfilledInWindow(),
        ),
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
        # --- beyond people: units, attributed to their division at the period end ---
        IndicatorDefinition(
            id="precursor_units",
            version=CATALOGUE_VERSION,
            name_zh="易制毒化学品单位",
            name_en="Precursor-chemical units",
            unit=Unit.COUNT,
            subject=SubjectKind.UNIT,
            initial=InScope(),
            decimals=0,
            higher_is_better=None,
        ),
        # --- beyond people: organisations' work (docs/prevention.md) ---
        *prevention_catalogue(),
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
    return list(registry)


def select_definitions(
    definitions: Iterable[IndicatorDefinition], ids: Sequence[str] | None
) -> list[IndicatorDefinition]:
    """The definitions named by ``ids`` (all when None), in catalogue order.

    Raises:
        InvalidInput: an id names no definition.
    """
    available = list(definitions)
    if ids is None:
        return available
    known = {d.id for d in available}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidInput.of(
            "indicator",
            f"unknown indicator {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})",
        )
    wanted = set(ids)
    return [d for d in available if d.id in wanted]
