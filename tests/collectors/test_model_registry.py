"""``model`` registry entries: shapes, schema errors with file/line/hint, references resolved and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aima_gate.collectors import CollectContext
from aima_gate.collectors.model_registry import ModelRegistryCollector
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo
from tests.conftest import TODAY, write


def parse(root: Path, rel: str) -> tuple[list[Artifact], list[AimaGateError]]:
    ctx = CollectContext(Repo(root), {}, {}, Clock.at(TODAY))
    arts: list[Artifact] = []
    errs: list[AimaGateError] = []
    try:
        for item in ModelRegistryCollector().parse(ctx, rel):
            (arts if isinstance(item, Artifact) else errs).append(item)  # type: ignore[arg-type]
    except AimaGateError as exc:
        errs.append(exc)
    return arts, errs


ENTRY = """\
  - name: fraud-scorer
    version: "1.2.0"
    owner: fraud-ml
    risk_tier: high
    training_data:
      - {name: tx-2025, source: "s3://data/tx/2025"}
    model_card: ../cards/fraud.md
    artifacts: [../models/fraud.onnx, ../models/fraud.json]
"""


@pytest.mark.parametrize(
    ("rel", "text"),
    [("registry/models.yml", "models:\n" + ENTRY),
     ("registry/models.yaml", ENTRY.replace("\n  ", "\n").removeprefix("  ")),  # a bare list
     ("registry/one.yml", "\n".join(line[4:] for line in ENTRY.splitlines()).replace("- name", "name")),
     ("registry/models.json", '{"models": [{"name": "fraud-scorer", "version": "1.2.0", "owner": "fraud-ml",'
                              ' "risk_tier": "high", "training_data": [{"name": "tx-2025", "source": "s3://x"}],'
                              ' "model_card": "../cards/fraud.md",'
                              ' "artifacts": ["../models/fraud.onnx", "../models/fraud.json"]}]}')],
)
def test_registry_shapes(tmp_path: Path, rel: str, text: str) -> None:
    write(tmp_path, rel, text)
    arts, errs = parse(tmp_path, rel)
    assert not errs, [str(e) for e in errs]
    (a,) = arts
    assert a.kind == "model" and a.name == "fraud-scorer@1.2.0" and a.file == rel
    assert a.data["owner"] == "fraud-ml" and a.data["source"] == "file"
    assert ("model_card", "cards/fraud.md", "/model_card") in a.references
    assert ("model_file", "models/fraud.onnx", "/artifacts/0") in a.references


def test_entry_lines(tmp_path: Path) -> None:
    write(tmp_path, "registry/models.yml", "# header\nmodels:\n" + ENTRY + ENTRY.replace("1.2.0", "1.3.0"))
    arts, _ = parse(tmp_path, "registry/models.yml")
    first, second = arts
    assert first.line == 3 and second.line == 11
    assert second.line_of("/owner") == 13
    assert second.line_of("/training_data/0/source") == 16
    assert second.line_of("/no/such/field") == 11


@pytest.mark.parametrize(
    ("text", "line", "fragment", "hint"),
    [
        ("models:\n  - name: a\n    version: 1.0\n", 3, "1.0 is not of type 'string'",
         'Quote it in YAML: version: "1.0"'),
        ("models:\n  - name: a\n", 2, "'version' is a required property", None),
        ("models:\n  - name: a\n    version: '1'\n    training_data: [{source: x}]\n", 4,
         "'name' is a required property", None),
        ("models:\n  - name: a\n    version: '1'\n    owner: [x]\n", 4, "is not of type 'string'", None),
        ("models:\n  - name: 'bad name!'\n    version: '1'\n", 2, "does not match", None),
        ("models: []\n", 1, "should be non-empty", None),
        ("just a string\n", 1, "does not have any of the accepted shapes", "one entry, a list of entries"),
    ],
)
def test_schema_errors_name_file_line_and_hint(tmp_path: Path, text: str, line: int, fragment: str,
                                               hint: str | None) -> None:
    write(tmp_path, "registry/models.yml", text)
    arts, errs = parse(tmp_path, "registry/models.yml")
    assert not arts
    assert errs, "a bad registry must not pass silently"
    err = errs[0]
    assert err.file == "registry/models.yml"
    assert err.line == line, str(err)
    assert fragment in err.diagnosis
    if hint:
        assert err.hint and hint in err.hint


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("models:\n  - name: a\n    version: '1'\n  - name: b\n    version: '1'\n    version: '2'\n",
      "duplicate key 'version'"),
     ("models:\n  - name: a\n    version: [unclosed\n", "invalid YAML"),
     ("", "registry file is empty")],
)
def test_unparseable_registry(tmp_path: Path, text: str, fragment: str) -> None:
    write(tmp_path, "registry/models.yml", text)
    _, errs = parse(tmp_path, "registry/models.yml")
    assert fragment in errs[0].diagnosis
    assert errs[0].file == "registry/models.yml" and errs[0].line


def test_references_that_leave_the_repo_are_errors_at_their_line(tmp_path: Path) -> None:
    write(tmp_path, "registry/models.yml", "models:\n  - name: a\n    version: '1'\n    model_card: ../../etc/x.md\n"
                                          "  - name: b\n    version: '1'\n    bias_report: /etc/passwd\n"
                                          "  - name: c\n    version: '1'\n")
    arts, errs = parse(tmp_path, "registry/models.yml")
    assert [a.name for a in arts] == ["c@1"]  # the other entries are errors, not silently dropped
    assert [(e.line, "leaves the repository" in str(e) or "absolute" in str(e)) for e in errs] == [
        (4, True), (7, True)]


def test_duplicate_json_keys(tmp_path: Path) -> None:
    write(tmp_path, "registry/m.json", '{"name": "a", "version": "1", "version": "2"}')
    _, errs = parse(tmp_path, "registry/m.json")
    assert "duplicate key 'version'" in errs[0].diagnosis
    assert errs[0].file == "registry/m.json"


def _entry(**fields: Any) -> str:
    return "models:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in {"name": "a", "version": "'1'", **fields}.items())


def test_registry_entry_data_is_the_entry(tmp_path: Path) -> None:
    write(tmp_path, "registry/models.yml", _entry(stage="production", tags="{team: x}"))
    (a,), _ = parse(tmp_path, "registry/models.yml")
    assert a.data["stage"] == "production" and a.data["tags"] == {"team": "x"}
