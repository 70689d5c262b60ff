"""Policies: parse (YAML, safely) -> validate (JSON Schema) -> compile (assertion nodes) -> :class:`Policy`.

Compilation is pure: it takes the parsed document, the catalog and the set of known artifact kinds, and rejects
anything it cannot evaluate with certainty: unknown operators, kinds, parameters and AIMA slugs, regexes RE2
cannot run in linear time, combinators mixed with leaves.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aima_gate.aima.catalog import Catalog
from aima_gate.core.errors import PolicyError
from aima_gate.core.model import AimaRef, LineIndex, Severity
from aima_gate.engine.assertions import AllOf, AnyOf, Join, Leaf, Node, Not, Quantifier
from aima_gate.engine.operators import OPERATORS
from aima_gate.engine.paths import Path

COMBINATORS = ("all", "any", "not", "every", "some", "none", "join")


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    description: str
    severity: Severity
    aima: AimaRef
    mappings: Mapping[str, tuple[str, ...]]
    remediation: str
    kind: str
    where: Node | None
    optional: bool
    params: Mapping[str, Mapping[str, Any]]
    assertion: Node
    file: str
    line: int = 1
    source: Mapping[str, Any] | None = None
    """The policy document as written (for ``explain`` and SARIF rule metadata)."""


class _Compiler:
    def __init__(self, file: str, lines: LineIndex, params: Mapping[str, Any], kinds: Collection[str]) -> None:
        self.file = file
        self.lines = lines
        self.params = params
        self.kinds = kinds

    def error(self, pointer: str, message: str, hint: str | None = None) -> PolicyError:
        return PolicyError(message, file=self.file, line=self.lines.line_of(pointer), pointer=pointer, hint=hint)

    def node(self, raw: Mapping[str, Any], pointer: str) -> Node:
        message = raw.get("message")
        keys = [k for k in raw if k != "message"]
        structural = [k for k in keys if k in COMBINATORS]
        if structural:
            if len(keys) != 1:
                others = sorted(set(keys) - {structural[0]})
                raise self.error(pointer, f"'{structural[0]}' cannot be combined with {others}; nest under all/any")
            key = structural[0]
            body = raw[key]
            ptr = f"{pointer}/{key}"
            if key in ("all", "any"):
                if not body:
                    raise self.error(ptr, f"'{key}' needs at least one assertion (an empty {key} proves nothing)")
                children = tuple(self.node(c, f"{ptr}/{i}") for i, c in enumerate(body))
                return AllOf(children, message) if key == "all" else AnyOf(children, message)
            if key == "not":
                return Not(self.node(body, ptr), message)
            if key == "join":
                return self.join(body, ptr, message)
            return Quantifier(key, Path.parse(body["path"]), self.node(body["assert"], f"{ptr}/assert"),
                              bool(body.get("allow_empty", False)), message)
        ops = [k for k in keys if k != "path"]
        unknown = [k for k in ops if k not in OPERATORS]
        if unknown:
            raise self.error(pointer, f"unknown operator {unknown[0]!r}",
                             hint=f"operators: {', '.join(OPERATORS)}; combinators: {', '.join(COMBINATORS)}")
        if len(ops) != 1:
            raise self.error(pointer, "a leaf needs exactly one operator" + (f", found {ops}" if ops else ""),
                             hint="combine several conditions with all: [...]")
        op = ops[0]
        where = f"{self.file}: {pointer}/{op}"
        try:
            check = OPERATORS[op](raw[op], self.params, where)
        except PolicyError as exc:
            if exc.file is not None:
                raise
            # Operators name the place in their text; re-raise with the policy's file, line and pointer.
            diagnosis = re.sub(r"^" + re.escape(where) + r"\S*: ", "", exc.diagnosis)
            raise self.error(f"{pointer}/{op}", diagnosis, hint=exc.hint) from None
        return Leaf(Path.parse(raw.get("path", "")), op, check, missing_ok=(op == "exists" and not raw[op]),
                    message=message)

    def join(self, body: Mapping[str, Any], ptr: str, message: str | None) -> Join:
        kind = body["kind"]
        if kind not in self.kinds:
            raise self.error(f"{ptr}/kind", f"unknown artifact kind {kind!r}",
                             hint=f"kinds: {', '.join(sorted(self.kinds))}")
        if "via" in body and "on" in body:
            raise self.error(ptr, "a join takes 'via' (a reference field) or 'on' (matching fields), not both")
        if "via" not in body and "on" not in body and "where" not in body:
            raise self.error(ptr, "a join needs 'via' (a reference field), 'on' (matching fields) or 'where' "
                                  "(a filter over every artifact of the kind)")
        on = tuple((Path.parse(rel), Path.parse(cur)) for rel, cur in body.get("on", {}).items())
        where = self.node(body["where"], f"{ptr}/where") if "where" in body else None
        child = self.node(body["assert"], f"{ptr}/assert") if "assert" in body else None
        via = Path.parse(body["via"]) if "via" in body else None
        subject_free = not _reads_subject(body.get("where")) and not _reads_subject(body.get("assert"))
        return Join(kind, via, on, where, body.get("require", "some"), child, message, subject_free)


def _reads_subject(raw: Any) -> bool:
    """Whether an assertion may read the policy's subject: a ``{subject: ...}`` operand or a parameter with
    ``select`` (both read ``scope.subject``). Over-approximates (any such key anywhere), which only costs speed."""
    if isinstance(raw, Mapping):
        return "subject" in raw or "select" in raw or any(_reads_subject(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_reads_subject(v) for v in raw)
    return False


def compile_policy(
    raw: Any,
    *,
    file: str,
    lines: LineIndex,
    catalog: Catalog,
    kinds: Collection[str],
    schema_checked: bool = False,
) -> Policy:
    """Validate and compile one policy document. Raises :class:`PolicyError` naming file, line and path.

    ``schema_checked``: these exact bytes passed ``policy.schema.json`` before, under this code (the cache's
    schema marks, config/policy_packs.py); the schema check is skipped, and so is the check of each parameter's
    default against its own ``schema`` (a pure function of those bytes too: a mark is noted only after the whole
    compile passed, and that check imports and compiles a validator on every run); every other check is made."""
    from aima_gate.safeio.validation import schema_errors

    if not isinstance(raw, dict):
        raise PolicyError("a policy file must hold one mapping (id, title, ..., assert)", file=file, line=1)
    errors = [] if schema_checked else schema_errors(raw, "policy.schema.json", file=file, lines=lines,
                                                     error_cls=PolicyError)
    if errors:
        raise errors[0]
    comp = _Compiler(file, lines, raw.get("params", {}), kinds)
    aima = raw["aima"]
    problem = catalog.check_ref(aima["domain"], aima["practice"], aima["stream"], aima["level"])
    if problem:
        raise comp.error("/aima", problem, hint="run `aima-gate controls` to list AIMA domains and practices")
    for name, spec in () if schema_checked else raw.get("params", {}).items():
        problem = param_value_problem(spec, spec["default"])
        if problem:
            raise comp.error(f"/params/{name}/default", f"default of parameter {name!r} {problem}")
    mappings = raw.get("mappings", {})
    for framework, ids in mappings.items():
        for i, ident in enumerate(ids):
            bad = catalog.check_mapping(framework, ident)
            if bad:
                raise comp.error(f"/mappings/{framework}/{i}", bad)
    kind = raw["applies_to"]["kind"]
    if kind not in kinds:
        raise comp.error("/applies_to/kind", f"unknown artifact kind {kind!r}",
                         hint=f"kinds: {', '.join(sorted(kinds))}")
    where = comp.node(raw["applies_to"]["where"], "/applies_to/where") if "where" in raw["applies_to"] else None
    assertion = comp.node(raw["assert"], "/assert")
    return Policy(
        id=raw["id"],
        title=raw["title"],
        description=raw["description"].strip(),
        severity=Severity(raw["severity"]),
        aima=AimaRef(aima["domain"], aima["practice"], aima["stream"], aima["level"]),
        mappings={k: tuple(v) for k, v in mappings.items() if v},
        remediation=raw["remediation"].strip(),
        kind=kind,
        where=where,
        optional=bool(raw.get("optional", False)),
        params=raw.get("params", {}),
        assertion=assertion,
        file=file,
        line=lines.line_of("/id") or 1,
        source=raw,
    )


def resolve_params(policies: Sequence[Policy], overrides: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-policy parameter values: the policy's defaults, overridden by the config's ``parameters``."""
    return {p.id: {name: overrides.get(name, spec["default"]) for name, spec in p.params.items()} for p in policies}


def param_value_problem(spec: Mapping[str, Any], value: Any) -> str | None:
    """Why ``value`` does not fit the parameter: its declared ``schema``, or else the JSON type of its default."""
    schema = spec.get("schema")
    if not schema:
        want, got = _json_type(spec["default"]), _json_type(value)
        return None if want in (got, "null") else f"is a {got}, but this parameter takes a {want}"
    from aima_gate.safeio.validation import valid_fast_against

    if valid_fast_against(value, schema):  # the usual case; jsonschema (~100 ms to import) only to explain a problem
        return None
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    return None if error is None else f"is invalid: {error.message}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "mapping"
