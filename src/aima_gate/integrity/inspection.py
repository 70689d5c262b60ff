"""The normalized ``model_file`` record: scans, imports with their allowlist verdicts, notes, and errors."""

from __future__ import annotations

from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.allowlist import ALLOWLISTED, DANGEROUS, UNREVIEWED, Allowlist
from aima_gate.integrity.pickle_reader import Import, ScanResult

MAX_IMPORTS_KEPT = 200
"""Passing imports listed per file (evidence size); failing ones are all listed up to MAX_FAILING_KEPT."""
MAX_FAILING_KEPT = 2000
LIMIT_HINT = ("aima-gate stops at fixed scan limits (decompressed size and ratio, opcodes, time) instead of running "
              "for ever; a model this large or this repetitive cannot be passed: re-export it as safetensors or ONNX, "
              "or exclude the file after review")
PICKLE_HINT = "a file that cannot be scanned is not a pass: re-export the model, ideally as safetensors or ONNX"


def import_row(imp: Import, member: str | None, verdict: str, reason: str, view: str | None) -> dict[str, Any]:
    where = f"byte {imp.position}" + (f" of {member}" if member else "")
    spelled = f" (spelled {imp.raw} in the file)" if imp.raw else ""
    seen = f" when read as {view}" if view else ""
    name = f"{imp.module}.{imp.name}"
    return {"import": name, "module": imp.module, "name": imp.name, "position": imp.position, "member": member,
            "opcode": imp.opcode, "verdict": verdict, "reason": reason, "view": view,
            "detail": f"{name}{spelled} imported by {imp.opcode} at {where}{seen}: {verdict}, {reason}"}


class Inspection:
    def __init__(self, file: str, size: int, allowlist: Allowlist) -> None:
        self.file = file
        self.allowlist = allowlist
        self.data: dict[str, Any] = {"file": file, "size": size, "format": None, "safe_format": False,
                                     "scanned": False, "compression": None, "pickles": [], "imports": [],
                                     "unsafe_imports": [], "unknown_imports": [], "allowlisted_imports": [],
                                     "notes": []}
        self._seen: set[tuple[str, str, str | None, int, str | None]] = set()

    def note(self, text: str) -> None:
        self.data["notes"].append(text)

    def error(self, message: str, *, member: str | None = None, limit: bool = False,
              hint: str | None = None) -> ArtifactError:
        where = f" (archive member {member})" if member else ""
        return ArtifactError(f"{message}{where}", file=self.file,
                             hint=hint or (LIMIT_HINT if limit else PICKLE_HINT))

    def add_scan(self, res: ScanResult, member: str | None, view: str | None = None) -> None:
        self.data["pickles"].append({"member": member, "protocol": res.protocol, "opcodes": res.opcodes,
                                     "pickles": res.pickles, "persistent_ids": res.persistent_ids,
                                     "skipped_array_bytes": res.skipped_array_bytes, "complete": res.complete,
                                     "view": view})
        data = self.data
        for imp in res.imports:
            key = (imp.module, imp.name, member, imp.position, imp.opcode)
            if key in self._seen:  # the joblib and pickle.load views agree up to the first array
                continue
            self._seen.add(key)
            decision = self.allowlist.decide(imp)
            row = import_row(imp, member, decision.verdict, decision.reason, view)
            if decision.verdict in (DANGEROUS, UNREVIEWED):
                if len(data["unsafe_imports"]) < MAX_FAILING_KEPT:
                    data["unsafe_imports"].append(row)
                if decision.verdict == UNREVIEWED and len(data["unknown_imports"]) < MAX_FAILING_KEPT:
                    data["unknown_imports"].append(row)
            elif decision.verdict == ALLOWLISTED and decision.entry is not None:
                row["owner"] = decision.entry.owner
                row["source"] = decision.entry.source
                data["allowlisted_imports"].append(row)
            if len(data["imports"]) < MAX_IMPORTS_KEPT:
                data["imports"].append(row)
