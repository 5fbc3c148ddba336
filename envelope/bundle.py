"""Signed key bundles (docs/envelope.md, "Key bundle").

The root Ed25519 key, kept offline by the police, signs a small JSON payload naming the
X25519 keys phones must encrypt to. The signature covers the payload's exact bytes, so no
JSON canonicalisation is needed: the payload travels as an ASCII string inside the bundle.
Verification needs only public keys; signing takes the root key's 32-byte seed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from . import errors
from .constants import MAX_BUNDLE_RECIPIENTS
from .keys import fingerprint, key_id

SIGNING_CONTEXT = b"tipline key bundle v1\n"
BUNDLE_TYPE = "tipline.key-bundle"
ROOT_KEY_TYPE = "tipline.root-key"
ROLES = ("primary", "backup")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_CLOCK_SKEW = timedelta(hours=1)
# A bundle is valid for at most this long (docs/envelope.md, section 10): how long a server can
# keep serving a superseded bundle, naming a retired key, to phones that never saw a newer one.
MAX_LIFETIME = timedelta(days=90)
# Phones fetch again at every occasion, and say so, once their bundle is this close to expiry.
REFRESH_BEFORE_EXPIRY = timedelta(days=14)
MAX_BUNDLE_BYTES = 16 * 1024
_ORIGIN = re.compile(r"https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_PAYLOAD_FIELDS = {"type", "version", "origin", "sequence", "issued", "expires", "recipients"}
_DOC_FIELDS = {"type", "version", "payload", "signature", "signer"}


@dataclass(frozen=True)
class BundleRecipient:
    key_id: bytes
    public_key: bytes
    role: str


@dataclass(frozen=True)
class KeyBundle:
    origin: str
    sequence: int
    issued: datetime
    expires: datetime
    recipients: tuple[BundleRecipient, ...]
    payload: bytes

    @property
    def public_keys(self) -> list[bytes]:
        """Keys to encrypt to: primary keys first, then backups."""
        ordered = sorted(self.recipients, key=lambda r: ROLES.index(r.role))
        return [r.public_key for r in ordered]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text, size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise errors.BundleMalformed("expected a base64 string")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise errors.BundleMalformed("invalid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:  # one spelling only, as libsodium.js accepts
        raise errors.BundleMalformed("non-canonical base64")
    if size is not None and len(raw) != size:
        raise errors.BundleMalformed(f"expected {size} bytes")
    return raw


def format_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text) -> datetime:
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise errors.BundleMalformed("times are strings like 2026-01-31T12:00:00Z")
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise errors.BundleMalformed(f"bad time {text!r}") from None


def _is_one(value) -> bool:
    return type(value) is int and value == 1  # not True, not 1.0


def check_origin(origin) -> str:
    if not isinstance(origin, str) or not _ORIGIN.fullmatch(origin):
        raise errors.BundleMalformed("origin must look like https://host[:port], lowercase, no path")
    return origin


def make_payload(
    *, origin: str, sequence: int, issued: datetime, expires: datetime, recipients: list[tuple[bytes, str]]
) -> bytes:
    if not 1 <= len(recipients) <= MAX_BUNDLE_RECIPIENTS:
        raise errors.BundleMalformed(f"a bundle names 1 to {MAX_BUNDLE_RECIPIENTS} recipients")
    if not any(role == "primary" for _, role in recipients):
        raise errors.BundleMalformed("a bundle needs at least one primary recipient")
    obj = {
        "type": BUNDLE_TYPE,
        "version": 1,
        "origin": check_origin(origin),
        "sequence": sequence,
        "issued": format_time(issued),
        "expires": format_time(expires),
        "recipients": [{"key_id": key_id(pk).hex(), "public_key": b64(pk), "role": role} for pk, role in recipients],
    }
    payload = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    parse_payload(payload)  # never sign what we would refuse
    return payload


def sign_bundle(payload: bytes, root_seed: bytes) -> dict:
    sk = SigningKey(root_seed)
    signature = sk.sign(SIGNING_CONTEXT + payload).signature
    return {
        "type": BUNDLE_TYPE,
        "version": 1,
        "payload": payload.decode("ascii"),
        "signature": b64(signature),
        "signer": key_id(bytes(sk.verify_key)).hex(),
    }


def parse_payload(payload: bytes, *, check_lifetime: bool = True) -> KeyBundle:
    """The payload's fields, checked. ``check_lifetime=False`` only for reading what an older
    bundle said (its sequence), never for trusting it."""
    try:
        obj = json.loads(payload.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise errors.BundleMalformed("the payload is not ASCII JSON") from None
    if not isinstance(obj, dict) or set(obj) != _PAYLOAD_FIELDS:
        raise errors.BundleMalformed(f"the payload must have exactly the fields {sorted(_PAYLOAD_FIELDS)}")
    if obj["type"] != BUNDLE_TYPE or not _is_one(obj["version"]):
        raise errors.BundleMalformed("not a version 1 key bundle")
    seq = obj["sequence"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 2**53:
        raise errors.BundleMalformed("sequence must be an integer from 1 to 2^53-1")
    issued, expires = parse_time(obj["issued"]), parse_time(obj["expires"])
    if expires <= issued:
        raise errors.BundleMalformed("a bundle must expire after it is issued")
    recips = obj["recipients"]
    if not isinstance(recips, list) or not 1 <= len(recips) <= MAX_BUNDLE_RECIPIENTS:
        raise errors.BundleMalformed(f"a bundle names 1 to {MAX_BUNDLE_RECIPIENTS} recipients")
    out = []
    for r in recips:
        if not isinstance(r, dict) or set(r) != {"key_id", "public_key", "role"}:
            raise errors.BundleMalformed("a recipient has exactly key_id, public_key and role")
        pk = unb64(r["public_key"], 32)
        if r["key_id"] != key_id(pk).hex():
            raise errors.BundleMalformed("a recipient's key_id does not match its public key")
        if r["role"] not in ROLES:
            raise errors.BundleMalformed(f"role must be one of {ROLES}")
        out.append(BundleRecipient(key_id(pk), pk, r["role"]))
    if len({r.key_id for r in out}) != len(out):
        raise errors.BundleMalformed("a recipient is listed twice")
    if not any(r.role == "primary" for r in out):
        raise errors.BundleMalformed("a bundle needs at least one primary recipient")
    origin = check_origin(obj["origin"])
    if check_lifetime and expires - issued > MAX_LIFETIME:
        raise errors.BundleLifetimeTooLong(
            f"a bundle is valid for at most {MAX_LIFETIME.days} days; this one for {expires - issued}")
    return KeyBundle(origin, seq, issued, expires, tuple(out), payload)


def load_document(document) -> dict:
    if isinstance(document, (bytes, str)):
        if len(document) > MAX_BUNDLE_BYTES:
            raise errors.BundleMalformed("the bundle is too large")
        try:
            document = json.loads(document)
        except ValueError:
            raise errors.BundleMalformed("the bundle is not JSON") from None
    if not isinstance(document, dict) or set(document) != _DOC_FIELDS:
        raise errors.BundleMalformed(f"a bundle has exactly the fields {sorted(_DOC_FIELDS)}")
    if document["type"] != BUNDLE_TYPE or not _is_one(document["version"]):
        raise errors.BundleMalformed("not a version 1 key bundle")
    if not isinstance(document["payload"], str):
        raise errors.BundleMalformed("payload must be a string")
    return document


def verify_bundle(
    document,
    root_public_key: bytes,
    *,
    origin: str | None,
    now: datetime | None = None,
    min_sequence: int = 0,
) -> KeyBundle:
    """Check signature, payload (form, then lifetime), origin, validity period and sequence,
    in that order.

    ``origin=None`` skips the origin check (for tools that show any bundle); a phone
    always passes its own origin. ``min_sequence`` is the highest sequence seen so far.
    """
    doc = load_document(document)
    try:
        payload = doc["payload"].encode("ascii")
    except UnicodeEncodeError:
        raise errors.BundleMalformed("the payload must be ASCII") from None
    signature = unb64(doc["signature"], 64)
    if doc["signer"] != key_id(root_public_key).hex():
        raise errors.BundleBadSignature("the bundle is signed by another root key")
    try:
        VerifyKey(root_public_key).verify(SIGNING_CONTEXT + payload, signature)
    except BadSignatureError:
        raise errors.BundleBadSignature() from None
    bundle = parse_payload(payload)
    if origin is not None and bundle.origin != origin:
        raise errors.BundleWrongOrigin(f"the bundle is for {bundle.origin}, not {origin}")
    now = now or datetime.now(UTC)
    if now + MAX_CLOCK_SKEW < bundle.issued:
        raise errors.BundleNotYetValid()
    if now >= bundle.expires:
        raise errors.BundleExpired(f"the bundle expired at {format_time(bundle.expires)}")
    if bundle.sequence < min_sequence:
        raise errors.BundleSequenceRollback(f"sequence {bundle.sequence} is below {min_sequence} already seen")
    return bundle


def root_key_document(public_key: bytes) -> dict:
    """What keys/root-key.json holds and what the app shell pins."""
    return {
        "type": ROOT_KEY_TYPE,
        "version": 1,
        "public_key": b64(public_key),
        "key_id": key_id(public_key).hex(),
        "fingerprint": fingerprint(public_key),
    }


def parse_root_key_document(document) -> bytes:
    if isinstance(document, (bytes, str)):
        try:
            document = json.loads(document)
        except ValueError:
            raise errors.BundleMalformed("the root key file is not JSON") from None
    if not isinstance(document, dict) or document.get("type") != ROOT_KEY_TYPE or not _is_one(document.get("version")):
        raise errors.BundleMalformed("not a version 1 root key file")
    pk = unb64(document.get("public_key"), 32)
    if document.get("key_id") != key_id(pk).hex() or document.get("fingerprint") != fingerprint(pk):
        raise errors.BundleMalformed("the root key file's key id or fingerprint does not match its key")
    return pk
