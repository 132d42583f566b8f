"""The one converter between records and plain data.

Storage, the command line, import and export, the dataset format and the
audit chain all turn records into plain data here and nowhere else, so a
record has exactly one serialised form. Models never import cattrs; this
module imports the models and teaches the converter about them.

The plain form is the dataset format's (docs/reference/dataset.md): a
``type`` tag, dates as ``YYYY-MM-DD``, timestamps in ISO 8601 with their
offset, enums by value, optional fields left out when empty.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import re
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from antidrug_core.model import RECORD_TYPES, Division, InspectionItems, Record, RectificationOrdered
from antidrug_core.model.errors import InvalidInput, Problem
from antidrug_core.model.jurisdiction import TransferRequested
from antidrug_core.model.prevention import ItemScore, LettersSigned, decimal_quantity

__all__ = [
    "TYPE_FIELD",
    "get_converter",
    "record_from_data",
    "record_to_data",
    "structure",
    "unstructure",
]

T = TypeVar("T")

TYPE_FIELD = "type"
"""The key that carries a record's stable tag in plain data."""

_RENAMES: Mapping[type[Record], Mapping[str, str]] = {
    # ``due`` is a test's record id in ``test_done``; an order's due date has its own attribute.
    RectificationOrdered: {"due_on": "due"},
    # ``from`` is a Python keyword; the format keeps the short words.
    TransferRequested: {"from_division": "from", "to_division": "to"},
    # ``with`` is a keyword too; the format names the counterparts of letters so (docs/reference/dataset.md).
    LettersSigned: {"counterparts": "with"},
}


def _parse_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date that exists") from None


def _parse_timestamp(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    else:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp")
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (write e.g. +08:00)")
    return parsed


def _structure_str(value: Any, cls: type[str]) -> str:
    # cattrs would turn 42 into "42"; a number where a text belongs is a mistake in the input.
    # The hook also receives the string enums (they subclass str), hence ``cls(value)``.
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a text")
    if cls is str:
        return value
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(member) for member in cls)  # type: ignore[attr-defined]
        raise ValueError(f"{value!r} is not one of: {allowed}") from None


def _structure_decimal(value: Any, _: type) -> decimal.Decimal:
    # Exact quantities (亩, 元) come as decimal strings or whole numbers; a float is refused.
    return decimal_quantity(value, "")


def _unstructure_scores(scores: tuple[ItemScore, ...]) -> dict[str, Any]:
    # ``item → number``: whole points stay numbers, half points keep their exact decimal text.
    return {s.item: int(s.score) if s.score == s.score.to_integral_value() else str(s.score) for s in scores}


def _structure_scores(value: Any, _: type) -> tuple[ItemScore, ...]:
    if not isinstance(value, Mapping):
        raise ValueError("scores must map each item to its score")
    scores = [ItemScore(item, decimal_quantity(score, str(item))) for item, score in value.items()]
    return tuple(sorted(scores, key=lambda s: s.item))


def _configure_record(converter: cattrs.Converter, cls: type[Record]) -> None:
    renames = _RENAMES.get(cls, {})
    overrides: dict[str, Any] = {name: override(rename=new) for name, new in renames.items()}
    unstructure_fields = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)
    structure_fields = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **overrides)
    tag = cls.type_tag

    def unstructure_record(record: Record) -> dict[str, Any]:
        return {TYPE_FIELD: tag, **unstructure_fields(record)}

    def structure_record(data: Mapping[str, Any], _: type) -> Record:
        fields = {key: value for key, value in data.items() if key != TYPE_FIELD}
        return structure_fields(fields, cls)

    converter.register_unstructure_hook(cls, unstructure_record)
    converter.register_structure_hook(cls, structure_record)


def _structure_any_record(data: Any, _: type) -> Record:
    if not isinstance(data, Mapping):
        raise ValueError(f"a record must be an object, not {type(data).__name__}")
    tag = data.get(TYPE_FIELD)
    cls = RECORD_TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise _UnknownType(tag)
    return get_converter().structure(data, cls)


class _UnknownType(ValueError):
    def __init__(self, tag: object) -> None:
        super().__init__(f"unknown record type {tag!r}")


def _is_frozenset(cls: Any) -> bool:
    return cls is frozenset or typing.get_origin(cls) is frozenset


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_unstructure_hook(dt.date, dt.date.isoformat)
    converter.register_structure_hook(dt.date, _parse_date)
    converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    converter.register_structure_hook(dt.datetime, _parse_timestamp)
    converter.register_structure_hook(str, _structure_str)
    converter.register_unstructure_hook(decimal.Decimal, str)
    converter.register_structure_hook(decimal.Decimal, _structure_decimal)
    converter.register_unstructure_hook_func(lambda t: t == tuple[ItemScore, ...], _unstructure_scores)
    converter.register_structure_hook_func(lambda t: t == tuple[ItemScore, ...], _structure_scores)
    # Plain data means plain: enum members become their values, sets become sorted lists.
    # StrEnum is registered by name: its MRO puts ``str`` (passed through as is) before ``Enum``.
    converter.register_unstructure_hook(enum.StrEnum, lambda member: member.value)
    converter.register_unstructure_hook(enum.Enum, lambda member: member.value)
    converter.register_unstructure_hook_func(
        _is_frozenset, lambda value: sorted(converter.unstructure(v) for v in value)
    )
    # Before the records, whose hooks are made with the hooks of their fields in force.
    converter.register_unstructure_hook(
        InspectionItems, make_dict_unstructure_fn(InspectionItems, converter, _cattrs_omit_if_default=True)
    )
    for cls in RECORD_TYPES.values():
        _configure_record(converter, cls)
    converter.register_unstructure_hook(Record, lambda record: converter.unstructure(record, type(record)))
    converter.register_structure_hook(Record, _structure_any_record)
    converter.register_structure_hook(
        Division,
        make_dict_structure_fn(Division, converter, _cattrs_forbid_extra_keys=True),
    )
    converter.register_unstructure_hook(
        Division, make_dict_unstructure_fn(Division, converter, _cattrs_omit_if_default=True)
    )
    # Indicator definitions serialise here too (one converter); imported late because the
    # indicators package itself reads records through this module.
    from antidrug_core.indicators.conversion import configure_converter as configure_indicators

    configure_indicators(converter)
    return converter


@functools.cache
def get_converter() -> cattrs.Converter:
    """The converter, made on first use (nothing is built at import time)."""
    return _make_converter()


def unstructure(value: Any) -> Any:
    """Any record or value object to plain data (dicts, lists, strings, numbers)."""
    if isinstance(value, Record):
        return get_converter().unstructure(value, type(value))
    return get_converter().unstructure(value)


def structure(data: Any, cls: type[T], *, row: str | int | None = None) -> T:
    """Plain data to ``cls``; every problem is reported with its field.

    Raises:
        InvalidInput: naming each field at fault and why, with ``row`` as the place.
    """
    try:
        return get_converter().structure(data, cls)
    except Exception as error:  # cattrs groups every failure; we translate them all
        raise InvalidInput(_problems(error, row)) from error


def record_to_data(record: Record) -> dict[str, Any]:
    """A record as plain data, its type tag included."""
    data: dict[str, Any] = get_converter().unstructure(record, type(record))
    return data


def record_from_data(data: Any, *, row: str | int | None = None) -> Record:
    """Plain data to the record its ``type`` names.

    Raises:
        InvalidInput: for an unknown type, a missing or unknown field, or a bad value.
    """
    # Record is abstract; the converter's hook for it picks the concrete type the tag names.
    any_record: Any = Record
    record: Record = structure(data, any_record, row=row)
    return record


def _problems(error: BaseException, row: str | int | None) -> list[Problem]:
    found: list[Problem] = []
    _collect(error, "", row, found)
    return found or [Problem("", str(error), row)]


_ATTRIBUTE_NOTE = re.compile(r"Structuring class \S+ @ attribute (\S+)")
_INDEX_NOTE = re.compile(r"Structuring .+ @ index (\d+)")


def _collect(error: BaseException, path: str, row: str | int | None, out: list[Problem]) -> None:
    if isinstance(error, InvalidInput):
        for problem in error.problems:
            out.append(Problem(_join(path, problem.field), problem.reason, row))
        return
    if isinstance(error, _UnknownType):
        out.append(Problem(_join(path, TYPE_FIELD), str(error), row))
        return
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        for key in sorted(error.extra_fields):
            out.append(Problem(_join(path, key), "unknown field", row))
        return
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            notes = getattr(inner, "__notes__", [])
            field = path
            for note in notes:
                if match := _ATTRIBUTE_NOTE.search(note):
                    field = _join(path, match.group(1))
                elif match := _INDEX_NOTE.search(note):
                    field = f"{path}[{match.group(1)}]"
            if isinstance(inner, KeyError) and field == path:
                field = _join(path, str(inner.args[0]))
            _collect(inner, field, row, out)
        return
    if isinstance(error, KeyError):
        out.append(Problem(path, "is required", row))
        return
    out.append(Problem(path, _reason(error), row))


def _reason(error: BaseException) -> str:
    if isinstance(error, ValueError) and error.args:
        return str(error.args[0])
    if isinstance(error, TypeError):
        return "has the wrong kind of value"
    return str(error) or type(error).__name__


def _join(path: str, field: str) -> str:
    if not path:
        return field
    if not field:
        return path
    return f"{path}.{field}"


def _renamed(cls: type[Record], field: str) -> str:
    return _RENAMES.get(cls, {}).get(field, field)


def plain_field_name(cls: type[Record], attribute: str) -> str:
    """The name a record attribute has in plain data (``from_division`` → ``from``)."""
    return _renamed(cls, attribute)


def fields_of(cls: type[Record]) -> tuple[str, ...]:
    """The plain-data field names of a record type, in declaration order."""
    return tuple(_renamed(cls, a.name) for a in attrs.fields(cls))
