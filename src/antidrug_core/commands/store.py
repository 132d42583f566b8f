"""``antidrug init``, ``load``, ``export`` and ``audit verify``: a store's life on the command line.

- ``init --db URL [--policy …]`` creates the store's database, or upgrades
  an older schema to this version's (the only command that changes a
  schema); with ``--policy`` (and the other policy options) the store keeps
  that policy from the start.
- ``load --dataset FILE --db URL`` validates a dataset file
  (``antidrug-dataset/1``) and loads it, all or nothing, with set-based
  inserts when the store offers them. A store that keeps no policy yet
  takes the dataset's; one that keeps another refuses the file.
- ``export --db URL -o FILE`` writes every person and record as a dataset
  file (pseudonymous ids only: identities never leave the store this way).
- ``audit verify --db URL`` checks the hash chain over every record and
  names the first sequence number where it breaks (exit status 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from antidrug_core.audit import verify_chain
from antidrug_core.bootstrap import mask_url
from antidrug_core.checkpoints import (
    RECORDS_ONLY_FORMAT,
    Checkpoint,
    SignatureScheme,
    check_checkpoint,
    make_checkpoint,
)
from antidrug_core.clock import DEFAULT_TIME_ZONE, local_date, zone
from antidrug_core.commands import sealing
from antidrug_core.commands.common import (
    add_db_option,
    load_dataset_file_with_digest,
    local_actor,
    open_cli_store,
    progress,
    write_file,
)
from antidrug_core.commands.convert import read_inputs
from antidrug_core.commands.terminal import printable
from antidrug_core.converter import structure
from antidrug_core.identity import Identity
from antidrug_core.interchange import Dataset, write_dataset
from antidrug_core.interchange.spreadsheet import read_workbook_with_identities
from antidrug_core.ledger import LATE_MARGIN, LateRecord, LoadSource
from antidrug_core.model import (
    ConcurrencyConflict,
    InvalidInput,
    Permission,
    PersonId,
    Problem,
    RatingAssessed,
    Record,
    StoreUnavailable,
    SubjectKind,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import (
    AuditableRecorder,
    BulkRecorder,
    LedgerRecorder,
    RatingSchemeRecorder,
    Recorder,
    StoreContext,
    StreamAppend,
    VersionedRecorder,
)
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.store import Store, describe_policy, new_stream
from antidrug_core.validation import future_problems

__all__ = [
    "CHAIN_BROKEN",
    "LoadResult",
    "dataset_appends",
    "kept_policy_line",
    "load_dataset",
    "policy_from_options",
    "register",
]

PROGRESS_SECONDS = 5.0
"""How often ``load`` says how far it got."""

CHAIN_BROKEN = 3
"""Exit status of ``audit verify`` when the chain is broken (1 and 2 mean it could not be checked)."""


def register(subparsers: Any) -> None:
    """Add ``init``, ``load``, ``export`` and ``audit`` to the command line."""
    init: argparse.ArgumentParser = subparsers.add_parser(
        "init", help="create the store's database, or upgrade its schema to this version"
    )
    add_db_option(init)
    defaults = Policy()
    init.add_argument(
        "--policy",
        choices=[r.value for r in Responsibility],
        default=None,
        help="keep this responsibility policy from the start (otherwise the first load or records set it)",
    )
    init.add_argument(
        "--test-window-days",
        type=int,
        default=None,
        metavar="N",
        help=f"days either side of a due test that count as on time (default {defaults.test_window_days})",
    )
    init.add_argument(
        "--missed-after-days",
        type=int,
        default=None,
        metavar="N",
        help=f"days overdue before a test counts as missed (default {defaults.missed_after_days})",
    )
    init.add_argument(
        "--time-zone",
        default=None,
        metavar="ZONE",
        help=f"the jurisdiction's time zone (default {DEFAULT_TIME_ZONE})",
    )
    init.set_defaults(run=run_init)

    load: argparse.ArgumentParser = subparsers.add_parser(
        "load",
        help="load a dataset file (antidrug-dataset/1) or a workbook into a store, all or nothing",
        description="Load a dataset file, or a workbook (.xlsx, or .csv sheets) whose 人员 sheet may hold "
        "姓名 and 身份证号: those are stored only encrypted, so loading them needs the identity key "
        f"({KEY_VARIABLE}: 32 bytes as 64 hex digits or 44 base64 characters, or the host's "
        "antidrug_identity_key hook).",
    )
    source = load.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", metavar="FILE", help="the dataset file to load")
    source.add_argument(
        "--workbook",
        metavar="FILE",
        nargs="+",
        help="a workbook (.xlsx) or CSV sheets (人员.csv …) to load, identities included",
    )
    add_db_option(load)
    load.set_defaults(run=run_load)

    export: argparse.ArgumentParser = subparsers.add_parser(
        "export", help="write a store's people and records as a dataset file (pseudonymous)"
    )
    add_db_option(export)
    export.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="the file to write (default: standard output)"
    )
    export.add_argument(
        "--sealed",
        action="store_true",
        help="include sealed files (roles that may read them; each is entered in the ledger with --reason)",
    )
    export.add_argument("--reason", default=None, metavar="TEXT", help="why sealed files are exported")
    export.set_defaults(run=run_export)

    audit: argparse.ArgumentParser = subparsers.add_parser("audit", help="check a store's audit chain")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify: argparse.ArgumentParser = audit_commands.add_parser(
        "verify", help="check every record against the hash chain; name the first bad sequence number"
    )
    add_db_option(verify)
    verify.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="also prove that the store still extends this signed checkpoint (antidrug audit checkpoint)",
    )
    verify.add_argument(
        "--public-key",
        metavar="HEX",
        help="the Ed25519 public key the checkpoint must be signed with "
        "(default: the one of the key the host or ANTIDRUG_CHECKPOINT_KEY gives)",
    )
    verify.set_defaults(run=run_verify)
    checkpoint: argparse.ArgumentParser = audit_commands.add_parser(
        "checkpoint",
        help="print a signed statement of the chain's and the ledger's sizes and Merkle roots",
    )
    add_db_option(checkpoint)
    checkpoint.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="the file to write (default: standard output)"
    )
    checkpoint.set_defaults(run=run_checkpoint)
    late: argparse.ArgumentParser = audit_commands.add_parser(
        "late",
        help="list records that claim to have been recorded long before the store received them",
    )
    add_db_option(late)
    late.add_argument(
        "--margin",
        type=float,
        default=LATE_MARGIN.total_seconds() / 3600,
        metavar="HOURS",
        help=f"how much earlier a record may claim to be (default {LATE_MARGIN.total_seconds() / 3600:g})",
    )
    late.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    late.set_defaults(run=run_late)
    sealing.register_audit(audit_commands)


# --- init ---------------------------------------------------------------------------------


_POLICY_OPTIONS = {
    "responsible": "--policy",
    "test_window_days": "--test-window-days",
    "missed_after_days": "--missed-after-days",
    "time_zone": "--time-zone",
}


def policy_from_options(args: argparse.Namespace) -> Policy | None:
    """The policy ``init``'s options ask the store to keep, or None when none is given.

    Raises:
        InvalidInput: an option's value is not allowed, naming the option.
    """
    given = {
        field: getattr(args, option.removeprefix("--").replace("-", "_"))
        for field, option in _POLICY_OPTIONS.items()
    }
    chosen = {field: value for field, value in given.items() if value is not None}
    if not chosen:
        return None
    problems = [
        Problem(_POLICY_OPTIONS[field], "must not be negative")
        for field in ("test_window_days", "missed_after_days")
        if chosen.get(field, 0) < 0
    ]
    if "time_zone" in chosen:
        try:
            zone(chosen["time_zone"])
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            named = chosen["time_zone"]
            problems.append(Problem("--time-zone", f"{named!r} is not a time zone (e.g. Asia/Shanghai)"))
    if problems:
        raise InvalidInput(problems)
    return structure(chosen, Policy)


def kept_policy_line(recorder: Recorder) -> str:
    """What ``init`` and ``load`` say about the policy a store keeps."""
    kept = recorder.stored_policy()
    if kept is None:
        return f"{recorder.url}: keeps no policy yet (the first load or records written set it)"
    return f"{recorder.url}: keeps the policy {describe_policy(kept)}"


def run_init(args: argparse.Namespace) -> int:
    policy = policy_from_options(args)
    manager = make_plugin_manager()
    context = StoreContext(
        identity_key=lambda: manager.hook.antidrug_identity_key(), create=True, upgrade=True
    )
    recorder = manager.hook.antidrug_open_recorder(url=args.db, context=context)
    if recorder is None:
        scheme = args.db.partition("://")[0] or args.db
        raise StoreUnavailable(f"{mask_url(args.db)}: no installed plugin opens {scheme!r} URLs")
    try:
        if isinstance(recorder, VersionedRecorder):
            before, now = recorder.schema_revisions()
            if before is None:
                message = f"created the store (schema revision {now})"
            elif before == now:
                message = f"the store is up to date (schema revision {now})"
            else:
                message = f"upgraded the schema from revision {before} to {now}"
        else:
            message = "ready (this store has no schema to create)"
        print(f"{recorder.url}: {message}")
        if policy is not None:
            recorder.keep_policy(policy)
        print(kept_policy_line(recorder))
    finally:
        recorder.close()
    return 0


# --- load ---------------------------------------------------------------------------------


@attrs.frozen
class LoadResult:
    """What a load wrote."""

    people: int
    records: int
    units: int = 0
    organisations: int = 0

    def summary(self) -> str:
        """``3 people and 41 records``, naming units and organisations when there are any."""
        counted = [f"{self.people} people"]
        if self.units:
            counted.append(f"{self.units} units")
        if self.organisations:
            counted.append(f"{self.organisations} organisations")
        return f"{', '.join(counted)} and {self.records} records"


def dataset_appends(dataset: Dataset) -> Iterator[StreamAppend]:
    """Each subject of ``dataset`` (people, units, organisations) as a new stream, in id order.

    The access set is computed under the dataset's own policy, the one its
    records were made under.
    """
    for subject, records in sorted(dataset.by_subject().items()):
        yield new_stream(subject, records, dataset.policy)


KEY_VARIABLE = "ANTIDRUG_IDENTITY_KEY"
"""The environment variable through which a script gives the SQL store its identity key."""


def load_dataset(
    store: Store,
    dataset: Dataset,
    *,
    report: Callable[[int, int], None] | None = None,
    identities: Mapping[PersonId, Identity] | None = None,
    digest: str | None = None,
) -> LoadResult:
    """Load a validated dataset into ``store`` as the local administrator, all or nothing.

    The people's access sets are computed under the dataset's policy, and
    the store keeps it: a store that keeps no policy yet takes the
    dataset's, and one that keeps (or was opened under) another refuses the
    dataset. Stores that can (``BulkRecorder``) load with set-based inserts
    in one transaction; others go through one unit of work.

    ``identities`` (names and identity numbers, from a workbook) are stored
    encrypted in the same unit of work as the records, so a load with them
    goes through one unit of work, not the bulk path.

    Raises:
        InvalidInput: the dataset's policy is not the store's (naming
            both), a person of the dataset is already in the store, a
            record id is already used, an identity number is already
            registered, or a record names a key date, channel or rating
            scheme the rules do not know (or scores outside its scheme);
            nothing was loaded.
        StoreUnavailable: identities were given and the store has no
            identity key (or another one).
    """
    actor = local_actor()
    with store.unit_of_work(actor) as uow:
        uow.require(Permission.MANAGE)
        taken = [p for p, i in (identities or {}).items() if uow.find_person(i.resident_id) is not None]
        if taken:
            raise InvalidInput.of(
                "身份证号",
                f"already registered in the store, so not loaded: the number given for {', '.join(taken)}",
            )
    # Key dates, channels and ratings are checked against the store's rules and the dataset's own schemes.
    store.rules.prevention.with_schemes(dataset.rating_schemes).check(dataset.records)
    now = store.clock.now()
    late = future_problems(dataset.records, local_date(now, dataset.policy.time_zone), now)
    if late:
        raise InvalidInput(late)
    store.use_policy(dataset.policy, what="the dataset's policy")
    # The store keeps the dataset's schemes (before its ratings, which would otherwise lose their
    # stars): ``antidrug ratings --db`` then reads the stars ``--dataset`` read from the file.
    store.keep_rating_schemes(dataset.rating_schemes)
    people = dataset.people()
    units, organisations = dataset.subjects(SubjectKind.UNIT), dataset.subjects(SubjectKind.ORGANISATION)
    recorder = store.recorder
    if isinstance(recorder, BulkRecorder) and not identities:
        try:
            records = recorder.bulk_append(
                dataset_appends(dataset),
                divisions=dataset.divisions,
                progress=report,
                source=LoadSource(by=actor.id, file=digest),
            )
        except ConcurrencyConflict as error:
            # The load expects every subject to be new; one that is not is an input problem.
            raise InvalidInput.of(
                "people", f"{error}; a dataset loads only people, units and organisations new to the store"
            ) from error
        return LoadResult(len(people), records, len(units), len(organisations))
    with store.unit_of_work(actor) as uow:
        for append in dataset_appends(dataset):
            for record in _references_first(append.records):
                uow.add_record(record, live=False)
        if dataset.divisions:
            uow.add_divisions(dataset.divisions)
        for person, identity in (identities or {}).items():
            uow.set_identity(person, identity)
        written = sum(len(records) for records in uow.staged().values())
        uow.commit()
    return LoadResult(len(people), written, len(units), len(organisations))


def _references_first(records: Sequence[Record]) -> list[Record]:
    """``records`` in their order, except that a record waits until every record it names is placed.

    A dataset is order-independent, and a void may even be recorded before the
    record it voids; a unit of work checks each record against those before
    it, so it must be given what a record names first. An order that already
    does so is kept as it is.
    """
    ids = {r.id for r in records}
    placed: set[str] = set()
    ordered: list[Record] = []
    waiting: list[Record] = []

    def ready(record: Record) -> bool:
        return all(ref in placed or ref not in ids for ref in _named(record))

    for record in records:
        if not ready(record):
            waiting.append(record)
            continue
        ordered.append(record)
        placed.add(record.id)
        while any(ready(w) for w in waiting):
            for held in [w for w in waiting if ready(w)]:
                waiting.remove(held)
                ordered.append(held)
                placed.add(held.id)
    return ordered + waiting  # what is still waiting names what is not there: the unit of work says so


def _named(record: Record) -> list[str]:
    found = [getattr(record, field, None) for field in ("voids", "due", "request")]
    return [ref for ref in found if isinstance(ref, str)]


def run_load(args: argparse.Namespace) -> int:
    identities: dict[PersonId, Identity] = {}
    digest: str | None = None
    if args.workbook:
        dataset, identities = read_workbook_with_identities(read_inputs(make_plugin_manager(), args.workbook))
    else:
        dataset, digest = load_dataset_file_with_digest(args.dataset)
    with open_cli_store(args) as store:
        if identities:
            try:
                with store.unit_of_work(local_actor()) as uow:
                    uow.find_person(next(iter(identities.values())).resident_id)  # needs the key
            except StoreUnavailable as error:
                raise StoreUnavailable(
                    f"the workbook holds names and identity numbers of {len(identities)} people, which "
                    f"are stored only encrypted, so loading it needs the identity key: set {KEY_VARIABLE} "
                    "to 32 bytes written as 64 hex digits or 44 base64 characters (make one with: "
                    'python -c "import secrets; print(secrets.token_hex(32))", and keep it: without it '
                    f"the identities cannot be read), or let the host give it through the "
                    f"antidrug_identity_key hook. ({error})"
                ) from None
        shown = time.monotonic()

        def report(people: int, records: int) -> None:
            nonlocal shown
            if time.monotonic() - shown >= PROGRESS_SECONDS:  # a line now and then, not one per batch
                shown = time.monotonic()
                progress(f"… {people} people, {records} records")

        result = load_dataset(store, dataset, report=report, identities=identities, digest=digest)
        print(f"{store.url}: loaded {result.summary()}")
        if identities:
            print(f"identities of {len(identities)} people stored encrypted (masked wherever shown)")
        print(kept_policy_line(store.recorder))
    return 0


# --- export -------------------------------------------------------------------------------


def export_document(store: Store, *, sealed_reason: str | None = None) -> dict[str, Any]:
    """Every subject, record and division of ``store`` as a dataset document (no identities).

    The rating schemes the store keeps (loaded with a dataset) are written
    back, and with them any scheme of the host's rules its ratings use, so
    the file rates the same anywhere.

    Sealed files (封存) are left out unless ``sealed_reason`` is given (see
    ``export_with_count``).
    """
    return export_with_count(store, sealed_reason=sealed_reason)[0]


def export_with_count(store: Store, *, sealed_reason: str | None = None) -> tuple[dict[str, Any], int]:
    """The dataset document of ``store`` and how many sealed files it leaves out.

    An export is a routine view: sealed files are not in it, so figures
    computed from the file differ from the store's by exactly those. An
    actor who may read sealed files includes them by giving a reason; each
    sealed file written is then entered in the store's ledger as a query
    (purpose ``export``), and the file reproduces the store's figures.
    """
    with store.unit_of_work(local_actor()) as uow:
        uow.require(Permission.READ)
        records: list[Record] = []
        left_out = 0
        for kind in SubjectKind:
            for stream in uow.session.read_streams(uow.scope, kind=kind):
                if kind is SubjectKind.PERSON and uow.is_sealed(stream.subject, stream.records):
                    if sealed_reason is None:
                        left_out += 1
                        continue
                    uow.sealed_file(stream.subject, sealed_reason, purpose="export")
                records.extend(stream.records)
        divisions = uow.divisions()
    known = store.rules.prevention.rating_schemes
    kept = store.recorder.kept_rating_schemes() if isinstance(store.recorder, RatingSchemeRecorder) else ()
    used = {r.scheme for r in records if isinstance(r, RatingAssessed)} | {s.id for s in kept}
    schemes = [known[scheme] for scheme in sorted(used) if scheme in known]
    document = write_dataset(records, divisions=divisions, policy=store.policy, rating_schemes=schemes)
    return document, left_out


def run_export(args: argparse.Namespace) -> int:
    if args.sealed and not args.reason:
        raise InvalidInput.of("--reason", "exporting sealed files (--sealed) needs a reason")
    with open_cli_store(args, create=False) as store:
        document, left_out = export_with_count(store, sealed_reason=args.reason if args.sealed else None)
    if left_out:
        progress(
            f"{left_out} sealed files (封存) left out: figures computed from this file leave them out "
            "too (antidrug export --sealed --reason … includes them, entering each in the ledger)"
        )
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            # Owner-only and whole or not at all, like every file the library writes.
            write_file(Path(args.output), text.encode("utf-8"))
        except OSError as error:
            raise InvalidInput.of("--output", f"{args.output}: {error.strerror}") from None
        written = LoadResult(
            len(document["people"]),
            len(document["records"]),
            len(document.get("units", [])),
            len(document.get("organisations", [])),
        )
        progress(f"wrote {written.summary()} to {args.output}")
    return 0


# --- audit verify -------------------------------------------------------------------------


def run_verify(args: argparse.Namespace) -> int:
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint else None
    scheme = _scheme() if checkpoint is not None else None
    trusted = _trusted_key(args, scheme) if scheme is not None else None
    with open_cli_store(args, create=False) as store:
        recorder = store.recorder
        if not isinstance(recorder, AuditableRecorder):
            raise StoreUnavailable(f"{store.url}: this store keeps no audit chain")
        report = verify_chain(recorder.chain(), recorder.chain_head())
        state = recorder.verify_state() if report.intact and isinstance(recorder, LedgerRecorder) else None
        extended = (
            check_checkpoint(
                recorder.chain(),
                checkpoint,
                trusted,
                scheme,
                recorder.ledger() if isinstance(recorder, LedgerRecorder) else None,
            )
            if checkpoint is not None and trusted is not None and scheme is not None and report.intact
            else None
        )
    if not report.intact:
        print(
            f"antidrug: {store.url}: audit chain broken at sequence {report.first_bad}: {report.reason}",
            file=sys.stderr,
        )
        return CHAIN_BROKEN
    print(f"{store.url}: audit chain intact: {report.records} records, head {report.head.hex()}")
    status = 0
    if state is not None and not state.intact:
        for problem in state.problems:
            print(f"antidrug: {store.url}: {printable(problem)}", file=sys.stderr)
        status = CHAIN_BROKEN
    elif state is not None:
        print(f"{store.url}: ledger intact: {state.entries} entries, head {state.head.hex()}")
    if extended is None:
        return status
    assert checkpoint is not None
    if not extended.extends:
        print(f"antidrug: {store.url}: does not extend the checkpoint: {extended.reason}", file=sys.stderr)
        return CHAIN_BROKEN
    if not extended.covers_ledger:
        print(
            f"{store.url}: extends the checkpoint of {checkpoint.at.isoformat()} "
            f"({checkpoint.size} records); "
            f"it is an {RECORDS_ONLY_FORMAT} checkpoint, which covers the records only, not the ledger: "
            "make a new one with antidrug audit checkpoint"
        )
        return status
    print(
        f"{store.url}: extends the checkpoint of {checkpoint.at.isoformat()} "
        f"({checkpoint.size} records, {checkpoint.ledger_size} ledger entries)"
    )
    return status


# --- audit late ---------------------------------------------------------------------------

_LATE_COLUMNS = (
    "序号",
    "记录",
    "类型",
    "对象",
    "声称记录时间",
    "入库时间",
    "迟于(小时)",
    "声称记录人",
    "入库方式",
    "入库人",
)


_MOST_MARGIN_HOURS = 1_000_000
"""More than a century: a larger margin lists nothing either, and an infinite one is no duration."""


def _late_data(late: LateRecord) -> dict[str, Any]:
    return {
        "sequence": late.sequence,
        "id": late.id,
        "type": late.type,
        "subject": late.subject,
        "recorded_at": late.recorded_at.isoformat(),
        "recorded_by": late.recorded_by,
        "received_at": late.received_at.isoformat(),
        "late_hours": round(late.late_by.total_seconds() / 3600, 1),
        "via": late.via.value,
        "loaded_by": late.loaded_by,
        "file": late.file,
    }


def run_late(args: argparse.Namespace) -> int:
    """List records whose claimed recording time is earlier than their receipt by more than the margin.

    A load takes ``recorded_at`` from the file as written; a record backdated
    there changes what ``--known-at`` figures report for the past. The
    store's own receipt time, kept in its ledger, shows who loaded what late.
    """
    if not 0 <= args.margin <= _MOST_MARGIN_HOURS:  # NaN too
        raise InvalidInput.of("--margin", f"must be a number of hours from 0 to {_MOST_MARGIN_HOURS}")
    margin = dt.timedelta(hours=args.margin)
    with open_cli_store(args, create=False) as store:
        recorder = store.recorder
        if not isinstance(recorder, LedgerRecorder):
            raise StoreUnavailable(f"{store.url}: this store keeps no record of when records arrived")
        found = [_late_data(late) for late in recorder.late_records(margin)]
    if args.json:
        for item in found:
            print(json.dumps(item, ensure_ascii=False, sort_keys=True))
        return 0
    if not found:
        print(f"{store.url}: 没有迟于入库时间 {args.margin:g} 小时以上的记录")
        return 0
    print("\t".join(_LATE_COLUMNS))
    via = {"commit": "录入", "load": "导入"}
    for item in found:
        cells = [
            str(item["sequence"]),
            item["id"],
            item["type"],
            item["subject"],
            item["recorded_at"],
            item["received_at"],
            f"{item['late_hours']:g}",
            item["recorded_by"],
            via.get(item["via"], item["via"]),
            item["loaded_by"] or "",
        ]
        print("\t".join(printable(cell) for cell in cells))
    return 0


# --- audit checkpoint ---------------------------------------------------------------------

CHECKPOINT_KEY_VARIABLE = "ANTIDRUG_CHECKPOINT_KEY"
"""Where scripts put the Ed25519 key that signs checkpoints: 64 hex digits."""


def _scheme() -> SignatureScheme:
    scheme: SignatureScheme | None = make_plugin_manager().hook.antidrug_signature_scheme()
    if scheme is None:
        raise StoreUnavailable("no installed plugin signs checkpoints (the antidrug_signature_scheme hook)")
    return scheme


def _signing_key() -> bytes:
    key = make_plugin_manager().hook.antidrug_checkpoint_key()
    if key is None:
        text = os.environ.get(CHECKPOINT_KEY_VARIABLE, "")
        try:
            key = bytes.fromhex(text.strip()) if text else None
        except ValueError:
            key = None
        if key is None or len(key) != 32:
            raise InvalidInput.of(
                CHECKPOINT_KEY_VARIABLE,
                "a checkpoint is signed with the host's Ed25519 key: give one through the "
                "antidrug_checkpoint_key hook, or set ANTIDRUG_CHECKPOINT_KEY to 64 hex digits "
                '(make one with: python -c "import secrets; print(secrets.token_hex(32))")',
            )
    if not isinstance(key, bytes) or len(key) != 32:
        raise InvalidInput.of("antidrug_checkpoint_key", "must return exactly 32 bytes")
    return key


def _trusted_key(args: argparse.Namespace, scheme: SignatureScheme) -> bytes:
    if args.public_key:
        try:
            key = bytes.fromhex(args.public_key)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise InvalidInput.of("--public-key", "must be 64 hex digits (an Ed25519 public key)")
        return key
    return scheme.public_key(_signing_key())


def _read_checkpoint(path: str) -> Checkpoint:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput.of("--checkpoint", f"{path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidInput.of("--checkpoint", f"{path}: not JSON") from None
    return Checkpoint.from_data(data)


def run_checkpoint(args: argparse.Namespace) -> int:
    key, scheme = _signing_key(), _scheme()
    with open_cli_store(args, create=False) as store:
        recorder = store.recorder
        if not isinstance(recorder, AuditableRecorder):
            raise StoreUnavailable(f"{store.url}: this store keeps no audit chain")
        ledger = None
        if isinstance(recorder, LedgerRecorder):
            # A checkpoint vouches for the state beside the records too: refuse one that disagrees.
            state = recorder.verify_state()
            if not state.intact:
                raise InvalidInput.of("ledger", f"does not verify: {state.problems[0]}")
            ledger = (recorder.ledger(), recorder.ledger_head())
        made = make_checkpoint(
            recorder.chain(), recorder.chain_head(), scheme, key, store.clock.now(), ledger
        )
    text = json.dumps(made.to_data(), indent=1) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_file(Path(args.output), text.encode("utf-8"))
        entries = "" if made.ledger_size is None else f" and {made.ledger_size} ledger entries"
        progress(f"wrote a checkpoint of {made.size} records{entries} to {args.output}")
    return 0
