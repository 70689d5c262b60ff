"""Safe loaders: every bad input is an InputError naming the file (and line where known), never a crash."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import AimaGateError, InputError
from aima_gate.safeio.loaders import MAX_NODES, decode_text, load_json, load_structured, load_yaml, split_front_matter
from aima_gate.safeio.markdown import sections

# --------------------------------------------------------------------------------------------------- YAML


def test_yaml_values_and_lines() -> None:
    value, lines = load_yaml("models:\n  - name: a\n    version: '1.0'\n  - name: b\n", "r.yml")
    assert value == {"models": [{"name": "a", "version": "1.0"}, {"name": "b"}]}
    assert lines.line_of("/models/0/version") == 3
    assert lines.line_of("/models/1/name") == 4
    assert lines.line_of("/models/1/missing") == 4  # nearest ancestor


def test_yaml_dates_become_iso_strings_and_empty_document_is_none() -> None:
    assert load_yaml("d: 2026-01-02\n", "f.yml")[0] == {"d": "2026-01-02"}
    assert load_yaml("", "f.yml")[0] is None
    assert load_yaml("# only a comment\n", "f.yml")[0] is None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: [1, 2\n", 2, "invalid YAML"),  # truncated flow sequence
        ("a: 1\n b: 2\n  c: 3\n", 2, "invalid YAML"),
        ("a: 'unterminated\n", 2, "invalid YAML"),
        ("a: 1\n---\nb: 2\n", 2, "invalid YAML"),  # two documents
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("x:\n  k: 1\n  k: 2\n", 3, "duplicate key 'k'"),
        ("a: !!python/object:os.system ls\n", 1, "invalid YAML value"),
        ("a: !!binary aGk=\n", 1, "binary"),
        ("? [a]\n: 1\n", 1, "plain scalars"),
        ("a: 2020-13-45\n", 1, "invalid YAML value"),
        ("a: !!int nope\n", 1, "invalid YAML value"),
        ("a: !!timestamp yesterday\n", 1, "invalid YAML value"),
        ("<<: 1\n", 1, "merge key"),
    ],
)
def test_bad_yaml_is_an_input_error_with_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        load_yaml(text, "conf/bad.yml")
    assert info.value.file == "conf/bad.yml"
    assert info.value.line == line
    assert fragment in info.value.diagnosis
    assert str(info.value).startswith(f"conf/bad.yml:{line}: ")


def billion_laughs(levels: int = 10, fan_out: int = 10) -> str:
    out = ['a0: &a0 "lol"']
    for i in range(1, levels):
        refs = ", ".join(f"*a{i - 1}" for _ in range(fan_out))
        out.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(out) + "\n"


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    import time

    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_yaml(billion_laughs(), "bomb.yml")
    assert time.perf_counter() - start < 2
    assert "alias bomb" in info.value.diagnosis
    assert f"{MAX_NODES:,}" in info.value.diagnosis
    assert info.value.file == "bomb.yml" and info.value.line is not None


def test_modest_aliases_are_fine() -> None:
    value, _ = load_yaml("base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n", "ok.yml")
    assert value == {"base": {"x": 1}, "use": {"x": 1}, "merged": {"x": 1, "y": 2}}


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(InputError) as info:
        load_yaml("a: &a [1, *a]\n", "rec.yml")
    assert "recursive" in info.value.diagnosis
    assert info.value.line == 1


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(InputError) as info:
        load_yaml("[" * 400 + "]" * 400, "deep.yml")
    assert "nested" in info.value.diagnosis


# --------------------------------------------------------------------------------------------------- JSON


def test_json_values_and_lazy_lines() -> None:
    text = '{\n  "models": [\n    {"name": "a",\n     "version": "1"}\n  ]\n}\n'
    value, lines = load_json(text, "r.json")
    assert value["models"][0]["version"] == "1"
    assert lines.line_of("/models/0/version") == 4
    assert lines.line_of("/models/0") == 3


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('{"a": [1, 2', 1, "invalid JSON"),
        ('{\n"a": 1,\n}', 3, "invalid JSON"),
        ('{"a": NaN}', None, "NaN is not valid JSON"),
        ('{"a": Infinity}', None, "Infinity is not valid JSON"),
        ('{"a": 1, "a": 2}', None, "duplicate key 'a'"),
        ("not json at all", 1, "invalid JSON"),
        ("", 1, "invalid JSON"),
    ],
)
def test_bad_json_is_an_input_error(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        load_json(text, "data/r.json")
    assert info.value.file == "data/r.json"
    assert info.value.line == line
    assert fragment in info.value.diagnosis


def test_deep_json_is_refused_and_line_lookup_never_recurses_out() -> None:
    for depth in (300, 980, 5000):
        with pytest.raises(InputError) as info:
            load_json("[" * depth + "]" * depth, "deep.json")
        assert "nested" in info.value.diagnosis


def test_load_structured_dispatches_on_suffix() -> None:
    assert load_structured('{"a": 1}', "x.JSON")[0] == {"a": 1}
    assert load_structured("a: 1", "x.yml")[0] == {"a": 1}
    with pytest.raises(InputError, match="invalid JSON"):
        load_structured("a: 1", "x.json")


# ------------------------------------------------------------------------------------------ text decoding


def test_decode_text_refuses_binary_and_non_utf8() -> None:
    with pytest.raises(InputError, match="binary file") as info:
        decode_text(b"\x89PNG\r\n\x1a\n\0\0\0", "img.yml")
    assert info.value.file == "img.yml"
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        decode_text("line one\nline two é\n".encode("latin-1"), "latin.yml")
    assert info.value.line == 2
    assert info.value.hint and "UTF-8" in info.value.hint
    assert decode_text("\ufeffa: 1".encode(), "bom.yml") == "a: 1"


# ------------------------------------------------------------------------------------------ front matter


def test_front_matter_split_and_lines() -> None:
    text = "---\nlicense: mit\nversion: '2.0'\n---\n# Title\n\nBody\n"
    front, lines, body, body_line = split_front_matter(text, "card.md")
    assert front == {"license": "mit", "version": "2.0"}
    assert lines.line_of("/version") == 3
    assert body.startswith("# Title")
    assert body_line == 5


def test_front_matter_absent_or_unclosed() -> None:
    front, _, body, body_line = split_front_matter("# Title\n", "card.md")
    assert front is None and body == "# Title\n" and body_line == 1
    with pytest.raises(InputError, match="never closed") as info:
        split_front_matter("---\nlicense: mit\n# Title\n", "card.md")
    assert info.value.line == 1


def test_front_matter_yaml_errors_report_file_lines() -> None:
    with pytest.raises(InputError) as info:
        split_front_matter("---\nlicense: mit\nlicense: apache-2.0\n---\nbody\n", "cards/c.md")
    assert info.value.file == "cards/c.md"
    assert info.value.line == 3


# ------------------------------------------------------------------------------ properties: never crash

_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_yamlish = st.text(alphabet=st.sampled_from([*"ab:-[]{},&*!|>'\"#%@`?<=.0123456789 \n\t\\~^$", "\u00e9"]),
                   max_size=80)


def _only_gate_errors(fn: Callable[..., object], *args: object) -> None:
    with contextlib.suppress(AimaGateError):
        fn(*args)


@_FUZZ
@given(st.one_of(st.text(max_size=200), _yamlish))
def test_load_yaml_never_raises_anything_else(text: str) -> None:
    _only_gate_errors(load_yaml, text, "fuzz.yml")


@_FUZZ
@given(st.one_of(st.text(max_size=200), st.text(alphabet=st.sampled_from(list('{}[],:"\\ntrufalse0123456789.-eE \n')),
                                                   max_size=80)))
def test_load_json_never_raises_anything_else(text: str) -> None:
    try:
        _, lines = load_json(text, "fuzz.json")
    except AimaGateError:
        return
    lines.line_of("/0/a/1")  # the lazily built line index must not fail either


@_FUZZ
@given(st.one_of(st.text(max_size=200), _yamlish.map(lambda s: "---\n" + s + "\n---\n# T\n")))
def test_split_front_matter_never_raises_anything_else(text: str) -> None:
    _only_gate_errors(split_front_matter, text, "fuzz.md")


@_FUZZ
@given(st.text(alphabet=st.sampled_from(list("#=-`~ \tabc\n1[]")), max_size=200))
def test_markdown_sections_never_raise(text: str) -> None:
    for section in sections(text):
        assert section.line >= 1
