"""The store's own clock per row: ``received_at`` is set by the store on every write path, never taken
from the record or the file, agrees with the ledger, and survives the upgrade that added it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from antidrug_core.cli import main
from antidrug_core.interchange import write_dataset
from antidrug_core.store import Store
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from antidrug_core.testing import verification_problems
from antidrug_sql import recorder as sql_recorder
from antidrug_sql.schema import alembic_config, head_revision
from antidrug_sql.tables import LEDGER, RECORDS

from .test_ledger import fill

RECEIPTS_MIGRATION = ScriptDirectory.from_config(alembic_config()).get_revision("0012")
"""The revision that gave every record row its time of receipt."""

SPEC = SyntheticSpec.demo(seed=5, people=6, townships=2)


def receipts(engine: sa.Engine) -> list[tuple[int, dt.datetime | None, dt.datetime | None]]:
    """Each record's sequence, its ``received_at``, and the time of the ledger entry it arrived in."""
    with engine.connect() as connection:
        arrivals = connection.execute(
            sa.select(LEDGER.c.kind, LEDGER.c.at, LEDGER.c.first, LEDGER.c.last).where(
                LEDGER.c.first.is_not(None)
            )
        ).all()
        rows = connection.execute(
            sa.select(RECORDS.c.sequence, RECORDS.c.received_at).order_by(RECORDS.c.sequence)
        ).all()
    found = []
    for sequence, received in rows:
        (arrival,) = [a for a in arrivals if a.first <= sequence <= a.last]
        found.append((sequence, received, None if arrival.kind == "upgrade" else arrival.at))
    return found


def dataset_files(folder: Path) -> list[Path]:
    """A small county whose records claim to have been recorded years ago, in two files of three people."""
    people = list(person_records(SPEC))
    paths = []
    for number, part in enumerate((people[:3], people[3:])):
        records = [record for person in part for record in person]
        path = folder / f"county-{number}.json"
        document = write_dataset(records, divisions=divisions(SPEC), policy=SPEC.policy)
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def test_a_commit_stamps_its_records_with_its_ledger_entrys_time_not_the_records_clock(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    store = open_sql(databases.new())
    before = dt.datetime.now(dt.UTC)
    fill(store)  # the records claim the test's fixed 2023 clock
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    found = receipts(engine)
    assert len(found) == 6
    assert all(received == arrival for _sequence, received, arrival in found)
    assert all(received is not None for _s, received, _a in found)
    assert min(received for _s, received, _a in found if received is not None) >= before
    assert store.clock.now().year == 2023


def test_each_load_stamps_every_row_with_its_own_time_whatever_the_file_claims(
    databases: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first load, into an empty store, takes the fast path (SQLite's writer process, as it has more
    than one batch here; PostgreSQL's ``COPY``); the second, into a store that holds records, inserts."""
    monkeypatch.setattr(sql_recorder, "BULK_RECORDS", 10)
    url = databases.new()
    before = dt.datetime.now(dt.UTC)
    for path in dataset_files(tmp_path):
        assert main(["load", "--dataset", str(path), "--db", url]) == 0
    engine = sa.create_engine(url)
    try:
        found = receipts(engine)
        with engine.connect() as connection:
            claimed = connection.execute(sa.select(sa.func.max(RECORDS.c.recorded_at))).scalar_one()
    finally:
        engine.dispose()
    assert len(found) > 20
    assert claimed.replace(tzinfo=dt.UTC) < before - dt.timedelta(days=30)  # what the files claim
    assert all(received == arrival for _sequence, received, arrival in found)
    times = sorted({received for _s, received, _a in found if received is not None})
    assert len(times) == 2  # one per load: its ledger entry's
    assert times[0] >= before
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url]) == 0


def test_a_store_of_the_revision_before_upgrades_and_its_rows_get_their_ledger_entrys_time(
    databases: Any, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_sql(databases.new())
    fill(store)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    url = engine.url.render_as_string(hide_password=False)
    expected = receipts(engine)
    before = RECEIPTS_MIGRATION.down_revision
    assert isinstance(before, str)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), before)
    store.close()
    assert main(["init", "--db", url]) == 0
    assert f"from revision {before} to {head_revision()}" in capsys.readouterr().out
    upgraded = sa.create_engine(url)
    try:
        assert receipts(upgraded) == expected
    finally:
        upgraded.dispose()
    assert main(["audit", "verify", "--db", url]) == 0


def test_records_stored_before_the_ledger_keep_no_receipt_time_and_still_verify(
    databases: Any, open_sql: Callable[..., Store], store_wide: Any
) -> None:
    store = open_sql(databases.new())
    fill(store)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    store_wide(engine)  # as a store of revision 0006 held its identities
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
        command.upgrade(alembic_config(connection), head_revision())
    found = receipts(engine)
    assert len(found) == 6
    assert all(received is None and arrival is None for _s, received, arrival in found)
    assert verification_problems(store) == []
