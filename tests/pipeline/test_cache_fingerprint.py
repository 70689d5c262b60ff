"""The code fingerprint in a pack's identity (pipeline/cache.py) is the one Path.rglob made before os.walk did."""

from __future__ import annotations

from pathlib import Path

from aima_gate import __version__
from aima_gate.pipeline import cache
from aima_gate.pipeline.cache_codec import sha


def _fingerprint_before() -> str:
    package = Path(cache.__file__).resolve().parents[1]
    parts = [__version__]
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".txt", ".json", ".yml", ".yaml"):
            st = path.stat()
            parts.append(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}")
    return sha("\n".join(parts).encode())


def test_code_fingerprint_as_before() -> None:
    assert cache.code_fingerprint.__wrapped__() == _fingerprint_before()
