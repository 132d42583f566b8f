"""The policy a store keeps, in ``antidrug_meta`` under the key ``policy``.

The value is the converter's plain form of the policy as compact JSON with
sorted keys, every field written out, so a later version's different
default can never change what a kept policy means. It is written in the
transaction of the first records (or by ``antidrug init --policy``), under
the chain head, so two writers that disagree cannot both succeed, and
entered in the ledger (``antidrug_core.ledger``) in the same transaction.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from antidrug_core.converter import structure, unstructure
from antidrug_core.ledger import EntryKind
from antidrug_core.model import InvalidInput, StoreUnavailable
from antidrug_core.rules import Policy
from antidrug_core.store import policy_conflict
from antidrug_sql.ledger import Entry, append_entries
from antidrug_sql.tables import META

__all__ = ["POLICY_KEY", "keep_policy", "policy_from_text", "policy_text", "read_policy"]

POLICY_KEY = "policy"
"""The ``antidrug_meta`` key of the kept policy."""


def policy_text(policy: Policy) -> str:
    """The kept form of ``policy``."""
    return json.dumps(unstructure(policy), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def policy_from_text(text: str) -> Policy:
    """The policy a kept value reads as.

    Raises:
        StoreUnavailable: the value is not a policy this version can read.
    """
    try:
        return structure(json.loads(text), Policy)
    except (ValueError, InvalidInput) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise StoreUnavailable(
            f"the policy the store keeps does not read as a policy ({reason}); "
            "it was written by a newer version of antidrug-core, or changed by hand"
        ) from None


def read_policy(connection: sa.Connection) -> Policy | None:
    """The kept policy, or None."""
    text = connection.execute(sa.select(META.c.value).where(META.c.key == POLICY_KEY)).scalar()
    return None if text is None else policy_from_text(text)


def keep_policy(connection: sa.Connection, policy: Policy, what: str) -> None:
    """Keep ``policy`` when none is kept; call holding the chain head.

    Raises:
        InvalidInput: another policy is kept, naming both (``what`` says what ``policy`` is).
    """
    kept = read_policy(connection)
    if kept is None:
        text = policy_text(policy)
        connection.execute(sa.insert(META).values(key=POLICY_KEY, value=text))
        append_entries(connection, [Entry(EntryKind.POLICY, data={"policy": text})])
    elif kept != policy:
        raise policy_conflict(kept, policy, what)
