"""JSON Schemas (draft 2020-12) of the library's formats, shipped as package data.

The files beside this module are the machine-readable shapes of the formats
the reference defines (docs/reference/schemas.md); the reference pages are
normative, and a test keeps every example on them valid against these
schemas. Read one with ``importlib.resources.files("antidrug_core.schemas")``.
"""

from __future__ import annotations

__all__ = ["SCHEMA_FILES"]

SCHEMA_FILES: dict[str, str] = {
    "antidrug-dataset/1": "antidrug-dataset-1.schema.json",
    "antidrug-rates/1": "antidrug-rates-1.schema.json",
    "antidrug-chemical-checks/1": "antidrug-chemical-checks-1.schema.json",
    "antidrug-ratings/1": "antidrug-ratings-1.schema.json",
    "antidrug-conformance-case/1": "antidrug-conformance-case-1.schema.json",
}
"""Each format's schema file, by the format's ``format`` value."""
