"""The one source of "now": the evaluation date, evidence timestamps and scanner start times all come from here.

A run either follows the system clock (UTC) or is pinned to a date (``--today`` / ``AIMA_GATE_TODAY``). A pinned
run stamps what it produces at midnight UTC of that date, so evidence made by a pinned run is never "in the
future" of the same run's evaluation date, and a pinned run gives the same output whatever day it runs on.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass

TODAY_ENV = "AIMA_GATE_TODAY"


@dataclass(frozen=True)
class Clock:
    today: _dt.date
    pinned: bool

    @classmethod
    def system(cls) -> Clock:
        return cls(_dt.datetime.now(_dt.timezone.utc).date(), pinned=False)

    @classmethod
    def current(cls) -> Clock:
        """Pinned by ``AIMA_GATE_TODAY`` when it is set (library callers honour it as the CLI does), else system."""
        value = os.environ.get(TODAY_ENV)
        return cls.at(parse_day(value)) if value else cls.system()

    @classmethod
    def at(cls, day: _dt.date) -> Clock:
        return cls(day, pinned=True)

    def now(self) -> _dt.datetime:
        """An aware UTC timestamp (whole seconds) on the evaluation date."""
        if self.pinned:
            return _dt.datetime.combine(self.today, _dt.time(), tzinfo=_dt.timezone.utc)
        return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def parse_day(value: str) -> _dt.date:
    """``YYYY-MM-DD`` only: a date with trailing text or a time is refused, never truncated."""
    if len(value) != 10:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
