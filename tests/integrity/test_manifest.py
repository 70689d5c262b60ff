"""Digest manifests: SHA256SUMS files and registry digests, streamed, complete, errors with line numbers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import check_json, write

POLICY = ("--policy", "manifest.complete-and-matching")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_gnu_and_bsd_lines_pass(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.bin").write_bytes(b"a")
    (tmp_path / "m" / "b.bin").write_bytes(b"b")
    write(tmp_path, "m/SHA256SUMS", f"# made by sha256sum\n{_sha(b'a')}  a.bin\nSHA256 (b.bin) = {_sha(b'b')}\n")
    code, report = check_json(tmp_path, *POLICY)
    assert code == 0, report["findings"]


def test_mismatch_and_missing_and_unlisted_fail_with_lines(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.bin").write_bytes(b"changed")
    (tmp_path / "m" / "extra.bin").write_bytes(b"x")
    write(tmp_path, "m/SHA256SUMS", f"{_sha(b'a')} *a.bin\n{_sha(b'gone')}  gone.bin\n")
    code, report = check_json(tmp_path, *POLICY)
    assert code == 1
    evs = [e for f in report["findings"] for e in f["evidence"]]
    by = {e["actual"].split(" ")[0].rstrip(":"): e for e in evs}
    assert by["m/a.bin"]["line"] == 1 and "changed after" in by["m/a.bin"]["actual"]
    assert by["m/gone.bin"]["line"] == 2
    assert "not in the manifest" in by["m/extra.bin"]["actual"]


def test_bad_manifest_line_is_exit_2_with_line(tmp_path: Path) -> None:
    write(tmp_path, "m/a.bin", "a")
    write(tmp_path, "m/SHA256SUMS", f"{_sha(b'a')}  a.bin\nnot a digest line\n")
    code, report = check_json(tmp_path, *POLICY)
    assert code == 2
    assert any(e["file"] == "m/SHA256SUMS" and e["line"] == 2 for f in report["findings"] for e in f["evidence"])


def test_manifest_path_escaping_the_repo_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "m/SHA256SUMS", f"{_sha(b'a')}  ../../etc/passwd\n")
    code, _ = check_json(tmp_path, *POLICY)
    assert code == 2


def _registry(tmp_path: Path, digest: str) -> None:
    write(tmp_path, "models/scorer/model.safetensors", "weights")
    write(tmp_path, "registry/models.yml", f"""models:
  - name: scorer
    version: "1.0"
    digests:
      ../models/scorer/model.safetensors: sha256:{digest}
""")


def test_registry_digests_pass_and_fail(tmp_path: Path) -> None:
    _registry(tmp_path, _sha(b"weights"))
    code, report = check_json(tmp_path, *POLICY)
    assert code == 0, report["findings"]
    _registry(tmp_path, _sha(b"other"))
    code, report = check_json(tmp_path, *POLICY)
    assert code == 1
    (ev,) = [e for f in report["findings"] for e in f["evidence"]]
    assert ev["file"] == "registry/models.yml" and ev["line"] == 5
