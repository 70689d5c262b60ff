"""Scan a stream of pickles without unpickling: the entry point over :class:`~aima_gate.integrity.pickle_walk.Walk`.

A stream may hold several consecutive pickles (legacy torch files do, and any loader may call ``load`` again), so
the first must be complete and the rest are walked tolerantly. Work is bounded by a
:class:`~aima_gate.integrity.pickle_reader.Budget`; exceeding it is a ``ScanLimit``, never a pass.
"""

from __future__ import annotations

from typing import IO

from aima_gate.integrity.pickle_reader import Budget, CannotFollow, PickleError, Reader, ScanLimit, ScanResult
from aima_gate.integrity.pickle_walk import ArrayHook, Walk


def scan_stream(stream: IO[bytes], budget: Budget, *, tolerant: bool = False, hook: ArrayHook | None = None,
                watch: tuple[str, str] | None = None, first: bytes | None = None, start: int = 0) -> ScanResult:
    """Scan consecutive pickles from ``stream`` (legacy torch files hold several; any loader may read on).

    The first pickle must be complete unless ``tolerant``; later data is walked tolerantly: imports seen before
    the point where ``pickle.load`` would raise are reported (they would already have run), then the walk stops.
    A :class:`ScanLimit` always propagates.
    """
    walk = Walk(Reader(stream, start), budget, hook, watch)
    strict = not tolerant
    head = first
    while True:
        if head is None:
            head = stream.read(1)
            if not head:
                return walk.result(True)
        try:
            walk.one(head)
        except (ScanLimit, CannotFollow):
            raise
        except PickleError:
            if strict:
                raise
            return walk.result(False)
        strict = False
        head = None


def scan(stream: IO[bytes], budget: Budget | None = None) -> ScanResult:
    """Strict scan of ``stream`` with the default limits (a convenience for tests and tools)."""
    return scan_stream(stream, budget or Budget(20_000_000, 120.0))
