"""duplicate_subject_errors (pipeline/run_findings.py) held to the loop it replaced, on generated subjects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.core.model import Artifact
from aima_gate.pipeline.run_findings import duplicate_subject_errors


def _before(artifacts: Sequence[Artifact]) -> list[AimaGateError]:
    seen: dict[tuple[str, str, str], Artifact] = {}
    errors: list[AimaGateError] = []
    for art in artifacts:
        store = str((art.data.get("mlflow") or {}).get("store", "")) if art.kind == "model" else ""
        key = (art.kind, art.name, art.file) if art.kind != "model" else (art.kind, art.name,
                                                                           f"{art.data.get('source', '')}|{store}")
        if key in seen:
            first = seen[key]
            errors.append(ArtifactError(
                f"{art.kind} {art.name} is defined twice (first at {first.file}:{first.line})",
                file=art.file, line=art.line, hint="keep one entry per name and version"))
        else:
            seen[key] = art
    return errors


DATA = st.fixed_dictionaries({}, optional={"source": st.sampled_from(["file", "mlflow", 3]),
                                           "mlflow": st.sampled_from([None, {}, {"store": "a"}, {"store": "b"}])})


@given(st.lists(st.tuples(st.sampled_from(["model", "model_card"]), st.sampled_from(["m@1", "n@2"]),
                          st.sampled_from(["r/a.yml", "r/b.yml"]), st.integers(1, 3), DATA), max_size=8))
def test_duplicates_as_before(specs: list[tuple[str, str, str, int, dict[str, Any]]]) -> None:
    arts = [Artifact(kind, name, file, data, line) for kind, name, file, line, data in specs]

    def shown(errors: list[AimaGateError]) -> list[tuple[Any, ...]]:
        return [(type(e), e.diagnosis, e.file, e.line, e.hint) for e in errors]

    assert shown(duplicate_subject_errors(arts)) == shown(_before(arts))
