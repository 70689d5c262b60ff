"""``.aima-gate.yml``: parse -> validate (schemas/config.schema.json) -> :class:`Config`.

Errors read ``file:line: $.path: message`` and exit 2. Absent config means defaults (built-in pack, default
artifact globs, fail on low and above).
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aima_gate.core.errors import AimaGateError, ConfigError
from aima_gate.core.model import LineIndex, Severity, Waiver
from aima_gate.safeio.loaders import load_yaml
from aima_gate.safeio.repo import DEFAULT_MAX_BYTES

CONFIG_NAMES = (".aima-gate.yml", ".aima-gate.yaml")


class SchemaMemo(Protocol):
    """Documents known, byte for byte, to have passed a schema under this code (pipeline/cache_marks.py keeps
    them, authenticated, in the cache folder): their schema check is skipped; everything else is done as usual."""

    def holds(self, schema: str, data: bytes) -> bool: ...

    def parsed(self, schema: str, data: bytes) -> tuple[Any, LineIndex] | None: ...

    def note(self, schema: str, data: bytes, parsed: tuple[Any, LineIndex] | None = None) -> None: ...


@dataclass(frozen=True)
class Config:
    file: str | None
    """Repo-relative path of the config file (None when running on defaults)."""
    fail_on: Severity = Severity.LOW
    target_level: int | None = None
    """Failures of policies above this AIMA level are advisory (``target_level:``); None: every level blocks."""
    baseline: str | None = None
    """Repo-relative baseline file (``baseline:``), overridden by ``check --baseline``."""
    exclude: tuple[str, ...] = ()
    default_exclusions: bool = True
    max_file_bytes: int = DEFAULT_MAX_BYTES
    builtin_policies: bool = True
    policy_paths: tuple[str, ...] = ()
    disabled: frozenset[str] = frozenset()
    only: frozenset[str] | None = None
    artifacts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    lines: LineIndex = field(default_factory=lambda: LineIndex({}))

    def line_of(self, pointer: str) -> int:
        return self.lines.line_of(pointer) or 1

    @functools.cached_property
    def collector_settings(self) -> dict[str, Any]:
        """The config as collectors see it (``CollectContext.settings``): without the sections only evaluation
        and reporting read (:data:`EVALUATION_ONLY`), and with only the parameters collectors read
        (:data:`COLLECTOR_PARAMETERS`). No collector can read the rest, so the artifact cache's packs do not name
        it either: adding a waiver, changing ``fail_on``, the policy selection or a policy's threshold reads a
        pack back. Made once per config: every collector sees, and the pack's identity names, this one object."""
        settings = {key: value for key, value in self.raw.items() if key not in EVALUATION_ONLY}
        params = settings.get("parameters")
        if isinstance(params, Mapping):
            settings["parameters"] = CollectorParameters(
                {key: value for key, value in params.items() if key in COLLECTOR_PARAMETERS})
        return settings


EVALUATION_ONLY = frozenset({"waivers", "fail_on", "target_level", "baseline", "policies"})
"""Top-level config sections that decide what is evaluated and how its outcome is judged, never what a file
holds: kept from collectors (:meth:`Config.collector_settings`)."""

COLLECTOR_PARAMETERS = frozenset({"min_section_words", "min_group_support", "risk_tiers"})
"""The policy parameters a collector reads (a card's ``filled`` sections, a bias report's derived ratios, the
registry's risk-tier vocabulary). The others (thresholds, ages, patterns) only policies read."""


class CollectorParameters(dict[str, Any]):
    """The config's ``parameters`` as collectors see them: :data:`COLLECTOR_PARAMETERS` only. Asking for any other
    name is a bug in the gate (exit 3), never a silent default: a collector that comes to read another parameter
    must be listed there, so that the cache's packs name it."""

    def _known(self, key: object) -> None:
        if key not in COLLECTOR_PARAMETERS:
            raise RuntimeError(f"a collector read parameters.{key}, which is not in COLLECTOR_PARAMETERS")

    def __getitem__(self, key: str) -> Any:
        self._known(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._known(key)
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._known(key)
        return super().get(key, default)


def find_config(root: Path) -> Path | None:
    # lexists, not is_file: a dangling or outward symlink named like the config must be refused by
    # confined_file(), never mistaken for "no config" (which would run on the defaults).
    for name in CONFIG_NAMES:
        if os.path.lexists(root / name):
            return root / name
    return None


def _lexical(path: Path) -> Path:
    return Path(os.path.normpath(path.absolute()))


def lexically_inside(root: Path, path: Path) -> bool:
    """Whether ``path`` names a file under ``root`` as written (symlinks not followed)."""
    return _lexical(path).is_relative_to(_lexical(root))


def confined_file(root: Path, path: Path, *, what: str, error: type[AimaGateError] = ConfigError) -> str:
    """The repo-relative name of ``path``, a regular file that stays inside ``root`` after symlinks.

    The config and policy files steer the whole evaluation, so they are confined like every artifact: a symlink
    that leaves the repository, a dangling link or a non-regular file is an error naming the file, never read.
    """
    root_resolved = root.resolve()
    rel = _lexical(path).relative_to(_lexical(root)).as_posix() if lexically_inside(root, path) else str(path)
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise error(f"{what} {rel} does not exist (or is a dangling symlink)", file=rel) from None
    except (OSError, RuntimeError) as exc:
        raise error(f"cannot resolve {what} {rel}: {exc}", file=rel) from None
    if not resolved.is_relative_to(root_resolved):
        raise error(f"{what} {rel} is a symlink that leaves the repository (-> {resolved})", file=rel,
                    hint="aima-gate only reads files inside the repository; commit the file itself")
    if not resolved.is_file():
        raise error(f"{what} {rel} is not a regular file", file=rel)
    return resolved.relative_to(root_resolved).as_posix()


def parse_config(text: str, file: str, memo: SchemaMemo | None = None) -> Config:
    from aima_gate.safeio.validation import schema_errors

    data = text.encode("utf-8", "surrogatepass") if memo is not None else b""
    # Bytes that passed the schema before (the cache's schema marks) come with the document they parsed to, as
    # policy files do: a warm run then neither parses YAML nor imports PyYAML for its config.
    known = memo.parsed("config.schema.json", data) if memo is not None else None
    if known is not None and type(known[0]) is dict:
        raw, lines = known
    else:
        raw, lines = load_yaml(text, file)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ConfigError("the config must be a YAML mapping", file=file, line=1)
        if memo is None or not memo.holds("config.schema.json", data):
            errors = schema_errors(raw, "config.schema.json", file=file, lines=lines, error_cls=ConfigError)
            if errors:
                raise errors[0]
            _check_globs(raw, file, lines)
            if memo is not None:
                memo.note("config.schema.json", data, (raw, lines))  # before anything below reads it
    waivers = []
    for i, w in enumerate(raw.get("waivers", [])):
        ptr = f"/waivers/{i}"
        try:
            _dt.date.fromisoformat(w["expires"])
        except ValueError:
            raise ConfigError(f"waiver expiry {w['expires']!r} is not a real date", file=file,
                              line=lines.line_of(f"{ptr}/expires"), pointer=f"{ptr}/expires") from None
        extra = {k: w[k] for k in ("advisory", "package", "versions") if k in w}
        if "versions" in extra:
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            try:
                SpecifierSet(extra["versions"])
            except InvalidSpecifier:
                raise ConfigError(f"waiver versions {extra['versions']!r} is not a PEP 440 version specifier "
                                  "(e.g. '>=2.0,<2.3')", file=file, line=lines.line_of(f"{ptr}/versions"),
                                  pointer=f"{ptr}/versions") from None
        waivers.append(Waiver(w["policy"], w["subject"], w["reason"], w["owner"], w["expires"], file,
                              lines.line_of(ptr) or 1, extra))
    pol = raw.get("policies", {})
    return Config(
        file=file,
        fail_on=Severity(raw.get("fail_on", "low")),
        target_level=raw.get("target_level"),
        baseline=raw.get("baseline"),
        exclude=tuple(raw.get("exclude", ())),
        default_exclusions=bool(raw.get("default_exclusions", True)),
        max_file_bytes=int(raw.get("limits", {}).get("max_file_bytes", DEFAULT_MAX_BYTES)),
        builtin_policies=bool(pol.get("builtin", True)),
        policy_paths=tuple(pol.get("paths", ())),
        disabled=frozenset(pol.get("disable", ())),
        only=frozenset(pol["only"]) if "only" in pol else None,
        artifacts=raw.get("artifacts", {}),
        parameters=raw.get("parameters", {}),
        waivers=tuple(waivers),
        raw=raw,
        lines=lines,
    )


def _check_globs(raw: Mapping[str, Any], file: str, lines: LineIndex) -> None:
    """Every glob list of the config (``exclude``, each ``artifacts.<kind>.paths``) is one the matcher takes
    (safeio/globs.py): a pattern it refuses, such as braces that expand past its limit, is the config's mistake,
    told here at its line, not an internal error of the first glob that uses it."""
    from aima_gate.safeio.globs import translated

    artifacts = raw.get("artifacts") or {}
    lists = [("/exclude", raw.get("exclude")), *((f"/artifacts/{kind}/paths", options.get("paths"))
                                                for kind, options in artifacts.items() if isinstance(options, dict))]
    for pointer, patterns in lists:
        if not patterns:
            continue
        try:
            translated(patterns)
        except Exception as refused:  # (the matcher's own error types: any refusal of these user-written patterns)
            raise ConfigError(f"these globs cannot be used: {refused}", file=file, line=lines.line_of(pointer),
                              pointer=pointer, hint="write each pattern out, or use fewer braces in one pattern"
                              ) from None


def check_against_policies(config: Config, policy_ids: Sequence[str],
                           declared_params: Mapping[str, Sequence[tuple[str, Mapping[str, Any]]]]) -> None:
    """Config entries that name no loaded policy or parameter, or parameter values a declaring policy's schema
    rejects, are mistakes; refuse them rather than silently keep (or misuse) a value."""
    from aima_gate.engine.policy import param_value_problem

    known = set(policy_ids)
    file = config.file
    for name, value in config.parameters.items():
        ptr = f"/parameters/{name}"
        if name not in declared_params:
            raise ConfigError(f"parameter {name!r} is not used by any loaded policy", file=file,
                              line=config.line_of(ptr), pointer=ptr,
                              hint=f"declared parameters: {', '.join(sorted(declared_params)) or 'none'}")
        for policy_id, spec in declared_params[name]:
            problem = param_value_problem(spec, value)
            if problem:
                raise ConfigError(f"value {problem} (as declared by policy {policy_id})", file=file,
                                  line=config.line_of(ptr), pointer=ptr,
                                  hint=f"see `aima-gate explain {policy_id}`")
    for key, ptr in [(p, "/policies/disable") for p in config.disabled] + [
        (p, "/policies/only") for p in (config.only or ())
    ]:
        if key not in known:
            raise ConfigError(f"policy {key!r} is not a loaded policy", file=file, line=config.line_of(ptr),
                              pointer=ptr, hint="run `aima-gate controls` to list policy ids")
    for w in config.waivers:
        if w.policy_id not in known and not w.policy_id.startswith("aima-gate."):
            raise ConfigError(f"waiver names unknown policy {w.policy_id!r}", file=file, line=w.line,
                              hint="run `aima-gate controls` to list policy ids")
