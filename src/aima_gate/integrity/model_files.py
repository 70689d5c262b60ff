"""Classify a model file by what a loader would do with it, and scan every pickle any loader could run.

The rules (each closes a class of bypass by construction, see README "Security model"):

- A file a pickle-capable loader would open (pickle/torch/joblib/numpy extensions, a registry artifact, any
  container member) is walked as a pickle *whatever its magic*: after recognising a safe format (safetensors,
  GGUF, ONNX) or data, the same bytes are also walked tolerantly from byte 0, so a polyglot cannot hide.
- Every member of every container is scanned, whatever its name: zip (PyTorch, ``.npz``), tar (legacy torch),
  compressed streams (gzip, bz2, xz, lzma, zlib), nested up to ``Limits.max_depth``. Members are classified by
  content (``.npy`` magic, nested archive, pickle), as numpy and torch do.
- Every pickle in a stream is scanned: after STOP the rest is walked tolerantly (a loader may call load again).
- PyTorch checkpoints (zip, legacy stream, legacy tar) are read as torch.load reads them
  (:mod:`~aima_gate.integrity.torch_layout`): the storages torch reads as raw bytes are tensor data, everything it
  unpickles is scanned, and whatever does not fit the layout is scanned as above.
- joblib's raw arrays are skipped exactly as joblib skips them; the same stream is then also walked as plain
  ``pickle.load`` would (tolerantly), so neither loader can be steered past the scanner.
- Malformed input is an :class:`ArtifactError` naming the file and member (exit 2), never an internal error;
  every limit (:class:`~aima_gate.integrity.containers.Limits`) ends in such an error, never a hang.
"""

from __future__ import annotations

import io
import lzma
import posixpath
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from typing import IO, Any

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.allowlist import Allowlist
from aima_gate.integrity.containers import Limits, compression_of, decompressed, read_npy_header
from aima_gate.integrity.inspection import Inspection
from aima_gate.integrity.joblib_arrays import WRAPPER, joblib_hook
from aima_gate.integrity.pickle_reader import _OPS, Budget, PickleError, ScanLimit, ScanResult
from aima_gate.integrity.pickle_scan import scan_stream
from aima_gate.integrity.safe_formats import is_path_config, safe_format
from aima_gate.integrity.torch_layout import (
    TorchWalker,
    is_legacy_stream,
    legacy_stream,
    tar_storages,
    tar_tensors,
    zip_plan,
)
from aima_gate.safeio.repo import Repo

PICKLE_EXTS = frozenset({".pkl", ".pickle", ".p", ".pk", ".pck", ".joblib", ".jbl", ".jl", ".pt", ".pth", ".ckpt",
                         ".dill", ".npy", ".npz", ".sav", ".pkl3"})
"""Names whose loaders unpickle: the content must be a complete pickle (or a container of them)."""
AMBIGUOUS_EXTS = frozenset({".bin", ".model", ".data", ".mar", ".tar", ".weights"})
"""Names some loaders unpickle (torch.load of pytorch_model.bin) and others do not (raw weights, protobufs): the
content is walked as pickle.load would read it, and bytes pickle.load would reject at once are data."""
COMPRESSED_EXTS = frozenset({".gz", ".bz2", ".xz", ".lzma", ".z", ".zlib"})
DATA_EXTS = frozenset({".json", ".txt", ".md", ".yaml", ".yml", ".csv", ".tsv", ".vocab", ".merges"})
SAFE_EXTS = frozenset({".safetensors", ".gguf", ".onnx"})
PICKLE_MEMBER_NAMES = (".pkl", ".pickle", ".joblib", ".dill", "data.pkl", "/pickle", "sys_info")
VENV_PARTS = ("site-packages", "dist-packages")


def _ext(rel: str) -> tuple[str, str]:
    """(extension, extension under a compression suffix): ``model.pkl.gz`` -> (``.gz``, ``.pkl``)."""
    base, ext = posixpath.splitext(rel.lower())
    return ext, posixpath.splitext(base)[1] if ext in COMPRESSED_EXTS else ""


def in_virtualenv(repo: Repo, rel: str) -> bool:
    parts = rel.split("/")
    if any(p in VENV_PARTS for p in parts[:-1]):
        return True
    return any(repo.root.joinpath(*parts[:k], "pyvenv.cfg").is_file() for k in range(1, len(parts)))


def inspect_model_file(repo: Repo, rel: str, *, allowlist: Allowlist | None = None, referenced: bool = False,
                       limits: Limits | None = None) -> dict[str, Any]:
    """Scan ``rel``; ``referenced``: a registry lists it as a model artifact (so a pickle loader may open it)."""
    path = repo.path(rel)
    size = path.stat().st_size
    ins = Inspection(rel, size, allowlist or Allowlist({}))
    lim = limits or Limits()
    scanner = Scanner(ins, lim, Budget(lim.max_opcodes, lim.max_seconds))
    ext, inner_ext = _ext(rel)
    with path.open("rb") as fh:
        try:
            fmt = scanner.top(fh, ext, inner_ext, size, referenced)
        except ArtifactError:
            raise
        except ScanLimit as exc:
            raise ins.error(f"{exc.message}; scanning stopped at byte {exc.position}", limit=True) from None
        except PickleError as exc:
            raise ins.error(f"cannot scan pickle: {exc.message} (at byte {exc.position})") from None
        except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError,
                NotImplementedError, RecursionError, MemoryError, struct.error, RuntimeError) as exc:
            raise ins.error(f"cannot read: {type(exc).__name__}: {exc}") from None
    ins.data["format"] = fmt
    ins.data["safe_format"] = fmt in ("safetensors", "gguf", "onnx", "data", "path-config")
    ins.data["scanned"] = True
    return ins.data


class Scanner:
    def __init__(self, ins: Inspection, limits: Limits, budget: Budget) -> None:
        self.ins = ins
        self.limits = limits
        self.budget = budget
        self.members = 0

    # ------------------------------------------------------------------------------------------ top level
    def top(self, fh: IO[bytes], ext: str, inner_ext: str, size: int, referenced: bool) -> str:
        ins = self.ins
        head = fh.read(512)
        fh.seek(0)
        if not head:
            raise ins.error("the model file is empty")
        pickle_capable = referenced or ext not in SAFE_EXTS | DATA_EXTS or inner_ext in PICKLE_EXTS
        fmt = safe_format(ins, fh, head, ext, size)
        if fmt is None and ext == ".pth" and is_path_config(fh, size):
            fmt = "path-config"
        if fmt == "path-config":
            # site.py reads these lines as paths or `import` statements; a torch.load would read them as a protocol
            # 0 pickle, whose imports count unless they cannot name a module at all (e.g. "mport os; ...")
            res = scan_stream(fh, self.budget, tolerant=True)
            kept = tuple(i for i in res.imports if i.computed or _importable(i.module))
            if kept:
                self.ins.add_scan(replace(res, imports=kept), None, view="torch.load")
            return fmt
        if fmt is not None:
            if pickle_capable:
                self._tolerant(fh, None, "the safe-format header read as a pickle")
            return fmt
        fmt = self.stream(fh, None, head, inner_ext if inner_ext else ext, depth=0, top=True)
        if fmt == "unknown":
            if ext in AMBIGUOUS_EXTS or (ext in DATA_EXTS and b"\x00" not in head):
                ins.note("not a pickle: pickle.load would stop before importing anything")
                return "data"
            raise ins.error(f"unrecognized model file format (extension {ext or 'none'}, header {head[:8].hex()})",
                            hint="aima-gate cannot tell whether loading this file runs code; store weights as "
                                 "safetensors, ONNX or GGUF, or exclude the file")
        return fmt

    # ------------------------------------------------------------------------------------------ any stream
    def stream(self, fh: IO[bytes], member: str | None, head: bytes, ext: str, depth: int, top: bool = False,
               reopen: Callable[[], IO[bytes]] | None = None) -> str:
        """Scan one stream (the file, a member, a decompressed body); returns the format it was read as."""
        if depth > self.limits.max_depth:
            raise self.ins.error(f"containers nested more than {self.limits.max_depth} deep", member=member)
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            self._zip(fh, member, depth)
            return "zip"
        if len(head) >= 262 and head[257:262] == b"ustar":
            self._tar(fh, member, depth)
            return "tar"
        if head[:6] == b"\x93NUMPY":
            self._npy(fh, member)
            return "npy"
        comp = compression_of(head)
        if comp is not None and (comp != "zlib" or ext in PICKLE_EXTS or not top or ext in (".z", ".zlib")):
            if top:
                self.ins.data["compression"] = comp
            if not fh.seekable():
                raise self.ins.error(f"{comp} stream inside a stream aima-gate cannot re-read", member=member)
            self._tolerant(fh, member, "the compressed bytes read as a pickle")
            where = f"{member or 'the file'} ({comp})"

            def reopen() -> IO[bytes]:
                fh.seek(0)
                return decompressed(comp, fh, self.limits, where)

            body = reopen()
            inner_head = body.peek(512)[:512]  # type: ignore[attr-defined]
            inner = self.stream(body, member, inner_head, ".pkl", depth + 1, reopen=reopen)
            return "pickle" if inner == "unknown" else inner
        if is_legacy_stream(head) and fh.seekable() and self._torch(fh, member, legacy_stream):
            return "pickle"
        if (member is None and ext in PICKLE_EXTS) or _starts_like_pickle(head) or _pickle_member(member):
            self.pickle(fh, member, reopen=reopen)
            return "pickle"
        if reopen is not None:  # a decompressed body that is not a pickle: walk it as pickle.load would
            res = scan_stream(fh, self.budget, tolerant=True)
            if res.imports:
                self.ins.add_scan(res, member, view="decompressed data read as a pickle")
            return "unknown" if member is None else "data"
        res = self._tolerant(fh, member, "data read as a pickle")
        if res.imports or (res.complete and res.opcodes):
            return "pickle"  # whatever the name, pickle.load would run it
        return "unknown" if member is None else "data"

    def pickle(self, fh: IO[bytes], member: str | None, start: int = 0,
               reopen: Callable[[], IO[bytes]] | None = None) -> ScanResult:
        """A strict scan in joblib's view (array bytes skipped), then pickle's own view if they differ."""
        rewind = fh.tell() if fh.seekable() else None
        res = scan_stream(fh, self.budget, hook=joblib_hook, watch=WRAPPER, start=start)
        self.ins.add_scan(res, member)
        if res.skipped_array_bytes:
            if rewind is not None:
                fh.seek(rewind)
                again = fh
            elif reopen is not None:
                again = reopen()
            else:
                raise self.ins.error("cannot re-read this joblib stream as plain pickle.load would (not seekable)",
                                     member=member)
            plain = scan_stream(again, self.budget, tolerant=True, start=start)
            self.ins.add_scan(plain, member, view="pickle.load")
        return res

    def _torch(self, fh: IO[bytes], member: str | None, walker: TorchWalker) -> bool:
        """Read ``fh`` in one of torch's checkpoint layouts (raw storages skipped as torch.load skips them);
        False, with ``fh`` rewound, when it does not follow the layout (it is then scanned as any stream)."""
        try:
            res, rest = walker(fh, self.budget)
        except ScanLimit:
            raise
        except (PickleError, ValueError) as exc:
            why = exc.message if isinstance(exc, PickleError) else str(exc)
            self.ins.note(f"{member or 'file'}: not in torch's checkpoint layout ({why}); scanned as pickles")
            fh.seek(0)
            return False
        self.ins.add_scan(res, member, view="torch.load")
        if rest is not None and rest.imports:
            self.ins.add_scan(rest, member, view="the bytes after the checkpoint read as a pickle")
        self.ins.note(f"{member or 'file'}: torch checkpoint layout, {res.skipped_array_bytes:,} bytes of "
                      "storage read as raw tensor data (as torch.load reads them)")
        return True

    def _tolerant(self, fh: IO[bytes], member: str | None, view: str) -> ScanResult:
        """Walk from byte 0 as ``pickle.load`` would, keeping what it imports before it would fail."""
        if fh.seekable():
            fh.seek(0)
        res = scan_stream(fh, self.budget, tolerant=True)
        if res.imports:
            self.ins.add_scan(res, member, view=view)
        if fh.seekable():
            fh.seek(0)
        return res

    # ------------------------------------------------------------------------------------------ containers
    def _zip(self, fh: IO[bytes], member: str | None, depth: int) -> None:
        ins = self.ins
        if not fh.seekable():
            fh = io.BytesIO(_bounded_read(fh, self.limits))
        self._tolerant(fh, member, "the zip header read as a pickle")
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            self.members += len(infos)
            if self.members > self.limits.max_members:
                raise ins.error(f"more than {self.limits.max_members:,} archive members (limit)", member=member)
            plan = zip_plan([i.filename for i in infos])
            storages: set[str] = set()  # storages the torch pickles reference: torch.load reads them as raw bytes
            for info in sorted(infos, key=lambda i: plan is None or i.filename not in plan.pickles):
                label = info.filename or '""'  # (zipfile cuts a name at its first NUL: it may be empty)
                name = label if member is None else f"{member}!{label}"
                if info.file_size == 0:  # (a zip reader yields no byte past the declared size: nothing to load)
                    continue  # never skipped by its name: numpy loads a member named "w/" (or "", after a NUL) too
                if info.flag_bits & 0x1:
                    raise ins.error("zip member is encrypted and cannot be scanned", member=name)
                lim = self.limits
                if info.file_size > lim.max_decompressed_bytes or (
                        info.file_size > lim.ratio_floor and info.file_size > lim.max_ratio * max(info.compress_size,
                                                                                                   1)):
                    raise ins.error(f"zip member declares {info.file_size:,} bytes from {info.compress_size:,} "
                                    f"compressed (decompression bomb limit)", member=name, limit=True)
                try:
                    with zf.open(info) as raw:
                        body = io.BufferedReader(raw, 1 << 16)  # type: ignore[type-var]
                        head = body.peek(512)[:512]
                        if plan is not None and info.filename in plan.pickles:  # unpickled as torch does
                            res = scan_stream(body, self.budget)
                            ins.add_scan(res, name)
                            storages |= plan.storage_members(info.filename, res)
                        elif info.filename in storages and head[:6] != b"\x93NUMPY":
                            continue
                        else:
                            self.stream(body, name, head, posixpath.splitext(info.filename.lower())[1], depth + 1)
                except (NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError,
                        OSError, ValueError) as exc:
                    raise ins.error(f"cannot read zip member: {type(exc).__name__}: {exc}", member=name) from None
                except ScanLimit as exc:
                    raise ins.error(f"{exc.message}; scanning stopped at byte {exc.position}", member=name,
                                    limit=True) from None
                except PickleError as exc:
                    raise ins.error(f"cannot scan pickle: {exc.message} (at byte {exc.position})",
                                    member=name) from None
        ins.note(f"zip archive with {len(infos)} member(s)" + (f" in {member}" if member else "")
                 + (f", {len(storages)} of them torch storages read as raw tensor data" if storages else ""))

    def _tar(self, fh: IO[bytes], member: str | None, depth: int) -> None:
        ins = self.ins
        seekable = fh.seekable()  # then so are its members: a torch layout that does not fit is read again
        with tarfile.open(fileobj=fh, mode="r:" if seekable else "r|") as tf:
            for info in tf:
                self.members += 1
                if self.members > self.limits.max_members:
                    raise ins.error(f"more than {self.limits.max_members:,} archive members (limit)", member=member)
                if not info.isfile():
                    continue
                name = info.name if member is None else f"{member}!{info.name}"
                body = tf.extractfile(info)
                if body is None:
                    continue
                data = io.BufferedReader(body, 1 << 16)  # type: ignore[type-var]
                head = data.peek(512)[:512]
                if head[:6] == b"\x93NUMPY" or head[:4] == b"PK\x03\x04" or compression_of(head):
                    self.stream(data, name, head, "", depth + 1)
                    continue
                walker = {"storages": tar_storages, "tensors": tar_tensors}.get(info.name) if seekable else None
                if walker is not None and self._torch(data, name, walker):
                    continue
                # legacy torch tar members are sequences of pickles read back to back: all must be walked
                res = scan_stream(data, self.budget, hook=joblib_hook, watch=WRAPPER, tolerant=True)
                ins.add_scan(res, name)
                if not res.complete or data.read(1):
                    raise ins.error("tar member holds data after its pickles that aima-gate cannot account for "
                                    "(a loader may read further pickles from it)", member=name)

    def _npy(self, fh: IO[bytes], member: str | None) -> None:
        try:
            hasobject, consumed, descr = read_npy_header(fh, self.limits)
        except (ValueError, SyntaxError, RecursionError, MemoryError) as exc:
            raise self.ins.error(f"not a .npy array numpy can read: {exc}", member=member) from None
        if hasobject:
            self.ins.note(f"{member or 'file'}: numpy array of dtype {descr} holds Python objects (pickled)")
            self.pickle(fh, member, start=consumed)
        else:
            self.ins.note(f"{member or 'file'}: numpy array of dtype {descr} (data)")


def _bounded_read(fh: IO[bytes], limits: Limits) -> bytes:
    data = fh.read(limits.ratio_floor + 1)
    if len(data) > limits.ratio_floor:
        raise ScanLimit(f"nested archive larger than {limits.ratio_floor:,} bytes (limit)", 0)
    return data


def _importable(module: str) -> bool:
    return all(part.isidentifier() for part in module.split("."))


def _starts_like_pickle(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0x80 and head[1] <= 5 and head[2:3] != b"" and head[2] in _OPS


def _pickle_member(member: str | None) -> bool:
    return member is not None and member.lower().endswith(PICKLE_MEMBER_NAMES)
