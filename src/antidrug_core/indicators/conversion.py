"""Teaching the one converter (``antidrug_core.converter``) about indicator definitions.

Criteria and item sources are tagged unions: their plain form carries an
explicit, stable ``op`` tag (never a class name), and fields left at their
defaults are left out, so that a field added in a later version with a
default does not change the canonical form — or the digest — of a
definition written before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from antidrug_core.indicators.criteria import CRITERION_TYPES, Criterion, Where
from antidrug_core.indicators.definitions import (
    ITEM_SOURCE_TYPES,
    Distinct,
    IndicatorDefinition,
    ItemSource,
    PartOf,
)

__all__ = ["TAG_FIELD", "configure_converter"]

TAG_FIELD = "op"
"""The key that carries a criterion's or item source's stable tag in plain data."""


def _unstructure_where(where: Where) -> dict[str, list[str]]:
    return {field: list(values) for field, values in where}


def _structure_where(data: Any, _: type) -> Where:
    if not isinstance(data, Mapping):
        raise ValueError("where must be an object of field: [values]")
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for field, values in data.items():
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise ValueError(f"where.{field} must be a non-empty list of texts")
        pairs.append((str(field), tuple(values)))
    return Where(tuple(pairs))


def _tagged(converter: cattrs.Converter, base: type[Any], types: Mapping[str, type[Any]], kind: str) -> None:
    """Register un/structure hooks for ``base`` and its tagged subclasses."""

    def structure_any(data: Any, _: type) -> Any:
        if not isinstance(data, Mapping):
            raise ValueError(f"a {kind} must be an object with {TAG_FIELD!r}")
        tag = data.get(TAG_FIELD)
        cls = types.get(tag) if isinstance(tag, str) else None
        if cls is None:
            known = ", ".join(sorted(types))
            raise ValueError(f"unknown {kind} {tag!r} (known: {known})")
        return converter.structure(data, cls)

    # The base hooks come first: hooks generated below for classes with a field of the
    # base type (``not``, ``all_of``) bind the base hook when they are generated.
    converter.register_structure_hook(base, structure_any)
    converter.register_unstructure_hook(base, lambda value: converter.unstructure(value, type(value)))

    for tag, cls in types.items():
        fields_in = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)
        fields_out = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)

        def unstructure(
            value: Any, _tag: str = tag, _out: Callable[[Any], dict[str, Any]] = fields_out
        ) -> Any:
            return {TAG_FIELD: _tag, **_out(value)}

        def structure(data: Mapping[str, Any], _: type, _cls: type[Any] = cls, _in: Any = fields_in) -> Any:
            return _in({k: v for k, v in data.items() if k != TAG_FIELD}, _cls)

        converter.register_unstructure_hook(cls, unstructure)
        converter.register_structure_hook(cls, structure)


def configure_converter(converter: cattrs.Converter) -> None:
    """Register the hooks for criteria, item sources and definitions on ``converter``."""
    converter.register_unstructure_hook(Where, _unstructure_where)
    converter.register_structure_hook(Where, _structure_where)
    _tagged(converter, Criterion, CRITERION_TYPES, "criterion")
    _tagged(converter, ItemSource, ITEM_SOURCE_TYPES, "item source")
    # Like every part of a definition, a distinct count leaves its defaults out, so a field added
    # later with a default keeps the digests of definitions written before it.
    for part in (Distinct, PartOf):
        converter.register_structure_hook(
            part, make_dict_structure_fn(part, converter, _cattrs_forbid_extra_keys=True)
        )
        converter.register_unstructure_hook(
            part, make_dict_unstructure_fn(part, converter, _cattrs_omit_if_default=True)
        )
    converter.register_structure_hook(
        IndicatorDefinition,
        make_dict_structure_fn(IndicatorDefinition, converter, _cattrs_forbid_extra_keys=True),
    )
    converter.register_unstructure_hook(
        IndicatorDefinition,
        make_dict_unstructure_fn(IndicatorDefinition, converter, _cattrs_omit_if_default=True),
    )
