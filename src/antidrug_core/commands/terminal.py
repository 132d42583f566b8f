"""What goes to a terminal: text shown as it is, never obeyed.

Kept apart from the other command helpers so that the command line's error
path imports nothing heavy.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
"""Characters a terminal obeys or hides rather than shows: controls (escape sequences among them),
zero-width and bidirectional marks."""


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: every hidden or controlling character shown as ``\\uXXXX``.

    Stores written before the input limits may hold such characters; a
    terminal must show them, never obey them.
    """
    return _HIDDEN.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
