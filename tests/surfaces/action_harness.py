"""Run the composite action's steps (action.yml) the way a GitHub runner does, without GitHub.

Each ``run:`` step executes with ``bash --noprofile --norc -eo pipefail`` in the workspace, with the runner's
files (``GITHUB_OUTPUT`` per step, ``GITHUB_STEP_SUMMARY``, ``GITHUB_ENV``, ``GITHUB_PATH``), ``RUNNER_TEMP``,
``GITHUB_WORKSPACE`` and ``GITHUB_ACTION_PATH`` set, its ``env:`` expressions evaluated and its ``if:`` honoured
(a failed step skips later steps unless they say ``always()``). ``uses:`` steps (actions/cache) are recorded
and skipped: they need GitHub's services. Only the expressions the action needs are supported; anything else
raises, so the action cannot quietly grow expressions this harness (and a reviewer) does not understand.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_IF_STEP_EQ = re.compile(r"^steps\.([\w-]+)\.outputs\.([\w-]+) == '([^']*)'$")


@dataclass
class StepRun:
    id: str
    skipped: bool
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str
    failed: bool
    exit_code: int
    """The exit code of the failing step (what the job sees), 0 if every step passed."""

    @property
    def log(self) -> str:
        return "\n".join(s.stdout + s.stderr for s in self.steps)


def parse_output_file(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            block: list[str] = []
            while lines[i] != delim:
                block.append(lines[i])
                i += 1
            i += 1
            out[name] = "\n".join(block)
        else:
            name, _, value = line.partition("=")
            out[name] = value
    return out


class Harness:
    def __init__(self, action_dir: Path, workspace: Path, runner_temp: Path) -> None:
        self.action_dir = action_dir
        self.doc: dict[str, Any] = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
        self.workspace = workspace
        self.runner_temp = runner_temp

    def _value(self, expr: str, inputs: dict[str, str], steps: dict[str, StepRun]) -> str:
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            step = steps.get(parts[1])
            return step.outputs.get(parts[3], "") if step else ""
        context = {"runner.temp": str(self.runner_temp), "runner.os": "Linux",
                   "github.action_path": str(self.action_dir), "github.workspace": str(self.workspace)}
        if expr in context:
            return context[expr]
        raise ValueError(f"expression not supported by the harness: ${{{{ {expr} }}}}")

    def _substitute(self, text: str, inputs: dict[str, str], steps: dict[str, StepRun]) -> str:
        return _EXPR.sub(lambda m: self._value(m.group(1), inputs, steps), str(text))

    def _should_run(self, cond: str | None, failed: bool, steps: dict[str, StepRun]) -> bool:
        if cond is None:
            return not failed
        cond = cond.strip()
        if cond == "always()":
            return True
        m = _IF_STEP_EQ.match(cond)
        if m:
            step = steps.get(m.group(1))
            return not failed and (step.outputs.get(m.group(2), "") if step else "") == m.group(3)
        raise ValueError(f"if: condition not supported by the harness: {cond}")

    def run(self, inputs: dict[str, str], env: dict[str, str] | None = None, timeout: float = 900) -> ActionRun:
        declared = self.doc["inputs"]
        unknown = set(inputs) - set(declared)
        assert not unknown, f"unknown inputs {unknown}"
        values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        values.update(inputs)
        files = self.runner_temp / "_runner_file_commands"
        files.mkdir(parents=True, exist_ok=True)
        summary_text: list[str] = []
        steps: dict[str, StepRun] = {}
        ran: list[StepRun] = []
        failed, exit_code = False, 0
        for index, step in enumerate(self.doc["runs"]["steps"]):
            step_id = step.get("id", f"__step{index}")
            if "uses" in step or not self._should_run(step.get("if"), failed, steps):
                record = StepRun(step_id, skipped=True)
                steps[step_id] = record
                ran.append(record)
                continue
            assert step.get("shell") == "bash", f"step {step_id}: composite run steps must set shell: bash"
            script = step["run"]
            assert "${{" not in script, f"step {step_id}: expressions inside run: (use env:)"
            paths = {name: files / f"{name}_{index}" for name in ("output", "summary", "env", "path")}
            for path in paths.values():
                path.write_text("", encoding="utf-8")
            step_env = {
                **os.environ, **(env or {}),
                "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_TEMP": str(self.runner_temp),
                "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_ACTION_PATH": str(self.action_dir),
                "GITHUB_OUTPUT": str(paths["output"]), "GITHUB_STEP_SUMMARY": str(paths["summary"]),
                "GITHUB_ENV": str(paths["env"]), "GITHUB_PATH": str(paths["path"]),
            }
            step_env.update({k: self._substitute(v, values, steps) for k, v in (step.get("env") or {}).items()})
            script_file = files / f"step_{index}.sh"
            script_file.write_text(script, encoding="utf-8")
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                                  cwd=self.workspace, env=step_env, capture_output=True, text=True, timeout=timeout)
            record = StepRun(step_id, False, proc.returncode, proc.stdout, proc.stderr,
                             parse_output_file(paths["output"].read_text(encoding="utf-8")))
            summary_text.append(paths["summary"].read_text(encoding="utf-8"))
            steps[step_id] = record
            ran.append(record)
            if proc.returncode != 0 and not failed:
                failed, exit_code = True, proc.returncode
        outputs = {name: self._substitute(spec["value"], values, steps)
                   for name, spec in self.doc.get("outputs", {}).items()}
        return ActionRun(ran, outputs, "".join(summary_text), failed, exit_code)
