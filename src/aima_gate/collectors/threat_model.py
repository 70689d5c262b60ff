"""``threat_model``: a structured threat model per model or system (YAML or JSON).

STRIDE applied to AI (spoofing: model impersonation; tampering: data poisoning; repudiation: missing audit trail;
information disclosure: model inversion/extraction; denial of service: resource exhaustion; elevation of
privilege: jailbreaks), each category with threats, their mitigations and owners; for LLM systems every OWASP
Top 10 for LLM Applications 2025 entry assessed (applicable or not, with a reason)::

    system: support-assistant
    models: [support-assistant]
    owner: genai-platform@shop.example
    llm: true
    last_reviewed: 2026-10-01
    stride:
      tampering:
        - id: T1
          threat: Poisoned support transcripts skew answers
          mitigations:
            - control: Transcript ingestion validated with Great Expectations
              owner: data-platform@shop.example
              evidence: ../validation/transcripts.json     # repo path (checked) or URL
    owasp_llm:
      LLM01: {applicable: true, reason: "...", mitigations: [...]}
      LLM06: {applicable: false, reason: "the assistant calls no tools"}

Normalized (schemas/threat-model.schema.json): all six STRIDE categories are present under ``stride`` (empty
when the file has none), ``threats`` and ``mitigations`` are flat lists, and ``owasp_llm`` holds all ten ids
(``assessed: false`` for ids the file does not mention). An unknown STRIDE category or LLM id is an error
naming the file and line; evidence paths are checked like any reference (a missing file exits 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.safeio.loaders import load_structured

STRIDE: dict[str, str] = {
    "spoofing": "model impersonation, forged identities of callers or models",
    "tampering": "data or model poisoning, modified artifacts",
    "repudiation": "missing audit trail of predictions, prompts and changes",
    "information_disclosure": "model inversion, membership inference, extraction, prompt leakage",
    "denial_of_service": "resource exhaustion, unbounded consumption",
    "elevation_of_privilege": "jailbreaks, excessive agency, guardrail bypass",
}
OWASP_LLM_2025: dict[str, str] = {
    "LLM01:2025": "Prompt Injection", "LLM02:2025": "Sensitive Information Disclosure",
    "LLM03:2025": "Supply Chain", "LLM04:2025": "Data and Model Poisoning", "LLM05:2025": "Improper Output Handling",
    "LLM06:2025": "Excessive Agency", "LLM07:2025": "System Prompt Leakage",
    "LLM08:2025": "Vector and Embedding Weaknesses", "LLM09:2025": "Misinformation",
    "LLM10:2025": "Unbounded Consumption",
}
_LLM_ID = re.compile(r"^LLM(0[1-9]|10)(:2025)?$", re.I)


def _category(key: str) -> str:
    return re.sub(r"[\s-]+", "_", key.strip().lower())


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Parser:
    def __init__(self, ctx: CollectContext, file: str, lines: LineIndex) -> None:
        self.ctx, self.file, self.lines = ctx, file, lines
        self.line_map: dict[str, int] = {}
        self.refs: list[tuple[str, str, str]] = []

    def error(self, message: str, pointer: str, hint: str | None = None) -> ArtifactError:
        return ArtifactError(message, file=self.file, line=self.lines.line_of(pointer), pointer=pointer, hint=hint)

    def mitigation(self, raw: Any, src: str, out_ptr: str) -> dict[str, Any]:
        if isinstance(raw, str):
            raw = {"control": raw}
        if not isinstance(raw, Mapping):
            raise self.error("a mitigation must be a text or a mapping {control, owner, evidence}", src)
        evidence = [str(e) for e in _list(raw.get("evidence"))]
        for i, ref in enumerate(evidence):
            if "://" not in ref:
                path = self.ctx.repo.resolve_reference(ref, base_file=self.file,
                                                       line=self.lines.line_of(f"{src}/evidence"))
                self.refs.append(("evidence", path, f"{out_ptr}/evidence/{i}"))
        self.line_map[out_ptr] = self.lines.line_of(src) or 1
        for key in ("owner", "evidence", "control"):
            if key in raw:
                self.line_map[f"{out_ptr}/{key}"] = self.lines.line_of(f"{src}/{key}") or 1
        return {"control": raw.get("control", raw.get("description")), "owner": raw.get("owner"),
                "status": raw.get("status"), "evidence": evidence}

    def stride(self, doc: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        raw = doc.get("stride") or {}
        if not isinstance(raw, Mapping):
            raise self.error("stride must map STRIDE categories to threats", "/stride")
        out: dict[str, Any] = {c: {"threats": []} for c in STRIDE}
        threats: list[dict[str, Any]] = []
        mitigations: list[dict[str, Any]] = []
        for key, body in raw.items():
            cat = _category(str(key))
            src_cat = f"/stride/{key}"
            if cat not in STRIDE:
                raise self.error(f"unknown STRIDE category {key!r}", src_cat,
                                 hint=f"categories: {', '.join(STRIDE)}")
            items = body.get("threats") if isinstance(body, Mapping) else body
            src_list = f"{src_cat}/threats" if isinstance(body, Mapping) else src_cat
            self.line_map[f"/stride/{cat}"] = self.lines.line_of(src_cat) or 1
            for i, threat in enumerate(_list(items)):
                src = f"{src_list}/{i}"
                if isinstance(threat, str):
                    threat = {"threat": threat}
                if not isinstance(threat, Mapping):
                    raise self.error("a threat must be a mapping {id, threat, mitigations}", src)
                t_index = len(threats)
                mits = []
                for j, m in enumerate(_list(threat.get("mitigations"))):
                    mits.append(self.mitigation(m, f"{src}/mitigations/{j}", f"/threats/{t_index}/mitigations/{j}"))
                    flat = {**mits[-1], "category": cat, "threat": threat.get("id")}
                    self.line_map[f"/mitigations/{len(mitigations)}"] = \
                        self.lines.line_of(f"{src}/mitigations/{j}") or 1
                    mitigations.append(flat)
                item = {"id": threat.get("id"), "category": cat,
                        "title": threat.get("threat", threat.get("title", threat.get("description"))),
                        "owner": threat.get("owner"), "mitigations": mits}
                self.line_map[f"/threats/{t_index}"] = self.lines.line_of(src) or 1
                out[cat]["threats"].append(item)
                threats.append(item)
        return out, threats, mitigations

    def owasp(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        raw = doc.get("owasp_llm") or {}
        if isinstance(raw, list):  # [{id: LLM01, applicable, reason}]
            raw = {str(item.get("id")): item for item in raw if isinstance(item, Mapping)}
        if not isinstance(raw, Mapping):
            raise self.error("owasp_llm must map LLM01..LLM10 to {applicable, reason}", "/owasp_llm")
        out: dict[str, dict[str, Any]] = {
            k: {"title": v, "assessed": False, "applicable": None, "reason": None, "mitigations": []}
            for k, v in OWASP_LLM_2025.items()}
        for key, body in raw.items():
            src = f"/owasp_llm/{key}"
            if not _LLM_ID.match(str(key)):
                raise self.error(f"unknown OWASP Top 10 for LLM 2025 id {key!r}", src,
                                 hint="ids are LLM01 .. LLM10 (optionally with ':2025')")
            ident = str(key).upper()[:5] + ":2025"
            body = body if isinstance(body, Mapping) else {"applicable": body}
            mits = [self.mitigation(m, f"{src}/mitigations/{j}", f"/owasp_llm/{ident}/mitigations/{j}")
                    for j, m in enumerate(_list(body.get("mitigations")))]
            applicable = body.get("applicable")
            out[ident].update({"assessed": isinstance(applicable, bool), "applicable": applicable,
                               "reason": body.get("reason"), "mitigations": mits})
            self.line_map[f"/owasp_llm/{ident}"] = self.lines.line_of(src) or 1
            for field in ("applicable", "reason"):
                if field in body:
                    self.line_map[f"/owasp_llm/{ident}/{field}"] = self.lines.line_of(f"{src}/{field}") or 1
        return out


class ThreatModelCollector(Collector):
    kind: ClassVar[str] = "threat_model"
    default_paths: ClassVar[tuple[str, ...]] = ("**/threat-model*.{yml,yaml,json}", "**/threat_model*.{yml,yaml,json}",
                                                "**/threat-models/*.{yml,yaml,json}")
    description: ClassVar[str] = "Threat models: STRIDE for AI per model or system, OWASP LLM Top 10 2025 assessment"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        doc, lines = load_structured(ctx.repo.read_text(file), file)
        if isinstance(doc, Mapping) and isinstance(doc.get("threat_model"), Mapping):
            doc, lines = doc["threat_model"], lines.under("/threat_model")
        if not isinstance(doc, Mapping):
            raise ArtifactError("a threat model must be a mapping (system, models, stride, owasp_llm)", file=file,
                                line=1)
        p = _Parser(ctx, file, lines)
        stride, threats, mitigations = p.stride(doc)
        models = [str(m) for m in _list(doc.get("models", doc.get("covers", doc.get("model"))))]
        name = str(doc.get("system") or doc.get("name") or (models[0] if models else file))
        llm = doc.get("llm", doc.get("type") in ("llm", "genai"))
        data = {
            "name": name, "models": models, "owner": doc.get("owner"), "version": doc.get("version"),
            "last_reviewed": doc.get("last_reviewed"), "llm": bool(llm),
            "stride": stride, "threats": threats, "mitigations": mitigations,
            "owasp_llm": p.owasp(doc) if llm or "owasp_llm" in doc else {},
        }
        for key in ("system", "models", "owner", "llm", "last_reviewed", "stride", "owasp_llm"):
            line = lines.line_of(f"/{key}")
            if line is not None and key in doc:
                p.line_map["/name" if key == "system" else f"/{key}"] = line
        yield Artifact(kind=self.kind, name=name, file=file, data=data, line=lines.line_of("") or 1,
                       lines=LineIndex(p.line_map), references=tuple(p.refs))
