"""Data read back from the cache decodes only when something reads beyond its entry's peek (cache_codec.LazyData):
a peek key and a key set by ``with_key`` answer without decoding, and answer exactly as the decoded dict would;
``merge_models`` keeps such data lazy, with the same ``found_by`` as a plain dict gets."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.collectors.inventory_merge import merge_models
from aima_gate.core.model import Artifact
from aima_gate.pipeline.cache_blobs import Blobs
from aima_gate.pipeline.cache_codec import PEEK_KEYS, LazyData, decode_results, encode_results, materialized

KEYS = st.sampled_from([*PEEK_KEYS, "name", "version", "found_by", "owner"])
VALUES = st.none() | st.integers() | st.text(max_size=3) | st.lists(st.integers(), max_size=2) | st.dictionaries(
    st.sampled_from("ab"), st.integers(), max_size=2)
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_back(data: dict[str, Any], name: str = "m@1", file: str = "registry/m.yml") -> Artifact:
    items, blobs = encode_results([Artifact("model", name, file, data)])
    (art,) = decode_results(items, Blobs(blobs))
    assert type(art) is Artifact and type(art.data) is LazyData
    return art


def decoded(data: Any) -> bool:
    assert type(data) is LazyData
    return data._blobs.decoded(0)


@PROPS
@given(st.dictionaries(KEYS, VALUES, max_size=6), st.lists(KEYS, max_size=8))
def test_peek_keys_answer_without_decoding_as_the_decoded_dict_does(data: dict[str, Any], asked: list[str]) -> None:
    lazy = read_back(data).data
    assert type(lazy) is LazyData
    for key in asked:
        if key in PEEK_KEYS:
            assert (key in lazy) == (key in data)
            assert lazy.get(key, "default") == data.get(key, "default")
            if key in data:
                assert lazy[key] == data[key]
    assert not decoded(lazy) or any(k not in PEEK_KEYS for k in asked)
    assert dict(lazy.items()) == data and list(lazy) == list(data)


@PROPS
@given(st.dictionaries(KEYS, VALUES, max_size=6), st.lists(st.tuples(KEYS, VALUES), max_size=3),
       st.lists(KEYS, max_size=8))
def test_with_key_is_a_copy_with_the_key_set(data: dict[str, Any], sets: list[tuple[str, Any]],
                                             asked: list[str]) -> None:
    """``with_key`` answers as ``copy = dict(data); copy[key] = value`` (an existing key keeps its place), without
    decoding for the key it set, and never changes the blob's own decoded dict (shared by the artifact read back)."""
    art = read_back(data)
    lazy = art.data
    assert type(lazy) is LazyData
    want = dict(data)
    for key, value in sets:
        lazy = lazy.with_key(key, value)
        want[key] = value
    for key, _ in sets:
        assert lazy.get(key) == want[key] and key in lazy and lazy[key] == want[key]
    assert not decoded(lazy) or any(k not in PEEK_KEYS for k, _ in sets)
    for key in asked:
        assert (key in lazy) == (key in want) and lazy.get(key) == want.get(key)
    plain = materialized(Artifact(art.kind, art.name, art.file, lazy, art.line, art.lines, art.references)).data
    assert type(plain) is dict and list(plain.items()) == list(want.items())
    assert list(art.data.items()) == list(data.items())  # the original data is untouched


def test_merge_models_keeps_read_back_models_lazy_with_the_same_found_by() -> None:
    datas: list[dict[str, Any]] = [{"name": "churn", "version": "1", "source": "file", "owner": "a"},
             {"name": "bert", "version": "2", "source": "file", "found_by": ["old"], "owner": "b"},
             {"name": "x", "source": "mlflow", "mlflow": {"run_id": "r"}}]
    plain = merge_models([Artifact("model", f"{d['name']}@1", f"registry/{d['name']}.yml", d) for d in datas])
    lazy = merge_models([read_back(d, f"{d['name']}@1", f"registry/{d['name']}.yml") for d in datas])
    assert all(type(a.data) is LazyData and not decoded(a.data) for a in lazy)
    assert [a.data.get("found_by") for a in lazy] == [a.data["found_by"] for a in plain]
    assert not any(decoded(a.data) for a in lazy)
    assert [list(materialized(a).data.items()) for a in lazy] == [list(a.data.items()) for a in plain]
