"""Urine and hair tests (尿检, 毛发检测): due, done, excused.

Whether a due test is done, overdue, excused or missed is never stored: it is
derived from these records as of any date (``state.tests``).
"""

from __future__ import annotations

import enum
from typing import ClassVar

import attrs

from antidrug_core.model.base import DivisionCode, PersonRecord, RecordId, is_division, non_empty, one_of

__all__ = ["TestDone", "TestDue", "TestExcused", "TestKind", "TestResult"]


class TestKind(enum.StrEnum):
    """Urine shows about ten days of use, hair about six months."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    URINE = "urine"
    HAIR = "hair"


class TestResult(enum.StrEnum):
    """A test's outcome; a positive result is evidence of relapse."""

    __test__: ClassVar[bool] = False

    NEGATIVE = "negative"
    POSITIVE = "positive"
    INVALID = "invalid"


def _test_kind(value: object) -> TestKind:
    return one_of(TestKind, value, "kind")


def _test_result(value: object) -> TestResult:
    return one_of(TestResult, value, "result")


@attrs.frozen(kw_only=True)
class TestDue(PersonRecord):
    """A test falls due on ``on``; generated from the schedule policy or set by hand."""

    __test__: ClassVar[bool] = False
    type_tag: ClassVar[str] = "test_due"

    kind: TestKind = attrs.field(converter=_test_kind)
    """Urine or hair."""
    division: DivisionCode | None = attrs.field(default=None, validator=is_division)
    """The office that administers it when not the responsible division
    (a referral to another place's office)."""


@attrs.frozen(kw_only=True)
class TestDone(PersonRecord):
    """A test taken on ``on``."""

    __test__: ClassVar[bool] = False
    type_tag: ClassVar[str] = "test_done"

    kind: TestKind = attrs.field(converter=_test_kind)
    """Urine or hair."""
    result: TestResult = attrs.field(converter=_test_result)
    """The outcome."""
    due: RecordId | None = None
    """The ``test_due`` this test fulfils, when it answers one."""


@attrs.frozen(kw_only=True)
class TestExcused(PersonRecord):
    """A due test excused (ill, in hospital, away with leave …)."""

    __test__: ClassVar[bool] = False
    type_tag: ClassVar[str] = "test_excused"

    due: RecordId = attrs.field(validator=non_empty)
    """The ``test_due`` excused."""
    reason: str = attrs.field(validator=non_empty)
    """Why; an excuse without a reason is not accepted."""
