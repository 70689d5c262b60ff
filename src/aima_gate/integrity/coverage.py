"""Which signatures cover a model file, and the one status that results.

A file is covered by (1) a detached OpenPGP signature next to it (``<file>.asc`` or ``<file>.sig``), (2) a signed
digest manifest (``SHA256SUMS`` in its folder or a parent folder, with ``SHA256SUMS.asc``/``.sig``) that lists it
with the file's actual digest, (3) an OpenSSF model-signing bundle (``model.sig`` JSON) in its folder or a parent
folder whose resources list it (a single-file bundle: whose signed digest is the file's). Rule: any
``bad_signature`` (content changed) wins; else any ``valid``; else the first failure; no covering signature at all
is ``missing_signature``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from aima_gate.integrity import gpg
from aima_gate.integrity.digests import MANIFEST_NAMES, parse_sums, sha256_file
from aima_gate.safeio.repo import Repo

BUNDLE_NAMES = ("model.sig", "model.sig.json")


def is_json_file(repo: Repo, rel: str) -> bool:
    with repo.open_binary(rel) as fh:
        return fh.read(256).lstrip()[:1] == b"{"


def detached_signatures(repo: Repo, rel: str) -> list[str]:
    return [s for s in (rel + ".asc", rel + ".sig") if repo.exists(s) and not is_json_file(repo, s)]


def _parents(rel: str) -> list[str]:
    out = []
    d = posixpath.dirname(rel)
    while True:
        out.append(d)
        if not d:
            return out
        d = posixpath.dirname(d)


def _join(d: str, name: str) -> str:
    return posixpath.join(d, name) if d else name


def covering_manifests(repo: Repo, rel: str) -> list[str]:
    return [_join(d, n) for d in _parents(rel) for n in MANIFEST_NAMES if repo.exists(_join(d, n))]


def covering_bundles(repo: Repo, rel: str) -> list[str]:
    return [_join(d, n) for d in _parents(rel) for n in BUNDLE_NAMES
            if repo.exists(_join(d, n)) and is_json_file(repo, _join(d, n))]


def missing(rel: str) -> dict[str, Any]:
    return gpg.make_result({"format": None, "signature_file": None, "signed_file": rel}, "missing_signature",
                       f"no signature covers {rel}: add {posixpath.basename(rel)}.asc (gpg --armor --detach-sign), "
                       "a signed SHA256SUMS or a model-signing bundle")


def signature_for(repo: Repo, settings: Mapping[str, Any], rel: str) -> dict[str, Any]:
    """The combined signature status of model file ``rel`` (raises AimaGateError for gpg/keyring errors)."""
    ver = gpg.verifier(repo, settings)
    results: list[dict[str, Any]] = [ver.verify(sig, rel) for sig in detached_signatures(repo, rel)]
    for manifest in covering_manifests(repo, rel):
        if manifest == rel:
            continue
        entries = {path: digest for digest, path, _ in parse_sums(repo, repo.read_text(manifest), manifest)}
        if rel not in entries:
            continue
        sigs = detached_signatures(repo, manifest)
        if not sigs:
            continue
        for sig in sigs:
            res = dict(ver.verify(sig, manifest))
            res["via"] = manifest
            if res["status"] == "valid" and sha256_file(repo, rel) != entries[rel]:
                res = gpg.make_result({k: res[k] for k in ("format", "signature_file", "signed_file", "via")},
                                  "bad_signature", f"{rel} does not match its digest in the signed manifest {manifest}"
                                  " (changed after signing)",
                                  **{k: res[k] for k in ("fingerprint", "primary_fingerprint", "key_id", "user_id",
                                                         "signed_at", "hash_algorithm")})
            results.append(res)
    for bundle in covering_bundles(repo, rel):
        from aima_gate.integrity.model_signing import bundle_status_for

        res_b = bundle_status_for(repo, settings, bundle, rel)
        if res_b is not None:
            results.append(res_b)
    return combine(results, rel)


def combine(results: list[dict[str, Any]], rel: str) -> dict[str, Any]:
    if not results:
        return missing(rel)
    for want in ("bad_signature", "valid"):
        for r in results:
            if r["status"] == want:
                return r
    return results[0]

