"""Class 5: a file name never decides what is runtime.

Each hostile repository ships a real Trivy report with a high-severity Werkzeug advisory and declares the
vulnerable pin in a requirement or lock file arranged so that a name-based guess would call it a development
dependency (and skip it): the runtime ``requirements.txt`` renamed to ``requirements-ci.txt``, a runtime file
that includes a "dev" file, an extra called ``dev``, a lock entry in both groups, a typo in the declaration.
Each case first proves with the real consumer (pip's own requirement-file parser, or the lock format's own
fields) that the vulnerable pin is installed at runtime, then that the gate blocks on it (exit 1, the
vulnerability fails). A dependency is development only by a declaration, and the report says which.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Status
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.adversarial.test_narrowing_and_escapes import _assert_listed_everywhere
from tests.conftest import DATA, TODAY, write

VULN = "vulnerability.none-at-or-above-severity"
TRIVY = DATA / "scans" / "trivy" / "trivy_fs_pip_requirements_golden.json"
DECLARE = "artifacts:\n  dependency_scan:\n    development:\n      files: [{files}]\n"


def _repo(root: Path, files: dict[str, str], target: str = "requirements.txt") -> Path:
    """The hostile repository: ``files`` plus the Trivy report, its target renamed like the manifest."""
    doc = json.loads(TRIVY.read_text(encoding="utf-8"))
    for result in doc["Results"]:
        result["Target"] = target
    write(root, "security/trivy-fs.json", json.dumps(doc, indent=2))
    for rel, text in files.items():
        write(root, rel, text)
    return root


def _pip_installs(requirements: Path) -> set[str]:
    """What ``pip install -r FILE`` installs, as pip itself parses the file (includes followed), offline."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    return {r.requirement.lower() for r in parse_requirements(str(requirements), session=PipSession())}


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def _run(root: Path) -> Report:
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY), only_policies=frozenset({VULN})))


def _assert_blocks(root: Path) -> Report:
    report = _run(root)
    werkzeug = [f for f in report.findings if f.policy_id == VULN and f.subject.name.startswith("werkzeug|")]
    assert int(report.exit_code) == 1, [(f.status, f.evidence) for f in report.findings]
    assert werkzeug and all(f.status is Status.FAIL for f in werkzeug), [(f.status, f.evidence) for f in werkzeug]
    return report


# --- requirement files: the name is not a declaration ------------------------------------------------------------

@pytest.mark.parametrize("name", ["requirements-ci.txt", "requirements-dev.txt", "requirements_test.txt",
                                  "requirements-docs.txt", "requirements-lint.txt", "requirements.dev.txt",
                                  "requirements-testing.txt", "requirements/dev.txt", "requirements/tests.txt",
                                  "requirements/ci.txt"])
def test_renamed_runtime_requirements_still_block(tmp_path: Path, name: str) -> None:
    root = _repo(tmp_path, {name: "flask==2.0.0\nwerkzeug==0.11\n"}, target=name)
    assert "werkzeug==0.11" in _pip_installs(root / name)  # pip installs it whatever the file is called
    _assert_blocks(root)


def test_runtime_file_including_a_declared_dev_file_blocks(tmp_path: Path) -> None:
    """requirements.txt says ``-r requirements-dev.txt``: the declared file is installed at runtime too."""
    root = _repo(tmp_path, {"requirements.txt": "-r requirements-dev.txt\nflask==2.0.0\n",
                            "requirements-dev.txt": "werkzeug==0.11\n",
                            ".aima-gate.yml": DECLARE.format(files="requirements-dev.txt")})
    assert "werkzeug==0.11" in _pip_installs(root / "requirements.txt")
    _assert_blocks(root)


def test_declared_dev_file_including_an_undeclared_file_blocks(tmp_path: Path) -> None:
    """Only requirements-dev.txt is declared; the base file it includes is not, so its packages stay runtime."""
    root = _repo(tmp_path, {"requirements-dev.txt": "-r requirements/base.txt\npytest==8.3.4\n",
                            "requirements/base.txt": "werkzeug==0.11\n",
                            ".aima-gate.yml": DECLARE.format(files="requirements-dev.txt")})
    assert "werkzeug==0.11" in _pip_installs(root / "requirements/base.txt")
    _assert_blocks(root)


def test_a_declaration_that_matches_nothing_declares_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"requirements-ci.txt": "werkzeug==0.11\n",
                            ".aima-gate.yml": DECLARE.format(files="requirements-cl.txt")})
    assert "werkzeug==0.11" in _pip_installs(root / "requirements-ci.txt")
    _assert_blocks(root)


def test_report_target_named_like_dev_does_not_make_it_development(tmp_path: Path) -> None:
    """The scan says it read ``requirements-dev.txt``; no requirement file declares Werkzeug at all."""
    root = _repo(tmp_path, {"requirements.txt": "flask==2.0.0\n"}, target="requirements-dev.txt")
    report = json.loads((root / "security/trivy-fs.json").read_text(encoding="utf-8"))
    assert any(v["PkgName"] == "Werkzeug" for r in report["Results"] for v in r.get("Vulnerabilities", []))
    _assert_blocks(root)


# --- lock files: only their own metadata declares development ----------------------------------------------------

UV_ROOT = ('version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
           'source = {{ editable = "." }}\ndependencies = [\n    {{ name = "flask" }},\n{runtime}]\n\n'
           '[package.optional-dependencies]\n{extras}\n[package.dev-dependencies]\n'
           'dev = [\n    {{ name = "pytest" }},\n{dev}]\n\n')
UV_PKG = '[[package]]\nname = "{name}"\nversion = "{version}"\nsource = {{ registry = "https://pypi.org/simple" }}\n\n'


def _uv_lock(runtime: str = "", extras: str = "", dev: str = "") -> str:
    return (UV_ROOT.format(runtime=runtime, extras=extras, dev=dev)
            + "".join(UV_PKG.format(name=n, version=v)
                      for n, v in (("flask", "2.0.0"), ("pytest", "8.3.4"), ("werkzeug", "0.11"))))


def _uv_installs(lock: str, *, extras: tuple[str, ...] = ()) -> set[str]:
    """What ``uv sync --no-dev [--extra X]`` installs, read from the lock's fields: the project's dependencies,
    the extras asked for, and everything they depend on (dev-dependencies never)."""
    tomllib = _tomllib()
    packages = {p["name"]: p for p in tomllib.loads(lock)["package"]}
    root = packages["app"]
    todo = [d["name"] for d in root.get("dependencies", [])]
    todo += [d["name"] for x in extras for d in root.get("optional-dependencies", {}).get(x, [])]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [d["name"] for d in packages[name].get("dependencies", [])]
    return seen


def test_uv_extra_named_dev_is_runtime(tmp_path: Path) -> None:
    """``[project.optional-dependencies] dev`` is an extra of the published package: anyone may install it."""
    lock = _uv_lock(extras='dev = [\n    { name = "werkzeug" },\n]\n')
    assert "werkzeug" in _uv_installs(lock, extras=("dev",)) and "werkzeug" not in _uv_installs(lock)
    _assert_blocks(_repo(tmp_path, {"uv.lock": lock}, target="uv.lock"))


def test_uv_package_in_a_dev_group_and_in_runtime_is_runtime(tmp_path: Path) -> None:
    lock = _uv_lock(runtime='    { name = "werkzeug" },\n', dev='    { name = "werkzeug" },\n')
    assert "werkzeug" in _uv_installs(lock)
    _assert_blocks(_repo(tmp_path, {"uv.lock": lock}, target="uv.lock"))


def test_uv_dev_group_package_pulled_in_by_a_runtime_dependency_is_runtime(tmp_path: Path) -> None:
    lock = _uv_lock(dev='    { name = "werkzeug" },\n').replace(
        'name = "flask"\nversion = "2.0.0"\nsource = { registry = "https://pypi.org/simple" }\n',
        'name = "flask"\nversion = "2.0.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'dependencies = [\n    { name = "werkzeug" },\n]\n')
    assert "werkzeug" in _uv_installs(lock)
    _assert_blocks(_repo(tmp_path, {"uv.lock": lock}, target="uv.lock"))


def test_poetry_package_in_main_and_dev_groups_is_runtime(tmp_path: Path) -> None:
    lock = ('[[package]]\nname = "werkzeug"\nversion = "0.11"\ndescription = ""\noptional = false\n'
            'python-versions = "*"\ngroups = ["dev", "main"]\nfiles = []\n\n[metadata]\nlock-version = "2.1"\n'
            'python-versions = "^3.11"\ncontent-hash = "0"\n')
    tomllib = _tomllib()
    assert "main" in tomllib.loads(lock)["package"][0]["groups"]  # `poetry install --only main` installs it
    _assert_blocks(_repo(tmp_path, {"poetry.lock": lock}, target="poetry.lock"))


def test_poetry_dev_group_package_a_runtime_one_requires_is_runtime(tmp_path: Path) -> None:
    """poetry.lock records no groups; pyproject.toml lists Werkzeug in the dev group, but Flask requires it."""
    lock = ('[[package]]\nname = "flask"\nversion = "2.0.0"\n\n[package.dependencies]\nWerkzeug = ">=0.11"\n\n'
            '[[package]]\nname = "werkzeug"\nversion = "0.11"\n\n[metadata]\nlock-version = "2.0"\n'
            'python-versions = "^3.11"\ncontent-hash = "0"\n')
    pyproject = ('[tool.poetry]\nname = "app"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^2.0"\n\n'
                 '[tool.poetry.group.dev.dependencies]\nwerkzeug = "0.11"\n')
    flask = _tomllib().loads(lock)["package"][0]
    assert "Werkzeug" in flask["dependencies"]  # `poetry install --only main` installs Flask's requirements
    _assert_blocks(_repo(tmp_path, {"poetry.lock": lock, "pyproject.toml": pyproject}, target="poetry.lock"))


def test_pipfile_package_in_default_and_develop_is_runtime(tmp_path: Path) -> None:
    lock: dict[str, Any] = {"_meta": {"hash": {"sha256": "0"}, "pipfile-spec": 6, "requires": {}, "sources": []},
                            "default": {"werkzeug": {"version": "==0.11"}},
                            "develop": {"werkzeug": {"version": "==0.11"}}}
    assert lock["default"]["werkzeug"]["version"] == "==0.11"  # `pipenv install --deploy` installs default
    _assert_blocks(_repo(tmp_path, {"Pipfile.lock": json.dumps(lock, indent=4)}, target="Pipfile.lock"))


# --- a declaration is the only way, and every report says so -----------------------------------------------------

def test_declared_development_is_skipped_and_listed_with_its_source(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"requirements.txt": "flask==2.0.0\n", "requirements-ci.txt": "werkzeug==0.11\n",
                            ".aima-gate.yml": DECLARE.format(files="requirements-ci.txt")})
    report = _run(root)
    assert int(report.exit_code) == 0
    werkzeug = [f for f in report.findings if f.policy_id == VULN and f.subject.name.startswith("werkzeug|")]
    assert werkzeug and all(f.status is Status.NOT_APPLICABLE for f in werkzeug)
    assert all("dependency_scope_source" in f.evidence[0].message for f in werkzeug)
    _assert_listed_everywhere(report, "artifacts.dependency_scan.development", ".aima-gate.yml:3",
                              "file requirements-ci.txt")


def test_rule_not_example_every_dev_looking_name_is_runtime(tmp_path: Path) -> None:
    """The rule over the names the old heuristic matched: each one alone declares nothing."""
    from aima_gate.collectors.scans.manifests import read_declared

    names = [f"requirements-{w}.txt" for w in ("dev", "devel", "develop", "test", "tests", "testing", "lint",
                                               "doc", "docs", "ci")]
    for name in names:
        write(tmp_path, name, "werkzeug==0.11\n")
    from aima_gate.safeio.repo import Repo

    declared = read_declared(Repo(tmp_path), ["requirements-*.txt"])
    assert declared.scope("werkzeug") == "runtime" and declared.development == {}
