"""``manifest``: SHA-256 digest manifests (``SHA256SUMS``-style files, or ``digests:`` in a registry entry).

Every listed file's digest is computed by streaming and compared; listed files that are missing and files in the
model folder that the manifest does not list are problems. ``signature`` is the status of the manifest's own
detached signature (``SHA256SUMS.asc``/``.sig``; for registry digests, the registry file's ``.asc``/``.sig``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.integrity.digests import HEX64, MANIFEST_NAMES, parse_sums, sha256_file
from aima_gate.safeio.repo import Repo


def _ignored(repo: Repo, rel: str, manifest: str) -> bool:
    """The manifest itself, other manifests, bundles and detached signatures of existing files are metadata."""
    from aima_gate.integrity.coverage import BUNDLE_NAMES  # (lazy, as in check)

    base = posixpath.basename(rel)
    if rel == manifest or base in MANIFEST_NAMES or base in BUNDLE_NAMES:
        return True
    return rel.endswith((".asc", ".sig")) and repo.exists(rel.rsplit(".", 1)[0])


def check(repo: Repo, settings: Mapping[str, Any], manifest: str, entries: list[tuple[str, str, int]],
          directory: str | None) -> tuple[dict[str, Any], LineIndex]:
    # Imported here: a run with no manifest to check (a warm hook run reads them back) never needs gpg's driver.
    from aima_gate.integrity import gpg
    from aima_gate.integrity.coverage import combine, detached_signatures

    rows: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    lines: dict[str, int] = {}
    for digest, path, line in entries:
        if not repo.exists(path):
            rows.append({"path": path, "expected": digest, "actual": None, "status": "missing"})
            problems.append({"path": path, "problem": "missing", "line": line,
                             "detail": f"{path} is listed but does not exist"})
        else:
            actual = sha256_file(repo, path)
            ok = actual == digest
            rows.append({"path": path, "expected": digest, "actual": actual, "status": "match" if ok else "mismatch"})
            if not ok:
                problems.append({"path": path, "problem": "mismatch", "line": line,
                                 "detail": f"{path}: sha256 {actual}, manifest says {digest} (changed after the "
                                           "manifest was written)"})
        lines[f"/entries/{len(rows) - 1}"] = line
    listed = {p for _, p, _ in entries}
    unlisted: list[str] | None = None
    if directory is None:
        problems.append({"path": None, "problem": "no_folder", "line": entries[0][2],
                         "detail": "the listed files share no model folder of their own, so files the digests do not "
                                   "list cannot be found; keep each model's files in their own folder"})
    else:
        prefix = directory + "/" if directory else ""
        unlisted = [f for f in repo.files() if f.startswith(prefix) and f not in listed
                    and not _ignored(repo, f, manifest)]
        problems.extend({"path": f, "problem": "unlisted", "line": 1,
                         "detail": f"{f} is in the model folder but not in the manifest"} for f in unlisted)
    for i, p in enumerate(problems):
        lines[f"/problems/{i}"] = p["line"]
    ver = gpg.verifier(repo, settings)
    sigs = detached_signatures(repo, manifest)
    signature = combine([ver.verify(s, manifest) for s in sigs], manifest)
    data = {"file": manifest, "directory": directory, "entries": rows, "problems": problems, "unlisted": unlisted,
            "matching": all(r["status"] == "match" for r in rows), "complete": unlisted == [],
            "signature": signature}
    return data, LineIndex(lines)


class ManifestCollector(Collector):
    kind: ClassVar[str] = "manifest"
    default_paths: ClassVar[tuple[str, ...]] = tuple(f"**/{n}" for n in MANIFEST_NAMES)
    description: ClassVar[str] = "SHA-256 digest manifests (SHA256SUMS files, registry digests)"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        entries = parse_sums(ctx.repo, ctx.repo.read_text(file), file)
        data, lines = check(ctx.repo, ctx.settings, file, entries, posixpath.dirname(file))
        yield Artifact(kind=self.kind, name=file, file=file, data={"source": "file", "model": None, **data},
                       lines=lines)

    def collect_external(self, ctx: CollectContext) -> Iterable[Result]:
        """Registry entries with ``digests: {path: sha256}`` (paths relative to the registry file)."""
        from aima_gate.collectors.model_registry import ModelRegistryCollector

        reg = ModelRegistryCollector()
        options = (ctx.settings.get("artifacts") or {}).get("model") or {}
        reg_ctx = CollectContext(ctx.repo, options, ctx.settings, ctx.clock, ctx.cli)
        for file in ctx.repo.glob(options.get("paths") or reg.default_paths):
            done = ctx.parsed.get((reg.kind, file))  # the model collector parsed it already this run (same options)
            if done is not None:
                arts = [a for a in done if isinstance(a, Artifact)]
            else:
                try:
                    arts = [a for a in reg.parse(reg_ctx, file) if isinstance(a, Artifact)]
                except AimaGateError:
                    continue  # the model collector reports unreadable registry files
            for art in arts:
                digests = art.data.get("digests")
                if not isinstance(digests, dict) or not digests:
                    continue
                try:
                    yield self._from_registry(ctx, art, digests)
                except AimaGateError as exc:
                    yield exc

    def _from_registry(self, ctx: CollectContext, art: Artifact, digests: Mapping[str, Any]) -> Artifact:
        entries = []
        for ref, value in digests.items():
            line = art.line_of("/digests/" + ref.replace("~", "~0").replace("/", "~1"))
            m = HEX64.match(str(value))
            if m is None:
                raise ArtifactError(f"digest of {ref} is not a SHA-256 hex digest", file=art.file, line=line)
            entries.append((m.group(1).lower(), ctx.repo.resolve_reference(ref, base_file=art.file, line=line), line))
        common = posixpath.commonpath([p for _, p, _ in entries]) if len(entries) > 1 else \
            posixpath.dirname(entries[0][1])
        directory = common if common and common != posixpath.dirname(art.file) and \
            not ctx.repo.exists(common) else None
        data, lines = check(ctx.repo, ctx.settings, art.file, entries, directory)
        model = {"name": art.data.get("name"), "version": art.data.get("version")}
        return Artifact(kind=self.kind, name=f"{art.name} digests", file=art.file,
                        data={"source": "registry", "model": model, **data}, line=art.line_of("/digests"),
                        lines=lines)
