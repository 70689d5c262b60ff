"""The import allowlist: the default list resolves in the real libraries and holds no code-running gadget; a
repository extends it in its config with owner and reason, and every report format lists those additions and
each model file's unreviewed imports."""

from __future__ import annotations

import importlib
import json
import pickle
import warnings
from pathlib import Path

import pytest

from aima_gate.integrity.allowlist import Allowlist, default_entries, default_versions
from aima_gate.integrity.pickle_reader import Import
from tests.conftest import TODAY, run_cli
from tests.integrity.test_adversarial import require

GADGETS = {("builtins", "getattr"), ("builtins", "eval"), ("builtins", "exec"), ("builtins", "open"),
           ("builtins", "__import__"), ("numpy.core", "_ufunc_reconstruct"), ("torch.storage", "_load_from_bytes"),
           ("functools", "partial"), ("operator", "attrgetter"), ("operator", "methodcaller"), ("os", "system"),
           ("joblib.numpy_pickle_compat", "NDArrayWrapper"), ("numpy", "load"), ("torch", "load")}


def test_every_default_entry_resolves_in_the_real_library() -> None:
    missing = []  # type: ignore[var-annotated]
    for module, name in sorted(default_entries()):
        require(module.split(".", 1)[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = importlib.import_module(module)
            for part in name.split("."):
                obj = getattr(obj, part, None)  # type: ignore[assignment]
                if obj is None:
                    missing.append(f"{module}.{name}")
                    break
    assert missing == []


def test_the_default_list_records_its_library_versions_and_holds_no_gadget() -> None:
    versions = default_versions()
    assert {"numpy", "pandas", "sklearn", "joblib", "scipy"} <= set(versions)
    assert not GADGETS & default_entries()
    assert len(default_entries()) > 300


def test_computed_names_can_never_be_allowlisted() -> None:
    allow = Allowlist.from_config({"allow_imports": [{"module": "a", "name": "b", "owner": "o", "reason": "r"}]},
                                  None)
    assert allow.decide(Import("a", "b", 0, "GLOBAL")).verdict == "allowlisted"
    assert allow.decide(Import("a", "b", 0, "STACK_GLOBAL", computed=True)).verdict == "dangerous"
    assert allow.decide(Import("a", "c", 0, "GLOBAL")).verdict == "unreviewed"


CUSTOM = b"\x80\x04\x8c\x0bmypkg.model\x8c\x07MyModel\x93)\x81."
CONFIG = """artifacts:
  model_file:
    allow_imports:
      - module: mypkg.model
        name: MyModel
        owner: ml-platform@example.test
        reason: our own estimator class; reviewed in SEC-42, __setstate__ only sets fields
"""


def _repo(tmp_path: Path, config: str | None) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "custom.pkl").write_bytes(CUSTOM)
    if config is not None:
        (tmp_path / ".aima-gate.yml").write_text(config)
    return tmp_path


def _check(root: Path, fmt: str) -> tuple[int, str]:
    proc = run_cli("check", str(root), "--policy", "model_file.no-unsafe-serialization", "--today",
                   TODAY.isoformat(), "--format", fmt)
    return proc.returncode, proc.stdout


FORMATS = ["text", "json", "sarif", "markdown", "junit", "gitlab", "github"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unreviewed_import_fails_and_every_format_names_it(tmp_path: Path, fmt: str) -> None:
    code, out = _check(_repo(tmp_path, None), fmt)
    assert code == 1
    assert "mypkg.model.MyModel" in out and "byte 24" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_config_allowlist_entry_passes_and_every_format_lists_it(tmp_path: Path, fmt: str) -> None:
    code, out = _check(_repo(tmp_path, CONFIG), fmt)
    assert code == 0, out[-2000:]
    assert "mypkg.model.MyModel" in out and "ml-platform@example.test" in out and "SEC-42" in out


def test_allowlisted_imports_are_in_the_json_data(tmp_path: Path) -> None:
    _code, out = _check(_repo(tmp_path, CONFIG), "json")
    report = json.loads(out)
    section = report["model_file_imports"]
    assert section["allowlist"][0]["owner"] == "ml-platform@example.test"
    assert section["files"][0]["allowlisted"] == 1 and section["files"][0]["unreviewed"] == 0


def test_an_allowlist_entry_without_owner_or_reason_is_a_config_error(tmp_path: Path) -> None:
    bad = CONFIG.replace("        owner: ml-platform@example.test\n", "")
    proc = run_cli("check", str(_repo(tmp_path, bad)), "--today", TODAY.isoformat())
    assert proc.returncode == 2 and "owner" in proc.stdout + proc.stderr


def test_pickled_model_of_an_allowlisted_class_really_uses_that_name() -> None:
    # the allowlist is keyed exactly as find_class resolves: module of definition + qualified name
    from collections import OrderedDict

    assert b"collections" in pickle.dumps(OrderedDict(), 4) and ("collections", "OrderedDict") in default_entries()


def test_text_output_folds_covered_model_files_unless_verbose(tmp_path: Path) -> None:
    root = _repo(tmp_path, CONFIG)
    _code, short = _check(root, "text")
    assert "  allowlisted: " not in short and "(-v lists them)" in short
    proc = run_cli("check", str(root), "--policy", "model_file.no-unsafe-serialization", "--today",
                   TODAY.isoformat(), "-v")
    assert "  allowlisted: mypkg.model.MyModel" in proc.stdout, proc.stdout[-2000:]
