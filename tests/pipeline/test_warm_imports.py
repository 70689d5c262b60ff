"""What a warm pre-commit run imports: only what it uses. At 5,000 models every import is a share of the hook's
0.3 s budget, and these modules serve paths a warm hook run does not take (writing files, running scanners and
gpg, baselines, checking a policy parameter's default, which its schema mark already vouches for, parsing the
files it reads back)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import aima_gate
from tests.conftest import TODAY
from tests.reporters.test_reporters import FIXTURE

NOT_IMPORTED = ("subprocess", "secrets", "tempfile", "shutil", "fastjsonschema", "aima_gate.pipeline.baseline",
                "aima_gate.collectors.scans.running",
                # parsers of files the run reads back: Markdown cards and documents, fairness formats, gpg's driver
                "yaml", "aima_gate.safeio.markdown", "aima_gate.collectors.model_card_markdown",
                "aima_gate.collectors.bias_formats", "aima_gate.collectors.bias_protected", "aima_gate.integrity.gpg")
CODE = ("import sys\n"
        "from aima_gate.cli.main import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as done:\n"
        "    print(done.code, *sorted(m for m in sys.modules if m in sys.argv[1].split(',')), file=sys.stderr)\n")


def test_a_warm_hook_run_imports_no_writer_scanner_or_validator_modules(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / ".aima-gate.yml").write_text("version: 1\n", encoding="utf-8")  # the built-in pack: every kind
    # The gate under test, whichever folder the child starts in (a relative PYTHONPATH would not follow it).
    env = {**os.environ, "AIMA_GATE_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(Path(aima_gate.__file__).resolve().parents[1])}
    args = ["check", ".", "--format", "json", "--today", TODAY.isoformat()]
    card = next(p for p in sorted((root / "cards").iterdir()) if p.suffix == ".md")

    def run(*more: str) -> str:
        proc = subprocess.run([sys.executable, "-c", CODE.replace("sys.argv[1:]", "sys.argv[2:]"),
                               ",".join(NOT_IMPORTED), *args, *more], cwd=root, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        return proc.stderr.strip().splitlines()[-1]

    run()  # fills the cache and the schema marks
    card.write_text(card.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    run(str(card.relative_to(root)))  # the first run after the edit: the card parsed, a delta written
    code, *imported = run(str(card.relative_to(root))).split()
    assert code in ("0", "1", "2") and imported == []
