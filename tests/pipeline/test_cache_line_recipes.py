"""The artifact cache stores a lazily built line map that was not built yet as its recipe (the JSON text, and for
a fairness report its attributes' names), not as a table: writing the cache builds no line map, and an artifact
read back answers every line exactly as the parsed one does."""

from __future__ import annotations

import json
import marshal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.bias_report import report_lines
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.pipeline.cache_blobs import Blobs
from aima_gate.pipeline.cache_codec import decode_results, encode_results
from aima_gate.safeio.loaders import load_json

REPORT = """{
  "format": "aima-gate",
  "model": {"name": "m", "version": "1"},
  "generated_at": "2026-09-15T10:00:00Z",
  "attributes": [
    {"name": "sex",
     "groups": [{"name": "f", "n": 10}, {"name": "m", "n": 12}]},
    {"name": "age"}
  ]
}
"""


def _pointers(value: Any, pointer: str = "") -> list[str]:
    out = [pointer]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _pointers(v, f"{pointer}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _pointers(v, f"{pointer}/{i}")
    return out


def _round_trip(art: Artifact) -> tuple[Artifact, dict[str, Any]]:
    items, blobs = encode_results([art])
    (back,) = decode_results(items, Blobs(blobs))
    return back, marshal.loads(blobs[1])  # the data's blob, then the lines'


def test_an_unbuilt_json_line_map_is_stored_as_its_text_and_not_built() -> None:
    value, lines = load_json(REPORT, "r.json")
    art = Artifact("explainability_report", "r.json", "r.json", value, 1, lines)
    back, blob = _round_trip(art)
    assert lines._lines is None  # writing the cache did not build it
    assert blob["r"] == ["json", REPORT] and "t" not in blob
    for p in [*_pointers(value), "/nowhere", "/attributes/9/x"]:
        assert back.lines.line_of(p) == lines.line_of(p), p


def test_a_built_line_map_is_stored_as_its_table() -> None:
    value, lines = load_json(REPORT, "r.json")
    lines.line_of("/model")
    back, blob = _round_trip(Artifact("explainability_report", "r.json", "r.json", value, 1, lines))
    assert "r" not in blob and blob["t"]["/model"] == 3
    assert back.lines.line_of("/attributes/1/name") == lines.line_of("/attributes/1/name")


def test_a_fairness_reports_derived_line_map_is_stored_as_a_recipe() -> None:
    doc, source = load_json(REPORT, "r.json")
    data = {"model": doc["model"], "attributes": [{"name": "sex"}, {"name": "age"}, "not a mapping"]}
    lines = report_lines(source, data, doc)
    back, blob = _round_trip(Artifact("bias_report", "r.json", "r.json", data, 1, lines))
    assert source._lines is None and lines._lines is None
    assert blob["r"][0] == "bias" and blob["r"][2] == ["sex", "age", None]
    for p in ["", "/model", "/generated_at", "/attributes/0", "/attributes/1", "/attributes/2", "/tool"]:
        assert back.lines.line_of(p) == lines.line_of(p), p


def test_a_prefixed_view_keeps_its_prefix() -> None:
    value, lines = load_json(REPORT, "r.json")
    view = lines.under("/attributes/0")
    back, blob = _round_trip(Artifact("explainability_report", "r.json#0", "r.json", value["attributes"][0], 5,
                                      view))
    assert blob["p"] == "/attributes/0"
    for p in ["", "/groups/1/n", "/name"]:
        assert back.lines.line_of(p) == view.line_of(p)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=4), kids,
                                                                                      max_size=4), max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(json_values, st.sampled_from([None, 0, 2]))
def test_any_json_document_answers_the_same_lines_read_back(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    parsed, lines = load_json(text, "d.json")
    back, _ = _round_trip(Artifact("explainability_report", "d.json", "d.json", {"v": parsed}, 1, lines))
    for p in _pointers(parsed):
        assert back.lines.line_of(p) == lines.line_of(p)


def test_an_eager_table_is_stored_as_a_table() -> None:
    back, blob = _round_trip(Artifact("model", "m@1", "r.yml", {"name": "m"}, 2, LineIndex({"": 1, "/name": 2})))
    assert blob["t"] == {"": 1, "/name": 2} and back.lines.line_of("/name/x") == 2
