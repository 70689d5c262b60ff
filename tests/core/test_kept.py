"""core/kept.py: what is set aside under a name is held until the next set_aside or release of that name."""

from __future__ import annotations

import gc
import weakref

from aima_gate.core.kept import kept, release, set_aside


class _Thing:
    pass


def test_one_value_per_name_the_one_before_freed() -> None:
    first, second, other = _Thing(), _Thing(), _Thing()
    gone = weakref.ref(first)
    set_aside("test:a", first)
    set_aside("test:b", other)
    del first
    gc.collect()
    assert gone() is not None  # held while set aside
    set_aside("test:a", second)
    gc.collect()
    assert gone() is None and kept("test:a") is second and kept("test:b") is other
    release("test:a")
    release("test:b")
    release("test:nothing")  # nothing set aside: no error
    assert kept("test:a") is None and kept("test:b") is None
