"""The store's ledger: a second hash chain over everything besides records that decides who sees what.

The audit chain (``antidrug_core.audit``) covers records. What a figure is
and who may see whom also depends on state a store keeps beside them: the
kept policy, the division names, the people's encrypted identities, each
stream's version and access divisions, and when and by whom each batch of
records arrived. The ledger covers that state, so that ``antidrug audit
verify`` catches an access row slipped in to give one township another's
person, a renamed division or a switched policy:

- what cannot be derived from the records is appended to the ledger when it
  is written: the kept policy, each division's name and parent, each
  identity's ciphertext digest (never the plain text: the digest changes
  whenever the ciphertext does, and says nothing about the person), the
  rating schemes loaded with a dataset (kept here, once, never changed), and
  one entry per commit or load naming the range of records it wrote, when the
  store received them and, for a load, who ran it and the file's digest;
- what can be derived is recomputed from the chained records and the
  chained policy: each stream's version and kind, and its access divisions
  (``state.subject_access``, the same function the writers used).

A verifier replays the ledger into the state it promises
(``replay_ledger``) and compares it with what the store's tables hold
(``state_problems``, ``stream_problems``). Like the audit chain it is not
keyed: anyone can check a copy. Everything here is pure.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from antidrug_core.model import Record, SubjectKind
from antidrug_core.rules import Policy
from antidrug_core.state import build_file, subject_access

__all__ = [
    "GENESIS",
    "LATE_MARGIN",
    "LEDGER_FORMAT",
    "Arrival",
    "EntryKind",
    "KeptState",
    "LateRecord",
    "LedgerReport",
    "LedgerRow",
    "LoadSource",
    "SealedRead",
    "StateReport",
    "entry_text",
    "identity_digest",
    "ledger_hash",
    "replay_ledger",
    "sealed_reads",
    "state_problems",
    "stream_problems",
]

LEDGER_FORMAT = b"antidrug-ledger/1\x00"
"""Prefixed to every hashed entry, so a ledger hash is never mistaken for a record's chain hash."""

GENESIS = bytes(32)
"""The "previous hash" of the first entry."""

LATE_MARGIN = dt.timedelta(hours=48)
"""How much earlier than its receipt a record may claim to have been recorded before
``antidrug audit late`` lists it: a visit written up the next working day is normal, a week is not."""


class EntryKind(enum.StrEnum):
    """What a ledger entry records."""

    POLICY = "policy"
    """The store kept a policy (``key`` is empty; ``data.policy`` is its kept text)."""
    DIVISION = "division"
    """A division was named or renamed (``key`` is its code; ``data`` its name and parent)."""
    IDENTITY = "identity"
    """A person's identity was stored or re-encrypted (``key`` is the person; ``data.digest``)."""
    ERASURE = "erasure"
    """A person's identity was erased by a retention rule: their data key, ciphertexts and blind
    index destroyed, their records kept (``key`` is the person; ``data``: who erased it, under
    which rule and as of which date, and the digest of the identity row destroyed — never the
    identity)."""
    COMMIT = "commit"
    """A unit of work wrote records ``first`` … ``last``."""
    LOAD = "load"
    """A load wrote records ``first`` … ``last`` (``data``: who ran it, the file's digest)."""
    UPGRADE = "upgrade"
    """Records ``first`` … ``last`` were stored before the store kept a ledger; when they
    arrived is not known."""
    SEALED_READ = "sealed_read"
    """Someone read a sealed file (``key`` is the person; ``data``: who, the reason, what for).
    Changes nothing the tables hold: the entry is there so that the query is on the record."""
    RATING_SCHEME = "rating_scheme"
    """The store kept a rating scheme loaded with a dataset (``key`` is its id; ``data.scheme``
    its plain data). The ledger is where a store keeps it: the chain protects it, and a scheme
    is kept once, never changed."""


ARRIVALS = frozenset({EntryKind.COMMIT, EntryKind.LOAD, EntryKind.UPGRADE})
"""The entries that say which records arrived when."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()


def entry_text(
    kind: EntryKind,
    key: str,
    at: dt.datetime,
    data: Mapping[str, Any],
    first: int | None = None,
    last: int | None = None,
) -> str:
    """The canonical text of an entry (compact JSON, sorted keys): what its hash covers and the store keeps.

    Args:
        kind: What the entry records.
        key: The division code or person it is about ("" for none).
        at: When the store wrote it, by the store's clock.
        data: The entry's facts.
        first: The first record sequence number an arrival covers.
        last: The last one.
    """
    return _ENCODER.encode(
        {"at": _instant(at), "data": dict(data), "first": first, "key": key, "kind": kind.value, "last": last}
    )


def ledger_hash(previous: bytes, sequence: int, text: str) -> bytes:
    """The SHA-256 hash of one entry: the previous hash, its sequence number, its canonical text."""
    return hashlib.sha256(
        LEDGER_FORMAT + previous + sequence.to_bytes(8, "big") + text.encode("utf-8")
    ).digest()


def identity_digest(name: bytes, resident_id: bytes, index: bytes, key: bytes | None = None) -> str:
    """The digest the ledger keeps of a stored identity: its ciphertexts, index and wrapped data key
    (when it has one of its own), never the plain text.

    An identity without a data key of its own (written before per-person keys) keeps the digest it
    always had.
    """
    digest = hashlib.sha256(b"antidrug-identity-row/1\x00")
    for part in (name, resident_id, index) if key is None else (name, resident_id, index, key):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.hexdigest()


@attrs.frozen
class LedgerRow:
    """One stored entry as the store read it."""

    sequence: int
    kind: str
    key: str
    at: dt.datetime
    first: int | None
    last: int | None
    text: str
    hash: bytes


@attrs.frozen
class Arrival:
    """A range of records the store received at once."""

    first: int
    last: int
    at: dt.datetime | None
    """When the store received them; None for records stored before it kept a ledger."""
    kind: EntryKind
    by: str | None = None
    """Who ran the load (loads only)."""
    file: str | None = None
    """The SHA-256 digest of the loaded file (loads from a file only)."""


@attrs.frozen
class KeptState:
    """The state a ledger promises, or the state a store's tables hold."""

    policy: str | None = None
    divisions: Mapping[str, tuple[str, str | None]] = attrs.field(factory=dict)
    identities: Mapping[str, str] = attrs.field(factory=dict)
    arrivals: tuple[Arrival, ...] = ()
    rating_schemes: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    """The rating schemes kept, as plain data by id."""


@attrs.frozen
class LedgerReport:
    """What ``replay_ledger`` found."""

    entries: int
    head: bytes
    state: KeptState
    first_bad: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        """Whether every entry and the head agree."""
        return self.first_bad is None


def _read(row: LedgerRow) -> dict[str, Any] | str:
    """The entry's fields, or why the row is not an entry."""
    try:
        entry: dict[str, Any] = json.loads(row.text)
        kind = EntryKind(entry["kind"])
        at = dt.datetime.fromisoformat(entry["at"])
    except (ValueError, KeyError, TypeError):
        return "the entry does not read as a ledger entry"
    if not isinstance(entry.get("data"), dict):
        return "the entry does not read as a ledger entry"
    columns = (row.kind, row.key, row.at, row.first, row.last)
    if columns != (kind.value, entry.get("key"), at, entry.get("first"), entry.get("last")):
        return "the entry's columns disagree with its text"
    entry["kind"], entry["at"] = kind, at
    return entry


def replay_ledger(rows: Iterable[LedgerRow], head_sequence: int, head_hash: bytes) -> LedgerReport:
    """Check the ledger's rows, in sequence order, against its hashes and head; replay the state they promise.

    Args:
        rows: Every entry of the store, ordered by sequence number.
        head_sequence: Where the store says the ledger ends.
        head_hash: The hash of that entry.
    """
    previous, expected = GENESIS, 1
    policy: str | None = None
    divisions: dict[str, tuple[str, str | None]] = {}
    identities: dict[str, str] = {}
    arrivals: list[Arrival] = []
    schemes: dict[str, Mapping[str, Any]] = {}

    def state() -> KeptState:
        return KeptState(policy, divisions, identities, tuple(arrivals), schemes)

    def broken(sequence: int, reason: str) -> LedgerReport:
        return LedgerReport(expected - 1, previous, state(), sequence, reason)

    for row in rows:
        if row.sequence != expected:
            if row.sequence > expected:
                return broken(expected, f"ledger entry {expected} is missing (the next is {row.sequence})")
            return broken(row.sequence, f"ledger entry {row.sequence} is out of order or repeated")
        entry = _read(row)
        if isinstance(entry, str):
            return broken(row.sequence, entry)
        digest = ledger_hash(previous, row.sequence, row.text)
        if digest != row.hash:
            return broken(row.sequence, "the ledger hash does not match: the entry or its place was changed")
        kind, data = entry["kind"], entry["data"]
        if kind is EntryKind.POLICY:
            policy = data.get("policy")
        elif kind is EntryKind.DIVISION:
            divisions[entry["key"]] = (data.get("name"), data.get("parent"))
        elif kind is EntryKind.IDENTITY:
            identities[entry["key"]] = data.get("digest")
        elif kind is EntryKind.ERASURE:
            identities.pop(entry["key"], None)
        elif kind is EntryKind.SEALED_READ:
            pass  # a query, not state: the hash above is all there is to check
        elif kind is EntryKind.RATING_SCHEME:
            scheme = data.get("scheme")
            if not isinstance(scheme, dict) or schemes.get(entry["key"], scheme) != scheme:
                return broken(row.sequence, f"rating scheme {entry['key']!r} is kept again, changed")
            schemes[entry["key"]] = scheme
        else:
            at = None if kind is EntryKind.UPGRADE else entry["at"]
            arrivals.append(
                Arrival(entry["first"], entry["last"], at, kind, data.get("by"), data.get("file"))
            )
        previous = digest
        expected += 1
    count = expected - 1
    if head_sequence != count:
        return LedgerReport(
            count,
            previous,
            state(),
            min(head_sequence, count) + 1,
            f"the ledger head says {head_sequence} entries, but the entries end at {count}",
        )
    if head_hash != previous:
        return LedgerReport(count, previous, state(), max(count, 1), "the ledger head's hash does not match")
    return LedgerReport(count, previous, state())


def _differences(what: str, promised: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for key in sorted(promised.keys() | found.keys()):
        if key not in found:
            problems.append(f"{what} {key!r} is in the ledger but not in the store (deleted)")
        elif key not in promised:
            problems.append(f"{what} {key!r} is in the store but not in the ledger (added out of band)")
        elif promised[key] != found[key]:
            problems.append(f"{what} {key!r} differs from the ledger (changed out of band)")
    return problems


def state_problems(promised: KeptState, found: KeptState, records: int) -> list[str]:
    """Where the store's tables differ from what the ledger promises, in words.

    Args:
        promised: ``replay_ledger``'s state.
        found: What the tables hold (their arrivals are not compared).
        records: How many records the audit chain holds: the ledger's arrivals must cover
            exactly 1 … ``records``, each once.
    """
    problems: list[str] = []
    if promised.policy != found.policy:
        problems.append("the kept policy differs from the one the ledger recorded (changed out of band)")
    problems += _differences("division", promised.divisions, found.divisions)
    problems += _differences("the identity of", promised.identities, found.identities)
    covered = 0
    for arrival in promised.arrivals:
        if arrival.first != covered + 1 or arrival.last < covered:
            problems.append(
                f"the ledger's arrivals jump from record {covered} to {arrival.first}…{arrival.last}"
            )
            break
        covered = arrival.last
    if covered != records:
        problems.append(f"the ledger says {covered} records arrived, but the audit chain holds {records}")
    return problems


def stream_problems(
    subject: str,
    kind: str,
    version: int,
    records: Sequence[Record],
    access: Collection[str],
    policy: Policy | None,
) -> list[str]:
    """Where a stream's stored head and access divisions differ from what its chained records give.

    Args:
        subject: The stream's subject.
        kind: The kind its head says it is.
        version: The version its head says it is at.
        records: Its records, in version order.
        access: Its stored access divisions.
        policy: The policy the ledger kept (None: access is not checked, as a store of
            revision 0001 kept none).
    """
    if not records:
        return [f"stream {subject!r} has a head but no records"]
    actual = records[0].subject_kind
    problems: list[str] = []
    if kind != actual.value:
        problems.append(f"stream {subject!r} is stored as a {kind} but its records are a {actual.value}'s")
    if version != len(records):
        problems.append(f"stream {subject!r} is stored at version {version} but holds {len(records)} records")
    if policy is not None:
        expected = subject_access(build_file(SubjectKind(actual), subject, records), policy)
        if set(access) != set(expected):
            added = sorted(set(access) - expected)
            removed = sorted(expected - set(access))
            problems.append(
                f"the access divisions of {subject!r} differ from its records' "
                f"(added {added or 'none'}, removed {removed or 'none'})"
            )
    return problems


@attrs.frozen
class StateReport:
    """What ``verify_state`` found."""

    entries: int
    """How many ledger entries were checked."""
    head: bytes
    """The ledger's head hash."""
    problems: tuple[str, ...]
    """Every difference found (at most twenty), in words; empty when intact."""

    @property
    def intact(self) -> bool:
        """Whether the ledger, the tables and the records agree."""
        return not self.problems


@attrs.frozen
class LoadSource:
    """Who ran a load and what it loaded, for its ledger entry."""

    by: str
    """The id of the actor who ran it."""
    file: str | None = None
    """The SHA-256 digest (hex) of the file loaded, when it came from a file."""


@attrs.frozen(kw_only=True)
class SealedRead:
    """A query of a sealed file (治安管理处罚法 art. 136: only authorised queries read sealed
    records), as the ledger keeps it."""

    person: str
    """The pseudonymous id of the person whose file was read."""
    by: str
    """The id of the actor who read it."""
    role: str
    """The actor's role."""
    reason: str
    """Why, as the actor gave it."""
    purpose: str = "read"
    """What the file was opened for: ``read``, ``seal``, ``unseal``, ``export``."""
    at: dt.datetime | None = None
    """When the store entered it (filled in when read back from the ledger)."""

    def data(self) -> dict[str, str]:
        """The entry's ``data``."""
        return {"by": self.by, "role": self.role, "reason": self.reason, "purpose": self.purpose}


def sealed_reads(rows: Iterable[LedgerRow]) -> list[SealedRead]:
    """The queries of sealed files among the ledger's ``rows``, in order."""
    found: list[SealedRead] = []
    for row in rows:
        if row.kind != EntryKind.SEALED_READ.value:
            continue
        data = json.loads(row.text).get("data", {})
        found.append(
            SealedRead(
                person=row.key,
                by=str(data.get("by")),
                role=str(data.get("role")),
                reason=str(data.get("reason")),
                purpose=str(data.get("purpose")),
                at=row.at,
            )
        )
    return found


@attrs.frozen
class LateRecord:
    """A record that claims to have been recorded long before the store received it."""

    sequence: int
    id: str
    type: str
    subject: str
    recorded_at: dt.datetime
    """The time the record claims."""
    recorded_by: str
    """Who the record claims recorded it."""
    received_at: dt.datetime
    """When the store received it (the ledger's arrival)."""
    via: EntryKind
    """A unit of work's commit or a load."""
    loaded_by: str | None
    """Who ran the load (None for a commit: ``recorded_by`` is the actor who wrote it)."""
    file: str | None
    """The digest of the file it was loaded from."""

    @property
    def late_by(self) -> dt.timedelta:
        """How much earlier than its receipt it claims to have been recorded."""
        return self.received_at - self.recorded_at
