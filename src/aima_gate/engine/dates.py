"""ISO 8601 dates as policies compare them (``within_days``, ``date_after``, ``date_before``) and collectors read
them. Pure: no I/O, no clock."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

_ISO_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:[+-]\d{2}:?\d{2})?)?")


def parse_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return _dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    # Older Pythons' fromisoformat refuses some valid ISO 8601 date-times (nanoseconds, "+0000"); accept those by
    # their date only when the whole string is such a date-time. Trailing text ("2026-11-24 (approx.)",
    # "2026-11-24T99:99") is not a date: truncating it would let any string pass a freshness check.
    if not _ISO_DATE_TIME.fullmatch(text):
        return None
    try:
        return _dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


__all__ = ["parse_date"]
