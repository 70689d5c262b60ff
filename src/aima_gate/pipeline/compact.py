"""A cached full run's artifacts held encoded between collection and the first stage that reads them (issue 16:
memory flat in the number of models).

A full run collects every kind before it evaluates any (references and joins must be complete first), then
evaluates in stages, kind by kind (staged.py). A cached run's artifacts come in the artifact cache's exact
encoding (cache_codec.py: marshal bytes of each artifact's data and line index, written only when they read back
as exactly the same values; checked, never assumed): read back from the pack on a warm run, and encoded for the
pack anyway on a cold one, where the parse worker now sends only that encoding (:class:`Encoded`) instead of the
artifacts as well. They stay encoded (about a third of their size as objects) until their first stage decodes
them (``cache_codec.materialized``), instead of all being decoded at the end of collection beside the pack they
were read from (20,000 models, warm: 433 -> 396 MB peak). The kinds read after evaluation (models, model files,
attestations) are decoded at once, as before.

Encoded or not, an artifact evaluates identically (the cache's own guarantee: reports are byte-identical with and
without it); a run without the cache has nothing encoded and is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aima_gate.core.model import Artifact


@dataclass(frozen=True, slots=True)
class Encoded:
    """One parse's results as the artifact cache encodes them (``cache_codec.encode_results``)."""

    items: list[Any]
    blobs: list[bytes]


def expanded(results: Sequence[Any]) -> list[Any]:
    """``results`` with each :class:`Encoded` turned back into its artifacts and errors, in order; the artifacts'
    data and lines stay encoded until read (``cache_codec.LazyData``, ``LazyLines``)."""
    if not any(type(r) is Encoded for r in results):
        return list(results)
    from aima_gate.pipeline.cache_blobs import Blobs
    from aima_gate.pipeline.cache_codec import decode_results

    out: list[Any] = []
    for r in results:
        if type(r) is Encoded:
            out += decode_results(r.items, Blobs(r.blobs))
        else:
            out.append(r)
    return out


def detached(artifacts: Sequence[Artifact]) -> None:
    """Give every artifact still encoded its own copy of its bytes: an artifact read back from the cache holds a
    view of the whole pack, which any one view keeps alive (tens of MB) until the last of them is decoded."""
    from aima_gate.pipeline.cache_codec import LazyData

    seen: set[int] = set()
    for art in artifacts:
        data = art.data
        if type(data) is LazyData and id(data._blobs) not in seen:
            seen.add(id(data._blobs))
            data._blobs.detach()


__all__ = ["Encoded", "detached", "expanded"]
