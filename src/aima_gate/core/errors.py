"""One error base class that carries a human diagnosis and a location.

Every error the user can fix is an :class:`AimaGateError`; anything else reaching the CLI is a bug (exit 3).
Locations render as ``file:line: $.path: message``, as check-jsonschema does, so editors can jump to them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@functools.lru_cache(maxsize=4096)
def pointer_to_path(pointer: str) -> str:
    """Render a JSON pointer (``/models/0/owner``) as the ``$.models[0].owner`` form used in messages."""
    if not pointer:
        return "$"
    out = "$"
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else f".{part}"
    return out


@dataclass(frozen=True)
class Location:
    file: str | None = None
    line: int | None = None
    pointer: str | None = None

    def render(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.pointer is not None:
            parts.append(pointer_to_path(self.pointer))
        return ": ".join(parts)


class AimaGateError(Exception):
    """An error the user can act on. ``diagnosis`` says what is wrong; ``hint`` says how to fix it."""

    kind = "error"

    def __init__(
        self,
        diagnosis: str,
        *,
        file: str | None = None,
        line: int | None = None,
        pointer: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(diagnosis)
        self.diagnosis = diagnosis
        self.location = Location(file, line, pointer)
        self.hint = hint

    def __reduce__(self) -> tuple[object, ...]:
        # Keep location and hint when errors cross a process boundary (parallel collection).
        return (_rebuild, (type(self), self.diagnosis, self.location, self.hint), self.__dict__)

    @property
    def file(self) -> str | None:
        return self.location.file

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def pointer(self) -> str | None:
        return self.location.pointer

    def render(self) -> str:
        where = self.location.render()
        text = f"{where}: {self.diagnosis}" if where else self.diagnosis
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def __str__(self) -> str:
        return self.render()


class InputError(AimaGateError):
    """A file could not be read or parsed safely (size, encoding, syntax, alias bomb, symlink escape)."""

    kind = "input"


class ConfigError(AimaGateError):
    """``.aima-gate.yml`` is invalid."""

    kind = "config"


class PolicyError(AimaGateError):
    """A policy file is invalid: schema, unknown operator, kind, parameter or AIMA slug, bad regex."""

    kind = "policy"


class ArtifactError(AimaGateError):
    """An artifact is present but cannot be evaluated (wrong shape, missing referenced file, tool failure)."""

    kind = "artifact"


def _rebuild(cls: type[AimaGateError], diagnosis: str, location: Location, hint: str | None) -> AimaGateError:
    return cls(diagnosis, file=location.file, line=location.line, pointer=location.pointer, hint=hint)
