"""Records' canonical JSON, made by one function per record type compiled from the converter's hooks.

``antidrug_core.audit.canonical_json`` turns a record into plain data with
the one converter and encodes it with sorted keys; that is the text a store
keeps as the payload and hashes into the chain. A bulk load makes millions
of them, and building the dictionary and then sorting its keys costs as much
as the rest of the load. The functions here make the same text directly:
for each record type they know the sorted plain field names (the
converter's renames included), which fields the converter leaves out at
their default, and the converter's own unstructure hook for each field's
type (dates, timestamps, enums), and they encode strings with the same
function the ``json`` module uses. A record holding anything else than the
types its fields declare goes through ``canonical_json`` itself; a property
test holds both equal for every record type.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

import attrs

from antidrug_core.audit import canonical_json
from antidrug_core.converter import TYPE_FIELD, get_converter, plain_field_name
from antidrug_core.model import Record

__all__ = [
    "ISO_HOOKS",
    "FieldPlan",
    "field_plans",
    "json_fragment",
    "member_texts",
    "payload_function",
    "payload_of",
    "payload_source",
    "present",
    "type_check",
]

_NESTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
"""The encoder ``canonical_json`` uses, for structured field values (assessment factors)."""


@attrs.frozen
class FieldPlan:
    """How one attrs field of a record type becomes JSON (and, for the SQL row, a column value)."""

    attribute: str
    """The attrs field name."""
    key: str
    """Its name in plain data (``from_division`` → ``from``)."""
    kind: str
    """``str``, ``date``, ``datetime``, ``enum`` (encoded as the hook's string) or ``other``."""
    declared: Any
    """The field's type without ``None``, for the type check of the fast path."""
    hook: Callable[[Any], Any] | None
    """The converter's unstructure hook for the value (None for strings, passed through as they are)."""
    default: Any
    """The attrs default; ``attrs.NOTHING`` for a field without one (always written)."""

    @property
    def omittable(self) -> bool:
        """Whether the converter leaves the field out when it equals its default."""
        return self.default is not attrs.NOTHING


def _optional_base(declared: Any) -> Any:
    if isinstance(declared, types.UnionType) or typing.get_origin(declared) is typing.Union:
        options = [t for t in typing.get_args(declared) if t is not type(None)]
        return options[0] if len(options) == 1 else declared
    return declared


_PLANS: dict[type[Record], tuple[FieldPlan, ...]] = {}


def field_plans(cls: type[Record]) -> tuple[FieldPlan, ...]:
    """The record type's fields, sorted by their plain names as ``sort_keys`` sorts them."""
    found = _PLANS.get(cls)
    if found is None:
        found = _PLANS[cls] = _field_plans(cls)
    return found


def _field_plans(cls: type[Record]) -> tuple[FieldPlan, ...]:
    converter = get_converter()
    hints = typing.get_type_hints(cls)
    plans: list[FieldPlan] = []
    for attribute in attrs.fields(cls):
        declared = hints[attribute.name]
        base = _optional_base(declared)
        if base is str:
            kind, hook = "str", None
        elif base is dt.datetime:
            kind, hook = "datetime", converter.get_unstructure_hook(dt.datetime)
        elif base is dt.date:
            kind, hook = "date", converter.get_unstructure_hook(dt.date)
        elif isinstance(base, type) and issubclass(base, enum.Enum) and issubclass(base, str):
            kind, hook = "enum", converter.get_unstructure_hook(base)
        else:
            kind, hook, base = "other", converter.get_unstructure_hook(declared), declared
        plans.append(
            FieldPlan(
                attribute=attribute.name,
                key=plain_field_name(cls, attribute.name),
                kind=kind,
                declared=base,
                hook=hook,
                default=attribute.default,
            )
        )
    if any(plan.key == TYPE_FIELD for plan in plans):
        raise TypeError(f"{cls.__name__} has a field named {TYPE_FIELD!r}, which the type tag uses")
    return tuple(sorted(plans, key=lambda plan: plan.key))


def type_check(plan: FieldPlan, value: str, names: dict[str, Any]) -> str | None:
    """Python source that is true when ``value`` is not of the kind the fast path handles."""
    if plan.kind == "other":
        return None
    names[f"T_{plan.attribute}"] = plan.declared
    wrong = f"type({value}) is not T_{plan.attribute}"
    if plan.omittable:
        return f"({present(plan, value, names)} and {wrong})"
    return wrong


def present(plan: FieldPlan, value: str, names: dict[str, Any]) -> str:
    """Python source that is true when the converter writes the field (it differs from its default)."""
    if plan.default is None:
        return f"{value} is not None"  # what ``!= None`` means for every value, faster
    names[f"D_{plan.attribute}"] = plan.default
    return f"{value} != D_{plan.attribute}"


def member_texts(plan: FieldPlan, encode: Callable[[str], str] | None = None) -> dict[Any, str]:
    """What the converter's hook makes of each member of an enum field (JSON-encoded with ``encode``)."""
    assert plan.hook is not None
    return {member: (encode or str)(plan.hook(member)) for member in plan.declared}


def json_fragment(plan: FieldPlan, value: str, names: dict[str, Any]) -> str:
    """Python source of the JSON text of ``value`` (already checked to be of the field's kind)."""
    names["enc"] = encode_basestring
    if plan.kind == "str":
        return f"enc({value})"
    if plan.kind == "enum":
        # Members are singletons and the hook a function of the member: its text is made once.
        names[f"J_{plan.attribute}"] = member_texts(plan, encode_basestring)
        return f"J_{plan.attribute}[{value}]"
    names[f"H_{plan.attribute}"] = plan.hook
    if plan.kind == "other":
        names["NESTED"] = _NESTED
        return f"NESTED.encode(H_{plan.attribute}({value}))"
    return f"enc(H_{plan.attribute}({value}))"


ISO_HOOKS = (dt.date.isoformat, dt.datetime.isoformat)
"""Hooks whose text is only digits, ``-``, ``:``, ``T``, ``.`` and ``+`` (for a value of the exact
type, which the fast path checks): JSON has nothing to escape in it."""


def payload_source(cls: type[Record], names: dict[str, Any], *, texts: dict[str, str]) -> list[str]:
    """Lines that set ``payload`` to the record ``r``'s canonical JSON; its fields are in ``v_<name>``.

    Args:
        cls: The record type.
        names: Globals the generated code needs; filled in here.
        texts: Variables already holding the JSON string value of a field
            (without quotes), to reuse instead of calling its hook again.
    """
    names["D_type"] = cls.type_tag
    entries: list[tuple[str, FieldPlan | None]] = [(TYPE_FIELD, None)]
    entries += [(plan.key, plan) for plan in field_plans(cls)]
    entries.sort(key=lambda entry: entry[0])
    # The text is one f-string, with no comma to cut off afterwards (cutting it and adding the
    # braces took more than half the payload's time): the fields sorted before the first one always
    # written are each followed by their comma, and the fields after it preceded by theirs.
    first = next(i for i, (_, plan) in enumerate(entries) if plan is None or not plan.omittable)
    lines: list[str] = []
    parts: list[str] = []
    for index, (key, plan) in enumerate(entries):
        before, after = ("", ",") if index < first else ("" if index == first else ",", "")
        name = encode_basestring(key) + ":"
        if plan is None:
            parts.append(before + name + encode_basestring(cls.type_tag))
            continue
        value = f"v_{plan.attribute}"
        if plan.attribute in texts and plan.hook in ISO_HOOKS and not plan.omittable:
            # A date's or timestamp's ISO text (of the exact type, checked) has nothing to escape.
            parts.append(before + name + '"{' + texts[plan.attribute] + '}"')
            continue
        if plan.attribute in texts:
            fragment = f"enc({texts[plan.attribute]})"
            names["enc"] = encode_basestring
        else:
            fragment = json_fragment(plan, value, names)
        if plan.omittable:
            written = present(plan, value, names)
            text = f"{before + name!r} + {fragment}" + (f" + {after!r}" if after else "")
            lines.append(f"o_{plan.attribute} = ({text}) if {written} else ''")
            parts.append("{o_" + plan.attribute + "}")
        else:
            parts.append((before + name).replace("{", "{{").replace("}", "}}") + "{" + fragment + "}")
    body = "".join(parts)
    if "'" in body:
        raise TypeError(f"{cls.__name__}: a field name needs quoting in generated code")
    lines.append("payload = f'{{" + body + "}}'")
    return lines


def payload_function(cls: type[Record]) -> Callable[[Record], str]:
    """A function giving exactly ``canonical_json(record)`` for records of ``cls``, faster."""
    names: dict[str, Any] = {"slow": canonical_json}
    plans = field_plans(cls)
    source = ["def payload_of(r):"]
    source += [f"    v_{plan.attribute} = r.{plan.attribute}" for plan in plans]
    checks = [check for plan in plans if (check := type_check(plan, f"v_{plan.attribute}", names))]
    if checks:
        source.append(f"    if {' or '.join(checks)}:")
        source.append("        return slow(r)")
    source += [f"    {line}" for line in payload_source(cls, names, texts={})]
    source.append("    return payload")
    exec("\n".join(source), names)  # the source is made from the record type's own fields
    function: Callable[[Record], str] = names["payload_of"]
    return function


_FUNCTIONS: dict[type[Record], Callable[[Record], str]] = {}


def payload_of(record: Record) -> str:
    """``canonical_json(record)``, made by its type's compiled function."""
    cls = type(record)
    function = _FUNCTIONS.get(cls)
    if function is None:
        function = _FUNCTIONS[cls] = payload_function(cls)
    return function(record)
