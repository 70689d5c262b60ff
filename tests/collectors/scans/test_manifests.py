"""Declared dependencies: requirements (with -r includes, hashes, markers), poetry.lock, uv.lock, Pipfile.lock;
development only where the config or the lock file's metadata says so (never a file name); bad files are errors
naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.collectors.scans.dev_scope import DevDeclaration
from aima_gate.collectors.scans.manifests import DEFAULT_REQUIREMENTS, NOT_DECLARED, read_declared
from aima_gate.core.errors import InputError
from aima_gate.safeio.repo import Repo
from tests.conftest import write


def test_requirements_with_includes_hashes_and_markers(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "# runtime\n-r requirements/base.txt\nRequests[socks]==2.32.3 \\\n"
                                        "    --hash=sha256:abc\nnumpy>=1.26 ; python_version >= '3.10'\n"
                                        "--index-url https://pypi.org/simple\n")
    write(tmp_path, "requirements/base.txt", "Jinja2==3.1.6  # templates\n")
    write(tmp_path, "requirements-dev.txt", "pytest==8.3.4\nrequests==2.32.3\n")
    declared = read_declared(Repo(tmp_path), DEFAULT_REQUIREMENTS)
    # the name requirements-dev.txt alone declares nothing: everything is runtime
    assert declared.runtime == {"jinja2": "3.1.6", "requests": "2.32.3", "numpy": None, "pytest": "8.3.4"}
    assert declared.development == {} and declared.scope("pytest") == "runtime"
    assert declared.where["requests"] == ("requirements-dev.txt", 2)  # files in name order, all runtime
    assert declared.where["jinja2"] == ("requirements/base.txt", 1)
    declared = read_declared(Repo(tmp_path), DEFAULT_REQUIREMENTS, DevDeclaration(("requirements-dev.txt",)))
    assert declared.runtime == {"jinja2": "3.1.6", "requests": "2.32.3", "numpy": None}
    assert declared.development == {"pytest": "8.3.4", "requests": "2.32.3"}
    assert declared.scope("pytest") == "development" and declared.scope("requests") == "runtime"
    assert declared.where["requests"] == ("requirements.txt", 3)
    assert declared.scope_source("pytest") == {
        "scope": "development", "file": "requirements-dev.txt", "line": 1,
        "reason": "the config declares requirements-dev.txt development-only "
                  "(artifacts.dependency_scan.development.files)"}
    assert declared.scope_source("requests")["file"] == "requirements.txt"
    assert declared.scope_source("flask") == {"scope": "runtime", "file": None, "line": None, "reason": NOT_DECLARED}


def test_lock_files(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", '[[package]]\nname = "Flask"\nversion = "3.0.3"\ncategory = "main"\n\n'
                                   '[[package]]\nname = "pytest"\nversion = "8.3.4"\ncategory = "dev"\n')
    write(tmp_path, "uv.lock", 'version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
                               'source = { editable = "." }\n\n[[package]]\nname = "httpx"\nversion = "0.27.2"\n')
    write(tmp_path, "Pipfile.lock", '{"_meta": {}, "default": {"django": {"version": "==4.2.16"}},\n'
                                    ' "develop": {"black": {"version": "==24.10.0"}}}\n')
    declared = read_declared(Repo(tmp_path), DEFAULT_REQUIREMENTS)
    assert declared.runtime == {"flask": "3.0.3", "httpx": "0.27.2", "django": "4.2.16"}
    assert declared.development == {"pytest": "8.3.4", "black": "24.10.0"}
    assert declared.where["django"] == ("Pipfile.lock", 1)


@pytest.mark.parametrize(("rel", "text", "needle", "line"), [
    ("requirements.txt", "flask==3.0\nnot a requirement!!\n", "invalid requirement", 2),
    ("requirements.txt", "-r missing.txt\n", "does not exist", 1),
    ("requirements.txt", "-r ../../etc/passwd\n", "leaves the repository", 1),
    ("poetry.lock", "[[package]\nname=", "invalid TOML", None),
])
def test_bad_manifests_are_errors(tmp_path: Path, rel: str, text: str, needle: str, line: int | None) -> None:
    write(tmp_path, rel, text)
    with pytest.raises(InputError) as info:
        read_declared(Repo(tmp_path), DEFAULT_REQUIREMENTS)
    assert needle in info.value.diagnosis and info.value.file == rel
    if line is not None:
        assert info.value.line == line
