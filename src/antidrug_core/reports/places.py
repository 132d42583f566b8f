"""Places to write: what a template leaves to a person, and filling them from a text file.

A template marks what no record can say (problems, plans, the local
situation) as ``{fill:KEY LABEL}``. ``antidrug report --template NAME
--places`` lists the keys; ``antidrug report … --text FILE`` takes the
words for them from a Markdown or YAML file keyed by those names, so that a
finished document comes out of one command. A place the file does not
fill stays marked 【待填写：…】; a key the template does not have is an
error, since a misspelt key would otherwise silently leave its place empty.

Markdown: one heading per place, its first word the key, the rest free
(``## problems 存在的问题``); the text until the next heading fills it, its
blank-line-separated paragraphs kept.

YAML (the small part a text file needs, read without a YAML library):
``key: one line`` or ``key: |`` followed by indented lines; ``#`` starts a
comment line; values may be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from antidrug_core.model import InvalidInput, Problem
from antidrug_core.reports.model import Block, Fill, Paragraph, Part, Report
from antidrug_core.reports.templates import FillSlot, ParagraphTemplate, ReportTemplate, parse

__all__ = ["fill_places", "read_places", "template_places"]


def template_places(template: ReportTemplate) -> list[FillSlot]:
    """The places a template leaves to write, each key once, in reading order."""
    found: dict[str, FillSlot] = {}
    for section in template.sections:
        for block in section.blocks:
            if isinstance(block, ParagraphTemplate):
                for text in (block.text, block.otherwise or ""):
                    for piece in parse(text)[0]:
                        if isinstance(piece, FillSlot):
                            found.setdefault(piece.key, piece)
    return list(found.values())


_HEADING = re.compile(r"#{1,6}\s+(\S+)")
_YAML_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)\s*:(.*)")


def read_places(text: str, *, markdown: bool, source: str = "--text") -> dict[str, str]:
    """The texts of a places file, by key.

    Args:
        text: The file's content.
        markdown: True for Markdown headings, False for YAML.
        source: How errors name the file.

    Raises:
        InvalidInput: a key given twice, text before the first key, or a line YAML cannot read.
    """
    return _read_markdown(text, source) if markdown else _read_yaml(text, source)


def _add(found: dict[str, list[str]], key: str, line: int, source: str) -> list[str]:
    if key in found:
        raise InvalidInput.of(source, f"the place {key!r} is given twice", line)
    found[key] = []
    return found[key]


def _read_markdown(text: str, source: str) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _HEADING.match(line)
        if heading:
            current = _add(found, heading.group(1), number, source)
        elif current is not None:
            current.append(line.rstrip())
        elif line.strip():
            raise InvalidInput.of(
                source, "text before the first heading (## KEY) belongs to no place", number
            )
    return {key: _paragraphs(lines) for key, lines in found.items()}


def _paragraphs(lines: list[str]) -> str:
    """Lines joined: a blank line separates paragraphs, a line break inside one is dropped (Chinese prose)."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("".join(current))
            current = []
    return "\n\n".join(paragraphs)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _read_yaml(text: str, source: str) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    block: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if block is not None and (not line.strip() or line[:1] in " \t"):
            block.append(line.strip())
            continue
        block = None
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        entry = _YAML_KEY.fullmatch(line.rstrip())
        if entry is None:
            raise InvalidInput.of(source, f"{line.strip()!r} is not 'key: text' or 'key: |'", number)
        key, value = entry.group(1), entry.group(2).strip()
        lines = _add(found, key, number, source)
        if value in ("|", ">", "|-", ">-"):
            block = lines
        else:
            lines.append(_unquote(value))
    return {key: _paragraphs(lines) for key, lines in found.items()}


def fill_places(report: Report, texts: Mapping[str, str], template: ReportTemplate) -> Report:
    """``report`` with its places written from ``texts``; places left out stay marked.

    A place that is a whole paragraph takes every paragraph of its text; a
    place inside a sentence takes the text as one run.

    Raises:
        InvalidInput: a key that is not a place of ``template``, naming the places it has.
    """
    known = {slot.key for slot in template_places(template)}
    unknown = sorted(set(texts) - known)
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            [
                Problem("--text", f"{key!r} is not a place of {template.name!r} (its places: {names})")
                for key in unknown
            ]
        )
    written = {key: text for key, text in texts.items() if text.strip()}
    sections = tuple(
        attrs.evolve(
            section, blocks=tuple(b for block in section.blocks for b in _fill_block(block, written))
        )
        for section in report.sections
    )
    return attrs.evolve(report, sections=sections)


def _fill_block(block: Block, written: Mapping[str, str]) -> tuple[Block, ...]:
    if not isinstance(block, Paragraph):
        return (block,)
    whole = block.parts[0] if len(block.parts) == 1 else None
    if isinstance(whole, Fill) and whole.key in written:
        return tuple(Paragraph((text,)) for text in written[whole.key].split("\n\n"))
    merged: list[Part] = []
    for part in block.parts:
        if isinstance(part, Fill) and part.key in written:
            part = written[part.key].replace("\n\n", "")
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return (Paragraph(tuple(merged)),)
