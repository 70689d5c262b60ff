"""A run without the artifact cache: the repository's walk and every kind's globs made in a forked child while this
process loads the policies.

Why: at 5,000 models the walk (15 ms), the globs' translation (17 ms) and the globs themselves (50 ms of CPU over
20,000 files, spread over two processes) sat on one core after the policies loaded (40 ms), before any file was
parsed. The child starts once the config is loaded (it decides the exclusions and each kind's ``paths``), walks,
and globs each kind's pattern list, every kind's (the policies that decide which kinds are read are not loaded
yet; globbing the others costs a few milliseconds); this process takes the results when the policies are in.

What travels back is the walk's own result (:meth:`~aima_gate.safeio.repo.Repo.listing`) and, per pattern list, the
paths :meth:`~aima_gate.safeio.repo.Repo.glob` returns for it: the same code on the same listing, in a copy of this
process (a glob is a pure function of the two). A list the child could not glob (a pattern the matcher refuses) is
left out: this process globs it and fails as it always did. Any failure (no fork, a child that dies or sends what
does not have the expected shape) means this process walks and globs itself: the same result, only later.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from aima_gate.config.repo_config import Config
from aima_gate.core.frames import framed, frames, send
from aima_gate.core.parallel import no_gc
from aima_gate.pipeline.walk_aside import is_listing
from aima_gate.safeio.repo import Repo

_TAG = "aima-gate globs 1"


class GlobsAside:
    """A child walking and globbing (:func:`start`); :meth:`join` installs what it sent, :meth:`finish` lets it
    go (both once)."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid: int | None = pid
        self._fd: int | None = fd

    def join(self, repo: Repo) -> bool:
        """Install the child's walk and globs in ``repo``; False (``repo`` untouched) when it sent nothing whole
        or of the expected shape. The child is let go either way."""
        fd = self._fd
        message: Any = None
        if fd is not None:
            try:
                with no_gc():  # 30,000 strings and lists, no cycles
                    message = next(frames(iter(functools.partial(os.read, fd, 1 << 20), b"")), None)
            except (OSError, EOFError, ValueError, TypeError):
                message = None
        self.finish()
        if not (type(message) is tuple and len(message) == 3 and message[0] == _TAG and is_listing(message[1])
                and _are_globs(message[2])):
            return False
        return repo.adopt_listing(*message[1]) and repo.adopt_globs(message[2])

    def finish(self) -> None:
        """Let the child go (stopped if it is still at work) and reap it."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        pid, self._pid = self._pid, None
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # (not reaped yet: the pid is still our child's)
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)


def _are_globs(globs: Any) -> bool:
    return type(globs) is list and all(
        type(g) is tuple and len(g) == 2 and type(g[0]) is tuple and all(type(p) is str for p in g[0])
        and type(g[1]) is list and all(type(f) is str for f in g[1]) for g in globs)


def start(repo: Repo, pattern_lists: Callable[[], Sequence[Sequence[str]]]) -> GlobsAside | None:
    """Fork a child that walks ``repo`` and globs each of ``pattern_lists()`` (called in the child); None where
    fork is unavailable or fails, or with ``AIMA_GATE_JOBS=1``: the caller then walks and globs itself."""
    from aima_gate.core.parallel import workers

    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or workers() < 2:
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: walk, glob, send, and leave running nothing of the parent's
        code = 1
        try:
            os.close(read_end)
            send(write_end, framed(marshal.dumps((_TAG, repo.listing(), _globbed(repo, pattern_lists())))))
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    return GlobsAside(pid, read_end)


def every_kinds_globs(config: Config) -> list[Sequence[str]]:
    """Every kind's pattern list, as the runner's ``collect`` globs it (called in the child)."""
    from aima_gate.collectors import COLLECTORS, load_collector

    return [config.artifacts.get(kind, {}).get("paths") or load_collector(kind).default_paths for kind in COLLECTORS]


def _globbed(repo: Repo, pattern_lists: Sequence[Sequence[str]]) -> list[tuple[tuple[str, ...], list[str]]]:
    out = []
    for key in dict.fromkeys(map(tuple, pattern_lists)):
        try:
            out.append((key, repo.glob(key)))
        except Exception:  # noqa: S112 - a refused pattern: this process globs the list and fails as it always did
            continue
    return out


__all__ = ["GlobsAside", "every_kinds_globs", "start"]
