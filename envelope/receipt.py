"""The citizen's receipt and the keys it yields (docs/envelope.md, "Receipt and mailbox keys").

A receipt is 80 random bits, shown as 16 Crockford base32 characters in groups of four
("7K3M QX2P 9ZTA 4HCW"). Argon2id stretches it into a seed, and the seed gives the citizen's
X25519 key (operators seal replies to it), Ed25519 key (proves ownership of the mailbox) and
the mailbox id. The phone (pwa/src/crypto/receipt.js) derives the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from nacl.bindings import crypto_scalarmult_base, crypto_sign_seed_keypair
from nacl.pwhash import argon2id

from .errors import ReceiptBadCharacter, ReceiptBadLength
from .keys import blake2b, crockford_base32, derive_subkey

RECEIPT_BYTES = 10  # 80 bits, 16 base32 characters
RECEIPT_CHARACTERS = 16
SALT = blake2b(b"tipline receipt v1")[:16]
OPSLIMIT = 3
MEMLIMIT = 64 * 1024 * 1024
KDF_CONTEXT = b"TIPRCPT1"
SUBKEY_X25519 = 1
SUBKEY_ED25519 = 2
SUBKEY_MAILBOX = 3
MAILBOX_ID_BYTES = 16

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Separators people and phones insert: spaces (tab, line breaks, no-break space included)
# and dashes (hyphen-minus, U+2010 to U+2015, minus sign).
_SEPARATORS = dict.fromkeys(map(ord, " \t\n\r\u00a0-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"))
# Only ASCII letters are upper-cased: str.upper() would turn a dotless "ı" into "I", hence "1".
_NORMALISE = {**_SEPARATORS, **{ord(c): c.upper() for c in "abcdefghjkmnpqrstvwxyz"},
              **{ord(c): "1" for c in "IiLl"}, **{ord(c): "0" for c in "Oo"}}


@dataclass(frozen=True)
class ReceiptKeys:
    x25519_public: bytes
    x25519_secret: bytes
    ed25519_public: bytes
    ed25519_secret: bytes  # libsodium's 64-byte form: seed || public key
    mailbox_id: str  # 32 lowercase hex digits


def new_receipt() -> bytes:
    return os.urandom(RECEIPT_BYTES)


def format_receipt(receipt: bytes) -> str:
    if len(receipt) != RECEIPT_BYTES:
        raise ValueError(f"a receipt is {RECEIPT_BYTES} bytes")
    text = crockford_base32(receipt)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_receipt(text: str) -> bytes:
    """The receipt's bytes from what a person typed (case, separators and I/L/O look-alikes forgiven)."""
    clean = text.translate(_NORMALISE)
    for i, c in enumerate(clean):
        if c not in _ALPHABET:
            raise ReceiptBadCharacter(f"{c!r} cannot be in a receipt (character {i + 1})")
    if len(clean) != RECEIPT_CHARACTERS:
        raise ReceiptBadLength(f"a receipt has {RECEIPT_CHARACTERS} characters, not {len(clean)}")
    value = 0
    for c in clean:
        value = value * 32 + _ALPHABET.index(c)
    return value.to_bytes(RECEIPT_BYTES, "big")


def _kdf(key: bytes, subkey_id: int) -> bytes:
    return derive_subkey(key, subkey_id, KDF_CONTEXT)


def receipt_seed(receipt: bytes) -> bytes:
    """Argon2id13 (libsodium crypto_pwhash) of the receipt's bytes with the fixed salt."""
    if len(receipt) != RECEIPT_BYTES:
        raise ValueError(f"a receipt is {RECEIPT_BYTES} bytes")
    return argon2id.kdf(32, receipt, SALT, opslimit=OPSLIMIT, memlimit=MEMLIMIT)


def derive_receipt_keys(receipt: bytes) -> ReceiptKeys:
    seed = receipt_seed(receipt)
    x_secret = _kdf(seed, SUBKEY_X25519)
    ed_public, ed_secret = crypto_sign_seed_keypair(_kdf(seed, SUBKEY_ED25519))
    return ReceiptKeys(
        x25519_public=crypto_scalarmult_base(x_secret),
        x25519_secret=x_secret,
        ed25519_public=ed_public,
        ed25519_secret=ed_secret,
        mailbox_id=_kdf(seed, SUBKEY_MAILBOX)[:MAILBOX_ID_BYTES].hex(),
    )
