"""``init`` on a repository with models but no registry: a registry prefilled with every discovered model, whose
TODO lines still FAIL the owner policy, a short plan in AIMA terms, and nothing written through a symlink."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

from aima_gate.onboarding.plan import MAX_STEPS, loaded_policies
from tests.conftest import TODAY, run_cli, write

MLMODEL = "artifact_path: model\nflavors:\n  sklearn: {sklearn_version: 1.5.2}\nrun_id: 0123abcd\n"
HF_CARD = "---\nlicense: mit\nmodel-index:\n  - name: sentiment-bert\n    results: []\n---\n# sentiment-bert\n"


def legacy_repo(root: Path) -> Path:
    write(root, "models/churn.pkl", "not really a pickle")
    write(root, "serving/model/MLmodel", MLMODEL)
    write(root, "serving/model/model.pkl", "x")
    write(root, "hf/bert/config.json", json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    write(root, "hf/bert/README.md", HF_CARD)
    write(root, ".venv/pyvenv.cfg", "home = /usr/bin\n")
    write(root, ".venv/lib/python3.12/site-packages/x/model.pkl", "installed, not ours")
    return root


def _check(repo: Path) -> tuple[int, dict[str, object]]:
    proc = run_cli("check", str(repo), "--format", "json", "--today", TODAY.isoformat())
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_init_prefills_a_registry_that_still_fails_the_owner_policy(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    proc = run_cli("init", str(repo))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (repo / "registry" / "models.yml").read_text()
    entries = yaml.safe_load(text)["models"]
    assert sorted(e["name"] for e in entries) == ["model", "models/churn.pkl", "sentiment-bert"]
    assert all("owner" not in e and "risk_tier" not in e for e in entries)  # TODO is a comment, never a value
    assert text.count("# owner: TODO") == 3 and text.count("# risk_tier: TODO") == 3
    bert = next(e for e in entries if e["name"] == "sentiment-bert")
    assert bert["location"] == "../hf/bert" and bert["model_card"] == "../hf/bert/README.md"
    assert run_cli("validate", str(repo)).returncode == 0
    code, report = _check(repo)
    assert code in (1, 2)
    findings = report["findings"]
    assert isinstance(findings, list)
    owner = [f for f in findings if f["policy_id"] == "model.owner-and-risk-tier"]
    assert len(owner) == 3 and {f["status"] for f in owner} == {"fail"}  # one subject per model, failing
    assert {f["evidence"][0]["file"] for f in owner} == {"registry/models.yml"}
    assert not any(f["subject"]["name"] == "(no model found)" for f in findings)
    assert "inventory" not in report  # every model is registered now: nothing discovered twice
    # idempotent: a second init changes nothing
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    again = run_cli("init", str(repo))
    assert again.returncode == 0 and "kept" in again.stdout
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_discovered_models_fail_governance_with_a_fix_that_says_where(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    code, report = _check(repo)
    assert code == 2  # no scanner reports: those errors remain, but every model is a subject
    findings = report["findings"]
    assert isinstance(findings, list)
    owner = {f["subject"]["name"]: f for f in findings if f["policy_id"] == "model.owner-and-risk-tier"}
    assert set(owner) == {"models/churn.pkl@unversioned", "model@0123abcd", "sentiment-bert@unversioned"}
    churn = owner["models/churn.pkl@unversioned"]
    assert churn["status"] == "fail" and churn["evidence"][0]["file"] == "models/churn.pkl"
    assert "registry/models.yml" in churn["remediation"] and "location: ../models/churn.pkl" in churn["remediation"]
    inventory = report["inventory"]
    assert isinstance(inventory, list)
    routes = {m["subject"]: [r["route"] for r in m["found_by"]] for m in inventory}
    assert routes["model@0123abcd"] == ["mlmodel-folder"]  # its model.pkl is part of it, not another model
    assert not any("site-packages" in str(m) for m in inventory)


def test_the_plan_is_short_and_names_aima_practices_of_real_policies(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    out = run_cli("init", str(repo)).stdout
    steps = re.findall(r"^(\d+)\. (.*)$", out, re.M)
    assert 3 <= len(steps) <= MAX_STEPS
    assert "registry/models.yml" in steps[0][1] and "AIMA Governance" in steps[0][1]
    policies = loaded_policies(Path("."))
    named = re.findall(r"level \d: ([a-z_]+\.[a-z0-9-]+)\)", out)
    assert named and all(pid in policies for pid in named)


def test_nothing_to_govern_is_one_error_and_init_says_how_to_start(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "README.md", "# notebook project\n")
    code, report = _check(repo)
    findings = report["findings"]
    assert isinstance(findings, list)
    errors = [f for f in findings if f["status"] == "error"]
    assert code == 2 and len(errors) == 1, errors
    assert errors[0]["title"] == "Nothing to govern"
    message = errors[0]["evidence"][0]["message"]
    assert "Hugging Face" in message and "MLflow logged models" in message and "sast_report" in message
    assert "aima-gate init" in errors[0]["remediation"]
    out = run_cli("init", str(repo)).stdout
    assert "models: none found" in out and "nothing to govern was found" in out
    assert not (repo / "registry").exists()


def test_init_never_writes_through_a_symlinked_folder(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "registry")
    proc = run_cli("init", str(repo))
    assert proc.returncode == 2 and "symlink" in proc.stdout + proc.stderr
    assert not list(outside.iterdir())


def test_hostile_file_names_cannot_add_lines_or_keys_to_the_registry(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    evil = 'x\nowner: attacker\n  - name: "y'
    write(repo, f"models/{evil}.pkl", "x")
    write(repo, "models/q\"uote\u202e.joblib", "x")
    proc = run_cli("init", str(repo))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\nowner: attacker" not in proc.stdout  # terminal output escaped
    entries = yaml.safe_load((repo / "registry" / "models.yml").read_text(encoding="utf-8"))["models"]
    assert len(entries) == 2 and all("owner" not in e for e in entries)
    assert sorted(e["artifacts"][0] for e in entries) == sorted(
        [f"../models/{evil}.pkl", "../models/q\"uote\u202e.joblib"])
    assert all(re.match(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", e["name"]) for e in entries)


def test_force_never_rewrites_a_registry_a_person_wrote(tmp_path: Path) -> None:
    repo = legacy_repo(tmp_path / "repo")
    mine = 'models:\n  - name: churn\n    version: "1"\n    artifacts: [../models/churn.pkl]\n'
    write(repo, "registry/models.yml", mine)
    proc = run_cli("init", str(repo), "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "registry" / "models.yml").read_text() == mine
    assert "2 discovered model(s) are in no registry" in proc.stdout and "not registered: " in proc.stdout
