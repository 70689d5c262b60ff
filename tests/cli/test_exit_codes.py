"""The exit-code contract, through the real console script: 0 pass, 1 policy failure, 2 cannot evaluate, 3 bug.

Mini repositories select only the core model/model_card policies (``--policy``), so a failure or error comes from
the input under test and not from artifact kinds the mini repository does not have.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, TODAY, run_cli, write

CORE = ("model.owner-and-risk-tier", "model.has-complete-card", "model.bias-report-referenced",
        "model.explainability-report-referenced", "model.card-version-matches", "model.training-data-lineage",
        "model_card.required-sections")
ONLY_CORE = [arg for pid in CORE for arg in ("--policy", pid)]

CARD = """---
model_name: churn
version: "1.0.0"
---
# Model Card for churn

## Intended uses & limitations

Predicts which subscribers are likely to cancel within 90 days, for retention offers only.

## Bias, Risks, and Limitations

Less accurate for customers with under three months of history; never used to deny service.

## Training Data

Two years of anonymised subscription events from the billing warehouse, version 2025-09.

## Evaluation

ROC AUC 0.84 on a held-out quarter; calibration checked per region.
"""
REGISTRY = """\
models:
  - name: churn
    version: "1.0.0"
    owner: growth-ml
    risk_tier: low
    training_data:
      - {name: billing-events, source: "warehouse://billing.events_2023_2025"}
    model_card: ../model_cards/churn.md
    bias_report: ../reports/churn-fairness.json
    explainability_report: ../reports/churn-shap.json
"""


def mini_repo(root: Path, registry: str = REGISTRY, card: str = CARD) -> Path:
    write(root, "registry/models.yml", registry)
    write(root, "model_cards/churn.md", card)
    write(root, "reports/churn-fairness.json", '{"model": "churn"}\n')
    write(root, "reports/churn-shap.json", '{"model": "churn"}\n')
    return root


def check(root: Path, *extra: str, core: bool = True):  # type: ignore[no-untyped-def]
    return run_cli("check", str(root), "--today", TODAY.isoformat(), *(ONLY_CORE if core else []), *extra)


def assert_clean_exit_2(proc, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out and "internal error" not in out, out
    for fragment in fragments:
        assert fragment in out, out


# ---------------------------------------------------------------------------------------------- 0 and 1


def test_exit_0_on_the_compliant_example() -> None:
    proc = run_cli("check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Verdict: PASS (exit 0)")


def test_exit_1_on_the_failing_example() -> None:
    proc = run_cli("check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Verdict: FAIL (exit 1)" in proc.stdout
    assert "model.owner-and-risk-tier" in proc.stdout
    assert "registry/models.yml:" in proc.stdout  # evidence lines name file and line


def test_mini_repo_passes_and_fails(tmp_path: Path) -> None:
    assert check(mini_repo(tmp_path / "ok")).returncode == 0
    failing = mini_repo(tmp_path / "bad", registry=REGISTRY.replace("    owner: growth-ml\n", ""))
    proc = check(failing)
    assert proc.returncode == 1, proc.stdout
    assert "registry/models.yml:2: $.owner is missing" in proc.stdout


def test_fail_on_raises_the_bar(tmp_path: Path) -> None:
    # Only a medium policy fails (lineage): exit 1 at the default (low), exit 0 with --fail-on high.
    repo = mini_repo(tmp_path, registry=REGISTRY.replace(', source: "warehouse://billing.events_2023_2025"', ""))
    assert check(repo).returncode == 1
    proc = check(repo, "--fail-on", "high")
    assert proc.returncode == 0, proc.stdout
    assert "WARN" in proc.stdout and "Verdict: PASS" in proc.stdout
    write(repo, ".aima-gate.yml", "fail_on: critical\n")
    assert check(repo).returncode == 0
    assert check(repo, "--fail-on", "medium").returncode == 1  # the command line wins over the config


def test_fail_on_never_hides_errors(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, "registry/broken.yml", "models: [\n")
    assert check(repo, "--fail-on", "critical").returncode == 2


# --------------------------------------------------------------------------------------------------- 2


def test_exit_2_bad_config(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, ".aima-gate.yml", "fail_on: low\npolices:\n  builtin: true\n")
    assert_clean_exit_2(check(repo), ".aima-gate.yml:2", "unknown key 'polices'")


def test_exit_2_config_names_an_unknown_policy(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, ".aima-gate.yml", "policies:\n  disable: [model.owner-and-risk-tire]\n")
    assert_clean_exit_2(check(repo), ".aima-gate.yml:2", "model.owner-and-risk-tire")


POLICY = """\
id: custom.{name}
title: A custom policy
description: Written by the repository owners.
severity: medium
aima: {{domain: {domain}, practice: policy-and-compliance, stream: B, level: 1}}
mappings: {mappings}
remediation: Fix it.
applies_to: {{kind: {kind}}}
assert: {assertion}
"""


@pytest.mark.parametrize(
    ("fields", "line", "fragment"),
    [({"assertion": "{path: owner, exsits: true}"}, 9, "exsits"),
     ({"kind": "modle"}, 8, "unknown artifact kind 'modle'"),
     ({"domain": "governence"}, 5, "unknown AIMA domain 'governence'"),
     ({"mappings": "{nist_ai_rmf: [GOVERN 9.9]}"}, 6, "unknown nist_ai_rmf identifier 'GOVERN 9.9'"),
     ({"mappings": "{owasp_llm: [LLM11:2025]}"}, 6, "unknown owasp_llm identifier"),
     ({"assertion": "{path: owner, matches: '(a)\\1'}"}, 9, "is not accepted"),
     ({"assertion": "{all: []}"}, 9, "all")],
    ids=["unknown-operator", "unknown-kind", "unknown-aima-slug", "unknown-nist-id", "unknown-owasp-id",
         "backreference", "empty-all"],
)
def test_exit_2_invalid_policy(tmp_path: Path, fields: dict[str, str], line: int, fragment: str) -> None:
    values = {"name": "p", "domain": "governance", "mappings": "{}", "kind": "model",
              "assertion": "{path: owner, exists: true}", **fields}
    repo = mini_repo(tmp_path)
    write(repo, "policies/p.yml", POLICY.format(**values))
    write(repo, ".aima-gate.yml", "policies:\n  paths: [policies]\n")
    proc = check(repo, core=False)
    assert_clean_exit_2(proc, f"policies/p.yml:{line}", fragment)
    assert proc.stdout == ""  # no verdict on an invalid policy set
    assert_clean_exit_2(run_cli("validate", str(repo)), "policies/p.yml", fragment)


def test_exit_2_empty_policy_set(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, ".aima-gate.yml", "policies: {builtin: false}\n")
    assert_clean_exit_2(check(repo, core=False), "policy set is empty")


def test_exit_2_empty_repository(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = check(empty)
    assert_clean_exit_2(proc, "aima-gate.empty-repository", "no files")
    assert "Verdict: ERROR (exit 2)" in proc.stdout


def test_exit_2_no_subjects_for_a_required_policy(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# nothing to see\n")
    proc = check(tmp_path)
    assert_clean_exit_2(proc, "nothing to govern: no model was found (looked for registry files",
                        "Hugging Face model folders", "so 6 policies could not be checked", "To start: ",
                        "aima-gate init")
    assert proc.stdout.count("ERROR  [") == 1  # one error for nothing to govern, not one per policy


def test_one_policy_without_subjects_keeps_its_own_message(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# nothing to see\n")
    assert_clean_exit_2(run_cli("check", str(tmp_path), "--policy", "model.owner-and-risk-tier"),
                        "no model artifacts were found")


def test_exit_2_nonexistent_path_and_bad_options(tmp_path: Path) -> None:
    assert run_cli("check", str(tmp_path / "nope")).returncode == 2
    assert run_cli("check", str(tmp_path), "--today", "24/11/2026").returncode == 2
    assert run_cli("check", str(tmp_path), "--report", "pdf=out.pdf").returncode == 2
    assert run_cli("check", str(tmp_path), "--fail-on", "severe").returncode == 2


def _bad_input_cases(root: Path) -> dict[str, tuple[str, ...]]:
    """Name -> fragments of the expected message; each case writes one bad file into a copy of the mini repo."""
    return {
        "truncated-yaml": ("registry/models.yml:", "invalid YAML"),
        "truncated-json": ("registry/models.json:1", "invalid JSON"),
        "alias-bomb": ("registry/models.yml", "alias bomb"),
        "recursive-alias": ("registry/models.yml:1", "recursive YAML alias"),
        "oversized": ("registry/models.yml", "byte limit"),
        "duplicate-yaml-key": ("registry/models.yml:4", "duplicate key 'version'"),
        "duplicate-json-key": ("registry/models.json", "duplicate key 'version'"),
        "unquoted-version": ("registry/models.yml:3", "1.0 is not of type 'string'", 'Quote it in YAML'),
        "binary": ("registry/models.yml", "binary file"),
        "non-utf8": ("registry/models.yml:4", "not valid UTF-8"),
        "symlink-out": ("registry/models.yml", "symlink that leaves the repository"),
        "dotdot-reference": ("registry/models.yml:8", "leaves the repository"),
        "missing-card": ("registry/models.yml:8", "references model_cards/gone.md, which does not exist"),
        "bad-card-front-matter": ("model_cards/churn.md:4", "duplicate key 'version'"),
    }


def _write_bad(root: Path, case: str, outside: Path) -> None:
    reg = root / "registry" / "models.yml"
    if case == "truncated-yaml":
        reg.write_text(REGISTRY[: len(REGISTRY) // 2] + "  - [unclosed\n")
    elif case == "truncated-json":
        reg.unlink()
        write(root, "registry/models.json", '{"models": [{"name": "churn", "version": "1.0.0"')
    elif case == "alias-bomb":
        from tests.safeio.test_loaders import billion_laughs

        reg.write_text(billion_laughs())
    elif case == "recursive-alias":
        reg.write_text("models: &m [*m]\n")
    elif case == "oversized":
        write(root, ".aima-gate.yml", "limits: {max_file_bytes: 1024}\n")
        reg.write_text(REGISTRY + "# " + "x" * 2000 + "\n")
    elif case == "duplicate-yaml-key":
        reg.write_text(REGISTRY.replace('    version: "1.0.0"\n', '    version: "1.0.0"\n    version: "1.0.1"\n'))
    elif case == "duplicate-json-key":
        reg.unlink()
        write(root, "registry/models.json", '{"name": "churn", "version": "1.0.0", "version": "1.0.1"}\n')
    elif case == "unquoted-version":
        reg.write_text(REGISTRY.replace('version: "1.0.0"', "version: 1.0"))
    elif case == "binary":
        reg.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    elif case == "non-utf8":
        reg.write_bytes(REGISTRY.replace("growth-ml", "croissance-\xe9quipe").encode("latin-1"))
    elif case == "symlink-out":
        reg.unlink()
        reg.symlink_to(outside)
    elif case == "dotdot-reference":
        reg.write_text(REGISTRY.replace("../model_cards/churn.md", "../../../outside/card.md"))
    elif case == "missing-card":
        reg.write_text(REGISTRY.replace("../model_cards/churn.md", "../model_cards/gone.md"))
    elif case == "bad-card-front-matter":
        write(root, "model_cards/churn.md", CARD.replace('version: "1.0.0"\n', 'version: "1.0.0"\nversion: "1"\n'))
    else:  # pragma: no cover
        raise AssertionError(case)


@pytest.mark.parametrize("case", sorted(_bad_input_cases(Path())))
def test_exit_2_bad_input_names_the_file_and_never_passes(tmp_path: Path, case: str) -> None:
    outside = write(tmp_path, "outside/secret.yml", "password: hunter2\n")
    repo = mini_repo(tmp_path / "repo")
    _write_bad(repo, case, outside)
    proc = check(repo, "--format", "json")
    assert_clean_exit_2(proc)
    report = json.loads(proc.stdout)
    assert report["verdict"] == "error"
    errors = [f for f in report["findings"] if f["status"] == "error"]
    text = " | ".join(f"{e['file']}:{e['line']} {e['message']} {f['remediation']}"
                      for f in errors for e in f["evidence"])
    for fragment in _bad_input_cases(repo)[case]:
        assert fragment in text, text
    assert "hunter2" not in proc.stdout


def test_a_parse_error_does_not_hide_other_results(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path, registry=REGISTRY.replace("    owner: growth-ml\n", ""))
    write(repo, "registry/other.yml", "models:\n  - name: other\n    version: [\n")
    proc = check(repo, "--format", "json", "--findings", "all")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    statuses = {(f["policy_id"], f["subject"]["name"]): f["status"] for f in report["findings"]}
    assert statuses[("model.owner-and-risk-tier", "churn@1.0.0")] == "fail"  # still evaluated and reported
    assert statuses[("model.training-data-lineage", "churn@1.0.0")] == "pass"
    assert any(f["policy_id"] == "aima-gate.input-error" and f["subject"]["file"] == "registry/other.yml"
               for f in report["findings"])
    assert report["summary"]["fail"] >= 1 and report["summary"]["error"] >= 1


def test_exit_2_a_parse_worker_killed_mid_run_stops_the_run(tmp_path: Path) -> None:
    """A parse worker killed mid-chunk (what the out-of-memory killer does) stops the run at once, exit 2, naming
    its files; it never hangs and never passes. The hook lowers the batch size that spreads work over workers and
    kills any worker that parses a card."""
    repo = mini_repo(tmp_path / "repo")
    for n in range(12):
        write(repo, f"model_cards/extra-{n}.md", CARD.replace("churn", f"extra{n}"))
    hook = tmp_path / "hook"
    write(hook, "sitecustomize.py",
          "import os, signal\n"
          "import aima_gate.core.parallel, aima_gate.pipeline.runner\n\n"
          "_PARENT = os.getpid()\n"
          "_parse_file = aima_gate.pipeline.runner.parse_file\n\n"
          "def _killed_in_a_worker(collector, ctx, file):\n"
          "    if os.getpid() != _PARENT and file.startswith('model_cards/'):\n"
          "        os.kill(os.getpid(), signal.SIGKILL)\n"
          "    return _parse_file(collector, ctx, file)\n\n"
          "aima_gate.core.parallel.MIN_PARALLEL_ITEMS = 2\n"
          "aima_gate.pipeline.runner.parse_file = _killed_in_a_worker\n")
    proc = run_cli("check", str(repo), "--today", TODAY.isoformat(), "--no-cache", timeout=60,
                   env={"PYTHONPATH": str(hook), "AIMA_GATE_JOBS": "2"})
    assert_clean_exit_2(proc, "a parse worker ended (killed by signal 9) while on ('model_card', 'model_cards/extra-",
                        "(the last file it started)", "AIMA_GATE_JOBS=1")


def test_exit_2_an_interrupted_run_has_no_verdict(tmp_path: Path) -> None:
    """Ctrl-C (KeyboardInterrupt anywhere in the run) is exit 2 with a message, not click's "Aborted!" and exit 1,
    which reads as a policy failure."""
    repo = mini_repo(tmp_path / "repo")
    hook = tmp_path / "hook"
    write(hook, "sitecustomize.py",
          "import aima_gate.pipeline.runner\n\n"
          "def _interrupted(*args, **kwargs):\n"
          "    raise KeyboardInterrupt\n\n"
          "aima_gate.pipeline.runner.run_check = _interrupted\n")
    proc = run_cli("check", str(repo), env={"PYTHONPATH": str(hook)})
    assert_clean_exit_2(proc, "interrupted before the run finished: there is no verdict")
    assert "Aborted" not in proc.stderr


# --------------------------------------------------------------------------------------------------- 3


def _inject_bug(tmp_path: Path) -> dict[str, str]:
    """A sitecustomize on PYTHONPATH that makes a core function raise, as a real bug would."""
    hook = tmp_path / "hook"
    write(hook, "sitecustomize.py",
          "import aima_gate.pipeline.runner\n\n"
          "def _broken(*args, **kwargs):\n"
          "    raise RuntimeError('injected failure for the exit-code contract test')\n\n"
          "aima_gate.pipeline.runner.run_check = _broken\n")
    return {"PYTHONPATH": str(hook)}


def test_exit_3_internal_error_asks_for_a_bug_report(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path / "repo")
    proc = run_cli("check", str(repo), env=_inject_bug(tmp_path))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "internal error: RuntimeError: injected failure" in proc.stderr
    assert "This is a bug in aima-gate" in proc.stderr and "Please report it" in proc.stderr
    assert "--debug" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_exit_3_with_debug_shows_the_traceback(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path / "repo")
    proc = run_cli("check", str(repo), "--debug", env=_inject_bug(tmp_path))
    assert proc.returncode == 3
    assert "Traceback (most recent call last)" in proc.stderr
    assert "_broken" in proc.stderr


def test_user_errors_show_a_traceback_only_with_debug(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, ".aima-gate.yml", "fail_on: severe\n")
    plain = check(repo)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.startswith("aima-gate: error: .aima-gate.yml:1")
    debug = check(repo, "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr


# ------------------------------------------------------------------------------------- other commands


def test_version() -> None:
    from aima_gate import __version__

    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"aima-gate, version {__version__}"


def test_validate() -> None:
    proc = run_cli("validate", str(EXAMPLES / "credit-scoring"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK: config") and "policies valid (sha256:" in proc.stdout


def test_controls_json_groups_policies_by_domain_and_practice() -> None:
    proc = run_cli("controls", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    placed = {p["id"]: (p["aima"]["domain"], p["aima"]["practice"])
              for d in data["domains"] for pr in d["practices"] for p in pr["policies"]}
    assert placed["model.owner-and-risk-tier"] == ("governance", "policy-and-compliance")
    assert placed["model.training-data-lineage"] == ("data-management", "data-training")
    assert set(CORE) <= set(placed)
    text = run_cli("controls")
    assert text.returncode == 0 and "Governance" in text.stdout


def test_explain() -> None:
    proc = run_cli("explain", "model.card-version-matches")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("model.card-version-matches: The model card describes the registered version")
    assert "AIMA: Responsible AI" in out and "Remediation:" in out and "join:" in out
    unknown = run_cli("explain", "model.no-such-policy")
    assert_clean_exit_2(unknown, "no policy with id 'model.no-such-policy'")


def test_report_file_is_written_and_equals_stdout_json(tmp_path: Path) -> None:
    src = EXAMPLES / "llm-assistant"
    out = tmp_path / "out" / "aima.json"
    proc = run_cli("check", str(src), "--today", TODAY.isoformat(), "--format", "json", "--report", f"json={out}",
                   "--report", f"text={tmp_path / 'aima.txt'}")
    assert proc.returncode == 1
    assert out.read_text(encoding="utf-8") == proc.stdout
    assert (tmp_path / "aima.txt").read_text(encoding="utf-8").rstrip().splitlines()[-1].startswith("Verdict: FAIL")


def test_report_file_that_cannot_be_written_is_exit_2(tmp_path: Path) -> None:
    blocker = write(tmp_path, "file", "x")
    proc = run_cli("check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat(),
                   "--report", f"json={blocker / 'sub' / 'r.json'}")
    assert_clean_exit_2(proc, "cannot write the json report")


def test_examples_are_unchanged_by_the_run(tmp_path: Path) -> None:
    copy = tmp_path / "credit"
    shutil.copytree(EXAMPLES / "credit-scoring", copy)
    before = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*"))
    assert run_cli("check", str(copy), "--today", TODAY.isoformat()).returncode == 0
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == before
