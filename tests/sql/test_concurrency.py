"""Writers in several processes lose nothing: every acknowledged write is there afterwards, on each engine."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from antidrug_core.audit import verify_chain
from antidrug_core.model import Actor, FaceCheck, PersonId, Role, Status
from antidrug_core.services import register_person
from antidrug_core.store import Store

WORKER = Path(__file__).with_name("worker.py")
TOWNSHIP = "522631101"
OFFICER = Actor(id="officer-1", role=Role.OFFICER, divisions={TOWNSHIP})
WRITERS = 3
WRITES = 12


def test_writers_in_several_processes_on_one_person_lose_no_acknowledged_write(
    databases: Any, open_sql: Callable[..., Store]
) -> None:
    url = databases.new()
    store = open_sql(url)
    with store.unit_of_work(OFFICER) as uow:
        register_person(
            uow,
            person=PersonId("P1"),
            household=TOWNSHIP,
            on=dt.date(2023, 1, 5),
            status=Status.COMMUNITY_DETOX,
        )
        uow.commit()
    writers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "append", url, "P1", str(WRITES), f"w{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for n in range(WRITERS)
    ]
    for writer in writers:  # every writer has its store open before any starts writing
        assert writer.stdout is not None
        assert writer.stdout.readline().startswith("ready")
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    outputs = [writer.communicate(timeout=180) for writer in writers]
    for writer, (_out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
    lines = [line for out, _err in outputs for line in out.splitlines()]
    acknowledged = [line for line in lines if line.startswith("ack ")]
    assert len(acknowledged) == WRITERS * WRITES
    with store.unit_of_work(OFFICER) as uow:
        checks = uow.file(PersonId("P1")).of_type(FaceCheck)
    assert len(checks) == len(acknowledged)
    report = verify_chain(store.recorder.chain(), store.recorder.chain_head())  # type: ignore[attr-defined]
    assert report.intact
    assert report.records == 2 + len(acknowledged)
