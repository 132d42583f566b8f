"""The normative reference (docs/reference/): generated where it can be, checked where it cannot."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from antidrug_core.cli import main
from antidrug_core.commands.conformance import shipped_cases
from antidrug_core.indicators import (
    EvaluationRequest,
    Period,
    evaluate_dataset,
    rates_document,
    standard_catalogue,
)
from antidrug_core.indicators.words import catalogue_page
from antidrug_core.interchange import read_dataset
from antidrug_core.model import RECORD_TYPES
from antidrug_core.schemas import SCHEMA_FILES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.S | re.M)


def schema(form: str) -> dict[str, Any]:
    text = files("antidrug_core.schemas").joinpath(SCHEMA_FILES[form]).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validator(form: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema(form), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def record_validator() -> jsonschema.Draft202012Validator:
    dataset = schema("antidrug-dataset/1")
    return jsonschema.Draft202012Validator(
        {"$schema": dataset["$schema"], "$defs": dataset["$defs"], "$ref": "#/$defs/record"},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def examples(page: Path) -> list[Any]:
    return [json.loads(block) for block in JSON_BLOCK.findall(page.read_text(encoding="utf-8"))]


def test_the_catalogue_page_is_generated_from_the_shipped_definitions() -> None:
    # Regenerate with: antidrug catalogue --standard --format markdown --output docs/reference/catalogue.md
    # (nox -s catalogue).
    committed = (REFERENCE / "catalogue.md").read_text(encoding="utf-8")
    assert committed == catalogue_page(standard_catalogue())


def test_the_catalogue_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "catalogue.md"
    assert main(["catalogue", "--standard", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (REFERENCE / "catalogue.md").read_text(encoding="utf-8")
    assert main(["catalogue", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["definitions"]
    assert [d["definition"]["id"] for d in listed][:2] == ["face_check_rate", "risk_assessment_rate"]
    assert all(d["digest"].startswith("sha256:") for d in listed)


def test_the_schemas_ship_in_the_package_and_are_valid_schemas() -> None:
    for form in SCHEMA_FILES:
        jsonschema.Draft202012Validator.check_schema(schema(form))
        assert schema(form)["title"] == form


def test_every_json_example_in_the_reference_is_valid_against_its_schema() -> None:
    seen: set[str] = set()
    for page in sorted(REFERENCE.glob("*.md")):
        for example in examples(page):
            if isinstance(example, dict) and example.get("format") in SCHEMA_FILES:
                seen.add(example["format"])
                errors = [e.message for e in validator(example["format"]).iter_errors(example)]
            else:
                # A fragment of a dataset: one record.
                errors = [e.message for e in record_validator().iter_errors(example)]
            assert not errors, f"{page.name}: {errors}"
    assert seen >= set(SCHEMA_FILES) - {"antidrug-conformance-case/1"}


def test_every_shipped_case_is_valid_against_the_case_schema() -> None:
    case_schema = validator("antidrug-conformance-case/1")
    dataset_schema = validator("antidrug-dataset/1")
    for case in shipped_cases():
        assert not list(case_schema.iter_errors(dict(case.data))), case.name
        found = [list(e.absolute_path) for e in dataset_schema.iter_errors(dict(case.dataset))]
        if case.errors:
            # The schema already sees what needs no whole document: a date that does not exist,
            # an unknown field, an unknown type.
            assert ["records", 1, "on"] in found
            assert ["records", 4, "type"] in found
        else:
            assert not found, case.name


def test_every_record_type_of_the_library_is_in_the_dataset_schema() -> None:
    listed = set(schema("antidrug-dataset/1")["$defs"]["record"]["properties"]["type"]["enum"])
    # person_registered and voided are written as people entries and as voids, never by type.
    assert set(RECORD_TYPES) - {"person_registered", "voided"} <= listed


def test_the_rates_example_is_what_the_library_computes_for_the_dataset_example() -> None:
    dataset_example = next(
        e for e in examples(REFERENCE / "dataset.md") if e.get("format") == "antidrug-dataset/1"
    )
    rates_example = next(e for e in examples(REFERENCE / "results.md") if "input" in e)
    dataset = read_dataset(dataset_example)
    period = Period.parse(f"{rates_example['period']['start']}/{rates_example['period']['end']}")
    results = evaluate_dataset(
        dataset,
        EvaluationRequest(
            period=period,
            indicators=tuple(r["indicator"] for r in rates_example["results"]),
            divisions=tuple(r["division"] for r in rates_example["results"]),
        ),
    )
    document = rates_document(period, None, dataset.policy, results)
    assert document["results"] == rates_example["results"]
    assert document["policy"] == rates_example["policy"]


def test_nothing_cites_a_specification_outside_the_project() -> None:
    outside = re.compile(r"(INDICATORS|DATASET|GLOSSARY|CHEMICALS|PREVENTION)\.md|shared/spec")
    cited = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("src", "plugins", "docs")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".md", ".j2", ".json"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert not cited, cited


def test_the_site_names_no_placeholder_repository() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "example.invalid" not in config
    assert "repo_url: !ENV [ANTIDRUG_DOCS_REPO_URL, null]" in config
