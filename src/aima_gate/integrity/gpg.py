"""GPG detached signatures, verified by the real ``gpg`` (through python-gnupg) against pinned keys only.

Per run (per :class:`~aima_gate.safeio.repo.Repo`) one :class:`Verifier` creates a temporary GNUPGHOME, imports the
armored public keys of ``signing.keyring`` and nothing else, and deletes the home when the run ends. The user's
own keyring is never read. ``gpg`` reads the signed file itself, by path, so verification streams.

Statuses (``STATUSES``): only ``valid`` (a good signature by a key whose fingerprint is on
``signing.allowed_fingerprints``) is a pass; everything else is a failure with evidence. ``gpg`` missing, an
unreadable or private keyring are errors (exit 2) naming the file.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aima_gate.core.errors import ArtifactError, ConfigError
from aima_gate.safeio.repo import Repo

STATUSES = ("valid", "bad_signature", "key_not_allowlisted", "unknown_key", "expired_key", "revoked_key",
            "expired_signature", "missing_signature", "unreadable_signature", "weak_hash", "unverifiable_offline")

HASH_ALGOS = {"1": "MD5", "2": "SHA1", "3": "RIPEMD160", "8": "SHA256", "9": "SHA384", "10": "SHA512",
              "11": "SHA224"}
WEAK_HASHES = frozenset({"MD5", "SHA1", "RIPEMD160"})
GPG_OPTIONS = ["--no-autostart", "--no-auto-key-retrieve", "--no-auto-key-locate", "--trust-model", "always",
               "--no-permission-warning"]

_EXPLAIN = {
    "valid": "good signature by an allowlisted key",
    "bad_signature": "the signed content does not match the signature (the file changed after it was signed, "
                     "or the signature belongs to another file)",
    "key_not_allowlisted": "the signature is good but the key's fingerprint is not on signing.allowed_fingerprints",
    "unknown_key": "the signing key is not in the pinned keyring",
    "expired_key": "the signing key has expired",
    "revoked_key": "the signing key was revoked",
    "expired_signature": "the signature has expired",
    "missing_signature": "no signature covers this file",
    "unreadable_signature": "the signature file holds no readable OpenPGP signature",
}


def explain(status: str) -> str:
    return _EXPLAIN[status]


@dataclass(frozen=True)
class SigningConfig:
    keyring: str | None
    """Repo-relative path of the armored public-key file."""
    allowed: frozenset[str]
    config_file: str
    line: int | None = None


def signing_config(settings: Mapping[str, Any], config_file: str | None = None) -> SigningConfig:
    raw = settings.get("signing") or {}
    allowed = frozenset(str(f).replace(" ", "").upper() for f in raw.get("allowed_fingerprints", ()))
    keyring = raw.get("keyring")
    return SigningConfig(keyring, allowed, config_file or ".aima-gate.yml")


@dataclass
class Verifier:
    repo: Repo
    cfg: SigningConfig
    home: str | None = None
    gpg: Any = None
    cache: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    keyring_fingerprints: tuple[str, ...] = ()

    def _start(self, for_file: str) -> None:
        if self.gpg is not None:
            return
        assert self.cfg.keyring is not None
        key_data = self.repo.read_bytes(self.cfg.keyring)
        _refuse_secret_keys(key_data, self.cfg.keyring)
        import tempfile

        import gnupg

        self.home = tempfile.mkdtemp(prefix="aima-gate-gnupg-")
        weakref.finalize(self, _cleanup, self.home)
        try:
            self.gpg = gnupg.GPG(gnupghome=self.home, options=GPG_OPTIONS)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ArtifactError(f"cannot verify {for_file}: gpg is not usable ({exc})", file=for_file,
                                hint="install GnuPG (apt-get install gnupg) and make `gpg` available on PATH") from None
        result = self.gpg.import_keys(key_data)
        fprs = tuple(sorted({f.upper() for f in (result.fingerprints or [])}))
        if not fprs:
            detail = (result.stderr or "").strip().splitlines()[-1:] or ["no key found"]
            raise ArtifactError(f"the pinned keyring holds no readable OpenPGP public key ({detail[0]})",
                                file=self.cfg.keyring, hint="export it with gpg --armor --export FINGERPRINT")
        self.keyring_fingerprints = fprs

    def verify(self, sig_rel: str, target_rel: str) -> dict[str, Any]:
        """Verify detached signature ``sig_rel`` over ``target_rel`` (both repo-relative, inside the repo)."""
        key = (sig_rel, target_rel)
        if key not in self.cache:
            self.cache[key] = self._verify(sig_rel, target_rel)
        return self.cache[key]

    def _verify(self, sig_rel: str, target_rel: str) -> dict[str, Any]:
        base: dict[str, Any] = {"format": "openpgp", "signature_file": sig_rel, "signed_file": target_rel}
        if not self.cfg.keyring:
            return make_result(base, "unknown_key", "no keys are pinned: set signing.keyring (an armored public-key "
                           "file in the repository) and signing.allowed_fingerprints in .aima-gate.yml")
        import subprocess  # here, not at the top: every run imports this module (collectors), few verify

        self._start(sig_rel)
        sig_path = self.repo.path(sig_rel)
        target_path = self.repo.path(target_rel, referenced_from=(sig_rel, None))
        with sig_path.open("rb") as fh:
            head = fh.read(64)
        if not head.strip():
            return make_result(base, "unreadable_signature", "the signature file is empty")
        try:
            with sig_path.open("rb") as fh:
                res = self.gpg.verify_file(fh, data_filename=str(target_path))
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise ArtifactError(f"gpg failed to run on {sig_rel}: {exc}", file=sig_rel) from None
        return classify(base, res.stderr or "", self.cfg.allowed)


def _refuse_secret_keys(key_data: bytes, keyring: str) -> None:
    """A keyring holding secret-key packets (binary, armored under any label, or compressed) is refused, and so is
    one that is not a readable packet sequence: gpg would import whatever it can, so the gate must see it all."""
    from aima_gate.integrity.openpgp_packets import MalformedPackets, secret_packets

    try:
        found = secret_packets(key_data)
    except MalformedPackets as exc:
        raise ArtifactError(f"the pinned keyring holds no readable OpenPGP public key (not a well-formed OpenPGP "
                            f"key file: {exc})", file=keyring,
                            hint="export the public keys again: gpg --armor --export FPR") from None
    if found:
        raise ConfigError(f"the pinned keyring holds a PRIVATE key ({found[0]}): remove it from the repository and "
                          "rotate it", file=keyring, hint="export only public keys: gpg --armor --export FPR")


def make_result(base: dict[str, Any], status: str, detail: str, **info: Any) -> dict[str, Any]:
    out = {**base, "status": status, "valid": status == "valid", "fingerprint": None, "primary_fingerprint": None,
           "key_id": None, "user_id": None, "signed_at": None, "hash_algorithm": None, "allowlisted": False}
    out.update(info)
    out["detail"] = detail
    out["summary"] = summarize(out)
    return out


def summarize(r: Mapping[str, Any]) -> str:
    who = r.get("primary_fingerprint") or r.get("fingerprint") or r.get("key_id")
    parts = [f"{r['status']}: {r['signature_file']}" if r.get("signature_file") else str(r["status"])]
    if who:
        parts.append(f"key {who}" + (f" ({r['user_id']})" if r.get("user_id") else ""))
    if r.get("signed_at"):
        parts.append(f"signed {r['signed_at']}")
    if r.get("hash_algorithm"):
        parts.append(str(r["hash_algorithm"]))
    return ", ".join(parts) + f": {r['detail']}"


def _ts(value: str) -> str | None:
    if not value or value == "0":
        return None
    if value.isdigit():
        return _dt.datetime.fromtimestamp(int(value), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value  # gpg may print ISO 8601 already


def classify(base: dict[str, Any], status_text: str, allowed: frozenset[str]) -> dict[str, Any]:
    """Turn gpg's machine-readable status lines into one status with evidence (see ``STATUSES``)."""
    lines: dict[str, list[str]] = {}
    for raw in status_text.splitlines():
        if raw.startswith("[GNUPG:] "):
            key, _, value = raw[9:].partition(" ")
            lines.setdefault(key, []).append(value)
    info: dict[str, Any] = {}
    for key in ("GOODSIG", "BADSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG"):
        if key in lines:
            key_id, _, uid = lines[key][0].partition(" ")
            info.update(key_id=key_id, user_id=uid or None)
    if "VALIDSIG" in lines:
        f = lines["VALIDSIG"][0].split()
        info.update(fingerprint=f[0], signed_at=_ts(f[2]), hash_algorithm=HASH_ALGOS.get(f[7], f"algo {f[7]}"),
                    primary_fingerprint=f[9] if len(f) >= 10 else f[0])
    if "ERRSIG" in lines:
        f = lines["ERRSIG"][0].split()
        info.setdefault("key_id", f[0])
        if len(f) >= 5:
            info.setdefault("signed_at", _ts(f[4]))
            info.setdefault("hash_algorithm", HASH_ALGOS.get(f[2], f"algo {f[2]}"))
        if len(f) >= 7 and f[6] != "-":
            info.setdefault("fingerprint", f[6])
    if "SIG_ID" in lines and not info.get("signed_at"):
        info["signed_at"] = _ts(lines["SIG_ID"][0].split()[-1])
    if len([k for k in ("GOODSIG", "BADSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", "ERRSIG") if k in lines]) == 0:
        return make_result(base, "unreadable_signature", "gpg found no OpenPGP signature in the file", **info)
    if sum(len(lines.get(k, [])) for k in ("NEWSIG",)) > 1:
        return make_result(base, "unreadable_signature", "the file holds several signatures; keep one per file", **info)
    if "BADSIG" in lines:
        return make_result(base, "bad_signature", explain("bad_signature"), **info)
    if "ERRSIG" in lines:
        if "NO_PUBKEY" in lines or lines["ERRSIG"][0].split()[5:6] == ["9"]:
            return make_result(base, "unknown_key", explain("unknown_key"), **info)
        return make_result(base, "unreadable_signature", "gpg cannot check this signature (unsupported algorithm "
                       "or malformed packet)", **info)
    for key, status in (("REVKEYSIG", "revoked_key"), ("EXPKEYSIG", "expired_key"), ("EXPSIG", "expired_signature")):
        if key in lines:
            return make_result(base, status, explain(status), **info)
    if "GOODSIG" in lines and "VALIDSIG" in lines:
        fprs = {str(info.get("fingerprint")).upper(), str(info.get("primary_fingerprint")).upper()}
        if fprs & allowed:
            if info.get("hash_algorithm") in WEAK_HASHES:
                return make_result(base, "weak_hash", f"the signature uses the broken hash {info['hash_algorithm']}; "
                                   "re-sign with SHA-256 or stronger", allowlisted=True, **info)
            return make_result(base, "valid", explain("valid"), allowlisted=True, **info)
        return make_result(base, "key_not_allowlisted", explain("key_not_allowlisted"), **info)
    return make_result(base, "unreadable_signature", "gpg gave no verdict on this signature", **info)


def _cleanup(home: str) -> None:
    import shutil
    import subprocess

    gpgconf = shutil.which("gpgconf")
    if gpgconf:
        subprocess.run([gpgconf, "--homedir", home, "--kill", "all"], capture_output=True, check=False, timeout=10)
    shutil.rmtree(home, ignore_errors=True)


_VERIFIERS: weakref.WeakKeyDictionary[Repo, Verifier] = weakref.WeakKeyDictionary()


def verifier(repo: Repo, settings: Mapping[str, Any]) -> Verifier:
    """The run's verifier (one temporary GNUPGHOME per repository object, removed when the run ends)."""
    if repo not in _VERIFIERS:
        _VERIFIERS[repo] = Verifier(repo, signing_config(settings))
    return _VERIFIERS[repo]


atexit.register(_VERIFIERS.clear)
