"""A partial run decodes and evaluates only what its subjects can reach (changed.join_pool, evaluate's
only_subjects): for every file of every example, its findings are exactly the full run's findings on the same
subjects, with and without the artifact cache."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import INPUT_ERROR, UNUSED_WAIVER, Artifact
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import EXAMPLES, TODAY


def findings(root: Path, changed: frozenset[str] | None, cache: Path | None) -> list[str]:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), changed_files=changed, cache_dir=cache))
    return [
        json.dumps({fl.name: getattr(f, fl.name) for fl in dataclasses.fields(f)}, default=str, sort_keys=True)
        for f in report.findings
        if f.policy_id not in (INPUT_ERROR, UNUSED_WAIVER)
    ]


@pytest.mark.parametrize("name", ["credit-scoring", "llm-assistant"])
def test_every_file_changed_alone_matches_the_full_run(name: str, tmp_path: Path) -> None:
    root = EXAMPLES / name
    full = findings(root, None, None)
    for file in sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()):
        for cache in (None, tmp_path):
            partial = findings(root, frozenset({file}), cache)
            subjects = {json.loads(f)["subject"] for f in partial}
            assert partial == [f for f in full if json.loads(f)["subject"] in subjects], file


def test_join_candidates_stay_undecoded_unless_a_join_reads_a_whole_document() -> None:
    """Read-back artifacts a join may look up are handed to the engine undecoded (a join reading a peek key such
    as ``source`` decodes none of them); the subjects always as plain dicts; and every one as a plain dict when a
    join reads a whole document (``path: .``, where a mapping must be a dict), with the same outcome as a run
    on plain data."""
    from aima_gate.engine.evaluate import evaluate
    from aima_gate.pipeline.cache_blobs import Blobs
    from aima_gate.pipeline.cache_codec import LazyData, decode_results, encode_results, materialized
    from aima_gate.pipeline.changed import join_pool, reads_whole_documents
    from tests.engine.helpers import make_policy

    def read_back() -> list[Artifact]:
        plain = [Artifact("model", f"m{i}@1", f"registry/m{i}.yml", {"name": f"m{i}", "source": "file"})
                 for i in range(4)]
        items, blobs = encode_results(plain)
        return decode_results(items, Blobs(blobs))

    by_source = make_policy({"join": {"kind": "model", "where": {"path": "source", "equals": "file"},
                                      "require": "every"}})
    whole = make_policy({"join": {"kind": "model", "where": {"path": ".", "type": "mapping"}, "require": "every"}})
    assert not reads_whole_documents([by_source]) and reads_whole_documents([by_source, whole])
    keys = {("model", "m0@1", "registry/m0.yml")}
    for policies in ([by_source], [by_source, whole]):
        arts = read_back()
        pool = join_pool(policies, arts[:1], keys, set(), arts)
        lazy = [a for a in pool if type(a.data) is LazyData]
        assert type(pool[0].data) is dict and len(pool) == 4
        assert len(lazy) == (3 if policies == [by_source] else 0)
        got = evaluate(policies, pool, params={}, waivers=(), today=TODAY, anchor_file=".",
                       only_subjects=lambda a: (a.kind, a.name, a.file) in keys)
        want = evaluate(policies, [materialized(a) for a in read_back()], params={}, waivers=(), today=TODAY,
                        anchor_file=".", only_subjects=lambda a: (a.kind, a.name, a.file) in keys)
        assert [(f.policy_id, f.status) for f in got.findings] == [(f.policy_id, f.status) for f in want.findings]
        assert all(f.status.value == "pass" for f in got.findings)
        assert not any(a.data._blobs.decoded(a.data._n) for a in lazy if type(a.data) is LazyData)
