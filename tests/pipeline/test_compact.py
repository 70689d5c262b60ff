"""A full cached run holds each kind's artifacts encoded until the first stage that reads them (pipeline/compact.py,
staged.py's ``materialize``), and sorts the findings one policy at a time (run_findings.sorted_findings): the same
report as a run without the cache, cold and warm (issue 16: memory flat in the number of models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aima_gate.pipeline.staged as staged
from aima_gate.core.clock import Clock
from aima_gate.core.model import Evidence, Finding, Severity, Status, Subject
from aima_gate.pipeline import compact
from aima_gate.pipeline.cache_codec import LazyData
from aima_gate.pipeline.run_findings import sorted_findings
from aima_gate.pipeline.runner import KEPT_AFTER_EVALUATION, RunOptions, run_check
from aima_gate.reporters.json_report import render
from tests.conftest import TODAY, bench_repo


def _bench_repo(root: Path, models: int) -> Path:
    return bench_repo(root, models)


def _json(root: Path, cache_dir: Path | None) -> str:
    return render(run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache_dir)), findings="all")


def test_each_kind_is_decoded_just_before_its_first_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _bench_repo(tmp_path / "repo", 3)
    plain = _json(root, None)
    real = staged.evaluate
    seen: list[tuple[set[str], dict[str, bool]]] = []

    def spy(policies: Any, artifacts: Any, **kwargs: Any) -> Any:
        seen.append(({p.kind for p in policies}, {a.kind: type(a.data) is LazyData for a in artifacts}))
        return real(policies, artifacts, **kwargs)

    monkeypatch.setattr(staged, "evaluate", spy)
    for run in ("cold", "warm"):
        seen.clear()
        assert _json(root, tmp_path / "cache") == plain, run  # byte-identical to the run without the cache
        assert seen and all(not any(lazy.values()) for _, lazy in seen)  # the engine sees decoded artifacts only
    # A kind no stage has read yet is still encoded when an earlier stage runs, cold and warm.
    assert run_still_encoded(root, tmp_path / "other-cache", monkeypatch)
    assert run_still_encoded(root, tmp_path / "other-cache", monkeypatch)


def run_still_encoded(root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether, at the first stage, some artifact of a kind that stage does not read is still encoded."""
    real = staged.evaluate_staged
    found: list[bool] = []

    def spy(policies: Any, artifacts: list[Any], join_kinds: Any, **kwargs: Any) -> Any:
        found.append(any(type(a.data) is LazyData and a.kind not in KEPT_AFTER_EVALUATION for a in artifacts))
        assert all(type(a.data) is not LazyData for a in artifacts if a.kind in KEPT_AFTER_EVALUATION)
        return real(policies, artifacts, join_kinds, **kwargs)

    monkeypatch.setattr(staged, "evaluate_staged", spy)
    run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache_dir))
    monkeypatch.setattr(staged, "evaluate_staged", real)
    return found == [True]


def test_an_encoded_parse_expands_to_what_the_cache_reads_back() -> None:
    """A parse encoded for the pack travels as its encoding only and expands to what a warm run reads back: an
    artifact whose data stays encoded until read."""
    from aima_gate.core.model import Artifact
    from aima_gate.pipeline.cache_codec import encode_results
    from aima_gate.pipeline.compact import Encoded, expanded

    art = Artifact("bias_report", "r", "reports/r.json", {"a": [1, 2.5, None], "b": {"c": "d"}}, 3)
    items, blobs = encode_results([art])
    (back,) = expanded([Encoded(items, blobs)])
    assert type(back.data) is LazyData and dict(back.data.items()) == art.data
    assert (back.kind, back.name, back.file, back.line, back.references) == (art.kind, art.name, art.file, 3, ())
    assert expanded([art]) == [art]  # what was never encoded passes through


def test_detached_copies_views_so_the_pack_can_go() -> None:
    from aima_gate.pipeline.cache_blobs import Blobs
    from aima_gate.pipeline.cache_codec import decode_artifact, exact_blob

    pack = exact_blob({"x": 1}) + exact_blob({"p": "", "t": {"": 1}})
    view = memoryview(pack)
    n = len(exact_blob({"x": 1}))
    art = decode_artifact(Blobs([view[:n], view[n:]]), 0, "model_card", "c", "c.md", 1, [], None)
    compact.detached([art, art])
    assert all(type(c) is bytes for c in art.data._blobs._chunks)  # type: ignore[attr-defined]
    view.release()  # no view of the pack is left in the artifact: releasing the pack's view succeeds
    assert dict(art.data.items()) == {"x": 1} and art.line_of("/x") == 1


def _finding(policy: str, file: str, name: str, line: int, message: str) -> Finding:
    ev = (Evidence(file, line, "", None, "x", message),) if line else ()
    return Finding(policy, "t", Status.FAIL, Severity.LOW, Subject("model", name, file), None, ev, "r")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c.x"]), st.sampled_from(["f1", "f0"]),
                          st.sampled_from(["n", "m"]), st.integers(0, 3), st.sampled_from(["u", "v"])),
                max_size=30),
       st.integers(0, 30))
def test_sorting_one_policy_at_a_time_is_one_stable_sort(rows: list[Any], cut: int) -> None:
    findings = [_finding(*row) for row in rows]
    expected = tuple(sorted(findings, key=lambda f: (f.policy_id, f.subject.file, f.subject.kind, f.subject.name,
                                                     f.evidence[0].line if f.evidence else 0,
                                                     f.evidence[0].message if f.evidence else "")))
    got = sorted_findings(findings[:cut], iter(findings[cut:]))
    assert [id(f) for f in got] == [id(f) for f in expected]  # the same objects, ties in the same order


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c.x"]), st.sampled_from(["f1", "f0", "f2"]),
                          st.sampled_from(["n", "m", "o"]), st.integers(0, 3), st.sampled_from(["u", "v"])),
                max_size=30),
       st.integers(0, 30), st.booleans())
def test_groups_already_in_subject_order_are_kept_as_they_are(rows: list[Any], cut: int, dedupe: bool) -> None:
    # The engine's order: by policy and subject (a group with one finding per subject is not sorted again).
    rows.sort(key=lambda r: (r[0], r[1], "model", r[2]))
    if dedupe:
        rows = list({(r[0], r[1], r[2]): r for r in rows}.values())
    findings = [_finding(*row) for row in rows]
    expected = tuple(sorted(findings, key=lambda f: (f.policy_id, f.subject.file, f.subject.kind, f.subject.name,
                                                     f.evidence[0].line if f.evidence else 0,
                                                     f.evidence[0].message if f.evidence else "")))
    got = sorted_findings(findings[:cut], iter(findings[cut:]))
    assert [id(f) for f in got] == [id(f) for f in expected]
