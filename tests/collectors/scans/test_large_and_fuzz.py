"""A 50 MB scan report is read in bounded memory; no input crashes an adapter (hypothesis).

Reports up to the repository's file bound (10 MiB) are parsed whole; bigger ones are streamed (ijson) with
free-text fields dropped (collectors/scans/documents.py). The 50 MB report is generated in a temp dir and
checked by the gate in a fresh subprocess whose peak RSS is measured (``VmHWM`` in /proc/self/status): it must stay far
below what parsing the file whole takes (``json.load`` of it alone, before any normalizing, peaks at more than
twice the file size).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.collectors.scans import DETECTORS, ScanReport, normalize
from aima_gate.collectors.scans.documents import parse_text
from aima_gate.core.errors import AimaGateError
from tests.conftest import TODAY

PEAK_LIMIT_MB = 80
"""Measured: ~48 MB peak RSS (interpreter and imports ~21 MB); ``json.load`` of the same file alone peaks ~114 MB."""


def _write_big_trivy(path: Path, target_bytes: int) -> int:
    filler = "An attacker can do bad things. " * 700  # ~21 KB of description, as embedded advisory records are
    refs = [f"https://example.invalid/advisory/{i}" for i in range(12)]
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"SchemaVersion": 2, "CreatedAt": "2026-11-20T10:00:00Z", "ArtifactName": ".", '
                 '"ArtifactType": "filesystem", "Results": [{"Target": "requirements.txt", "Class": "lang-pkgs", '
                 '"Type": "pip", "Packages": [{"Name": "werkzeug", "Version": "0.11"}], "Vulnerabilities": [')
        while fh.tell() < target_bytes:
            vuln = {"VulnerabilityID": f"CVE-2026-{100000 + count}", "PkgName": "werkzeug",
                    "InstalledVersion": "0.11", "FixedVersion": "9.9.9", "Severity": "LOW",
                    "Description": filler, "References": refs,
                    "CVSS": {"nvd": {"V3Score": 3.1}}}
            fh.write(("," if count else "") + json.dumps(vuln))
            count += 1
        fh.write("]}]}\n")
    return count


@pytest.mark.slow
def test_50mb_report_in_bounded_memory(tmp_path: Path) -> None:
    report = tmp_path / "security" / "trivy-fs.json"
    report.parent.mkdir()
    count = _write_big_trivy(report, 50 * 1024 * 1024)
    assert report.stat().st_size >= 50 * 1024 * 1024
    probe = (
        "import json, resource, sys\n"
        "from aima_gate.pipeline.runner import RunOptions, run_check\n"
        "from aima_gate.core.clock import Clock\n"
        "import datetime\n"
        f"r = run_check(RunOptions(root=__import__('pathlib').Path({str(tmp_path)!r}), "
        f"clock=Clock.at(datetime.date.fromisoformat({TODAY.isoformat()!r})), "
        "only_policies=frozenset({'dependency_scan.fresh', 'vulnerability.none-at-or-above-severity'})))\n"
        "statuses = {}\n"
        "for f in r.findings: statuses[f.status.value] = statuses.get(f.status.value, 0) + 1\n"
        # VmHWM is this process image's peak RSS; ru_maxrss would also count the parent's size at fork time
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "peak = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'statuses': statuses, 'peak_kb': peak}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["statuses"].get("error", 0) == 0, out
    assert out["statuses"]["pass"] == count + 1  # every low vulnerability is below medium, and the scan is fresh
    print(f"50 MB report: {count} vulnerabilities, peak RSS {out['peak_kb'] / 1024:.0f} MB")
    assert out["peak_kb"] / 1024 < PEAK_LIMIT_MB, out


def test_report_over_the_scan_limit_is_refused(tmp_path: Path) -> None:
    from tests.collectors.scans.helpers import errors, run

    (tmp_path / ".aima-gate.yml").write_text("artifacts:\n  dependency_scan:\n    max_report_bytes: 1024\n"
                                             "limits:\n  max_file_bytes: 1024\n")
    report = tmp_path / "security" / "trivy-fs.json"
    report.parent.mkdir()
    _write_big_trivy(report, 4096)
    code, result = run(tmp_path, "dependency_scan.fresh")
    assert code == 2 and "over the 1,024-byte limit for scan reports" in json.dumps(errors(result))


def test_streamed_report_equals_whole_parse(tmp_path: Path) -> None:
    from aima_gate.collectors.scans.documents import read_document
    from aima_gate.safeio.repo import Repo

    report = tmp_path / "trivy.json"
    _write_big_trivy(report, 200_000)
    whole = normalize(read_document(Repo(tmp_path), "trivy.json"), "trivy.json")
    streamed_doc = read_document(Repo(tmp_path, max_bytes=1024), "trivy.json")
    assert streamed_doc.streamed
    streamed = normalize(streamed_doc, "trivy.json")
    assert [(v.id, v.severity, v.fixed_versions) for v in whole.vulns] == \
        [(v.id, v.severity, v.fixed_versions) for v in streamed.vulns]


# ------------------------------------------------------------------------------------------------ fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=40,
)
KEYS = ["report_meta", "vulnerabilities", "scanned_packages", "meta", "scan_results", "dependencies", "fixes",
        "SchemaVersion", "ArtifactName", "Results", "results", "reportSchema", "scanInfo", "projectInfo",
        "Vulnerabilities", "Packages", "source", "packages", "package", "vulns", "name", "version", "id"]
shaped = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "x", "CVE-1", "==1.0", "2026-01-01"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    max_leaves=60,
)


def _adapt(doc: Any) -> ScanReport | None:
    import importlib

    for module_name in DETECTORS.values():
        module = importlib.import_module(module_name)
        if module.detect(doc):
            try:
                return module.normalize(doc, "fuzz.json")  # type: ignore[no-any-return]
            except AimaGateError:
                return None
    return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, shaped))
def test_no_document_crashes_an_adapter(doc: Any) -> None:
    _adapt(doc)  # only AimaGateError may escape normalize(); anything else fails the test


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_no_text_crashes_the_reader(text: str) -> None:
    try:
        doc = parse_text(text, "fuzz.json")
        normalize(doc, "fuzz.json")
    except AimaGateError:
        pass


def test_detectors_are_disjoint_on_the_samples() -> None:
    import importlib

    from tests.collectors.scans.helpers import SCANS

    for path in sorted(SCANS.glob("**/*.json")) + sorted(SCANS.glob("**/*.md")):
        try:
            doc = parse_text(path.read_text(encoding="utf-8"), path.name).value
        except AimaGateError:
            continue
        hits = [n for n, m in DETECTORS.items() if importlib.import_module(m).detect(doc)]
        assert len(hits) <= 1, (path.name, hits)
