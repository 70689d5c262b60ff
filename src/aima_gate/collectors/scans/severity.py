"""Severity from CVSS: scores and vectors to the qualitative scale (CVSS v3.x/v4 table), never guessed.

A vulnerability whose report gives no CVSS and no vendor severity is ``unknown``, never ``low``.
Vectors are scored with the ``cvss`` library (Red Hat Product Security), imported only when a vector is seen.
"""

from __future__ import annotations

from typing import Any

RANK = {"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_WORDS = {"critical": "critical", "high": "high", "important": "high", "medium": "medium", "moderate": "medium",
          "low": "low", "negligible": "low", "none": "low", "info": "low", "informational": "low"}


def from_score(score: float | None) -> str:
    """CVSS qualitative rating: 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical (0.0 is low here)."""
    if score is None:
        return "unknown"
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def from_word(word: Any) -> str:
    if not isinstance(word, str):
        return "unknown"
    return _WORDS.get(word.strip().lower(), "unknown")


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if 0 <= value <= 10 else None
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        return parsed if 0 <= parsed <= 10 else None
    return None


def vector_score(vector: Any) -> float | None:
    """Base score of a CVSS v2/v3/v4 vector string; None when it does not parse."""
    if not isinstance(vector, str) or not vector.strip():
        return None
    import cvss

    text = vector.strip()
    try:
        if text.startswith("CVSS:4"):
            return float(cvss.CVSS4(text).base_score)
        if text.startswith("CVSS:3"):
            return float(cvss.CVSS3(text).scores()[0])
        return float(cvss.CVSS2(text).scores()[0])
    except Exception:  # cvss raises several error types for malformed vectors
        return None


def best(scores: list[float | None]) -> float | None:
    known = [s for s in scores if s is not None]
    return max(known) if known else None


def at_least(severity: str) -> list[str]:
    """Thresholds this severity meets, lowest first (``high`` -> [low, medium, high]); unknown meets none."""
    rank = RANK.get(severity, 0)
    return [name for name, r in sorted(RANK.items(), key=lambda kv: kv[1]) if 0 < r <= rank]
