"""Every hook is documented (after datasette's test_plugin_hooks_are_documented)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from antidrug_core import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"


def hook_names() -> list[str]:
    return [
        name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("antidrug_")
    ]


def test_there_are_hooks_to_document() -> None:
    assert "antidrug_open_recorder" in hook_names()


def test_every_hook_has_a_heading_in_the_hooks_reference() -> None:
    documented = set(re.findall(r"^### `(antidrug_\w+)\(", DOCS.read_text(encoding="utf-8"), flags=re.M))
    assert set(hook_names()) <= documented, f"undocumented hooks: {set(hook_names()) - documented}"


def test_every_hook_is_prefixed_typed_and_has_a_docstring() -> None:
    for name in hook_names():
        function = getattr(hookspecs, name)
        assert function.__doc__, name
        assert "return" in function.__annotations__, name
