"""Retention rules: when a person's identity (name, resident identity number) is erased.

PIPL art. 47 (个人信息保护法 第四十七条) requires personal information to be
deleted once the purpose of processing is achieved or the retention period
has expired. The records of what was done stay (they carry figures already
reported and the audit chain); the identity they hang on is erased by
crypto-shredding, and the file stays pseudonymous.

A rule says: ``years`` after its ``anchor`` (an event the core derives from
the person's own records), the identity is due for erasure. The defaults are
a careful register's (decisions in ``docs/decisions.md``): long enough that
nobody is erased while the file may still be needed, and never left to the
clock alone (``antidrug retention apply`` erases; nothing erases by itself).
A host replaces them through ``antidrug_register_rules`` (``registry.retention``).
"""

from __future__ import annotations

import enum

import attrs

from antidrug_core.rules.sealing import SEALING_YEARS

__all__ = [
    "DEFAULT_RETENTION_RULES",
    "SEALING_YEARS",
    "RetentionAnchor",
    "RetentionRule",
    "RetentionRules",
]


class RetentionAnchor(enum.StrEnum):
    """The event a retention period runs from, derived from the person's records as of a date."""

    DECEASED = "deceased"
    """The date the status ``deceased`` took effect (死亡), while it is the status in effect."""
    ABSTINENT_3Y = "abstinent_3y"
    """The date the status ``abstinent_3y`` took effect (戒断三年未复吸), while it is in effect: a
    relapse after it ends the abstinence and the period with it."""


def _not_negative(instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        rule = getattr(instance, "id", "?")
        raise ValueError(
            f"retention rule {rule!r}: years must not be negative (it is {value}): "
            "an identity is never erased before its anchor"
        )


@attrs.frozen(kw_only=True)
class RetentionRule:
    """``years`` after ``anchor``, the person's identity is erased."""

    id: str
    """A stable name: the ledger records it with each erasure."""
    anchor: RetentionAnchor = attrs.field(converter=RetentionAnchor)
    """What the period runs from."""
    years: int = attrs.field(validator=_not_negative)
    """How long after the anchor the identity is kept, in whole years."""
    basis: str = ""
    """Why: the law or local document, and whether the period is this library's default."""


DEFAULT_RETENTION_RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        id="abstinent-sealed-5y",
        anchor=RetentionAnchor.ABSTINENT_3Y,
        years=SEALING_YEARS + 5,
        basis="default: sealed three years after 戒断三年未复吸 (戒毒条例 art. 7), erased five years "
        "after sealing (PIPL art. 47)",
    ),
    RetentionRule(
        id="deceased-5y",
        anchor=RetentionAnchor.DECEASED,
        years=5,
        basis="default: five years after death, for inquiries and identity misuse (PIPL art. 47)",
    ),
)
"""The defaults: this library's choices, not a national standard; a host sets its own."""


@attrs.frozen
class RetentionRules:
    """The retention rules in force. Where several rules' anchors hold for a person, the one whose
    period runs out first decides; where none holds, the identity is kept."""

    rules: tuple[RetentionRule, ...] = attrs.field(default=DEFAULT_RETENTION_RULES, converter=tuple)

    @rules.validator
    def _distinct(
        self, _attribute: attrs.Attribute[tuple[RetentionRule, ...]], value: tuple[RetentionRule, ...]
    ) -> None:
        ids = [rule.id for rule in value]
        if len(set(ids)) != len(ids):
            raise ValueError(f"retention rule ids must be distinct: {ids}")
