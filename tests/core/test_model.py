"""The report's data classes are slotted (no instance dict: hundreds of thousands of findings on large
repositories), and a finding's identity is computed once, kept outside its fields."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle

import pytest

from aima_gate.core.model import AimaRef, Artifact, Evidence, Finding, Severity, Status, Subject


def _finding() -> Finding:
    ev = Evidence("registry/models.yml", 3, "/owner", None, "an owner", "owner is missing")
    return Finding(
        "model.owner",
        "Owner",
        Status.FAIL,
        Severity.HIGH,
        Subject("model", "m@1", "registry/models.yml"),
        AimaRef("governance", "accountability", "a", 1),
        (ev,),
        "Name an owner.",
    )


@pytest.mark.parametrize(
    "obj",
    [
        _finding(),
        _finding().evidence[0],
        _finding().subject,
        _finding().aima,
        Artifact("model", "m@1", "registry/models.yml", {}),
    ],
)
def test_no_instance_dict(obj: object) -> None:
    assert not hasattr(obj, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, dataclasses.fields(obj)[0].name, "x")  # type: ignore[arg-type]


def test_identity_is_computed_once_and_is_no_field(monkeypatch: pytest.MonkeyPatch) -> None:
    f = _finding()
    key = f.identity
    raw = "\0".join(("model.owner", "registry/models.yml", "model", "m@1")).encode()
    assert key == hashlib.sha256(raw).hexdigest()
    calls = []
    monkeypatch.setattr(hashlib, "sha256", lambda *a: calls.append(a))
    assert f.identity == key and not calls  # kept, not hashed again
    monkeypatch.undo()
    assert "_identity" not in {fl.name for fl in dataclasses.fields(Finding)}
    assert f == _finding()  # a computed identity takes no part in equality
    moved = dataclasses.replace(f, status=Status.WAIVED)
    assert moved.identity == key  # same policy and subject: same key (computed afresh)
    assert pickle.loads(pickle.dumps(f)) == f


def test_evidence_keeps_one_copy_of_a_repeated_message() -> None:
    parts = ("owner", " is missing")
    a = Evidence("a.yml", 1, "/owner", None, "".join(("an ", "owner")), "".join(parts))
    b = Evidence("b.yml", 2, "/owner", None, "".join(("an ", "owner")), "".join(parts))
    assert a.message is b.message and a.expected is b.expected  # built apart, stored once
    assert a.message == "owner is missing" and dataclasses.replace(a, message="x").message == "x"


def test_an_artifact_comes_back_from_a_parse_worker_whole() -> None:
    """Artifacts travel back from parse workers pickled (by their constructor's arguments): every field, the
    line index (eager or lazy JSON) and the defaults come back the same."""
    from aima_gate.core.model import LineIndex
    from aima_gate.safeio.loaders import load_json

    data, lazy = load_json('{"a": {"b": [1, 2]}}', "r.json")
    for art in (Artifact(kind="model", name="m@1", file="registry/m.yml", data={"x": [1, {"y": None}]}),
                Artifact(kind="bias_report", name="r", file="r.json", data=data, line=3, lines=lazy,
                         references=(("model_card", "cards/m.md", "/model_card"),)),
                Artifact(kind="model_card", name="c", file="c.md", data={}, lines=LineIndex({"/s": 7}))):
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            back = pickle.loads(pickle.dumps(art, protocol=protocol))
            assert type(back) is Artifact
            assert (back.kind, back.name, back.file, back.data, back.line, back.references) == (
                art.kind, art.name, art.file, art.data, art.line, art.references)
            assert [back.line_of(p) for p in ("", "/a/b/1", "/s", "/x")] == [art.line_of(p) for p in
                                                                             ("", "/a/b/1", "/s", "/x")]
