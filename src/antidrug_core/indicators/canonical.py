"""The canonical serialised form of a definition, and its digest.

The canonical form is the definition's plain data (through the one
converter) written as JSON with keys sorted, no insignificant whitespace,
non-ASCII characters as themselves, in UTF-8. Its SHA-256 is the digest a
result carries: two results with the same digest were computed with exactly
the same definition, whatever the id and version say.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from antidrug_core.converter import structure, unstructure
from antidrug_core.indicators.definitions import IndicatorDefinition

__all__ = ["canonical_form", "definition_from_data", "definition_to_data", "digest"]


def definition_to_data(definition: IndicatorDefinition) -> dict[str, Any]:
    """The definition as plain data (what a host writes in a file to add a local indicator)."""
    data: dict[str, Any] = unstructure(definition)
    return data


def definition_from_data(data: Any) -> IndicatorDefinition:
    """A definition from plain data.

    Raises:
        InvalidInput: naming every field at fault (unknown fields, unknown
            criteria, record types or values, an inconsistent definition).
    """
    return structure(data, IndicatorDefinition)


def canonical_form(definition: IndicatorDefinition) -> bytes:
    """The bytes the digest is taken of."""
    text = json.dumps(
        definition_to_data(definition), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8")


@functools.lru_cache(maxsize=4096)
def digest(definition: IndicatorDefinition) -> str:
    """``sha256:`` and the hex SHA-256 of the canonical form."""
    return "sha256:" + hashlib.sha256(canonical_form(definition)).hexdigest()
