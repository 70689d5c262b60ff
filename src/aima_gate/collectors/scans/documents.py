"""Reading scanner reports safely: noise around the JSON, size bounds, streaming for large reports.

- Noise: ``safety check --json`` on safety 3.x prints a deprecation banner before and after the JSON; PR bots
  paste the JSON into a Markdown code fence; ``osv-scanner ... 2>&1`` mixes progress lines in. The document is
  the first JSON value that starts a line; what surrounds it is recorded (``noise``), never silently eaten.
  Nothing that parses as JSON may follow it (two documents in one file is ambiguous: an error).
- Size: up to the repository bound (``limits.max_file_bytes``, 10 MiB by default) a report is parsed whole, with
  line numbers. Up to ``artifacts.<kind>.max_report_bytes`` (default 256 MiB) it is parsed as a stream (ijson):
  free-text fields (descriptions, references, embedded OSV ``affected`` ranges) are dropped while parsing, so
  memory follows what the gate keeps, not the file size. Streamed reports carry no per-entry line numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from aima_gate.collectors.scans import Document
from aima_gate.core.errors import InputError
from aima_gate.core.model import LineIndex
from aima_gate.safeio.loaders import load_json
from aima_gate.safeio.repo import Repo

DEFAULT_MAX_REPORT_BYTES = 256 * 1024 * 1024
DROPPED_KEYS = frozenset({
    "Description", "References", "description", "details", "references", "affected", "advisory",
    "evidenceCollected", "vulnerableSoftware", "Layer", "Locations", "DependsOn", "code", "more_info",
    "resources", "telemetry", "credits",
})
"""Free-text and bulky fields no adapter reads; dropped while streaming."""
_MAX_STRING = 4096
_START = re.compile(r"^[ \t]*([\[{])", re.M)
_START_BYTES = re.compile(rb"^[ \t]*([\[{])", re.M)


class _Shifted(LineIndex):
    """Line index of a JSON value that starts ``offset`` lines into the file."""

    __slots__ = ("_inner", "_offset")

    def __init__(self, inner: LineIndex, offset: int) -> None:
        super().__init__({})
        self._inner = inner
        self._offset = offset

    def line_of(self, pointer: str) -> int | None:
        line = self._inner.line_of(pointer)
        return None if line is None else line + self._offset


def read_document(repo: Repo, file: str, max_report_bytes: int = DEFAULT_MAX_REPORT_BYTES) -> Document:
    size = repo.path(file).stat().st_size
    if size > max_report_bytes:
        raise InputError(f"report is {size:,} bytes, over the {max_report_bytes:,}-byte limit for scan reports",
                         file=file, hint="raise artifacts.<kind>.max_report_bytes if this report is legitimate")
    if size > repo.max_bytes:
        return _stream(repo, file)
    return parse_text(repo.read_text(file), file)


def parse_text(text: str, file: str) -> Document:
    stripped = text.strip()
    if not stripped:
        raise InputError("report is empty", file=file, line=1, hint="re-run the scanner with JSON output")
    match = _START.search(text)
    if match is not None:
        start = match.start(1)
        try:
            _, end = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno,
                             hint="the scanner output is truncated or was edited; re-run the scanner") from None
        before, after = text[:start], text[end:]
        if _has_json(after):
            raise InputError("more than one JSON document in the report", file=file,
                             line=text.count("\n", 0, end) + 1, hint="keep one scanner output per file")
        value, lines = load_json(text[start:end], file)  # duplicate keys, NaN, depth: the shared rules
        offset = before.count("\n")
        noise = None
        if before.strip() or after.strip():
            noise = {"before_lines": before.strip().count("\n") + 1 if before.strip() else 0,
                     "after_lines": after.strip().count("\n") + 1 if after.strip() else 0,
                     "first": (before.strip() or after.strip()).splitlines()[0][:120]}
        return Document(value, _Shifted(lines, offset) if offset else lines, noise, streamed=False)
    first = stripped.splitlines()[0][:80]
    raise InputError(f"not JSON: the file holds text ({first!r})", file=file, line=1,
                     hint="run the scanner with its JSON output option (e.g. `safety scan --output json`, "
                          "`pip-audit -f json`, `trivy fs --format json`)")


def _has_json(rest: str) -> bool:
    decoder = json.JSONDecoder()
    for match in _START.finditer(rest):
        try:
            decoder.raw_decode(rest, match.start(1))
        except json.JSONDecodeError:
            continue
        return True
    return False


# ------------------------------------------------------------------------------------------------ streaming


def _stream(repo: Repo, file: str) -> Document:
    import ijson

    with repo.open_binary(file) as fh:
        head = fh.read(65536)
        if b"\0" in head:
            raise InputError("binary file (contains NUL bytes); expected a JSON report", file=file)
        match = _START_BYTES.search(head)
        if match is None:
            raise InputError("not JSON: no JSON value starts a line in the first 64 KiB", file=file, line=1)
        start = match.start(1)
        fh.seek(start)
        try:
            value = _build(ijson.parse(fh, use_float=True), file)
        except ijson.JSONError as exc:
            raise InputError(f"invalid JSON: {exc}", file=file) from None
        except UnicodeDecodeError:
            raise InputError("not valid UTF-8", file=file) from None
    before = head[:start].decode("utf-8", errors="replace")
    noise = {"before_lines": before.count("\n"), "after_lines": 0, "first": before.strip()[:120]} \
        if before.strip() else None
    return Document(value, LineIndex({}), noise, streamed=True)


def _build(events: Iterator[tuple[str, str, Any]], file: str) -> Any:
    """Build the document from ijson events, skipping DROPPED_KEYS subtrees and capping string length."""
    stack: list[Any] = []
    keys: list[str | None] = []
    root: Any = None
    done = False
    skip_next = False
    skip_depth = 0
    for _prefix, event, value in events:
        if done:  # what follows the document (a banner) is not read: streaming stops at its end
            break
        if skip_depth:
            if event in ("start_map", "start_array"):
                skip_depth += 1
            elif event in ("end_map", "end_array"):
                skip_depth -= 1
            continue
        if skip_next:
            skip_next = False
            if event in ("start_map", "start_array"):
                skip_depth = 1
            continue
        if event == "map_key":
            if value in DROPPED_KEYS:
                skip_next = True
            else:
                keys[-1] = value
            continue
        if event in ("start_map", "start_array"):
            if len(stack) >= 200:
                raise InputError("JSON nested deeper than 200 levels", file=file)
            stack.append({} if event == "start_map" else [])
            keys.append(None)
            continue
        if event in ("end_map", "end_array"):
            item = stack.pop()
            keys.pop()
        else:
            item = value[:_MAX_STRING] if isinstance(value, str) else value
        if not stack:
            root, done = item, True
            continue
        parent = stack[-1]
        if isinstance(parent, list):
            parent.append(item)
        else:
            key = keys[-1]
            if key in parent:
                raise InputError(f"duplicate key '{key}'", file=file)
            parent[key] = item
    return root
