"""``model_file``: serialized model artifacts, scanned for code that runs on load and checked for signatures.

Subjects are the files registry entries list under ``artifacts:`` and files matching the globs. Each is
classified by what a loader would do with it (:mod:`aima_gate.integrity.model_files`) and every pickle any loader
could run is walked opcode by opcode, never loaded (:mod:`aima_gate.integrity.pickle_scan`); each import must be
on the allowlist (:mod:`aima_gate.integrity.allowlist`, extended by ``allow_imports:`` in this kind's config
section). ``signature`` holds the combined status of the signatures that cover the file
(:mod:`aima_gate.integrity.coverage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.model import Artifact
from aima_gate.safeio.globs import glob_filter


class ModelFileCollector(Collector):
    kind: ClassVar[str] = "model_file"
    default_paths: ClassVar[tuple[str, ...]] = (
        "**/*.{pkl,pickle,p,joblib,pt,pth,bin,ckpt,safetensors,onnx,gguf,npy,npz,dill,sav,jbl}",
        "**/*.{pkl,pickle,joblib,pt,pth,bin,ckpt,npy,dill,sav,tar}.{gz,bz2,xz,lzma,z}",
    )
    description: ClassVar[str] = "Model artifacts: serialization format, unreviewed pickle imports, signature status"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        # Imported here: a run with no model file to parse (a warm hook run reads them back) never needs them.
        from aima_gate.integrity.allowlist import Allowlist
        from aima_gate.integrity.coverage import signature_for
        from aima_gate.integrity.model_files import in_virtualenv, inspect_model_file

        # A file the globs did not select reached us as a registry reference: a pickle loader may open it.
        globs = ctx.options.get("paths") or self.default_paths
        referenced = not glob_filter([file], globs)
        if not referenced and in_virtualenv(ctx.repo, file):
            return  # installed packages (their .pth path files, vendored .bin data) are not this repo's models
        allowlist = Allowlist.from_config(ctx.options, "the config (artifacts.model_file.allow_imports)")
        data = inspect_model_file(ctx.repo, file, allowlist=allowlist, referenced=referenced)
        data["signature"] = signature_for(ctx.repo, ctx.settings, file)
        yield Artifact(kind=self.kind, name=file, file=file, data=data)

