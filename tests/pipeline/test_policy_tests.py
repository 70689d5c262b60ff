"""``aima-gate test``: policy unit tests that can never pass vacuously, with JUnit output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, EXAMPLES, run_cli, write

PACK = EXAMPLES / "custom-policy-pack"
OWNER = "acme.owner-is-a-team-address"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return shutil.copytree(PACK, tmp_path / "pack")


def run_test_command(pack: Path, *args: str) -> tuple[int, str]:
    proc = run_cli("test", *args, cwd=pack)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_example_pack_passes_with_valid_junit(pack: Path) -> None:
    import xmlschema

    code, out = run_test_command(pack, "--require-tests", "--junit", "out/results.xml")
    assert code == 0, out
    assert out.endswith("5 cases: 5 passed, 0 failed, 0 errors\n")
    xml = (pack / "out" / "results.xml").read_text(encoding="utf-8")
    xmlschema.XMLSchema(DATA / "schemas" / "junit-10.xsd").validate(xml)
    assert xml.count("<testcase ") == 5 and "<failure" not in xml


def test_a_wrong_expectation_fails_and_says_what_was_found(pack: Path) -> None:
    write(pack, f"policy-tests/{OWNER}/fail/personal-address/expect.yml", "subjects:\n  churn@1.2.0: pass\n")
    code, out = run_test_command(pack, "--format", "junit")
    assert code == 1, out
    assert "subject churn@1.2.0: expected pass, got fail" in out and "<failure" in out


def test_a_case_that_selects_nothing_fails(pack: Path) -> None:
    case = pack / "policy-tests" / "acme.high-risk-models-reference-a-card" / "pass" / "card-referenced"
    write(case, "registry/models.yml", "models:\n  - {name: churn, version: '1', owner: a-ml@acme.example, "
                                       "risk_tier: low}\n")
    code, out = run_test_command(pack)
    assert code == 1, out
    assert "FAIL  acme.high-risk-models-reference-a-card/pass/card-referenced" in out


@pytest.mark.parametrize(("folder", "message"), [
    (f"{OWNER}/passes/x", "asserts no outcome"),
    ("acme.no-such-policy/pass/x", "no loaded policy has the id 'acme.no-such-policy'"),
])
def test_cases_that_assert_nothing_are_errors(pack: Path, folder: str, message: str) -> None:
    write(pack / "policy-tests" / folder, "registry/models.yml", "models: []\n")
    code, out = run_test_command(pack)
    assert code == 2 and message in out, out


def test_require_tests_makes_an_untested_policy_an_error(pack: Path) -> None:
    shutil.rmtree(pack / "policy-tests" / OWNER / "fail")
    assert run_test_command(pack)[0] == 0
    code, out = run_test_command(pack, "--require-tests")
    assert code == 2 and f"policy {OWNER} has no fail case (--require-tests)" in out, out


def test_an_empty_or_missing_cases_folder_is_an_error(pack: Path) -> None:
    (pack / "empty").mkdir()
    code, out = run_test_command(pack, "empty")
    assert code == 2 and "holds no cases" in out
    code, out = run_test_command(pack, "missing")
    assert code == 2 and "does not exist" in out


def test_a_bad_expect_file_is_an_error(pack: Path) -> None:
    write(pack, f"policy-tests/{OWNER}/fail/no-owner/expect.yml", "status: failed\n")
    code, out = run_test_command(pack)
    assert code == 2 and "unknown status 'failed'" in out, out
