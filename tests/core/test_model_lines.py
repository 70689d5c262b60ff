"""LineIndex.line_of: the pointer's own line, else its nearest mapped ancestor's, else None (never a hang)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import Artifact, LineIndex

TOKEN = st.sampled_from(["a", "b", "0", "1", "", "x~1y"])
POINTER = st.lists(TOKEN, max_size=4).map(lambda toks: "".join("/" + t for t in toks))


def _reference(lines: dict[str, int], pointer: str) -> int | None:
    p = pointer
    while True:
        if p in lines:
            return lines[p]
        if not p:
            return None
        p = p.rsplit("/", 1)[0]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(POINTER, st.integers(1, 99), max_size=6), POINTER)
def test_line_of_is_the_nearest_mapped_ancestor(lines: dict[str, int], pointer: str) -> None:
    assert LineIndex(lines).line_of(pointer) == _reference(lines, pointer)
    built = LineIndex(build=lambda: lines)  # the lazy form answers the same
    assert built.line_of(pointer) == _reference(lines, pointer)
    assert LineIndex(lines).under("/models/0").line_of(pointer) == _reference(lines, "/models/0" + pointer)


def test_a_pointer_without_a_slash_ends_the_walk() -> None:
    assert LineIndex({"/a": 3}).line_of("a") is None
    assert LineIndex({"": 1}).line_of("a") == 1


def test_artifact_line_of_falls_back_to_its_own_line() -> None:
    art = Artifact(kind="model", name="m", file="f.yml", data={}, line=7, lines=LineIndex({"/a": 2}))
    assert art.line_of("/a/b") == 2
    assert art.line_of("/c") == 7
