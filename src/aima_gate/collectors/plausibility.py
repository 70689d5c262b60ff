"""Implausible evidence is an error at its line, never a pass.

A threshold check (``equalized_odds_difference <= 0.1``, ``severity below high``, ``success is true``) is only as
good as the number or flag it reads. Values that cannot be true (a negative or infinite difference, a rate of
1.7, a CVSS score of 98, a validation run that claims success while listing failed expectations) would satisfy
such checks by construction, so they are refused before any policy sees them. Two layers:

- **bounds** in the normalized schemas (schemas/bias-report.schema.json: rates in [0, 1], differences in
  [-1, 1] or [0, 1], every number finite; schemas/dependency-scan.schema.json: CVSS scores in [0, 10]);
- **consistency** checks here, for what a schema cannot say: two fields of one document that contradict each
  other, a raw score a scanner adapter would otherwise drop, a non-finite number produced by arithmetic.

Every check returns errors (never raises), each naming file, line and path, so collectors yield them all.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex
from aima_gate.safeio.json_lines import escape_pointer_token

CVSS_SCORE_KEYS = frozenset({"v2score", "v3score", "v40score", "basescore", "base_score", "cvss_score",
                             "cvssscore", "max_severity", "score"})
"""Keys (case-folded) scanners use for a CVSS base score. Vector strings under the same keys are not numbers
and are left to the vector parser."""


def _walk(value: Any, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(pointer, key, value) for every mapping entry, depth first, descending into lists (a list's items are not
    entries: a scalar in a list, such as a confidence interval's bound, is bounded by the schema instead)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            ptr = f"{pointer}/{escape_pointer_token(str(key))}"
            yield ptr, str(key), item
            yield from _walk(item, ptr)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{pointer}/{i}")


_SCALARS = frozenset({str, int, float, bool, type(None)})


def prechecks(value: Any, name: str) -> tuple[bool, bool]:
    """``(non_finite, has_key)``: whether a NaN or infinite float is a mapping value anywhere in ``value``, and
    whether some mapping at any depth has the key ``name`` (what :func:`_walk` would find, keys named as it names
    them), in one walk. These are the cheap pre-checks of :func:`non_finite_numbers` and
    :func:`interval_inconsistencies`, which call :func:`_walk` (a pointer per entry) only when there is something
    to report; a bias report asks both. A plain loop (no generator, no pointers, no key strings) that stops once
    both are true; plain dicts and lists are told by type before the Mapping ABC's slower isinstance."""
    isfinite = math.isfinite
    non_finite = has_key = False
    stack = [value]
    while stack:
        v = stack.pop()
        of = type(v)
        if of is dict or (of is not list and isinstance(v, Mapping)):
            for key, item in v.items():
                if not has_key and (key if type(key) is str else str(key)) == name:
                    has_key = True
                    if non_finite:
                        return True, True
                kind = type(item)
                if kind is float:
                    if not non_finite and not isfinite(item):
                        non_finite = True
                        if has_key:
                            return True, True
                elif kind not in _SCALARS:
                    if not non_finite and isinstance(item, float) and not isfinite(item):
                        non_finite = True
                        if has_key:
                            return True, True
                    stack.append(item)
        elif of is list or isinstance(v, list):
            stack.extend(item for item in v if type(item) not in _SCALARS)
    return non_finite, has_key


def _error(message: str, file: str, lines: LineIndex, pointer: str, hint: str) -> ArtifactError:
    return ArtifactError(message, file=file, line=lines.line_of(pointer) or 1, pointer=pointer, hint=hint)


def non_finite_numbers(data: Any, file: str, lines: LineIndex, *, present: bool | None = None) -> list[ArtifactError]:
    """Every NaN or infinite number (JSON's 1e999 parses as infinity; arithmetic on it gives NaN). ``present``:
    what :func:`prechecks` already found (None: look)."""
    if not (prechecks(data, "")[0] if present is None else present):
        return []
    return [_error(f"{value!r} is not a finite number", file, lines, ptr,
                   "a measured metric is a finite number; regenerate the report")
            for ptr, _key, value in _walk(data) if isinstance(value, float) and not math.isfinite(value)]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):  # JSON integers are unbounded; one too large for a float is out of any range
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None  # a vector such as CVSS:3.1/AV:N/..., or a word
    return None


def implausible_cvss_scores(doc: Any, file: str, lines: LineIndex) -> list[ArtifactError]:
    """Every CVSS base score outside [0, 10] (or not finite) in a raw scanner report.

    Without this, an adapter reads a score of 98 as "no score" and falls back to the vendor word, or to
    ``unknown``: the report would decide its own severity."""
    out = []
    for ptr, key, value in _walk(doc):
        if key.casefold() not in CVSS_SCORE_KEYS:
            continue
        score = _as_number(value)
        if score is not None and not (math.isfinite(score) and 0 <= score <= 10):
            out.append(_error(f"CVSS score {value!r} at {key} is outside 0-10", file, lines, ptr,
                              "CVSS base scores range from 0.0 to 10.0; the report is corrupt or was edited"))
    return out


def validation_inconsistencies(doc: Mapping[str, Any], file: str, lines: LineIndex) -> list[ArtifactError]:
    """A Great Expectations result whose ``success`` contradicts its own results or statistics."""
    results = [r for r in doc.get("results", []) if isinstance(r, Mapping)]
    # GE versions differ on an expectation that raised an exception: some count it as unsuccessful, some as
    # successful in their totals (the collector treats the run as failed either way). So raised ones may be
    # counted on either side; only expectations that ran and failed contradict ``success: true``.
    raised = sum(1 for r in results if _raised(r))
    failed = sum(1 for r in results if r.get("success") is not True and not _raised(r))
    passed = len(results) - failed - raised
    stats = doc.get("statistics") if isinstance(doc.get("statistics"), Mapping) else {}
    out: list[ArtifactError] = []
    hint = "commit the validation result exactly as Great Expectations wrote it"
    if doc.get("success") is True and failed:
        out.append(_error(f"success is true but {failed} of {len(results)} expectation results did not succeed",
                          file, lines, "/success", hint))
    assert isinstance(stats, Mapping)
    evaluated, unsuccessful = _as_number(stats.get("evaluated_expectations")), \
        _as_number(stats.get("unsuccessful_expectations"))
    successful, percent = _as_number(stats.get("successful_expectations")), _as_number(stats.get("success_percent"))
    claims = []
    if evaluated is not None and evaluated != len(results):
        claims.append(("evaluated_expectations", f"{stats['evaluated_expectations']!r} but results lists "
                                                 f"{len(results)}"))
    if unsuccessful is not None and not failed <= unsuccessful <= failed + raised:
        claims.append(("unsuccessful_expectations", f"{stats['unsuccessful_expectations']!r} but {failed} "
                                                    f"results failed ({raised} raised an exception)"))
    if successful is not None and not passed <= successful <= passed + raised:
        claims.append(("successful_expectations", f"{stats['successful_expectations']!r} but {passed} "
                                                  f"results succeeded ({raised} raised an exception)"))
    if percent is not None and not (0 <= percent <= 100):
        claims.append(("success_percent", f"{stats['success_percent']!r} is outside 0-100"))
    elif doc.get("success") is True and not raised and percent is not None and percent < 100:
        claims.append(("success_percent", f"{stats['success_percent']!r} contradicts success: true"))
    out += [_error(f"statistics.{key} = {what}", file, lines, f"/statistics/{key}", hint) for key, what in claims]
    return out


def _raised(result: Mapping[str, Any]) -> bool:
    info = result.get("exception_info")
    return isinstance(info, Mapping) and bool(info.get("raised_exception"))


def interval_inconsistencies(data: Mapping[str, Any], file: str, lines: LineIndex, *,
                             present: bool | None = None) -> list[ArtifactError]:
    """Confidence intervals of a normalized bias report whose lower bound exceeds the upper. ``present``: whether
    some mapping has the key ``confidence_intervals``, as :func:`prechecks` found (None: look)."""
    if not (prechecks(data, "confidence_intervals")[1] if present is None else present):  # every pointer below has one
        return []
    out = []
    for ptr, key, value in _walk(data):
        if "/confidence_intervals/" in ptr and isinstance(value, list) and len(value) == 2 \
                and all(isinstance(v, (int, float)) for v in value) and value[0] > value[1]:
            out.append(_error(f"confidence interval of {key} has lower bound {value[0]} above upper bound "
                              f"{value[1]}", file, lines, ptr, "regenerate the report"))
    return out
