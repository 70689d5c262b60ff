"""The listing filters of model discovery (collectors/model_inventory.py), held to the per-file code they replaced:
the model-file prefilter keeps every file the per-file tests would accept, and the folders the Hugging Face route
looks at, with their names, are those of a set of names per folder."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.model_inventory import (
    MODEL_FILE_EXTENSIONS,
    _config_folders,
    _is_model_file,
    _maybe_model_files,
    _names_in,
)

# Names built from pieces that hit the edge cases: model and near-model extensions in any case, a Kelvin sign
# (lowercases to "k", as in ".\u212aeras"), dots in folder names, config files and near misses.
PIECES = st.sampled_from([
    "a", "B", ".", "/", "pt", "PT", "Pt", "pth", "txt", "TXT", "keras", "\u212aeras", "safetensors", "onnx", "x",
    "config.json", "adapter_config.json", "my_config.json", "config.jsonl", "README.md", "\u0130", "\u03a3",
    "model", "-", "cpt", "tar.", "json",
])
NAMES = st.lists(PIECES, min_size=1, max_size=6).map("".join).filter(
    lambda p: not p.startswith("/") and not p.endswith("/") and "//" not in p
    and not {".", ".."} & set(p.split("/")))  # (a listing's paths: no segment is "." or "..", which name no file)


def _old_huggingface_folders(files: list[str]) -> list[tuple[str, set[str]]]:
    """The route's loop before: a set of names for every folder, then the folders holding a config file."""
    by_folder: dict[str, set[str]] = {}
    for file in files:
        folder, _, name = file.rpartition("/")
        by_folder.setdefault(folder, set()).add(name)
    return [(folder, by_folder[folder]) for folder in sorted(by_folder)
            if "config.json" in by_folder[folder] or "adapter_config.json" in by_folder[folder]]


@settings(max_examples=400, deadline=None)
@given(st.lists(NAMES, max_size=30, unique=True))
def test_model_file_prefilter_keeps_every_file_the_per_file_tests_accept(files: list[str]) -> None:
    kept = _maybe_model_files(files)
    assert kept == [f for f in files if f in set(kept)]  # a filter: the listing's order
    assert [f for f in files if _is_model_file(f) or f.endswith(".txt")] == [f for f in kept if
                                                                             _is_model_file(f) or f.endswith(".txt")]


def test_model_file_prefilter_on_every_extension_in_any_case() -> None:
    files = sorted(f"d/m.{ext}" for e in MODEL_FILE_EXTENSIONS for ext in (e, e.upper(), e.capitalize()))
    assert _maybe_model_files(files) == files
    assert _maybe_model_files(["d.pt/readme", "d/m.cpt", "m.pt.md", "notes.txt"]) == ["notes.txt"]


@settings(max_examples=400, deadline=None)
@given(st.lists(NAMES, max_size=30, unique=True))
def test_config_folders_and_names_as_a_set_of_names_per_folder(files: list[str]) -> None:
    files = sorted(files)
    assert [(folder, _names_in(files, folder)) for folder in _config_folders(files)] == \
        _old_huggingface_folders(files)


def test_config_folders_root_and_nested() -> None:
    files = sorted(["config.json", "README.md", "a/adapter_config.json", "a/b/config.json", "a/w.bin",
                    "a-b/config.json", "c/my_config.json"])
    assert _config_folders(files) == ["", "a", "a-b", "a/b"]
    assert _names_in(files, "") == {"config.json", "README.md"}
    assert _names_in(files, "a") == {"adapter_config.json", "w.bin"}
