"""Indicators an auditor can trust: definitions as data, a readable evaluator, evidence.

* ``IndicatorDefinition`` and the criteria in ``indicators.criteria``: what a
  figure counts, as data with a canonical form and a digest.
* ``standard_catalogue()`` / ``indicator_definitions(plugins)``: the
  standard catalogue (every version, docs/reference/catalogue.md), plus local indicators plugins add
  through ``antidrug_register_indicators``.
* ``evaluate_dataset`` / ``evaluate_in_store``: every indicator for every
  division, as ``IndicatorResult`` values.
* ``explain_dataset`` / ``explain_in_store``: who is in each population and
  the records that decided it.
* ``rates_document`` / ``rates_csv`` / ``rates_table``: ``antidrug-rates/1``.
"""

from __future__ import annotations

from antidrug_core.indicators.canonical import (
    canonical_form,
    definition_from_data,
    definition_to_data,
    digest,
)
from antidrug_core.indicators.catalogue import (
    CATALOGUE_VERSION,
    CATALOGUE_VERSIONS,
    MANAGED,
    earlier_definitions,
    indicator_definitions,
    indicator_registry,
    select_definitions,
    standard_catalogue,
)
from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
    Criterion,
    DueExcused,
    EveryDueExcused,
    FollowedBy,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    InScope,
    ItemField,
    Not,
    ReferencedBy,
    StatusIn,
    SubjectIn,
    When,
    Where,
)
from antidrug_core.indicators.definitions import (
    POPULATIONS,
    AcceptedTransfers,
    Basis,
    Direction,
    Distinct,
    DueTests,
    FlagRule,
    IndicatorDefinition,
    ItemSource,
    PartOf,
    Records,
    RecordsInPeriod,
    Rounding,
    Unit,
)
from antidrug_core.indicators.evaluate import (
    evaluate_dataset,
    evaluate_in_store,
    explain_dataset,
    explain_in_store,
)
from antidrug_core.indicators.evidence import Check, Explanation, RecordRef, Subject
from antidrug_core.indicators.numbers import (
    FLAG_TEXT,
    NO_VALUE,
    display,
    exact_text,
    round_fraction,
    value_text,
)
from antidrug_core.indicators.period import Period
from antidrug_core.indicators.reference import evaluate_files
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult, View
from antidrug_core.indicators.writers import RATES_FORMAT, rates_csv, rates_document, rates_table

__all__ = [
    "CATALOGUE_VERSION",
    "CATALOGUE_VERSIONS",
    "FLAG_TEXT",
    "MANAGED",
    "NO_VALUE",
    "POPULATIONS",
    "RATES_FORMAT",
    "AcceptedTransfers",
    "AllOf",
    "AnyOf",
    "Basis",
    "Check",
    "Criterion",
    "Direction",
    "Distinct",
    "DueExcused",
    "DueTests",
    "EvaluationRequest",
    "EveryDueExcused",
    "Explanation",
    "FlagRule",
    "FollowedBy",
    "FulfilledInWindow",
    "HasRecord",
    "InLostContact",
    "InScope",
    "IndicatorDefinition",
    "IndicatorResult",
    "ItemField",
    "ItemSource",
    "Not",
    "PartOf",
    "Period",
    "RecordRef",
    "Records",
    "RecordsInPeriod",
    "ReferencedBy",
    "Rounding",
    "StatusIn",
    "Subject",
    "SubjectIn",
    "Unit",
    "View",
    "When",
    "Where",
    "canonical_form",
    "definition_from_data",
    "definition_to_data",
    "digest",
    "display",
    "earlier_definitions",
    "evaluate_dataset",
    "evaluate_files",
    "evaluate_in_store",
    "exact_text",
    "explain_dataset",
    "explain_in_store",
    "indicator_definitions",
    "indicator_registry",
    "rates_csv",
    "rates_document",
    "rates_table",
    "round_fraction",
    "select_definitions",
    "standard_catalogue",
    "value_text",
]
