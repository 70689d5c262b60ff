"""Which repository files an OpenSSF model-signing bundle signs, and whether they still hold the signed bytes.

``model_signing`` names each resource by its path relative to the MODEL PATH it was given, and its verifier is
given that path again (``model_signing verify ... MODEL_PATH``); the bundle never records where the model was:

- a FOLDER signature lists every file of the folder by its relative path. aima-gate reads the folder of the
  bundle as the signed folder (where ``model_signing sign`` writes ``model.sig`` by default);
- a SINGLE-FILE signature (``model_signing sign ... weights.bin``) has exactly one resource, named ``"."`` (the
  model path itself), whose digest is that file's SHA-256; the statement's subject name is the file's name when
  it was signed, which the verifier never checks (a renamed copy verifies). A folder is never serialized as
  ``"."``, so a ``"."`` beside other resources can match no model path and stays a missing file.

A single-file signature is tied to a repository file only by its bytes, or by its signed name beside the
bundle: see :func:`single_file_row`.
"""

from __future__ import annotations

import posixpath
from typing import Any

from aima_gate.integrity.digests import sha256_file
from aima_gate.safeio.repo import Repo

DEFAULT_IGNORED = (".git", ".gitattributes", ".github", ".gitignore")
"""What ``model_signing`` leaves out of a signed folder by default."""


def is_single_file(resources: list[tuple[str, str]]) -> bool:
    """Whether the bundle signs one file (``model_signing sign ... FILE``): its only resource is ``"."``."""
    return len(resources) == 1 and resources[0][0] == "."


def _ignored(path: str, base_dir: str, ignore: list[str]) -> bool:
    """Whether ``path`` is left out of the signed folder: by the bundle's ``ignore_paths`` (relative to the folder)
    or by model-signing's own defaults (git metadata), as ``model_signing`` itself leaves them out."""
    inner = path[len(base_dir) + 1:] if base_dir else path
    for pattern in (*ignore, *DEFAULT_IGNORED):
        pattern = posixpath.normpath(pattern).strip("/")
        if inner == pattern or inner.startswith(pattern + "/"):
            return True
    return False


def folder_rows(repo: Repo, bundle: str, resources: list[tuple[str, str]],
                ignore: list[str]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(resource rows, what changed, unlisted files) of a folder bundle: its folder is the signed folder."""
    base_dir = posixpath.dirname(bundle)
    rows: list[dict[str, Any]] = []
    changed: list[str] = []
    for name, digest in resources:
        path = posixpath.normpath(posixpath.join(base_dir, name)) if name != "." else None
        if path is None or path == ".." or path.startswith(("../", "/")) or not repo.exists(path):
            rows.append({"name": name, "path": path, "expected": digest, "actual": None, "status": "missing"})
            changed.append(f"{name} is missing")
            continue
        actual = sha256_file(repo, path)
        ok = actual == digest
        rows.append({"name": name, "path": path, "expected": digest, "actual": actual,
                     "status": "match" if ok else "mismatch"})
        if not ok:
            changed.append(f"{path} changed after signing")
    listed = {r["path"] for r in rows if r["path"]}
    prefix = base_dir + "/" if base_dir else ""
    # Files of the signed folder that the bundle does not list fail it, as an incomplete SHA256SUMS fails: a loader
    # reads the whole folder (configs, tokenizers, extra weights), so an unsigned file beside the model is an
    # unsigned model. Only the bundle's own ignore list and model-signing's defaults are honoured.
    unlisted = [f for f in repo.files() if f.startswith(prefix) and f not in listed and f != bundle
                and not _ignored(f, base_dir, ignore)]
    return rows, changed, unlisted


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def single_file_row(repo: Repo, bundle: str, digest: str, name: str, signed: str | None = None) -> dict[str, Any]:
    """The row of a single-file bundle's resource ``"."``: which repository file holds the signed bytes.

    With ``signed`` (a model file the caller ties to the bundle) that file is compared. Otherwise, when a file
    named ``name`` (the signed subject name) sits beside the bundle, it is the signed file: ``match`` if it holds
    the signed bytes, else ``mismatch`` (changed after signing), whatever copies exist elsewhere (fail closed: a
    loader reads that file). Without one, the first file whose SHA-256 equals ``digest`` among the files of the
    bundle's folder and the files named ``name`` anywhere (``match``: these are the signed bytes, whatever the
    name). Else ``not_found``: the signed file is not in the repository, which is neither a pass nor evidence of
    tampering. A name alone never makes a ``match``.
    """
    row: dict[str, Any] = {"name": ".", "path": signed, "expected": digest, "actual": None, "status": "not_found"}
    if signed is not None:
        row["actual"] = sha256_file(repo, signed)
        row["status"] = "match" if row["actual"] == digest else "mismatch"
        return row
    base_dir = posixpath.dirname(bundle)
    named = posixpath.join(base_dir, name) if _plain_name(name) else None
    if named is not None and repo.exists(named):
        actual = sha256_file(repo, named)
        return {**row, "path": named, "actual": actual, "status": "match" if actual == digest else "mismatch"}
    files = repo.files()
    pool = dict.fromkeys([*(f for f in files if posixpath.dirname(f) == base_dir and f != bundle),
                          *(f for f in files if _plain_name(name) and posixpath.basename(f) == name)])
    for path in pool:
        if sha256_file(repo, path) == digest:
            return {**row, "path": path, "actual": digest, "status": "match"}
    return row


def signed_file_missing(rel: str, digest: str, name: str, status: str, detail: str, how: str,
                         claim: str) -> tuple[str, str]:
    """The status of a single-file bundle whose signed file is in no repository file: ``signed_file_missing`` (not
    a pass: nothing here is covered; not tampering: no signed file was seen changed) unless the signature itself
    already failed, whose status stays, with the absent file added to its detail."""
    folder = posixpath.dirname(rel) + "/" if posixpath.dirname(rel) else "the repository root"
    absent = (f"the file this single-file bundle signs ({f'signed as {name}, ' if name else ''}SHA-256 {digest}) is "
              f"not in the repository: no file in {folder}{f' and no file named {name}' if name else ''} holds "
              "those bytes, so the bundle covers nothing here and no model can be checked against it")
    if status not in ("valid", "unverifiable_offline"):
        return status, f"{detail}; and {absent}"
    sig = "its signature verifies with a pinned key" if status == "valid" else f"{claim}, NOT verified offline"
    return "signed_file_missing", (f"{absent}; {sig}. This is not evidence of tampering, and not a pass: commit the "
                                   f"signed file beside {rel} and verify it with {how}, or remove the bundle")
