"""JSON report (schemas/report.schema.json). Byte-identical for identical inputs: sorted keys, no timestamps.

By default (``--findings summary``) passes are summarised: ``findings`` holds every finding that is not a pass,
in full, and ``passes`` counts the passes per policy and names their subjects; ``--findings all`` (or
``AIMA_GATE_FINDINGS=all``) puts every finding, passes included, in ``findings``. ``findings_scope`` says which.
The report is produced as a stream of pieces (:func:`iter_render`), so a large one is never one string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import compress, groupby, islice
from json.encoder import encode_basestring  # the C string encoder json.dumps(ensure_ascii=False) uses
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.reporters._json_indent import dumps_indented, scalar_text

if TYPE_CHECKING:
    from aima_gate.core.aside import Aside

SCHEMA_VERSION = "1"
FINDINGS_SUMMARY = "summary"
FINDINGS_ALL = "all"
FINDINGS_CHOICES = (FINDINGS_SUMMARY, FINDINGS_ALL)
FINDINGS_ENV = "AIMA_GATE_FINDINGS"
_STATUS, _POLICY_ID = attrgetter("status"), attrgetter("policy_id")
_PASS_ID = id(Status.PASS)


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "policy_id": f.policy_id,
        "title": f.title,
        "status": f.status.value,
        "severity": f.severity.value,
        "subject": {"kind": f.subject.kind, "name": f.subject.name, "file": f.subject.file},
        "aima": None if f.aima is None else {
            "domain": f.aima.domain, "practice": f.aima.practice, "stream": f.aima.stream, "level": f.aima.level},
        "mappings": {k: list(v) for k, v in sorted(f.mappings.items())},
        "evidence": [
            {"file": e.file, "line": e.line, "pointer": e.pointer, "actual": e.actual, "expected": e.expected,
             "message": e.message}
            for e in f.evidence
        ],
        "remediation": f.remediation,
        "fingerprint": f.identity,
    }
    if f.waiver is not None:
        out["waiver"] = dict(f.waiver)
    return out


def listed(report: Report, findings: str = FINDINGS_SUMMARY) -> Iterator[Finding]:
    """The findings the report lists in full: all of them, or every one that is not a pass (picked by the id of
    their status, at C speed: a Status's hash is Python code)."""
    if findings == FINDINGS_ALL:
        return iter(report.findings)
    return compress(report.findings, map(_PASS_ID.__ne__, map(id, map(_STATUS, report.findings))))


def passes_summary(report: Report) -> dict[str, Any]:
    """Passes per policy (in policy order of the findings): count, kind and the subjects that passed."""
    by_policy: dict[str, dict[str, Any]] = {}
    for f in report.findings:
        if f.status is Status.PASS:
            entry = by_policy.get(f.policy_id)
            if entry is None:
                entry = by_policy[f.policy_id] = {"policy_id": f.policy_id, "kind": f.subject.kind, "count": 0,
                                                  "subjects": []}
            entry["count"] += 1
            entry["subjects"].append({"name": f.subject.name, "file": f.subject.file})
    return {"count": sum(e["count"] for e in by_policy.values()), "by_policy": list(by_policy.values())}


def report_dict(report: Report, *, findings: bool = True, scope: str = FINDINGS_ALL,
                passes: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "aima-gate", "version": report.tool_version},
        "policy_pack_digest": report.policy_pack_digest,
        "fail_on": report.fail_on.value,
        "verdict": report.verdict,
        "exit_code": int(report.exit_code),
        "summary": report.summary,
        "findings": [finding_dict(f) for f in listed(report, scope)] if findings else [],
    }
    if scope != FINDINGS_ALL:
        out["findings_scope"] = "non-pass"
        out["passes"] = passes_summary(report) if passes else None  # None: iter_render streams it
    for key, value in sorted(report.extra.items()):
        out[key] = value
    return out


def render(report: Report, *, findings: str = FINDINGS_SUMMARY) -> str:
    return "".join(iter_render(report, findings=findings))


def iter_render(report: Report, *, findings: str = FINDINGS_SUMMARY) -> Iterator[str]:
    """Top level indented for people; one finding per line, so large reports use the C encoder and stay diffable.
    Yielded piece by piece (a large report is tens of megabytes): write each as it comes."""
    items = None if "findings" in report.extra else list(listed(report, findings))
    with_passes = findings != FINDINGS_ALL and "passes" not in report.extra  # (the passes summary: _passes)
    # The tail of a large findings array and the passes are started aside first: their child renders them while
    # this process counts the summary and renders the rest (_findings_array).
    later = _aside(items, report if with_passes else None) if items is not None else None
    try:
        data = report_dict(report, findings=False, scope=findings, passes=False)
        yield "{\n"
        for n, key in enumerate(sorted(data)):
            yield (",\n  " if n else "  ") + json.dumps(key) + ": "
            if key == "findings" and items is not None:
                yield from _findings_array(items, later)
            elif key == "passes" and with_passes:
                yield from _passes(report) if later is None or later[2] is None else _decoded(later[2].pieces())
            else:
                yield _dumps(data[key]).replace("\n", "\n  ")
        yield "\n}\n"
    finally:
        for made in later[1:] if later is not None else ():
            if made is not None:
                made.cancel()  # the reader stopped early (a closed pipe); nothing once the pieces were read


def _passes(report: Report) -> Iterator[str]:
    """``passes_summary(report)`` as the report writes it (each policy's entry as ``_dumps(entry, compact=True)``),
    made from the passing findings themselves: no dictionary per passing subject (hundreds of thousands of them
    at scale, the JSON report's largest working set), and each entry written in pieces."""
    by_policy: dict[str, list[Finding]] = {}
    passes = compress(report.findings, map(_PASS_ID.__eq__, map(id, map(_STATUS, report.findings))))
    for policy_id, same in groupby(passes, _POLICY_ID):  # runs of a policy's passes, extended at C speed
        by_policy.setdefault(policy_id, []).extend(same)
    yield '{\n    "by_policy": '
    count = 0
    for n, (policy_id, passed) in enumerate(by_policy.items()):
        count += len(passed)
        yield (",\n      " if n else "[\n      ") + (
            f'{{"count":{len(passed)},"kind":{_value(passed[0].subject.kind)},"policy_id":{_value(policy_id)},'
            '"subjects":[')
        for start in range(0, len(passed), 1000):
            yield ("," if start else "") + ",".join(map(_subject, passed[start:start + 1000]))
        yield "]}"
    yield ("\n    ]" if by_policy else "[]") + f',\n    "count": {count}\n  }}'


def _array(lines: Iterable[str], indent: str = "\n    ", close: str = "\n  ]") -> Iterator[str]:
    """A JSON array of pre-rendered items, one per line; ``[]`` when there are none. Batched into pieces of
    1,000 items (a piece per item would cost more in writes than it saves), taken with islice."""
    items = iter(lines)
    first = True
    while batch := list(islice(items, 1000)):
        yield ("[" if first else ",") + indent + ("," + indent).join(batch)
        first = False
    yield "[]" if first else close


ASIDE_MIN_FINDINGS = 20_000
"""From this many listed findings (about a tenth of a second of rendering) their tail is made aside."""
HERE_SHARE = 0.55
"""The share of a large findings array's lines this process renders; the child renders the rest and the passes
summary, and starts first (this process counts the summary meanwhile). Timed at 5,000 models: 0.45, 0.60 and 0.65
wrote the report 20-50 ms later."""


def _aside(items: list[Finding], passes_of: Report | None) -> tuple[int, Aside, Aside | None] | None:
    """For a large array: the start of the tail of ``items``, the child rendering its lines (core/aside.py), and
    the same child's passes summary of ``passes_of`` (:func:`_passes`; None: not in this report). The tail starts
    on a batch boundary of :func:`_array`, so the child's text is exactly the batches ``_array`` would have added,
    each ``"," + indent + lines``. Its bytes are UTF-8 with lone surrogates passed through, decoded back here to
    the very same text (a report may hold a lone surrogate from a file name; ``_encoded`` deals with it as
    before). None when the array is small or has no such boundary."""
    start = -(-int(len(items) * HERE_SHARE) // 1000) * 1000  # (rounded up to a batch boundary)
    if len(items) < ASIDE_MIN_FINDINGS or not 0 < start < len(items):
        return None
    from aima_gate.core.aside import aside_all

    def tail() -> Iterator[bytes]:
        lines = _finding_lines(items[start:])
        while batch := list(islice(lines, 1000)):
            yield (",\n    " + ",\n    ".join(batch)).encode("utf-8", "surrogatepass")

    def passes() -> Iterator[bytes]:
        assert passes_of is not None
        return (piece.encode("utf-8", "surrogatepass") for piece in _passes(passes_of))

    made = aside_all([tail] if passes_of is None else [tail, passes])
    return start, made[0], made[1] if passes_of is not None else None


def _decoded(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text of a child's UTF-8 bytes (lone surrogates passed through), chunk by chunk."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    for chunk in chunks:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _findings_array(items: list[Finding], later: tuple[int, Aside, Aside | None] | None) -> Iterator[str]:
    """``_array(_finding_lines(items))``: the lines of the head here, then those of the tail read back from the
    child that :func:`_aside` started (made here when there is none)."""
    if later is None:
        yield from _array(_finding_lines(items))
        return
    start, tail, _ = later
    yield from _array(_finding_lines(items[:start]), close="")
    yield from _decoded(tail.pieces())
    yield "\n  ]"


def _dumps(value: Any, compact: bool = False) -> str:
    if compact:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return dumps_indented(value, sort_keys=True, default=str)  # json.dumps(value, indent=2, ...)'s text, faster


# Fast path for the findings array (tens of thousands of lines in a large repository). Each line is exactly
# ``_dumps(finding_dict(f), compact=True)`` (tests/test_json_fast_path.py checks it finding by finding): keys in
# sorted order, the fields a policy gives every one of its findings (aima, mappings, policy_id, remediation,
# severity, title) serialized once per policy, strings through the same C encoder, anything unusual through
# json.dumps itself.

def _value(value: Any) -> str:
    text = scalar_text(value)  # str, int, None, bools and floats as json.dumps writes them
    return _dumps(value, compact=True) if text is None else text


_EVIDENCE = '{"actual":%s,"expected":%s,"file":%s,"line":%s,"message":%s,"pointer":%s}'


def _evidence(e: Any) -> str:
    text = encode_basestring
    message, pointer, file, expected, line = e.message, e.pointer, e.file, e.expected, e.line
    return _EVIDENCE % (
        _value(e.actual),
        text(expected) if type(expected) is str else _value(expected),
        text(file) if type(file) is str else _value(file),
        int.__repr__(line) if type(line) is int else _value(line),
        text(message) if type(message) is str else _value(message),
        text(pointer) if type(pointer) is str else _value(pointer),
    )


_FINDING = '%s[%s],"fingerprint":"%s"%s,"subject":{"file":%s,"kind":%s,"name":%s%s%s}'


def _finding_lines(findings: Iterable[Finding]) -> Iterator[str]:
    head_cache: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    alive = []  # objects whose id() is in a cache key stay alive (an id is unique only while its object lives)
    text = encode_basestring
    for f in findings:
        mappings, aima, severity, status = f.mappings, f.aima, f.severity, f.status
        # ids: no Python __hash__ (the enums' and AimaRef's are Python code)
        key = (f.policy_id, f.title, f.remediation, id(severity), id(aima), id(mappings), id(status))
        cached = head_cache.get(key)
        if cached is None:
            const = finding_dict(f)
            cached = (
                '{"aima":' + _dumps(const["aima"], compact=True) + ',"evidence":',
                ',"mappings":' + _dumps(const["mappings"], compact=True)
                + ',"policy_id":' + _dumps(const["policy_id"], compact=True)
                + ',"remediation":' + _dumps(const["remediation"], compact=True)
                + ',"severity":' + _dumps(const["severity"], compact=True)
                + ',"status":' + _dumps(const["status"], compact=True),
                '},"title":' + _dumps(const["title"], compact=True),
            )
            head_cache[key] = cached
            alive.append((severity, aima, mappings, status))
        subject = f.subject
        file, kind, name = subject.file, subject.kind, subject.name
        yield (_FINDING % (
            cached[0], ",".join(map(_evidence, f.evidence)), f.identity, cached[1],
            text(file) if type(file) is str else _value(file), text(kind) if type(kind) is str else _value(kind),
            text(name) if type(name) is str else _value(name), cached[2],
            "" if f.waiver is None else ',"waiver":' + _dumps(dict(f.waiver), compact=True),
        ))


def _subject(f: Finding) -> str:
    """A passing subject's entry in ``passes``: ``_dumps({"file": ..., "name": ...}, compact=True)``."""
    file, name = f.subject.file, f.subject.name
    return (f'{{"file":{encode_basestring(file) if type(file) is str else _value(file)},'
            f'"name":{encode_basestring(name) if type(name) is str else _value(name)}}}')
