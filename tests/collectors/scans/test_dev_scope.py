"""Runtime or development (collectors/scans/dev_scope.py): the config or the lock file's metadata declares a
dependency development-only, a file name never does, and every development classification says who declared it."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.collectors.scans.dev_scope import DevDeclaration
from aima_gate.collectors.scans.manifests import DEFAULT_REQUIREMENTS, Declared, read_declared
from aima_gate.core.errors import InputError
from aima_gate.safeio.repo import Repo
from tests.conftest import write

UV_LOCK = '''version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "fastapi" },
]

[package.optional-dependencies]
serve = [
    { name = "uvicorn" },
]
docs = [
    { name = "mkdocs" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
    { name = "httpx" },
]

[[package]]
name = "fastapi"
version = "0.115.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "starlette" },
]

[[package]]
name = "starlette"
version = "0.38.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uvicorn"
version = "0.30.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "mkdocs"
version = "1.6.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "jinja2" },
]

[[package]]
name = "jinja2"
version = "3.1.6"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.4"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "pluggy" },
    { name = "starlette" },
]

[[package]]
name = "pluggy"
version = "1.5.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "httpx"
version = "0.27.2"
source = { registry = "https://pypi.org/simple" }
'''


def _declared(root: Path, development: DevDeclaration | None = None) -> Declared:
    return read_declared(Repo(root), DEFAULT_REQUIREMENTS, development)


@pytest.mark.parametrize("name", ["requirements-dev.txt", "requirements-ci.txt", "requirements_test.txt",
                                  "requirements/dev.txt", "requirements/lint.txt", "requirements-docs.txt",
                                  "requirements.dev.txt", "requirements-DEV.txt"])
def test_no_file_name_makes_a_dependency_development(tmp_path: Path, name: str) -> None:
    write(tmp_path, name, "werkzeug==0.11\n")
    declared = _declared(tmp_path)
    assert declared.scope("werkzeug") == "runtime" and declared.development == {}
    assert declared.scope_source("werkzeug")["file"] == name


def test_config_declared_files_are_development_with_their_reason(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "flask==3.0.3\n")
    write(tmp_path, "requirements/ci.txt", "# tools\nwerkzeug==0.11\nflask==3.0.3\n")
    declared = _declared(tmp_path, DevDeclaration(("requirements/*.txt",)))
    assert declared.scope("werkzeug") == "development" and declared.scope("flask") == "runtime"
    source = declared.scope_source("werkzeug")
    assert (source["file"], source["line"]) == ("requirements/ci.txt", 2)
    assert "artifacts.dependency_scan.development.files" in source["reason"]
    assert declared.where["flask"] == ("requirements.txt", 1)


def test_includes_keep_development_only_when_the_included_file_is_declared_too(tmp_path: Path) -> None:
    write(tmp_path, "requirements-dev.txt", "-r requirements/base.txt\n-r requirements/tools.txt\npytest==8.3.4\n")
    write(tmp_path, "requirements/base.txt", "numpy==1.26.4\n")
    write(tmp_path, "requirements/tools.txt", "black==24.10.0\n")
    declared = read_declared(Repo(tmp_path), ["requirements-dev.txt"],
                             DevDeclaration(("requirements-dev.txt", "requirements/tools.txt")))
    assert declared.scope("pytest") == "development" and declared.scope("black") == "development"
    assert declared.scope("numpy") == "runtime"  # pip installs base.txt and nothing declares it development


def test_a_runtime_file_that_includes_a_declared_file_makes_it_runtime(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r requirements-dev.txt\nflask==3.0.3\n")
    write(tmp_path, "requirements-dev.txt", "werkzeug==0.11\n")
    declared = _declared(tmp_path, DevDeclaration(("requirements-dev.txt",)))
    assert declared.scope("werkzeug") == "runtime"  # `pip install -r requirements.txt` installs it
    assert declared.where["werkzeug"] == ("requirements-dev.txt", 1)


def test_lock_metadata_declares_development_with_its_reason(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", '[[package]]\nname = "pytest"\nversion = "8.3.4"\ncategory = "dev"\n\n'
                                   '[[package]]\nname = "ruff"\nversion = "0.6.0"\ngroups = ["lint"]\n\n'
                                   '[[package]]\nname = "flask"\nversion = "3.0.3"\ngroups = ["main", "dev"]\n')
    write(tmp_path, "Pipfile.lock", '{"default": {"django": {"version": "==4.2.16"}},\n'
                                    ' "develop": {"black": {"version": "==24.10.0"}}}\n')
    declared = _declared(tmp_path)
    assert {n: declared.scope(n) for n in ("pytest", "ruff", "flask", "django", "black")} == {
        "pytest": "development", "ruff": "development", "flask": "runtime", "django": "runtime",
        "black": "development"}
    assert declared.scope_source("pytest")["reason"].startswith('poetry.lock category = "dev"')
    assert declared.scope_source("ruff") == {"scope": "development", "file": "poetry.lock", "line": 7,
                                             "reason": "poetry.lock groups ['lint'] (Poetry's non-main groups "
                                                       "are development)"}
    assert declared.scope_source("black")["reason"].startswith("Pipfile.lock develop")


def test_poetry_main_group_is_development_only_when_the_config_says_so(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", '[[package]]\nname = "flask"\nversion = "3.0.3"\ngroups = ["main"]\n')
    assert _declared(tmp_path).scope("flask") == "runtime"
    declared = _declared(tmp_path, DevDeclaration(groups=frozenset({"main"})))
    assert declared.scope("flask") == "development"
    assert "artifacts.dependency_scan.development.groups" in declared.scope_source("flask")["reason"]


def test_uv_lock_dependency_groups_are_development_and_extras_runtime(tmp_path: Path) -> None:
    write(tmp_path, "uv.lock", UV_LOCK)
    declared = _declared(tmp_path)
    scopes = {n: declared.scope(n) for n in ("fastapi", "starlette", "uvicorn", "mkdocs", "jinja2", "pytest",
                                              "pluggy", "httpx")}
    assert scopes == {"fastapi": "runtime", "starlette": "runtime", "uvicorn": "runtime", "mkdocs": "runtime",
                      "jinja2": "runtime", "pytest": "development", "pluggy": "development",
                      "httpx": "development"}
    source = declared.scope_source("pluggy")
    assert (source["file"], source["reason"]) == ("uv.lock", "uv.lock: only in dependency group 'dev' of app "
                                                             "(dev-dependencies)")
    assert source["line"] == UV_LOCK.splitlines().index('name = "pluggy"') + 1


def test_uv_lock_extra_is_development_only_when_the_config_declares_it(tmp_path: Path) -> None:
    write(tmp_path, "uv.lock", UV_LOCK)
    declared = _declared(tmp_path, DevDeclaration(groups=frozenset({"docs"})))
    assert declared.scope("mkdocs") == "development" and declared.scope("jinja2") == "development"
    assert declared.scope("uvicorn") == "runtime"
    assert "artifacts.dependency_scan.development.groups" in declared.scope_source("jinja2")["reason"]


def test_uv_lock_without_a_project_is_all_runtime(tmp_path: Path) -> None:
    body = UV_LOCK.replace('source = { editable = "." }', 'source = { registry = "https://pypi.org/simple" }')
    write(tmp_path, "uv.lock", body)
    declared = _declared(tmp_path)
    assert declared.development == {} and declared.scope("pytest") == "runtime"


def test_declaration_reads_the_config_section() -> None:
    assert DevDeclaration.from_options({}) == DevDeclaration()
    got = DevDeclaration.from_options({"development": {"files": ["requirements-ci.txt"], "groups": [" Docs "]}})
    assert got == DevDeclaration(("requirements-ci.txt",), frozenset({"docs"}))


POETRY_LOCK = '''[[package]]
name = "flask"
version = "2.0.0"

[package.dependencies]
werkzeug = ">=2.0"
itsdangerous = {version = ">=2.0", optional = true}

[package.extras]
signing = ["itsdangerous (>=2.0)"]

[[package]]
name = "werkzeug"
version = "0.11"

[[package]]
name = "itsdangerous"
version = "2.0.0"

[[package]]
name = "pytest"
version = "8.3.4"

[package.dependencies]
pluggy = "*"
coverage = {version = "*", extras = ["toml"]}

[[package]]
name = "pluggy"
version = "1.5.0"

[[package]]
name = "coverage"
version = "7.6.0"

[package.dependencies]
tomli = {version = "*", optional = true}

[package.extras]
toml = ["tomli"]

[[package]]
name = "tomli"
version = "2.0.1"

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "0"
'''

PYPROJECT = '''[tool.poetry]
name = "app"

[tool.poetry.dependencies]
python = "^3.11"
flask = "^2.0"

[tool.poetry.group.dev.dependencies]
pytest = "^8"
{extra}'''


def test_poetry_lock_without_groups_reads_the_pyproject_groups(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK)
    write(tmp_path, "pyproject.toml", PYPROJECT.format(extra=""))
    declared = _declared(tmp_path)
    assert {n: declared.scope(n) for n in ("flask", "werkzeug", "itsdangerous", "pytest", "pluggy", "coverage",
                                            "tomli")} == {
        "flask": "runtime", "werkzeug": "runtime", "itsdangerous": "runtime",  # optional, no extra asked: unreached
        "pytest": "development", "pluggy": "development", "coverage": "development",
        "tomli": "development"}  # reached through coverage[toml], which pytest asks for
    assert declared.scope_source("tomli")["reason"].startswith("pyproject.toml [tool.poetry.group.dev]")


def test_poetry_dev_group_package_a_runtime_one_asks_for_is_runtime(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK)
    write(tmp_path, "pyproject.toml", PYPROJECT.format(extra='itsdangerous = "^2"\n').replace(
        'flask = "^2.0"', 'flask = {version = "^2.0", extras = ["signing"]}'))
    declared = _declared(tmp_path)
    assert declared.scope("itsdangerous") == "runtime" and declared.scope("pytest") == "development"


def test_poetry_main_group_and_no_poetry_table_are_runtime(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK)
    write(tmp_path, "pyproject.toml", PYPROJECT.format(extra="").replace("group.dev", "group.main"))
    assert _declared(tmp_path).development == {}
    write(tmp_path, "pyproject.toml", '[project]\nname = "app"\ndependencies = ["flask>=2"]\n')
    assert _declared(tmp_path).development == {}


def test_poetry_lock_groups_win_over_the_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK.replace('name = "pytest"\nversion = "8.3.4"\n',
                                                      'name = "pytest"\nversion = "8.3.4"\ngroups = ["main"]\n'))
    write(tmp_path, "pyproject.toml", PYPROJECT.format(extra=""))
    assert _declared(tmp_path).scope("pytest") == "runtime"


def test_invalid_pyproject_beside_a_poetry_lock_is_an_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK)
    write(tmp_path, "pyproject.toml", "[tool.poetry\n")
    with pytest.raises(InputError) as info:
        _declared(tmp_path)
    assert info.value.file == "pyproject.toml" and "invalid TOML" in info.value.diagnosis
