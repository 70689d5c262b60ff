"""``signature``: detached OpenPGP signatures (``.asc``/``.sig``) and OpenSSF model-signing bundles.

A detached signature ``<file>.asc``/``<file>.sig`` signs ``<file>``; a model-signing bundle (JSON) signs the files
of its folder that it lists or, as a single-file bundle (one resource named ``.``), the one file holding its digest
(:mod:`aima_gate.integrity.model_signing_files`). OpenPGP signatures are verified by the real ``gpg`` in an isolated
temporary home against ``signing.keyring`` and ``signing.allowed_fingerprints`` (see
:mod:`aima_gate.integrity.gpg`). Armored public keys (the pinned keyring itself) are not signatures and are not
subjects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact


class SignatureCollector(Collector):
    kind: ClassVar[str] = "signature"
    default_paths: ClassVar[tuple[str, ...]] = ("**/*.asc", "**/*.sig", "**/model.sig.json")
    description: ClassVar[str] = "Detached GPG signatures and OpenSSF model-signing bundles over model artifacts"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        # Imported here: a run with no signature to parse (a warm hook run reads them back) never needs them.
        from aima_gate.integrity import gpg
        from aima_gate.integrity.coverage import is_json_file

        signing = ctx.settings.get("signing") or {}
        if file == signing.get("keyring") or file in (signing.get("model_signing_keys") or ()):
            return
        if is_json_file(ctx.repo, file):
            from aima_gate.integrity.model_signing import inspect_bundle

            data = inspect_bundle(ctx.repo, ctx.settings, file)
        else:
            with ctx.repo.open_binary(file) as fh:
                head = fh.read(64)
            if head.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK"):
                return  # a public key, not a signature
            target = file.rsplit(".", 1)[0]
            if not ctx.repo.exists(target):
                raise ArtifactError(
                    f"cannot tell which file {file} signs: {target} does not exist", file=file,
                    hint="name a detached signature after the file it signs (model.safetensors.asc signs "
                         "model.safetensors), in the same folder")
            data = gpg.verifier(ctx.repo, ctx.settings).verify(file, target)
        yield Artifact(kind=self.kind, name=file, file=file, data=data)
