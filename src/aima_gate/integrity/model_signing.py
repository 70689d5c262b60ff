"""OpenSSF model-signing (sigstore/model-transparency) bundles, verified offline where that is honest.

A bundle is a Sigstore bundle JSON (``mediaType application/vnd.dev.sigstore.bundle...``) whose DSSE envelope
carries an in-toto statement listing each model file's SHA-256 (``predicate.resources``, v1.0; or one subject
per file, v0.2). aima-gate checks, offline:

- key-based bundles (``verificationMaterial.publicKey``): the DSSE signature over the PAE-encoded payload is
  verified with ``cryptography`` against the PEM public keys pinned in ``signing.model_signing_keys``; the key
  embedded in the bundle is never trusted by itself. ECDSA (P-256/384/521), Ed25519, RSA PKCS#1 v1.5 and, where
  the installed ``cryptography`` supports it (46+), post-quantum ML-DSA-44/65/87. A key or bundle whose algorithm
  this installation cannot verify is ``unsupported_algorithm``, never ``bad_signature``: failing to check a
  signature is not evidence that the model was tampered with;
- every listed file's digest (streamed), the statement's subject digest over the resource digests, and files in
  the model folder that the bundle does not list. A single-file bundle (one resource named ``"."``, what
  ``model_signing sign ... FILE`` writes) signs one file and no folder: its file is found by its bytes (see
  :mod:`aima_gate.integrity.model_signing_files`); when no repository file holds them the status is
  ``signed_file_missing`` (not a pass, not tampering), naming the expected digest;
- Sigstore keyless (``certificate`` + Rekor ``tlogEntries``) and certificate-chain bundles cannot be verified
  offline: checking the Fulcio chain, the transparency-log inclusion proof and the signer identity needs the
  Sigstore trust root. They are reported as ``unverifiable_offline`` with the identity the certificate claims,
  its key's fingerprint and the log's integration time as claimed, never as valid.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import posixpath
import re
import weakref
from collections.abc import Mapping
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex
from aima_gate.integrity import gpg
from aima_gate.integrity.digests import sha256_file
from aima_gate.integrity.model_signing_files import folder_rows, is_single_file, signed_file_missing, single_file_row
from aima_gate.safeio.repo import Repo

PREDICATE_V1 = "https://model_signing/signature/v1.0"
PREDICATE_V02 = "https://model_signing/Digests/v0.1"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CACHE: weakref.WeakKeyDictionary[Repo, dict[tuple[str, str | None], dict[str, Any]]] = weakref.WeakKeyDictionary()


def is_bundle(doc: Any) -> bool:
    return isinstance(doc, dict) and str(doc.get("mediaType", "")).startswith("application/vnd.dev.sigstore.bundle")


def _b64(value: Any, what: str, file: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (ValueError, TypeError):
        raise ArtifactError(f"model-signing bundle: {what} is not valid base64", file=file) from None


def pae(payload_type: str, body: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def _mldsa_types() -> tuple[type, ...]:
    """ML-DSA public key classes of the installed cryptography (46+), else none."""
    try:
        from cryptography.hazmat.primitives.asymmetric import mldsa
    except ImportError:
        return ()
    return tuple(getattr(mldsa, n) for n in ("MLDSA44PublicKey", "MLDSA65PublicKey", "MLDSA87PublicKey")
                 if hasattr(mldsa, n))


def _verify_with(key: Any, sig: bytes, message: bytes) -> bool | None:
    """True/False for a verified/failed signature; None when this key's algorithm cannot be verified here."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            algo = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}.get(key.curve.key_size)
            if algo is None:
                return None
            key.verify(sig, message, ec.ECDSA(algo))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, message)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, _mldsa_types()):
            pq: Any = key
            pq.verify(sig, message)  # ML-DSA signs the message itself (pure mode, empty context), as DSSE needs
        else:
            return None
    except (InvalidSignature, ValueError):
        return False
    return True


# model_signing's ML-DSA keys are raw FIPS 204 public keys (no PEM): their length names the parameter set.
_MLDSA_RAW = {1312: "MLDSA44PublicKey", 1952: "MLDSA65PublicKey", 2592: "MLDSA87PublicKey"}
UNSUPPORTED_KEY = object()
"""A real public key of an algorithm the installed cryptography cannot load."""


def _load_raw_mldsa(data: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import mldsa
    except ImportError:
        return UNSUPPORTED_KEY
    cls = getattr(mldsa, _MLDSA_RAW[len(data)], None)
    if cls is None:
        return UNSUPPORTED_KEY
    try:
        return cls.from_public_bytes(data)
    except ValueError:
        return None


def _load_pem(data: bytes, file: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    if b"PRIVATE KEY" in data:
        raise ArtifactError("a pinned model-signing key file holds a PRIVATE key: remove and rotate it", file=file)
    from cryptography.exceptions import UnsupportedAlgorithm

    if not data.lstrip().startswith(b"-----BEGIN") and len(data) in _MLDSA_RAW:
        key = _load_raw_mldsa(data)
        if key is not None:
            return key
    try:
        return serialization.load_pem_public_key(data)
    except UnsupportedAlgorithm:
        return UNSUPPORTED_KEY  # a real key of an algorithm this cryptography cannot load (e.g. ML-DSA before 46)
    except ValueError as exc:
        raise ArtifactError(f"not a PEM public key: {exc}", file=file) from None


def _key_fingerprint(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _cert_facts(cert_der: bytes) -> tuple[str, str | None]:
    """The identity a signing certificate claims (SAN e-mail/URI, Fulcio OIDC issuer) and its key's fingerprint."""
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(cert_der)
    except ValueError:
        return "(unparseable certificate)", None
    try:
        fingerprint = _key_fingerprint(cert.public_key())
    except ValueError:  # a key type cryptography cannot load
        fingerprint = None
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in san.get_values_for_type(x509.RFC822Name)] + \
            [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        pass
    issuer = ""
    for ext in cert.extensions:
        if ext.oid.dotted_string in ("1.3.6.1.4.1.57264.1.1", "1.3.6.1.4.1.57264.1.8"):
            raw = getattr(ext.value, "value", b"")
            issuer = raw.decode("utf-8", "replace").lstrip("\x0c\x16").strip() if isinstance(raw, bytes) else ""
    who = ", ".join(names) or cert.subject.rfc4514_string()
    return who + (f" (OIDC issuer {issuer[-80:].lstrip(chr(0)).strip()})" if issuer else ""), fingerprint


def inspect_bundle(repo: Repo, settings: Mapping[str, Any], rel: str, signed: str | None = None) -> dict[str, Any]:
    """The status of bundle ``rel`` (a signature subject). ``signed``: for a single-file bundle, the repository file
    to check against it (by default the file is looked for, see :func:`.model_signing_files.single_file_row`)."""
    cache = _CACHE.setdefault(repo, {})
    if (rel, signed) not in cache:
        cache[rel, signed] = _inspect(repo, settings, rel, signed)
    return cache[rel, signed]


_TYPE_NAMES: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}


def _typed(value: Any, typ: type, what: str, rel: str) -> Any:
    """``value`` if it has JSON type ``typ``; a bundle whose field has another type is an input error naming it."""
    if not isinstance(value, typ):
        raise ArtifactError(f"model-signing bundle: {what} must be {_TYPE_NAMES[typ]}, not "
                            f"{type(value).__name__ if value is not None else 'null'}", file=rel)
    return value


def _get(obj: Mapping[str, Any], key: str, typ: type, what: str, rel: str) -> Any:
    """``obj[key]`` checked to be ``typ``; a missing (or null) field reads as the empty value of that type."""
    value = obj.get(key)
    return typ() if value is None else _typed(value, typ, what, rel)


def _statement_resources(statement: Mapping[str, Any], rel: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, sha256) of every file the signed statement lists, and the bundle's own ignore list."""
    ptype = statement.get("predicateType")
    resources: list[tuple[str, str]] = []
    ignore: list[str] = []
    if ptype == PREDICATE_V1:
        pred = _get(statement, "predicate", dict, "predicate", rel)
        ser = _get(pred, "serialization", dict, "predicate.serialization", rel)
        if ser.get("method", "files") != "files":
            raise ArtifactError("model-signing bundle uses a serialization method other than 'files' (e.g. "
                                "shards), which aima-gate does not verify", file=rel)
        ignore = [_typed(p, str, f"predicate.serialization.ignore_paths[{i}]", rel)
                  for i, p in enumerate(_get(ser, "ignore_paths", list, "predicate.serialization.ignore_paths", rel))]
        for i, r in enumerate(_get(pred, "resources", list, "predicate.resources", rel)):
            r = _typed(r, dict, f"predicate.resources[{i}]", rel)
            name = _typed(r.get("name"), str, f"predicate.resources[{i}].name", rel)
            if r.get("algorithm") != "sha256":
                raise ArtifactError(f"model-signing resource {name!r} uses hash {r.get('algorithm')!r}; "
                                    "aima-gate verifies sha256 only", file=rel)
            resources.append((name, _typed(r.get("digest"), str, f"predicate.resources[{i}].digest", rel).lower()))
        subjects = _get(statement, "subject", list, "subject", rel)
        first = _typed(subjects[0], dict, "subject[0]", rel) if subjects else {}
        subject = _get(first, "digest", dict, "subject[0].digest", rel).get("sha256")
        expect = hashlib.sha256(b"".join(bytes.fromhex(d) for _, d in resources)).hexdigest() if all(
            _SHA256.fullmatch(d) for _, d in resources) else None
        if subject != expect:
            raise ArtifactError("model-signing statement subject digest does not match its resource digests",
                                file=rel)
    elif ptype == PREDICATE_V02:
        for i, sub in enumerate(_get(statement, "subject", list, "subject", rel)):
            sub = _typed(sub, dict, f"subject[{i}]", rel)
            digest = _get(sub, "digest", dict, f"subject[{i}].digest", rel).get("sha256", "")
            resources.append((_typed(sub.get("name"), str, f"subject[{i}].name", rel),
                              _typed(digest, str, f"subject[{i}].digest.sha256", rel).lower()))
    else:
        raise ArtifactError(f"unknown model-signing predicateType {ptype!r}", file=rel)
    if not resources:
        raise ArtifactError("model-signing bundle lists no files", file=rel)
    return resources, ignore


def _inspect(repo: Repo, settings: Mapping[str, Any], rel: str, signed: str | None = None) -> dict[str, Any]:
    from aima_gate.safeio.loaders import load_json

    doc, _ = load_json(repo.read_text(rel), rel)
    if not is_bundle(doc):
        raise ArtifactError("JSON signature file is not a Sigstore/model-signing bundle (no sigstore mediaType)",
                            file=rel, line=1)
    env = doc.get("dsseEnvelope")
    vm = doc.get("verificationMaterial")
    if not isinstance(env, dict) or not isinstance(vm, dict) or not isinstance(env.get("signatures"), list) \
            or len(env["signatures"]) != 1 or not isinstance(env["signatures"][0], dict):
        raise ArtifactError("model-signing bundle needs dsseEnvelope with exactly one signature and "
                            "verificationMaterial", file=rel, line=1)
    body = _b64(_typed(env.get("payload"), str, "dsseEnvelope.payload", rel), "dsseEnvelope.payload", rel)
    sig = _b64(_typed(env["signatures"][0].get("sig"), str, "dsseEnvelope.signatures[0].sig", rel),
               "the DSSE signature", rel)
    _get(env, "payloadType", str, "dsseEnvelope.payloadType", rel)
    try:
        statement = json.loads(body)
    except ValueError:
        raise ArtifactError("model-signing bundle: the DSSE payload is not JSON", file=rel) from None
    from aima_gate.safeio.loaders import reject_lone_surrogates

    reject_lone_surrogates(statement, body.decode("utf-8", "replace"), rel, LineIndex({}))
    statement = _typed(statement, dict, "the DSSE payload (an in-toto statement)", rel)
    ptype = statement.get("predicateType")
    resources, ignore = _statement_resources(statement, rel)
    data: dict[str, Any] = {"format": "model-signing", "signature_file": rel,
                            "signed_file": posixpath.dirname(rel) or ".", "predicate_type": ptype,
                            "media_type": doc.get("mediaType")}
    # --- files
    single, name = is_single_file(resources), ""
    if single:
        subjects = statement.get("subject")
        first = subjects[0] if isinstance(subjects, list) and subjects and isinstance(subjects[0], dict) else {}
        name = str(first.get("name")) if ptype == PREDICATE_V1 and isinstance(first.get("name"), str) else ""
        row = single_file_row(repo, rel, resources[0][1], name, signed)
        rows, unlisted = [row], list[str]()
        changed = [f"{row['path']} changed after signing (SHA-256 {row['actual']}, signed {row['expected']})"
                   ] if row["status"] == "mismatch" else []
        data["signed_file"] = row["path"]
    else:
        rows, changed, unlisted = folder_rows(repo, rel, resources, ignore)
    data.update(resources=rows, unlisted=unlisted, ignore_paths=ignore, single_file=single)
    # --- signature
    if "publicKey" in vm:
        data["key_details"] = _get(_get(vm, "publicKey", dict, "verificationMaterial.publicKey", rel),
                                   "keyDetails", str, "verificationMaterial.publicKey.keyDetails", rel) or None
        status, detail, fpr = _key_based(repo, settings, vm, env, body, sig, rel)
        data["fingerprint"] = fpr
        how, claim = f"`model_signing verify key --signature {rel} --public_key <pinned key> <the file>`", ""
    else:
        cert = _get(_get(vm, "certificate", dict, "verificationMaterial.certificate", rel), "rawBytes", str,
                    "verificationMaterial.certificate.rawBytes", rel)
        chain = _get(_get(vm, "x509CertificateChain", dict, "verificationMaterial.x509CertificateChain", rel),
                     "certificates", list, "verificationMaterial.x509CertificateChain.certificates", rel)
        first_cert = _typed(chain[0], dict, "verificationMaterial.x509CertificateChain.certificates[0]",
                            rel) if chain else {}
        raw = cert or _get(first_cert, "rawBytes", str, "the chain's first certificate rawBytes", rel)
        ident, data["fingerprint"] = _cert_facts(_b64(raw, "the certificate", rel)) if raw else (
            "(no certificate)", None)
        data["user_id"] = ident
        # As claimed by the bundle, like the identity: checking the log entry needs Sigstore's trust root.
        data["signed_at"] = _integrated_time(vm)
        kind = "Sigstore keyless (Fulcio certificate, Rekor log)" if cert else "certificate-chain"
        how = f"`model_signing verify sigstore --signature {rel} <the file>`"
        claim = f"{kind} bundle claiming signer {ident}"
        status, detail = "unverifiable_offline", (
            f"{claim}: its certificate chain, transparency-log proof and signer "
            "identity need Sigstore's trust root, which aima-gate does not fetch at run time, so the signature is "
            "NOT verified (file digests were compared with the signed statement only). Verify it online with "
            f"{how}, or sign with a pinned key")
    if unlisted:
        changed.append(f"{len(unlisted)} file(s) in the signed folder are not in the bundle: "
                       f"{', '.join(unlisted[:5])}{' ...' if len(unlisted) > 5 else ''} (sign the whole folder again, "
                       "or list them in the bundle's ignore_paths when signing)")
    if changed and status in ("valid", "unverifiable_offline"):
        status, detail = "bad_signature", "; ".join(changed[:5])
    elif single and rows[0]["status"] == "not_found":
        status, detail = signed_file_missing(rel, rows[0]["expected"], name, status, detail, how, claim)
    return gpg.make_result(data, status, detail, allowlisted=status == "valid",
                           **{k: data[k] for k in ("fingerprint", "user_id", "signed_at") if k in data})


def _integrated_time(vm: Mapping[str, Any]) -> str | None:
    """The first transparency-log entry's ``integratedTime`` (Unix seconds) as UTC ISO 8601, if the bundle has one."""
    entries = vm.get("tlogEntries")
    first = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
    when = str(first.get("integratedTime") or "")
    if not when.isdigit() or len(when) > 12:
        return None
    return _dt.datetime.fromtimestamp(int(when), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_based(repo: Repo, settings: Mapping[str, Any], vm: Mapping[str, Any], env: Mapping[str, Any], body: bytes,
               sig: bytes, rel: str) -> tuple[str, str, str | None]:
    message = pae(env.get("payloadType") or "", body)
    pinned = (settings.get("signing") or {}).get("model_signing_keys") or []
    unsupported: list[str] = []
    for key_file in pinned:
        key = _load_pem(repo.read_bytes(key_file), key_file)
        verdict = None if key is UNSUPPORTED_KEY else _verify_with(key, sig, message)
        if verdict:
            return "valid", f"good signature by the key pinned in {key_file}", _key_fingerprint(key)
        if verdict is None:
            unsupported.append(key_file)
    raw = _get(vm["publicKey"] or {}, "rawBytes", str, "verificationMaterial.publicKey.rawBytes", rel)
    if raw:
        try:
            embedded = _load_pem(_b64(raw, "the embedded public key", rel), rel)
        except ArtifactError:
            embedded = None
        if embedded not in (None, UNSUPPORTED_KEY) and _verify_with(embedded, sig, message):
            return ("key_not_allowlisted", "the signature verifies only with the key embedded in the bundle, which "
                    "is not pinned in signing.model_signing_keys", _key_fingerprint(embedded))
    if not pinned:
        return "unknown_key", "no model-signing keys are pinned (signing.model_signing_keys)", None
    public = vm.get("publicKey") or {}
    # keyDetails (PKIX_ECDSA_P384_SHA_384, ...) or, for model_signing's ML-DSA bundles, hint "ML_DSA_65:<sha256>"
    details = str(public.get("keyDetails") or str(public.get("hint") or "").split(":", 1)[0])
    if unsupported or ("ML_DSA" in details.upper() and not _mldsa_types()):
        import cryptography

        named = ", ".join(unsupported) or "the pinned keys"
        return ("unsupported_algorithm", f"the signature ({details or 'unknown algorithm'}) could not be checked: "
                f"{named} use an algorithm cryptography {cryptography.__version__} cannot verify here (ML-DSA "
                "needs cryptography 46 or later); this is not evidence of tampering, and not a pass", None)
    return "bad_signature", "the DSSE signature does not verify with any pinned key", None


def bundle_status_for(repo: Repo, settings: Mapping[str, Any], bundle: str, rel: str) -> dict[str, Any] | None:
    """The bundle's status as it concerns model file ``rel`` (None if the bundle does not list it)."""
    data = inspect_bundle(repo, settings, bundle)
    if data.get("single_file") and data["resources"][0]["path"] != rel:
        # A single-file signature names no path: it covers ``rel`` exactly when ``rel`` holds the signed bytes (as
        # `model_signing verify ... rel` would succeed); another file of its folder is not signed by it.
        if sha256_file(repo, rel) != data["resources"][0]["expected"]:
            return None
        data = inspect_bundle(repo, settings, bundle, rel)
    row = next((r for r in data["resources"] if r["path"] == rel), None)
    if row is None:
        return None
    if row["status"] != "match":
        out = dict(data)
        return gpg.make_result({k: out[k] for k in ("format", "signature_file", "signed_file")}, "bad_signature",
                               f"{rel} does not match its digest in the signed model-signing bundle {bundle}",
                               **{k: out[k] for k in ("fingerprint", "user_id") if k in out})
    return data
