"""changed_subjects (pipeline/changed.py): the subjects a partial run evaluates are exactly the least fixpoint
of "its file changed, or it references a touched file", whatever the shape of the reference graph."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aima_gate.core.model import Artifact
from aima_gate.pipeline.changed import changed_subjects

FILES = [f"f{i}" for i in range(6)]


def rounds(changed: frozenset[str], artifacts: list[Artifact]) -> list[Artifact]:
    """The definition, computed naively: rescan every artifact until nothing new is selected."""
    touched = set(changed)
    selected: set[int] = set()
    grew = True
    while grew:
        grew = False
        for i, art in enumerate(artifacts):
            if i not in selected and (art.file in changed or any(p in touched for _k, p, _ in art.references)):
                selected.add(i)
                touched.add(art.file)
                grew = True
    return [artifacts[i] for i in sorted(selected)]


ARTIFACTS = st.lists(
    st.tuples(st.sampled_from(FILES), st.lists(st.sampled_from([*FILES, "missing"]), max_size=3)), max_size=12
).map(lambda rows: [Artifact("k", f"a{i}", file, {}, references=tuple(("k", r, "/r") for r in refs))
                    for i, (file, refs) in enumerate(rows)])


@given(st.frozensets(st.sampled_from([*FILES, "other"]), max_size=3), ARTIFACTS)
def test_the_same_subjects_as_the_definition(changed: frozenset[str], artifacts: list[Artifact]) -> None:
    assert changed_subjects(changed, artifacts) == rounds(changed, artifacts)


def test_a_chain_is_followed_and_a_sibling_in_a_touched_file_is_not_selected() -> None:
    card = Artifact("model_card", "c", "cards/c.md", {})
    model = Artifact("model", "m", "registry/m.yml", {}, references=(("model_card", "cards/c.md", "/model_card"),))
    sibling = Artifact("model", "s", "registry/m.yml", {})
    user = Artifact("document", "d", "docs/d.md", {}, references=(("model", "registry/m.yml", "/x"),))
    assert changed_subjects(frozenset({"cards/c.md"}), [user, sibling, model, card]) == [user, model, card]
