"""engine/batch.py (statuses of a node over many values at once) against the interpreter, ``Node.status`` one value
at a time: the same statuses, or an error, on random trees, documents, join candidates and parameters; and
evaluation built on it gives every finding the interpreter's one-subject-at-a-time evaluation gives."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Artifact, Finding, Status
from aima_gate.engine import batch, evaluate
from aima_gate.engine.assertions import Scope, Tri, make_scope
from aima_gate.engine.batch import accessor, statuses
from aima_gate.engine.evaluate import _bare_finding, _finding, _subject
from aima_gate.engine.index import ArtifactIndex
from aima_gate.engine.paths import _MISSING, Path
from aima_gate.engine.policy import Policy, resolve_params
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy
from tests.engine.test_status import _PARAM_SPECS, _PROPS, _cards, _compiled, _model, _params, _tree


def _models(models: list[dict[str, Any]]) -> list[Artifact]:
    return [art(m, name=f"m{i}@1", references=(("model_card", m["model_card"], "/model_card"),)
                if m.get("model_card") else ()) for i, m in enumerate(models)]


def _related(cards: list[dict[str, Any]]) -> list[Artifact]:
    return [art({k: v for k, v in c.items() if k != "file"}, kind="model_card", name=f"card{i}", file=c["file"])
            for i, c in enumerate(cards)]


def _each(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except PolicyError as exc:
        return "raised", type(exc)


@_PROPS
@given(_tree, st.lists(_model, min_size=1, max_size=6), _cards, _params)
def test_property_batch_statuses_are_the_interpreters(tree: dict[str, Any], models: list[dict[str, Any]],
                                                       cards: list[dict[str, Any]], params: dict[str, Any]) -> None:
    node = _compiled(json.dumps(tree, sort_keys=True))
    subjects = _models(models)
    artifacts = [*subjects, *_related(cards)]
    scopes = [make_scope(s, params, TODAY, ArtifactIndex(artifacts)) for s in subjects]
    one_by_one = [_each(lambda s=s, sc=sc: node.status(sc, s.data, "")) for s, sc in zip(subjects, scopes, strict=True)]
    index = ArtifactIndex(artifacts)  # a fresh one: nothing memoized by the interpreter's run
    batch = _each(lambda: statuses(node, [make_scope(s, params, TODAY, index) for s in subjects],
                                   [s.data for s in subjects], None))
    if any(kind == "raised" for kind, _ in one_by_one):
        assert batch[0] == "raised"
    else:
        assert batch == ("ok", [status for _, status in one_by_one])


@_PROPS
@given(_tree, st.lists(_model, min_size=1, max_size=4), _cards, _params)
def test_property_batch_statuses_under_a_pointer_are_the_interpreters(tree: dict[str, Any],
                                                                      models: list[dict[str, Any]],
                                                                      cards: list[dict[str, Any]],
                                                                      params: dict[str, Any]) -> None:
    # Values below the document root (a quantifier's elements): a join by reference reads its pointer.
    node = _compiled(json.dumps(tree, sort_keys=True))
    subjects = _models(models)
    index = ArtifactIndex([*subjects, *_related(cards)])
    scopes = [make_scope(s, params, TODAY, index) for s in subjects]
    pointers = ["" if i % 2 else "/x" for i in range(len(subjects))]
    want = [_each(lambda s=s, sc=sc, p=p: node.status(sc, s.data, p))
            for s, sc, p in zip(subjects, scopes, pointers, strict=True)]
    got = _each(lambda: statuses(node, scopes, [s.data for s in subjects], pointers))
    if any(kind == "raised" for kind, _ in want):
        assert got[0] == "raised"
    else:
        assert got == ("ok", [status for _, status in want])


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=2),
                          st.dictionaries(st.sampled_from(["a", "b", "0"]), st.one_of(
                              st.integers(), st.lists(st.integers(), max_size=2),
                              st.dictionaries(st.sampled_from(["b", "c", "1"]), st.integers(), max_size=2)),
                              max_size=3),
                          st.lists(st.integers(), max_size=2)), max_size=8),
       st.sampled_from(["", "a", "a.b", "a.b.c", "a.1", "/a/0", "0.b"]))
def test_property_accessors_read_what_path_get_reads(values: list[Any], text: str) -> None:
    path = Path.parse(text)
    get = accessor(path)
    assert [get(v) for v in values] == [path.get(v) for v in values]
    assert all((get(v) is _MISSING) == (path.get(v) is _MISSING) for v in values)


_GATES: list[dict[str, Any] | None] = [
    None,
    {"path": "stage", "equals": "production"},
    {"all": [{"path": "n", "gte": 1}, {"path": "name", "exists": True}], "message": "not a counted model"},
    {"path": "n", "lt": {"param": "limit"}},
]


def _policy(tree: dict[str, Any], gate: dict[str, Any] | None) -> Policy:
    applies = {"kind": "model", **({"where": gate} if gate is not None else {})}
    return make_policy(tree, params=_PARAM_SPECS, applies_to=applies)


def _interpreted(policy: Policy, subjects: list[Artifact], artifacts: list[Artifact], params: dict[str, Any],
                 pass_evidence: bool, na_evidence: bool) -> list[Finding]:
    """The interpreter's findings: each subject on its own, its gate's and assertion's outcomes in full."""
    index = ArtifactIndex(artifacts)
    out = []
    for subject in subjects:
        scope = make_scope(subject, params, TODAY, index)
        subj = _subject(subject)
        if policy.where is not None:
            gate = policy.where.evaluate(scope, subject.data, "")
            if gate.status is not Tri.PASS:
                out.append(_bare_finding(policy, subj, Status.NOT_APPLICABLE) if gate.status is Tri.FAIL
                           and not na_evidence else _finding(policy, subj, Status.ERROR if gate.status is Tri.ERROR
                                                             else Status.NOT_APPLICABLE, gate.evidence))
                continue
        outcome = policy.assertion.evaluate(scope, subject.data, "")
        if outcome.status is Tri.PASS and not pass_evidence:
            out.append(_bare_finding(policy, subj, Status.PASS))
        else:
            out.append(_finding(policy, subj, evaluate._status(outcome.status), outcome.evidence))
    return out


@_PROPS
@given(_tree, st.sampled_from(_GATES), st.lists(_model, min_size=1, max_size=12), _cards, _params, st.booleans(),
       st.booleans(), st.sampled_from([(1, 1), (2, 3), (32, 256)]))
def test_property_evaluation_gives_the_interpreters_findings(
        tree: dict[str, Any], gate: dict[str, Any] | None, models: list[dict[str, Any]], cards: list[dict[str, Any]],
        params: dict[str, Any], pass_evidence: bool, na_evidence: bool, chunks: tuple[int, int]) -> None:
    policy = _policy(tree, gate)
    subjects = _models(models)
    artifacts = [*subjects, *_related(cards)]
    want = _each(lambda: _interpreted(policy, subjects, artifacts, params, pass_evidence, na_evidence))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluate, "_FIRST_CHUNK", chunks[0])
        mp.setattr(evaluate, "_CHUNK", chunks[1])
        got = _each(lambda: list(evaluate.evaluate([policy], artifacts, params={policy.id: params}, today=TODAY,
                                                   pass_evidence=pass_evidence, na_evidence=na_evidence).findings))
    if want[0] == "ok":
        want = ("ok", sorted(want[1], key=lambda f: (f.subject.file, f.subject.kind, f.subject.name)))
    assert got == want
    if got[0] == "ok":
        assert [f.evidence for f in got[1]] == [f.evidence for f in want[1]]


def test_a_failing_batch_raises_what_the_interpreter_raises_first() -> None:
    # The first subject's pattern breaks the second leaf, the second subject's the first: one leaf at a time
    # over both (the batch) meets the second subject's first; the interpreter, subject by subject, the first's.
    tree = {"all": [{"path": "a", "matches": {"subject": "p"}}, {"path": "b", "matches": {"subject": "q"}}]}
    policy = make_policy(tree)
    models = [art({"name": "x", "a": "s", "b": "s", "p": "ok", "q": "(first"}, name="x@1"),
              art({"name": "y", "a": "s", "b": "s", "p": "(second", "q": "ok"}, name="y@1")]
    with pytest.raises(PolicyError, match="first"):
        evaluate.evaluate([policy], models, params=resolve_params([policy], {}), today=TODAY, pass_evidence=False)


def test_a_mapping_with_keys_that_are_not_strings_raises_as_the_interpreter_does() -> None:
    node = make_policy({"every": {"path": "items", "assert": {"path": "v", "exists": True}}}).assertion
    subject = art({"name": "a", "items": {1: {"v": 1}}})
    scope = make_scope(subject, {}, TODAY, ArtifactIndex([subject]))
    with pytest.raises(AttributeError):
        node.status(scope, subject.data, "")
    with pytest.raises(AttributeError):
        statuses(node, [scope], [subject.data], None)


def test_subjects_that_mostly_do_not_pass_are_asked_for_outcomes_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = statuses

    def counting(node: Any, scopes: list[Scope], values: list[Any], pointers: Any) -> list[Tri]:
        asked.append(len(values))
        return real(node, scopes, values, pointers)

    monkeypatch.setattr(evaluate, "statuses", counting)
    monkeypatch.setattr(evaluate, "_FIRST_CHUNK", 4)
    monkeypatch.setattr(evaluate, "_CHUNK", 4)
    policy = make_policy({"path": "n", "gte": 1})
    models = [art({"name": f"m{i:02}", "n": 0 if i < 8 else 1}, name=f"m{i:02}@1") for i in range(16)]
    findings = evaluate.evaluate([policy], models, params=resolve_params([policy], {}), today=TODAY,
                                 pass_evidence=False).findings
    assert [f.status for f in findings] == [Status.FAIL] * 8 + [Status.PASS] * 8
    assert [len(f.evidence) for f in findings] == [1] * 8 + [0] * 8
    # Statuses for the first chunk (all failing), outcomes at once for the next two, whose second chunk passed:
    # statuses again for the last.
    assert asked == [4, 4]
    full = evaluate.evaluate([policy], models, params=resolve_params([policy], {}), today=TODAY).findings
    assert findings == tuple(dataclasses.replace(f, evidence=()) if f.status is Status.PASS else f for f in full)


# A quantifier's elements' pointers are built only when something below reads them: a join by reference (found by
# the reference's pointer). The strategies above put no join under a quantifier; these do.
_VIA = {"join": {"kind": "model_card", "via": "card"}}
_UNDER_QUANTIFIER: list[dict[str, Any]] = [
    _VIA,
    {"join": {"kind": "model_card", "via": "card", "require": "none"}},
    {"join": {"kind": "model_card", "via": "card", "assert": {"path": "words", "gte": 1}}},
    {"not": _VIA},
    {"all": [{"path": "card", "exists": True}, {"any": [_VIA, {"path": "n", "gte": 1}]}]},
    {"some": {"path": "inner", "assert": _VIA}},
    {"join": {"kind": "model_card", "on": {"model_name": "name"}, "assert": {"path": "words", "gte": 1}}},
    {"path": "n", "gte": 1},
]
_element = st.fixed_dictionaries({}, optional={
    "card": st.sampled_from(["cards/a.md", "cards/b.md", "cards/none.md", ""]),
    "n": st.integers(0, 2),
    "inner": st.lists(st.fixed_dictionaries({}, optional={"card": st.sampled_from(["cards/a.md", "cards/none.md"])}),
                      max_size=2),
})


def _referencing(elements: Any) -> Artifact:
    refs: list[tuple[str, str, str]] = []
    if isinstance(elements, list):
        for i, e in enumerate(elements):
            if e.get("card"):
                refs.append(("model_card", e["card"], f"/items/{i}/card"))
            refs += [("model_card", x["card"], f"/items/{i}/inner/{j}/card")
                     for j, x in enumerate(e.get("inner", [])) if x.get("card")]
    return art({"name": "a", "items": elements}, name=f"m{len(refs)}@1", references=tuple(refs))


@_PROPS
@given(st.sampled_from(["every", "some", "none"]), st.sampled_from(_UNDER_QUANTIFIER),
       st.lists(st.one_of(st.lists(_element, max_size=3), st.just({}), st.dictionaries(
           st.sampled_from(["k", "a/b"]), _element, max_size=2)), min_size=1, max_size=4), _cards)
def test_property_a_quantifier_over_joins_by_reference_gives_the_interpreters_statuses(
        mode: str, child: dict[str, Any], elements: list[Any], cards: list[dict[str, Any]]) -> None:
    node = _compiled(json.dumps({mode: {"path": "items", "assert": child}}, sort_keys=True))
    subjects = [_referencing(e) for e in elements]
    artifacts = [*subjects, *_related(cards)]
    index = ArtifactIndex(artifacts)
    want = [node.status(make_scope(s, {}, TODAY, index), s.data, "") for s in subjects]
    fresh = ArtifactIndex(artifacts)
    assert statuses(node, [make_scope(s, {}, TODAY, fresh) for s in subjects], [s.data for s in subjects],
                    None) == want


def test_only_a_join_by_reference_reads_the_pointers_below_a_quantifier() -> None:
    reads = {json.dumps(c): batch._reads_pointers(_compiled(json.dumps(c, sort_keys=True)))
             for c in _UNDER_QUANTIFIER}
    assert [reads[json.dumps(c)] for c in _UNDER_QUANTIFIER] == [True, True, True, True, True, True, False, False]
