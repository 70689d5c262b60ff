"""Closed vocabularies of the model fields that select policies (``stage``, ``risk_tier``, ``aliases``, booleans).

Policies select subjects by exact value (``stage equals production``, ``risk_tier one_of [high, critical]``), so
a spelling the policy does not expect (``Production``, ``prod``, ``"production "``, ``High``) would silently
make the model "not production" and switch those policies off. The rule: every enumerated field is normalised
once, here, at the collector boundary (case folded, surrounding whitespace removed, documented aliases mapped
to one canonical value), and a value outside the vocabulary is an error at its line, never a quiet
non-match. Both sources of ``model`` subjects (registry files and MLflow) go through :func:`normalize_entry`.
Vocabularies and aliases are documented in docs/artifacts.md#closed-vocabularies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aima_gate.core.errors import ArtifactError


@dataclass(frozen=True)
class Vocabulary:
    name: str
    values: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def canonical(self, value: str) -> str | None:
        """The canonical spelling of ``value``, or None when it is not in the vocabulary."""
        key = " ".join(value.split()).casefold()
        if key in self.values:
            return key
        target = self.aliases.get(key)
        return target if target in self.values else None


STAGES = Vocabulary(
    "stage",
    ("development", "staging", "production", "archived", "none"),
    # MLflow's stage names lower-cased are already canonical ("None" is MLflow's "no stage").
    {"dev": "development", "develop": "development", "stg": "staging", "stage": "staging",
     "prod": "production", "prd": "production", "live": "production", "archive": "archived"},
)
DEFAULT_RISK_TIERS = ("low", "medium", "high", "critical")
TRUE_WORDS = frozenset({"true", "yes", "on"})
FALSE_WORDS = frozenset({"false", "no", "off"})
BOOLEAN_FIELDS = ("personal_data",)
"""Fields policies compare with ``equals: true``: a string "Yes" must not read as "not true"."""


def risk_tiers(settings: Mapping[str, Any]) -> Vocabulary:
    """The allowed tiers: the config's ``parameters.risk_tiers`` (the owner-and-risk-tier policy's list), else
    low, medium, high, critical. ``moderate`` is an alias of ``medium`` when medium is allowed."""
    params = settings.get("parameters") if isinstance(settings, Mapping) else None
    configured = params.get("risk_tiers") if isinstance(params, Mapping) else None
    if isinstance(configured, list) and configured and all(isinstance(t, str) for t in configured):
        values = tuple(" ".join(t.split()).casefold() for t in configured)
    else:
        values = DEFAULT_RISK_TIERS
    return Vocabulary("risk_tier", values, {"moderate": "medium", "med": "medium"})


def _error(name: str, file: str, line: int | None, pointer: str, found: Any, expected: str,
           hint: str) -> ArtifactError:
    return ArtifactError(f"{name} {found!r} is not one of the known values (expected {expected}); policies that "
                         f"select on {name} cannot tell whether they apply", file=file, line=line, pointer=pointer,
                         hint=hint)


def normalize_entry(entry: Mapping[str, Any], settings: Mapping[str, Any], *, file: str,
                    line_of: Any, prefix: str = "") -> tuple[dict[str, Any], list[ArtifactError]]:
    """``entry`` with its enumerated fields in canonical form, and one error per value outside a vocabulary.

    An unknown value is kept as written (so evidence shows what the file says) and reported as an error: the
    run cannot pass, whatever the policies selecting on that field conclude. ``line_of(pointer)`` gives the
    source line of a pointer inside the document (``prefix`` locates the entry in it)."""
    out = dict(entry)
    errors: list[ArtifactError] = []
    tiers = risk_tiers(settings)
    for vocab, hint in ((STAGES, "use one of " + ", ".join(STAGES.values) + " (see docs/artifacts.md)"),
                        (tiers, "use one of the allowed tiers, or list yours under parameters.risk_tiers")):
        value = entry.get(vocab.name)
        if value is None:
            continue
        canonical = vocab.canonical(value) if isinstance(value, str) else None
        if canonical is None:
            ptr = f"/{vocab.name}"
            errors.append(_error(vocab.name, file, line_of(prefix + ptr), ptr, value,
                                 "one of " + ", ".join(vocab.values), hint))
        else:
            out[vocab.name] = canonical
    aliases = entry.get("aliases")
    if isinstance(aliases, list):  # free-form names, but compared exactly: fold case and whitespace
        out["aliases"] = [" ".join(a.split()).casefold() if isinstance(a, str) else a for a in aliases]
    for name in BOOLEAN_FIELDS:
        value = entry.get(name)
        if value is None or isinstance(value, bool):
            continue
        word = " ".join(value.split()).casefold() if isinstance(value, str) else None
        if word in TRUE_WORDS or word in FALSE_WORDS:
            out[name] = word in TRUE_WORDS
        else:
            ptr = f"/{name}"
            errors.append(_error(name, file, line_of(prefix + ptr), ptr, value, "true or false",
                                 f"write {name}: true or {name}: false"))
    return out, errors
