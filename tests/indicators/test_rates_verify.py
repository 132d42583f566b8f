"""Figures that travel: a results document names its input and definitions, and anyone can verify it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.conformance import shipped_cases
from antidrug_core.indicators import digest, standard_catalogue

(CASE,) = [c for c in shipped_cases() if c.name == "voids.voids_and_corrections"]


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(CASE.dataset, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _rates(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["rates", *args, "--format", "json"]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _verify(capsys: pytest.CaptureFixture[str], results: Path, dataset: Path) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["rates", "verify", str(results), "--dataset", str(dataset)])
    return status, capsys.readouterr().out


def test_a_results_document_names_the_digest_of_the_dataset_bytes_and_of_each_definition(
    capsys: pytest.CaptureFixture[str], dataset_file: Path
) -> None:
    document = _rates(capsys, "--dataset", str(dataset_file), "--period", "2023H1")
    expected = "sha256:" + hashlib.sha256(dataset_file.read_bytes()).hexdigest()
    assert document["input"] == {"kind": "dataset", "digest": expected}
    shipped = {d.id: digest(d) for d in standard_catalogue()}
    assert all(r["digest"] == shipped[r["indicator"]] for r in document["results"])


def test_a_store_names_its_audit_chain_head(
    capsys: pytest.CaptureFixture[str], dataset_file: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'antidrug.db'}"
    assert main(["load", "--dataset", str(dataset_file), "--db", url]) == 0
    document = _rates(capsys, "--db", url, "--period", "2023H1", "--indicator", "managed")
    head = document["input"]["chain_head"]
    assert document["input"]["kind"] == "store"
    assert head["sequence"] > 0
    assert len(head["hash"]) == 64
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url]) == 0
    assert head["hash"] in capsys.readouterr().out


def test_verify_confirms_a_document_recomputed_from_its_dataset(
    capsys: pytest.CaptureFixture[str], dataset_file: Path, tmp_path: Path
) -> None:
    document = _rates(
        capsys, "--dataset", str(dataset_file), "--period", "2023H1", "--known-at", "2023-07-01"
    )
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document), encoding="utf-8")
    status, out = _verify(capsys, results, dataset_file)
    assert status == 0, out
    assert out.startswith(f"verified: {len(document['results'])} results")


def test_verify_names_each_differing_figure_definition_and_input(
    capsys: pytest.CaptureFixture[str], dataset_file: Path, tmp_path: Path
) -> None:
    document = _rates(
        capsys, "--dataset", str(dataset_file), "--period", "2023H1", "--indicator", "face_check_rate"
    )
    first = document["results"][0]
    first["numerator"] = 4
    first["digest"] = "sha256:" + "0" * 64
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document), encoding="utf-8")
    # The same records, written differently: another input.
    other = tmp_path / "other.json"
    other.write_text(json.dumps(CASE.dataset), encoding="utf-8")
    status, out = _verify(capsys, results, other)
    assert status == 1
    division = first["division"]
    assert f"face_check_rate {division} numerator: the document says 4, recomputed 2" in out
    assert f"face_check_rate {division} digest: the document says 'sha256:000" in out
    assert "input: the document names sha256:" in out
    assert "NOT VERIFIED" in out


def test_verify_refuses_what_is_not_a_results_document(
    capsys: pytest.CaptureFixture[str], dataset_file: Path
) -> None:
    status = main(["rates", "verify", str(dataset_file), "--dataset", str(dataset_file)])
    assert status == 2
    assert "not an antidrug-rates/1 document" in capsys.readouterr().err
