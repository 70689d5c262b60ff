"""Real gpg key material for tests: throwaway keys in temporary GNUPGHOMEs (ed25519, no passphrase).

Never touches the user's keyring: every call passes --homedir. Agents started for signing are killed by
:meth:`Signer.close`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--no-tty", "--pinentry-mode",
                           "loopback", "--passphrase", "", *args], input=stdin, capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc


class Signer:
    def __init__(self, uid: str = "Test Signer <signer@example.test>", *, expire: str = "never",
                 faked_time: str | None = None) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="aima-test-gnupg-"))
        self.home.chmod(0o700)
        self.uid = uid
        extra = ["--faked-system-time", faked_time] if faked_time else []
        gpg(self.home, *extra, "--quick-gen-key", uid, "ed25519", "sign", expire)
        out = gpg(self.home, "--with-colons", "--list-keys", uid).stdout.decode()
        self.fingerprint = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))

    def sign(self, target: Path, *, armor: bool = True, out: Path | None = None, faked_time: str | None = None,
             sig_expire: str | None = None, digest: str | None = None) -> Path:
        suffix = ".asc" if armor else ".sig"
        dest = out or target.with_name(target.name + suffix)
        extra = ["--faked-system-time", faked_time] if faked_time else []
        if sig_expire:
            extra += ["--default-sig-expire", sig_expire]
        if digest:
            extra += ["--digest-algo", digest]
        gpg(self.home, *extra, "--local-user", self.fingerprint, *(["--armor"] if armor else []), "--output",
            str(dest), "--detach-sign", str(target))
        return dest

    def public_key(self) -> bytes:
        return gpg(self.home, "--armor", "--export", self.fingerprint).stdout

    def revoke(self) -> None:
        cert = (self.home / "openpgp-revocs.d" / f"{self.fingerprint}.rev").read_text()
        cert = cert.replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----")
        gpg(self.home, "--import", stdin=cert.encode())

    def close(self) -> None:
        gpgconf = shutil.which("gpgconf")
        if gpgconf:
            subprocess.run([gpgconf, "--homedir", str(self.home), "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(self.home, ignore_errors=True)
