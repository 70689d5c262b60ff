"""``model_file``: serialized model artifacts, scanned for code that runs on load and checked for signatures.

Subjects are the files registry entries list under ``artifacts:`` and files matching the globs. Each is
recognized from its header (safetensors, GGUF, ONNX, zip/PyTorch, pickle, joblib, npy) and every pickle in it is
walked opcode by opcode, never loaded (:mod:`aima_gate.integrity.pickle_scan`). ``signature`` holds the combined
status of the signatures that cover the file (:mod:`aima_gate.integrity.coverage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.model import Artifact
from aima_gate.integrity.coverage import signature_for
from aima_gate.integrity.model_files import inspect_model_file


class ModelFileCollector(Collector):
    kind: ClassVar[str] = "model_file"
    default_paths: ClassVar[tuple[str, ...]] = (
        "**/*.{pkl,pickle,joblib,pt,pth,ckpt,safetensors,onnx,gguf,npy,npz,dill}",
    )
    description: ClassVar[str] = "Model artifacts: serialization format, unsafe pickle imports, signature status"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        data = inspect_model_file(ctx.repo, file)
        data["signature"] = signature_for(ctx.repo, ctx.settings, file)
        yield Artifact(kind=self.kind, name=file, file=file, data=data)
