"""Private keys on the operator's disk, each encrypted with a passphrase.

Argon2id (libsodium crypto_pwhash) stretches the passphrase into a key for SecretBox
(XSalsa20-Poly1305). Files are JSON, mode 0600, in a 0700 folder that is never in the repo.
Old keys are kept: they still open the cases sealed to them.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.bindings import crypto_scalarmult_base
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey

from envelope.keys import fingerprint, key_id
from envelope.open import Identity

from .files import private_dir, read_json, write_json

KDF_PROFILES = {
    "interactive": (nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
    "sensitive": (nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE, nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE),
}
ALGORITHMS = {"x25519": "encryption", "ed25519": "root signing"}
MIN_PASSPHRASE = 12


class KeyringError(Exception):
    pass


class WrongPassphrase(KeyringError):
    pass


@dataclass(frozen=True)
class KeyInfo:
    algorithm: str
    public_key: bytes
    created: str
    label: str
    path: Path

    @property
    def key_id(self) -> str:
        return key_id(self.public_key).hex()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def seal_secret(secret: bytes, passphrase: str, profile: str = "moderate") -> dict:
    opslimit, memlimit = KDF_PROFILES[profile]
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    key = nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"), salt,
                                   opslimit=opslimit, memlimit=memlimit)
    box = nacl.secret.SecretBox(key)
    sealed = box.encrypt(secret)
    return {
        "kdf": {"name": "argon2id13", "opslimit": opslimit, "memlimit": memlimit, "salt": _b64(salt)},
        "cipher": "xsalsa20poly1305",
        "nonce": _b64(sealed.nonce),
        "ciphertext": _b64(sealed.ciphertext),
    }


def open_secret(doc: dict, passphrase: str) -> bytes:
    kdf = doc["kdf"]
    if kdf.get("name") != "argon2id13" or doc.get("cipher") != "xsalsa20poly1305":
        raise KeyringError("unknown key file protection")
    key = nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"), _unb64(kdf["salt"]),
                                   opslimit=kdf["opslimit"], memlimit=kdf["memlimit"])
    try:
        return nacl.secret.SecretBox(key).decrypt(_unb64(doc["ciphertext"]), _unb64(doc["nonce"]))
    except CryptoError:
        raise WrongPassphrase("wrong passphrase for " + doc.get("key_id", "a key")) from None


def public_of(algorithm: str, secret: bytes) -> bytes:
    if algorithm == "x25519":
        return crypto_scalarmult_base(secret)
    return bytes(SigningKey(secret).verify_key)


class Keyring:
    def __init__(self, path: Path):
        self.path = Path(path)

    def generate(self, algorithm: str, passphrase: str, *, label: str = "", profile: str = "moderate") -> KeyInfo:
        if algorithm not in ALGORITHMS:
            raise KeyringError(f"algorithm must be one of {sorted(ALGORITHMS)}")
        if len(passphrase) < MIN_PASSPHRASE:
            raise KeyringError(f"passphrases must have at least {MIN_PASSPHRASE} characters")
        secret = os.urandom(32)
        public = public_of(algorithm, secret)
        doc = {
            "type": "tipline.secret-key",
            "version": 1,
            "algorithm": algorithm,
            "public_key": _b64(public),
            "key_id": key_id(public).hex(),
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "label": label,
            **seal_secret(secret, passphrase, profile),
        }
        path = private_dir(self.path) / f"{algorithm}-{doc['key_id']}.json"
        write_json(path, doc, exclusive=True)
        return self._info(doc, path)

    @staticmethod
    def _info(doc: dict, path: Path) -> KeyInfo:
        return KeyInfo(doc["algorithm"], _unb64(doc["public_key"]), doc["created"], doc.get("label", ""), path)

    def keys(self, algorithm: str | None = None) -> list[KeyInfo]:
        if not self.path.is_dir():
            return []
        out = []
        for path in sorted(self.path.glob("*.json")):
            doc = read_json(path)
            if not isinstance(doc, dict) or doc.get("type") != "tipline.secret-key":
                continue
            if algorithm is None or doc["algorithm"] == algorithm:
                out.append(self._info(doc, path))
        return sorted(out, key=lambda k: k.created)

    def find(self, key_id_prefix: str, algorithm: str | None = None) -> KeyInfo:
        matches = [k for k in self.keys(algorithm) if k.key_id.startswith(key_id_prefix.lower())]
        if len(matches) != 1:
            raise KeyringError(f"{len(matches)} keys match {key_id_prefix!r}; give more of the key id")
        return matches[0]

    def secret(self, info: KeyInfo, passphrase: str) -> bytes:
        doc = read_json(info.path)
        secret = open_secret(doc, passphrase)
        if public_of(info.algorithm, secret) != info.public_key:
            raise KeyringError(f"{info.path.name} is damaged: its secret does not match its public key")
        return secret

    def identities(self, passphrase: str) -> list[Identity]:
        """Every encryption key this passphrase opens (old ones too: they open old cases).

        Each officer has their own passphrase; a keyring holding several officers' keys (the
        one beside the root key, say) unlocks only the keys of whoever types theirs."""
        keys = self.keys("x25519")
        if not keys:
            raise KeyringError(f"no encryption key in {self.path}: run `tipline-desk keygen`")
        opened = []
        for k in keys:
            try:
                opened.append(Identity(self.secret(k, passphrase)))
            except WrongPassphrase:
                continue
        if not opened:
            raise WrongPassphrase(f"this passphrase opens none of the encryption keys in {self.path}")
        return opened

    def root_seed(self, passphrase: str, key_id_prefix: str | None = None) -> tuple[KeyInfo, bytes]:
        roots = self.keys("ed25519")
        if key_id_prefix:
            info = self.find(key_id_prefix, "ed25519")
        elif len(roots) == 1:
            info = roots[0]
        else:
            raise KeyringError(f"{len(roots)} root keys in {self.path}; choose one with --root")
        return info, self.secret(info, passphrase)


def public_key_document(info: KeyInfo) -> dict:
    """What an operator hands to whoever signs bundles: the public half only."""
    return {
        "type": "tipline.public-key",
        "version": 1,
        "algorithm": info.algorithm,
        "public_key": _b64(info.public_key),
        "key_id": info.key_id,
        "fingerprint": info.fingerprint,
        "label": info.label,
    }


def parse_public_key_document(doc: dict) -> bytes:
    if not isinstance(doc, dict) or doc.get("type") != "tipline.public-key" or doc.get("algorithm") != "x25519":
        raise KeyringError("not an exported X25519 public key (tipline-desk export-public)")
    pk = _unb64(doc["public_key"])
    if len(pk) != 32 or key_id(pk).hex() != doc.get("key_id"):
        raise KeyringError("the public key file's key id does not match its key")
    return pk
