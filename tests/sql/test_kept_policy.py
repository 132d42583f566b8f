"""A store keeps the policy it was loaded under: ``load`` then ``rates --db`` gives the file's figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from antidrug_core.cli import main
from antidrug_core.commands.store import load_dataset
from antidrug_core.interchange import read_dataset, write_dataset
from antidrug_core.model import Actor, InvalidInput
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.store import Store, describe_policy
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from antidrug_core.testing import FixedClock, at
from antidrug_sql.tables import META

RESIDENCE_FIRST = Policy(responsible=Responsibility.RESIDENCE_FIRST)
SPEC = attrs.evolve(SyntheticSpec.demo(seed=11, people=60, townships=4), policy=RESIDENCE_FIRST)


def dataset_file(folder: Path, name: str, policy: Policy) -> Path:
    """The synthetic county (made under residence first) as a dataset file claiming ``policy``."""
    records = [record for person in person_records(SPEC) for record in person]
    document = write_dataset(records, divisions=divisions(SPEC), policy=policy)
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def residence_first(tmp_path: Path) -> Path:
    return dataset_file(tmp_path, "residence_first.json", RESIDENCE_FIRST)


@pytest.fixture
def household_first(tmp_path: Path) -> Path:
    return dataset_file(tmp_path, "household_first.json", Policy())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def rates(capsys: pytest.CaptureFixture[str], *source: str) -> dict[str, Any]:
    status, out, err = run(capsys, "rates", *source, "--period", "2025H2")
    assert status == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def test_a_residence_first_dataset_loaded_gives_the_same_figures_from_the_store(
    databases: Any, residence_first: Path, household_first: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    status, out, err = run(capsys, "load", "--dataset", str(residence_first), "--db", url)
    assert status == 0, err
    assert f"keeps the policy {describe_policy(RESIDENCE_FIRST)}" in out
    from_store = rates(capsys, "--db", url)
    from_file = rates(capsys, "--dataset", str(residence_first))
    # Only the provenance differs: a store names its audit chain head, a file its digest.
    assert from_store.pop("input")["kind"] == "store"
    assert from_file.pop("input")["kind"] == "dataset"
    assert from_store == from_file
    assert from_store["policy"]["responsible"] == "residence_first"
    # The policy matters here: the same records read household first give other figures.
    assert rates(capsys, "--dataset", str(household_first))["results"] != from_file["results"]


def test_a_dataset_of_another_policy_is_refused_naming_both_and_nothing_is_loaded(
    databases: Any,
    residence_first: Path,
    household_first: Path,
    open_sql: Callable[..., Store],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = databases.new()
    assert run(capsys, "init", "--db", url, "--policy", "household_first")[0] == 0
    status, _out, err = run(capsys, "load", "--dataset", str(residence_first), "--db", url)
    assert status == 2
    assert f"the dataset's policy ({describe_policy(RESIDENCE_FIRST)})" in err
    assert f"the policy the store keeps ({describe_policy(Policy())})" in err
    with open_sql(url).unit_of_work(Actor.local_administrator()) as uow:
        assert uow.people() == []
    assert run(capsys, "load", "--dataset", str(household_first), "--db", url)[0] == 0


def test_init_keeps_the_policy_it_is_given_and_names_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    status, out, _err = run(
        capsys, "init", "--db", url, "--policy", "residence_first", "--test-window-days", "10"
    )
    kept = attrs.evolve(RESIDENCE_FIRST, test_window_days=10)
    assert status == 0
    assert out.splitlines()[-1] == f"{url}: keeps the policy {describe_policy(kept)}"
    status, _out, err = run(capsys, "init", "--db", url, "--policy", "household_first")
    assert status == 2
    assert describe_policy(kept) in err
    status, _out, err = run(
        capsys, "init", "--db", url, "--time-zone", "Mars/Olympus", "--missed-after-days", "-1"
    )
    assert status == 2
    assert "--time-zone: 'Mars/Olympus' is not a time zone" in err
    assert "--missed-after-days: must not be negative" in err
    status, out, _err = run(capsys, "init", "--db", url)
    assert (status, out.splitlines()[-1]) == (0, f"{url}: keeps the policy {describe_policy(kept)}")


def test_a_dataset_loaded_through_units_of_work_keeps_its_policy_too(residence_first: Path) -> None:
    from antidrug_core.bootstrap import open_store

    dataset = read_dataset(json.loads(residence_first.read_text(encoding="utf-8")))
    with open_store("memory://") as store:
        load_dataset(store, dataset)
        assert store.recorder.stored_policy() == RESIDENCE_FIRST
        assert store.policy == RESIDENCE_FIRST


def test_a_store_written_before_stores_kept_a_policy_takes_the_policy_of_its_next_write(
    tmp_path: Path, residence_first: Path, open_sql: Callable[..., Store]
) -> None:
    url = f"sqlite:///{tmp_path / 'older.db'}"
    later = FixedClock(at("2027-01-01"))  # after every synthetic record: a load refuses the future
    dataset = read_dataset(json.loads(residence_first.read_text(encoding="utf-8")))
    first, second = dataset.people()[:2]
    load_dataset(
        open_sql(url, clock=later),
        attrs.evolve(dataset, records=tuple(r for r in dataset.records if r.person == first)),
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # as a store written by the previous version of the library
        connection.execute(sa.delete(META).where(META.c.key == "policy"))
    engine.dispose()
    older = open_sql(url, clock=later)
    assert (older.policy, older.policy_is_set) == (Policy(), False)
    load_dataset(
        older, attrs.evolve(dataset, records=tuple(r for r in dataset.records if r.person == second))
    )
    assert older.recorder.stored_policy() == RESIDENCE_FIRST
    with pytest.raises(InvalidInput, match="policy"):
        open_sql(url, policy=Policy())
