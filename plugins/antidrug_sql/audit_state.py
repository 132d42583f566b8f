"""The check of a store's tables against its ledger and its chained records (``antidrug audit verify``).

``verify_state`` replays the ledger (``antidrug_core.ledger``), compares the
kept policy, division names and identities' digests with what the ledger
recorded, checks that the ledger's arrivals cover every record exactly
once and that each record's ``received_at`` is its arrival's time, and
recomputes every stream's head and access divisions from its chained
records under the chained policy. ``late_records`` lists records that claim
to have been recorded long before the store received them (``received_at``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa

from antidrug_core.ledger import (
    GENESIS,
    Arrival,
    EntryKind,
    KeptState,
    LateRecord,
    LedgerReport,
    LedgerRow,
    StateReport,
    identity_digest,
    replay_ledger,
    state_problems,
    stream_problems,
)
from antidrug_core.model import Record, SubjectId
from antidrug_sql.policy import POLICY_KEY, policy_from_text
from antidrug_sql.rows import record_from_payload
from antidrug_sql.tables import (
    ACCESS,
    CHAIN_HEAD,
    DIVISIONS,
    IDENTITIES,
    IDENTITY_KEYS,
    LEDGER,
    META,
    RECORDS,
    STREAMS,
)

__all__ = ["arrivals", "late_records", "ledger_rows", "verify_state"]

_CHUNK = 500
_MOST_PROBLEMS = 20
"""Problems named before the report stops: one is enough to refuse a store, twenty to see a pattern."""


def ledger_rows(connection: sa.Connection) -> Iterator[LedgerRow]:
    """Every ledger entry, in sequence order, streamed."""
    statement = sa.select(LEDGER).order_by(LEDGER.c.sequence)
    with connection.execution_options(yield_per=1000).execute(statement) as result:
        for row in result.mappings():
            yield LedgerRow(
                sequence=int(row["sequence"]),
                kind=row["kind"],
                key=row["key"],
                at=row["at"],
                first=None if row["first"] is None else int(row["first"]),
                last=None if row["last"] is None else int(row["last"]),
                text=row["payload"],
                hash=bytes(row["hash"]),
            )


def _found_state(connection: sa.Connection) -> KeptState:
    policy = connection.execute(sa.select(META.c.value).where(META.c.key == POLICY_KEY)).scalar()
    divisions = {
        row.code: (row.name, row.parent)
        for row in connection.execute(sa.select(DIVISIONS.c.code, DIVISIONS.c.name, DIVISIONS.c.parent))
    }
    keys = {row.person: bytes(row.key) for row in connection.execute(sa.select(IDENTITY_KEYS))}
    identities = {
        row.person: identity_digest(
            bytes(row.name), bytes(row.resident_id), bytes(row.resident_id_index), keys.pop(row.person, None)
        )
        for row in connection.execute(sa.select(IDENTITIES))
    }
    # A data key without an identity was never entered so: a key put back after an erasure.
    identities.update((person, identity_digest(b"", b"", b"", key)) for person, key in keys.items())
    return KeptState(policy, divisions, identities)


def _streams(connection: sa.Connection, report: LedgerReport) -> Iterator[str]:
    policy = None if report.state.policy is None else policy_from_text(report.state.policy)
    heads = connection.execute(
        sa.select(STREAMS.c.subject, STREAMS.c.kind, STREAMS.c.version).order_by(STREAMS.c.subject)
    ).all()
    for start in range(0, len(heads), _CHUNK):
        chunk = heads[start : start + _CHUNK]
        subjects = [row.subject for row in chunk]
        records: dict[str, list[Record]] = {}
        statement = (
            sa.select(RECORDS.c.subject, RECORDS.c.payload)
            .where(RECORDS.c.subject.in_(subjects))
            .order_by(RECORDS.c.subject, RECORDS.c.version)
        )
        for subject, payload in connection.execute(statement):
            records.setdefault(subject, []).append(record_from_payload(payload))
        access: dict[str, set[str]] = {}
        for subject, division in connection.execute(
            sa.select(ACCESS.c.subject, ACCESS.c.division).where(ACCESS.c.subject.in_(subjects))
        ):
            access.setdefault(subject, set()).add(division)
        for head in chunk:
            yield from stream_problems(
                SubjectId(head.subject),
                head.kind,
                int(head.version),
                records.get(head.subject, []),
                access.get(head.subject, set()),
                policy,
            )


def _received_problems(connection: sa.Connection) -> Iterator[str]:
    """Records whose ``received_at`` is not the time of the ledger entry they arrived in.

    The ledger's ``at`` column was checked against its hashed text by the
    replay, so comparing the two columns in SQL compares with the ledger.
    Records of an ``upgrade`` entry arrived before the store kept a clock per
    row: their time must stay empty.
    """
    covered = RECORDS.c.sequence.between(LEDGER.c.first, LEDGER.c.last)
    timed = [EntryKind.COMMIT.value, EntryKind.LOAD.value]
    wrong = sa.or_(
        sa.and_(
            LEDGER.c.kind.in_(timed),
            sa.or_(RECORDS.c.received_at.is_(None), RECORDS.c.received_at != LEDGER.c.at),
        ),
        sa.and_(LEDGER.c.kind == EntryKind.UPGRADE.value, RECORDS.c.received_at.is_not(None)),
    )
    statement = (
        sa.select(RECORDS.c.sequence)
        .select_from(RECORDS.join(LEDGER, covered))
        .where(wrong)
        .order_by(RECORDS.c.sequence)
        .limit(_MOST_PROBLEMS)
    )
    for sequence in connection.execute(statement).scalars():
        yield (
            f"record {sequence}'s time of receipt differs from the ledger entry it arrived in "
            "(changed out of band)"
        )


def verify_state(connection: sa.Connection) -> StateReport:
    """Replay the ledger and compare the tables with it and with the chained records.

    Call in one read transaction that sees a single snapshot (``SqlRecorder.verify_state``).
    The record chain itself is checked by ``antidrug_core.audit.verify_chain``.
    """
    head = connection.execute(
        sa.select(CHAIN_HEAD.c.sequence, CHAIN_HEAD.c.ledger_sequence, CHAIN_HEAD.c.ledger_hash).where(
            CHAIN_HEAD.c.id == 1
        )
    ).one()
    report = replay_ledger(
        ledger_rows(connection),
        int(head.ledger_sequence or 0),
        bytes(head.ledger_hash) if head.ledger_hash is not None else GENESIS,
    )
    problems: list[str] = []
    if not report.intact:
        problems.append(f"ledger broken at entry {report.first_bad}: {report.reason}")
    else:
        problems += state_problems(report.state, _found_state(connection), int(head.sequence))
        problems += _received_problems(connection)
        for problem in _streams(connection, report):
            problems.append(problem)
            if len(problems) >= _MOST_PROBLEMS:
                break
    return StateReport(report.entries, report.head, tuple(problems[:_MOST_PROBLEMS]))


def arrivals(connection: sa.Connection) -> list[Arrival]:
    """Every range of records the ledger says arrived together (unchecked: verify first)."""
    return list(replay_ledger(ledger_rows(connection), -1, b"").state.arrivals)


def late_records(connection: sa.Connection, margin: dt.timedelta) -> Iterator[LateRecord]:
    """Records whose claimed ``recorded_at`` is earlier than their ``received_at`` by more than ``margin``.

    The receipt time is the row's own (set by the store, checked against the
    ledger by ``verify_state``); who loaded them and from which file is read
    from their arrival in the ledger. Records stored before the store kept a
    ledger (revision 0008) have no known receipt and are not listed. Only
    rows claiming a time before their receipt are read, in one pass.
    """
    timed = [arrival for arrival in arrivals(connection) if arrival.at is not None]
    firsts = [arrival.first for arrival in timed]
    statement = (
        sa.select(
            RECORDS.c.sequence,
            RECORDS.c.id,
            RECORDS.c.type,
            RECORDS.c.subject,
            RECORDS.c.recorded_at,
            RECORDS.c.recorded_by,
            RECORDS.c.received_at,
        )
        .where(RECORDS.c.received_at.is_not(None), RECORDS.c.recorded_at < RECORDS.c.received_at)
        .order_by(RECORDS.c.sequence)
    )
    with connection.execution_options(yield_per=1000).execute(statement) as result:
        for row in result:
            if row.recorded_at >= row.received_at - margin:
                continue
            place = bisect.bisect_right(firsts, int(row.sequence)) - 1
            arrival = timed[place] if place >= 0 and timed[place].last >= row.sequence else None
            yield LateRecord(
                sequence=int(row.sequence),
                id=row.id,
                type=row.type,
                subject=row.subject,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                received_at=row.received_at,
                via=arrival.kind if arrival is not None else EntryKind.COMMIT,
                loaded_by=arrival.by if arrival is not None else None,
                file=arrival.file if arrival is not None else None,
            )
