"""Collectors turn repository files (and external sources) into :class:`~aima_gate.core.model.Artifact` subjects.

One module per artifact kind, registered in the plain dict :data:`COLLECTORS` (kind -> "module:Class"), and
imported only when a loaded policy needs that kind, so heavy dependencies (mlflow, gnupg) load only when used.
To add a kind: write ``collectors/<kind>.py`` with a :class:`Collector` subclass, add one line here, document
its normalized shape in ``schemas/``, and add policies under ``policies/<kind>/``.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo

COLLECTORS: dict[str, str] = {
    "model": "aima_gate.collectors.model_registry:ModelRegistryCollector",
    "model_card": "aima_gate.collectors.model_card:ModelCardCollector",
    "signature": "aima_gate.collectors.signature:SignatureCollector",
    "model_file": "aima_gate.collectors.model_file:ModelFileCollector",
    "manifest": "aima_gate.collectors.manifest:ManifestCollector",
    "dependency_scan": "aima_gate.collectors.dependency_scan:DependencyScanCollector",
    "vulnerability": "aima_gate.collectors.vulnerability:VulnerabilityCollector",
    "sast_report": "aima_gate.collectors.sast:SastReportCollector",
    "sast_issue": "aima_gate.collectors.sast:SastIssueCollector",
    "document": "aima_gate.collectors.document:DocumentCollector",
    "threat_model": "aima_gate.collectors.threat_model:ThreatModelCollector",
    "drift_report": "aima_gate.collectors.drift_report:DriftReportCollector",
    "data_validation": "aima_gate.collectors.data_validation:DataValidationCollector",
    "robustness_report": "aima_gate.collectors.robustness_report:RobustnessReportCollector",
    "attestation": "aima_gate.collectors.attestation:AttestationCollector",
    "bias_report": "aima_gate.collectors.bias_report:BiasReportCollector",
    "explainability_report": "aima_gate.collectors.explainability_report:ExplainabilityReportCollector",
    "mlflow_model": "aima_gate.collectors.mlflow_model:MlflowModelCollector",
}


@dataclass(frozen=True)
class CollectContext:
    repo: Repo
    options: Mapping[str, Any]
    """This kind's section of ``artifacts:`` in the config (``paths`` plus kind-specific options)."""
    settings: Mapping[str, Any]
    """The whole validated config document (integrations such as ``mlflow:`` or ``signing:`` live here)."""
    clock: Clock
    """The run's evaluation date and evidence timestamps (the only clock a collector may read)."""
    cli: Mapping[str, Any] = field(default_factory=dict)
    """Options given on the command line that a collector may honour (e.g. ``mlflow_uri``)."""
    parsed: Mapping[tuple[str, str], Sequence[Any]] = field(default_factory=dict)
    """What this run already parsed, by (kind, file), as :func:`parse_file` returned it; given to
    ``collect_external`` so a kind derived from another kind's files (registry digests) need not parse them again."""


Result = Artifact | AimaGateError


class Collector(abc.ABC):
    kind: ClassVar[str]
    default_paths: ClassVar[tuple[str, ...]]
    """Glob patterns used when the config does not set ``artifacts.<kind>.paths``."""
    description: ClassVar[str]

    @abc.abstractmethod
    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        """Parse one repo file into artifacts. Yield (or raise) AimaGateError for what cannot be read."""

    def collect_external(self, ctx: CollectContext) -> Iterable[Result]:
        """Subjects from outside the repository files (e.g. an MLflow registry). None by default."""
        return ()

    def warm(self) -> None:
        """Set up now what this kind's first parse would (its lazy imports, compiled validators and patterns),
        reading no file: the runner calls it while the walk is made aside (pipeline/globs_aside.py), so that
        parsing starts sooner and the parse workers inherit the set-up. It changes no result. Nothing by
        default."""
        return None


def kinds() -> frozenset[str]:
    return frozenset(COLLECTORS)


def load_collector(kind: str) -> Collector:
    module_name, _, cls_name = COLLECTORS[kind].partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    collector: Collector = cls()
    return collector


STRUCTURE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError, ArithmeticError, RecursionError)
"""What a parser raises when an untrusted document has an unexpected shape (a list where an object belongs...)."""


def parse_file(collector: Collector, ctx: CollectContext, file: str) -> list[Result]:
    """Parse one repository file; the only outcomes are artifacts and input errors naming the file.

    The file is hostile input: a parser meeting a shape it did not expect (a wrong type, a missing key) has met a
    malformed file, which must be exit 2 naming that file, never an internal error (exit 3) that names nothing.
    The exception's type stays in the message so a parser bug on a valid file can still be diagnosed.
    """
    try:
        return list(collector.parse(ctx, file))
    except AimaGateError as exc:
        return [exc]
    except STRUCTURE_ERRORS as exc:
        from aima_gate.core.errors import InputError

        detail = str(exc).encode("utf-8", "backslashreplace").decode("utf-8")[:200]
        return [InputError(f"cannot read this file as a {collector.kind}: unexpected structure "
                           f"({type(exc).__name__}: {detail})", file=file,
                           hint=f"check the file against docs/artifacts.md#{collector.kind}; if it is valid, "
                                "report this as a bug in aima-gate")]
