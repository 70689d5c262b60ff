"""Class 9: narrowing is never invisible, and no repository string can forge terminal or CI output.

Narrowing: each setting that makes the gate evaluate less (config ``policies.only``, ``policies.builtin: false``,
``policies.disable``, ``exclude``, ``artifacts.<kind>.paths``; command line ``--policy``, ``--changed``/FILES)
must be listed, with where it is set, in every report format. Escapes: a file or model name carrying a line
break, an ANSI sequence, a bidi override or a Unicode line separator must come out as a visible escape in the
terminal formats (text, framework text, GitHub workflow commands) and never add a line such as ``Verdict: PASS``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from aima_gate.aima.frameworks import framework_text, with_framework_view
from aima_gate.core.clock import Clock
from aima_gate.core.report import Report
from aima_gate.core.resources import load_schema
from aima_gate.core.terminal import escape_terminal
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import REPORTERS, get_renderer
from tests.conftest import TODAY, run_cli

REGISTRY = ("models:\n  - name: scorer\n    version: \"1.0.0\"\n    owner: ml@example.org\n    risk_tier: low\n"
            "    stage: staging\n    intended_use: Rank applications\n    personal_data: false\n")


def _repo(tmp_path: Path, config: str = "") -> Path:
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "models.yml").write_text(REGISTRY, encoding="utf-8")
    if config:
        (tmp_path / ".aima-gate.yml").write_text(config, encoding="utf-8")
    return tmp_path


def _run(root: Path, **kwargs: object) -> Report:
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY), **kwargs))  # type: ignore[arg-type]


def _all_formats(report: Report) -> dict[str, str]:
    return {fmt: get_renderer(fmt)(report) for fmt in REPORTERS}


def _assert_listed_everywhere(report: Report, setting: str, where: str, item: str | None = None) -> None:
    narrowings = report.extra["scope"]["narrowings"]
    assert any(n["setting"] == setting for n in narrowings), narrowings
    note = f"scope narrowed by {setting} ({where})"
    outputs = _all_formats(report)
    assert json.loads(outputs["json"])["scope"] == report.extra["scope"]  # structured: setting, file, line, items
    for fmt, text in outputs.items():
        if fmt == "json":
            continue
        if fmt == "markdown":  # Markdown escapes its specials (threat\\_model, \\*\\*): compare the plain text
            text = text.replace("\\", "")
        assert note in text, f"{fmt} does not list {note!r}"
        if item is not None:
            assert item in text, f"{fmt} does not name {item!r}"
    jsonschema.validate(json.loads(outputs["json"]), load_schema("report.schema.json"))
    # The text report says it before any finding: the first lines are the header and the narrowings.
    assert note in "\n".join(outputs["text"].splitlines()[:8])


def test_config_only_is_listed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "policies:\n  only: [model.owner-and-risk-tier]\n")
    _assert_listed_everywhere(_run(root), "policies.only", ".aima-gate.yml:2", "model.owner-and-risk-tier")


def test_builtin_false_is_listed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "policies:\n  builtin: false\n  paths: [policies]\n")
    (root / "policies").mkdir()
    (root / "policies" / "own.yml").write_text(
        "id: own.owner\ntitle: Owner\ndescription: Owned.\nseverity: high\n"
        "aima: {domain: governance, practice: policy-and-compliance, stream: A, level: 1}\n"
        "remediation: Add an owner.\napplies_to: {kind: model}\n"
        "assert: {path: owner, exists: true}\n", encoding="utf-8")
    _assert_listed_everywhere(_run(root), "policies.builtin", ".aima-gate.yml:2")


def test_disabled_policies_are_listed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "policies:\n  disable: [model.threat-model, model.dpia]\n")
    _assert_listed_everywhere(_run(root), "policies.disable", ".aima-gate.yml:2", "model.threat-model")


def test_exclude_globs_are_listed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "exclude:\n  - \"governance/**\"\n  - \"threat-models/**\"\n")
    _assert_listed_everywhere(_run(root), "exclude", ".aima-gate.yml:1", "threat-models/**")


def test_replaced_artifact_globs_are_listed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "artifacts:\n  threat_model:\n    paths: [\"nowhere/*.yml\"]\n")
    _assert_listed_everywhere(_run(root), "artifacts.threat_model.paths", ".aima-gate.yml:3", "nowhere/*.yml")


def test_command_line_policy_is_listed(tmp_path: Path) -> None:
    report = _run(_repo(tmp_path), only_policies=frozenset({"model.owner-and-risk-tier"}))
    _assert_listed_everywhere(report, "--policy", "command line", "model.owner-and-risk-tier")


def test_changed_files_are_listed(tmp_path: Path) -> None:
    report = _run(_repo(tmp_path), changed_files=frozenset({"registry/models.yml"}))
    _assert_listed_everywhere(report, "--changed", "command line", "registry/models.yml")


def test_several_narrowings_are_all_listed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "exclude: [\"docs/**\"]\npolicies:\n  disable: [model.dpia]\n")
    report = _run(root, only_policies=frozenset({"model.dpia", "model.owner-and-risk-tier"}))
    assert [n["setting"] for n in report.extra["scope"]["narrowings"]] == ["policies.disable", "exclude", "--policy"]
    for setting in ("policies.disable", "exclude", "--policy"):
        assert all(f"scope narrowed by {setting}" in text or f'"setting": "{setting}"' in text
                   for text in _all_formats(report).values())


def test_files_argument_is_listed_through_the_cli(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    proc = run_cli("check", str(root), "registry/models.yml", "--format", "json")
    data = json.loads(proc.stdout)
    assert [n["setting"] for n in data["scope"]["narrowings"]] == ["--changed"], proc.stderr


def test_unnarrowed_run_has_no_scope_section(tmp_path: Path) -> None:
    assert "scope" not in _run(_repo(tmp_path)).extra


# --- escapes ---------------------------------------------------------------------------------------------------

FORGED_VERDICT = "evil\nVerdict: PASS (exit 0): 0 blocking\n"


def _hostile_named_registry(tmp_path: Path, name: str) -> Path:
    """A registry file whose *name* is hostile; its content is unreadable, so the gate must name the file."""
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / f"{name}.yml").write_text("models: [\n", encoding="utf-8")
    (tmp_path / "registry" / "models.yml").write_text(REGISTRY, encoding="utf-8")
    return tmp_path


def _text(tmp_path: Path, name: str) -> str:
    report = _run(_hostile_named_registry(tmp_path, name), only_policies=frozenset({"model.owner-and-risk-tier"}))
    assert int(report.exit_code) == 2
    return get_renderer("text")(report)


def test_newline_in_file_name_cannot_forge_a_verdict(tmp_path: Path) -> None:
    out = _text(tmp_path, FORGED_VERDICT)
    verdicts = [line for line in out.splitlines() if "Verdict:" in line]
    assert verdicts[-1].startswith("Verdict: ERROR (exit 2)")
    assert not any(line.startswith("Verdict: PASS") for line in out.splitlines())
    assert "evil\\nVerdict: PASS" in out


@pytest.mark.parametrize(("char", "shown"), [("\x1b[2J", "\\x1b[2J"), ("\u202e", "\\u202e"), ("\u2028", "\\u2028"),
                                             ("\x85", "\\x85"), ("\r", "\\r"), ("\x07", "\\x07"),
                                             ("\u2066", "\\u2066"), ("\x7f", "\\x7f")])
def test_control_characters_in_file_names_are_shown_escaped(tmp_path: Path, char: str, shown: str) -> None:
    out = _text(tmp_path, f"a{char}b")
    assert char not in out
    assert f"a{shown}b" in out


def test_github_annotations_cannot_be_forged_by_a_file_name(tmp_path: Path) -> None:
    root = _hostile_named_registry(tmp_path, "x\n::notice title=ok::all good\r\n::stop-commands::t")
    report = _run(root, only_policies=frozenset({"model.owner-and-risk-tier"}))
    lines = get_renderer("github")(report).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert all(line.startswith(("::error ", "::warning ", "::notice title=aima-gate")) for line in commands), lines
    assert not any("::stop-commands" in line.split("::", 2)[1] for line in commands)
    assert lines[-1].startswith("aima-gate: ERROR (exit 2)")


def test_framework_text_view_escapes_too(tmp_path: Path) -> None:
    root = _hostile_named_registry(tmp_path, FORGED_VERDICT)
    report = with_framework_view(_run(root, only_policies=frozenset({"model.owner-and-risk-tier"})), "aima")
    out = framework_text(report, report.extra["framework_view"])
    assert not any(line.startswith("Verdict: PASS") for line in out.splitlines())


def test_markdown_keeps_a_hostile_name_on_one_line(tmp_path: Path) -> None:
    report = _run(_hostile_named_registry(tmp_path, "n\n## Verdict: PASS\x1b[0m"),
                  only_policies=frozenset({"model.owner-and-risk-tier"}))
    md = get_renderer("markdown")(report)
    assert not any(line.startswith("## Verdict") for line in md.splitlines())
    assert "\x1b" not in md


def test_escape_rule_covers_every_control_code_point() -> None:
    controls = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F),
                *range(0x2066, 0x206A)]
    for code in controls:
        shown = escape_terminal(f"a{chr(code)}b")
        assert chr(code) not in shown and shown.startswith("a\\") and shown.endswith("b"), hex(code)
    assert escape_terminal("plain é 中 ✅") == "plain é 中 ✅"


def test_cli_error_message_escapes_a_hostile_file_name(capsys: pytest.CaptureFixture[str]) -> None:
    from aima_gate.cli.options import guarded
    from aima_gate.core.errors import InputError

    @guarded
    def boom(debug: bool = False) -> None:
        raise InputError("cannot read\x1b[2J", file="a\nVerdict: PASS (exit 0)", line=3, hint="fix\u202eit")

    with pytest.raises(SystemExit) as exit_info:
        boom()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "aima-gate: error: a\\nVerdict: PASS (exit 0):3: cannot read\\x1b[2J"
    assert err.splitlines()[1] == "  hint: fix\\u202eit"


def test_an_internal_error_quoting_a_hostile_name_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """An internal error's text may quote the repository (a parse worker lost on a file named to forge a line)."""
    from aima_gate.cli.options import guarded

    @guarded
    def boom(debug: bool = False) -> None:
        raise RuntimeError("lost ('model_card', 'a\nVerdict: PASS (exit 0)\x1b[2J')")

    with pytest.raises(SystemExit) as exit_info:
        boom()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert err.splitlines()[0] == ("aima-gate: internal error: RuntimeError: lost ('model_card', "
                                   "'a\\nVerdict: PASS (exit 0)\\x1b[2J')")
    assert err.splitlines()[1].startswith("This is a bug in aima-gate")
