"""Safe parsing of untrusted YAML, JSON and Markdown front matter, with source line numbers.

Rules (the README's Security model): never ``yaml.load`` or a non-safe loader; an alias bomb is measured on the
composed node graph *before* anything is constructed; duplicate keys, cyclic aliases, custom tags, NUL bytes
and invalid UTF-8 are errors naming the file and line; nesting depth is bounded.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
import types
from typing import TYPE_CHECKING, Any

from aima_gate.core.errors import InputError
from aima_gate.core.model import LineIndex
from aima_gate.safeio.json_lines import JsonLines, escape_pointer_token

MAX_NODES = 1_000_000
"""Upper bound on the number of values a document may expand to (aliases counted at every use)."""
MAX_DEPTH = 200

if TYPE_CHECKING:
    import yaml

_Loader: Any = None
_constructor: Any = None
_CONSTRUCTORS: dict[Any, Any] = {}
"""PyYAML's safe loader, a safe constructor and its table: set by :func:`_yaml` on first use."""


def _yaml() -> Any:
    """PyYAML, imported when the first YAML document is parsed: a run whose every file is read back from the cache
    parses none, and the import is 25 ms of a warm pre-commit run. The functions below that use ``yaml`` run only
    after this (from :func:`load_yaml`)."""
    global _Loader, _constructor, _CONSTRUCTORS
    import yaml as module

    if _constructor is None:
        _Loader = getattr(module, "CSafeLoader", module.SafeLoader)
        _constructor = module.constructor.SafeConstructor()
        _CONSTRUCTORS = _constructor.yaml_constructors
        globals()["yaml"] = module
    return module
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# A lone surrogate can only enter through an escape (JSON ``\ud800``, YAML ``\ud800``/``\U0000d800``): the
# UTF-8 decoder refuses encoded surrogates. Only documents holding such an escape are walked, so the check costs
# one scan of the text.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_intern = sys.intern
"""Mapping keys and the pointers of line maps are interned: thousands of documents repeat the same few keys and
pointers, which the run then holds once (and a parse worker sends once per batch), not once per document."""
SHORT_STRING = 64
"""String values up to this length are interned too: versions, tool names, tiers, group and attribute names,
dates repeat across documents (a short string costs about 50 bytes beyond its characters). Longer ones rarely
repeat, and interning them would only grow the interpreter's table."""


def intern_short(text: str) -> str:
    """``text``, one shared copy of it if it is short (:data:`SHORT_STRING`): for collectors' own values."""
    return _intern(text) if len(text) <= SHORT_STRING else text



def _surrogate_pointer(value: Any) -> str | None:
    """JSON pointer of the first key or string holding a lone surrogate (None when there is none)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, pointer = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return pointer
        elif isinstance(item, dict):
            for k, v in item.items():
                child = f"{pointer}/{escape_pointer_token(k)}"
                if _LONE_SURROGATE.search(k):
                    return child
                stack.append((v, child))
        elif isinstance(item, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(item))
    return None


def reject_lone_surrogates(value: Any, text: str, file: str, lines: LineIndex) -> None:
    """Refuse a document with a lone surrogate: it is not Unicode text, and every string taken from an artifact must
    encode as UTF-8 wherever it goes (report identities, JSON, SARIF, a terminal)."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    pointer = _surrogate_pointer(value)
    if pointer is not None:
        raise InputError("a string holds a lone UTF-16 surrogate escape (e.g. \\ud800), which is not valid "
                         "Unicode text", file=file, line=lines.line_of(pointer), pointer=pointer,
                         hint="escape characters outside the BMP as a surrogate pair, or write them as UTF-8")


def decode_text(raw: bytes, file: str) -> str:
    """Decode UTF-8 (optional BOM) strictly; binary content is refused with a clear message."""
    if b"\0" in raw[:8192] or b"\0" in raw:
        raise InputError("binary file (contains NUL bytes); expected UTF-8 text", file=file)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            file=file,
            line=line,
            hint="save the file as UTF-8",
        ) from None


# --------------------------------------------------------------------------------------------------- YAML


def _expanded_size(node: yaml.Node, file: str) -> int:
    """Number of values the node graph expands to, counting shared (aliased) nodes at every use.

    Memoized per node, so an alias bomb is measured in time linear in its *source* size.
    """
    return _Expansion(file).size(node, 0)


class _Expansion:
    """:func:`_expanded_size`'s walk. An object, not a closure that calls itself by name: such a closure is a
    reference cycle (the function and the cell holding it), kept with its memo until the cyclic collector runs,
    which parsing pauses (core/parallel.no_gc)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.memo: dict[int, int] = {}
        self.on_stack: set[int] = set()

    def size(self, n: yaml.Node, depth: int) -> int:
        memo, file = self.memo, self.file
        key = id(n)
        if key in memo:
            return memo[key]
        if key in self.on_stack:
            raise InputError("recursive YAML alias (a node contains itself)", file=file, line=n.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", file=file, line=n.start_mark.line + 1)
        self.on_stack.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            for child in n.value:
                total += self.size(child, depth + 1)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += self.size(k, depth + 1) + self.size(v, depth + 1)
        self.on_stack.discard(key)
        memo[key] = total
        if total > MAX_NODES:
            raise InputError(
                f"YAML expands to more than {MAX_NODES:,} values (alias bomb?)",
                file=file,
                line=n.start_mark.line + 1,
                hint="remove the nested anchors/aliases; aima-gate refuses documents that expand this much",
            )
        return total


def _scalar(node: yaml.ScalarNode, file: str) -> Any:
    if node.tag == _STR_TAG:
        text: str = node.value
        return _intern(text) if len(text) <= SHORT_STRING else text
    try:
        # what ``construct_object(node, deep=True)`` does for a scalar, without recording every node it ever built
        # (its memo of constructed nodes would keep each one, with its marks, for the life of the process)
        value = _CONSTRUCTORS.get(node.tag, _CONSTRUCTORS[None])(_constructor, node)
        if isinstance(value, types.GeneratorType):  # a collection tag on a scalar: raises while it runs
            generator, value = value, next(value)
            for _ in generator:
                pass
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML value: {exc}", file=file, line=node.start_mark.line + 1) from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise plain exceptions for values such as `2020-13-45` or `!!int x`.
        raise InputError(f"invalid YAML value {node.value!r} for tag {node.tag}: {exc}", file=file,
                         line=node.start_mark.line + 1) from None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        raise InputError("binary (!!binary) YAML values are not accepted", file=file, line=node.start_mark.line + 1)
    return value


def _build(node: yaml.Node, pointer: str, lines: dict[str, int], file: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", file=file, line=node.start_mark.line + 1)
    lines.setdefault(pointer, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, file)
    if pointer.count("/") >= MAX_DEPTH:  # also bounded here: the alias pass is skipped for alias-free text
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", file=file, line=node.start_mark.line + 1)
    # A plain string scalar inside a collection is built here, as _build and _scalar would build it (same line,
    # same interned text), without a call per scalar: most values of registries and front matter are strings.
    scalar = yaml.ScalarNode if depth < MAX_DEPTH else None
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            item = _intern(f"{pointer}/{i}")
            if type(child) is scalar and child.tag == _STR_TAG:
                lines.setdefault(item, child.start_mark.line + 1)
                text = child.value
                items.append(_intern(text) if len(text) <= SHORT_STRING else text)
            else:
                items.append(_build(child, item, lines, file, depth + 1))
        return items
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            raise InputError(f"unsupported YAML tag {node.tag}", file=file, line=node.start_mark.line + 1)
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    value = _build(src, pointer, {}, file, depth + 1)
                    if not isinstance(value, dict):
                        raise InputError("YAML merge key '<<' needs a mapping", file=file,
                                         line=key_node.start_mark.line + 1)
                    for k, v in value.items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError("mapping keys must be plain scalars", file=file, line=key_node.start_mark.line + 1)
            key = key_node.value if key_node.tag == _STR_TAG else _scalar(key_node, file)
            key = key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)
            if key in out:
                raise InputError(f"duplicate key '{key}'", file=file, line=key_node.start_mark.line + 1,
                                 hint="each key may appear once per mapping; YAML parsers disagree on which wins")
            child = _intern(f"{pointer}/{escape_pointer_token(key)}")
            lines[child] = key_node.start_mark.line + 1  # the value's own line would only be a setdefault
            if type(value_node) is scalar and value_node.tag == _STR_TAG:
                text = value_node.value
                out[_intern(key)] = _intern(text) if len(text) <= SHORT_STRING else text
            else:
                out[_intern(key)] = _build(value_node, child, lines, file, depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out
    raise InputError(f"unsupported YAML node {type(node).__name__}", file=file)  # pragma: no cover


def load_yaml(text: str, file: str, *, line_offset: int = 0) -> tuple[Any, LineIndex]:
    """Parse one YAML document. Returns (value, line index). An empty document is ``None``."""
    yaml = _yaml()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        problem = exc.problem or str(exc)
        raise InputError(f"invalid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", file=file) from None
    if node is None:
        return None, LineIndex({})
    lines: dict[str, int] = {}
    try:
        if "*" in text:  # no alias, nothing to expand: the measuring pass would only cost time
            _expanded_size(node, file)
        value = _build(node, "", lines, file)
    except RecursionError:
        raise InputError("YAML nested too deeply", file=file) from None
    except InputError as exc:
        if not line_offset or exc.line is None:
            raise
        # Errors found after composing carry lines of the fragment; report lines of the whole file.
        raise InputError(exc.diagnosis, file=exc.file, line=exc.line + line_offset, pointer=exc.pointer,
                         hint=exc.hint) from None
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    index = LineIndex(lines)
    reject_lone_surrogates(value, text, file, index)
    return value, index


# --------------------------------------------------------------------------------------------------- JSON

def _no_duplicates(file: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise InputError(f"duplicate key '{k}'", file=file,
                                 hint="each key may appear once per object; JSON parsers disagree on which wins")
            if type(v) is str:
                if len(v) <= SHORT_STRING:
                    v = _intern(v)
            elif type(v) is list:
                for i, item in enumerate(v):
                    if type(item) is str and len(item) <= SHORT_STRING:
                        v[i] = _intern(item)
            out[_intern(k)] = v
        return out

    return hook


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_json(text: str, file: str) -> tuple[Any, LineIndex]:
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates(file), parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno) from None
    except ValueError as exc:
        raise InputError(f"invalid JSON: {exc}", file=file) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", file=file) from None
    if text.count("[") + text.count("{") > MAX_DEPTH:  # each nesting level opens one: fewer cannot be too deep
        _check_json_depth(value, file)
    index = LineIndex(build=JsonLines(text))
    reject_lone_surrogates(value, text, file, index)
    return value, index


def _check_json_depth(value: Any, file: str) -> None:
    """Same nesting bound as YAML, so the (recursive) line index built later can never overflow the stack."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"JSON nested deeper than {MAX_DEPTH} levels", file=file)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))


def load_structured(text: str, file: str) -> tuple[Any, LineIndex]:
    """JSON for ``.json`` files, YAML for everything else."""
    if file.lower().endswith(".json"):
        return load_json(text, file)
    return load_yaml(text, file)


# ------------------------------------------------------------------------------------------ front matter

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.S | re.M)


def split_front_matter(text: str, file: str) -> tuple[Any, LineIndex, str, int]:
    """Split Markdown into (front matter value, its line index, body, line number where the body starts).

    A document without front matter yields ``None``. Front-matter lines are those of the whole file.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        if text.startswith("---") and text.split("\n", 1)[0].strip() == "---":
            raise InputError("front matter starts with '---' but is never closed", file=file, line=1)
        return None, LineIndex({}), text, 1
    value, lines = load_yaml(match.group(1), file, line_offset=1)
    body_start = text.count("\n", 0, match.end()) + 1
    return value, lines, text[match.end() :], body_start
