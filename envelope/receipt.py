"""The citizen's receipt and the keys it yields (docs/envelope.md, "Receipt and mailbox keys").

A receipt is 80 random bits. Version 2 shows them as 16 Crockford base32 characters and two
check characters, in six groups of three ("7K3 MQX 2P9 ZTA 4HC W.."): the check (a Reed-Solomon
code over GF(32), receipt_check.py) catches every single mistyped character and every swap of
two characters before any network or Argon2id work. Version 1 receipts (the 16 characters
alone, shown in groups of four) are still accepted. Argon2id stretches the 10 bytes into a seed,
and the seed gives the citizen's X25519 key (operators seal replies to it), Ed25519 key (proves
ownership of the mailbox) and the mailbox id. The phone (pwa/src/crypto/receipt.js) derives
the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from nacl.bindings import crypto_scalarmult_base, crypto_sign_seed_keypair
from nacl.pwhash import argon2id

from .errors import ReceiptBadCharacter, ReceiptBadCheck, ReceiptBadLength
from .keys import blake2b, crockford_base32, derive_subkey
from .receipt_check import check_symbols, is_codeword

RECEIPT_BYTES = 10  # 80 bits, 16 base32 characters
RECEIPT_CHARACTERS = 16  # data characters (the whole of a v1 receipt)
CHECK_CHARACTERS = 2
RECEIPT_V2_CHARACTERS = RECEIPT_CHARACTERS + CHECK_CHARACTERS
SALT = blake2b(b"tipline receipt v1")[:16]
OPSLIMIT = 3
MEMLIMIT = 64 * 1024 * 1024
KDF_CONTEXT = b"TIPRCPT1"
SUBKEY_X25519 = 1
SUBKEY_ED25519 = 2
SUBKEY_MAILBOX = 3
MAILBOX_ID_BYTES = 16

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
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


def _check_size(receipt: bytes) -> None:
    if len(receipt) != RECEIPT_BYTES:
        raise ValueError(f"a receipt is {RECEIPT_BYTES} bytes")


def receipt_characters(receipt: bytes) -> str:
    """The v2 text without separators: 16 data characters, then the 2 check characters."""
    _check_size(receipt)
    data = crockford_base32(receipt)
    checks = check_symbols([ALPHABET.index(c) for c in data])
    return data + "".join(ALPHABET[v] for v in checks)


def format_receipt(receipt: bytes) -> str:
    """The v2 form every new receipt is shown in: six groups of three, "7K3 MQX 2P9 ZTA 4HC W..."."""
    text = receipt_characters(receipt)
    return " ".join(text[i : i + 3] for i in range(0, len(text), 3))


def format_receipt_v1(receipt: bytes) -> str:
    """The v1 form (four groups of four, no check), for tests and vectors: receipts shown
    before version 2 look like this and must keep working."""
    _check_size(receipt)
    text = crockford_base32(receipt)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_receipt(text: str) -> bytes:
    """The receipt's bytes from what a person typed (case, separators and I/L/O look-alikes
    forgiven). 16 characters are a v1 receipt, 18 a v2 receipt whose check must hold."""
    clean = text.translate(_NORMALISE)
    for i, c in enumerate(clean):
        if c not in ALPHABET:
            raise ReceiptBadCharacter(f"{c!r} cannot be in a receipt (character {i + 1})")
    if len(clean) not in (RECEIPT_CHARACTERS, RECEIPT_V2_CHARACTERS):
        raise ReceiptBadLength(
            f"a receipt has {RECEIPT_V2_CHARACTERS} characters (or {RECEIPT_CHARACTERS} if made before "
            f"2026-12), not {len(clean)}"
        )
    values = [ALPHABET.index(c) for c in clean]
    if len(values) == RECEIPT_V2_CHARACTERS and not is_codeword(values):
        raise ReceiptBadCheck("a character of the receipt is wrong or two are swapped")
    value = 0
    for v in values[:RECEIPT_CHARACTERS]:
        value = value * 32 + v
    return value.to_bytes(RECEIPT_BYTES, "big")


def _kdf(key: bytes, subkey_id: int) -> bytes:
    return derive_subkey(key, subkey_id, KDF_CONTEXT)


def receipt_seed(receipt: bytes) -> bytes:
    """Argon2id13 (libsodium crypto_pwhash) of the receipt's bytes with the fixed salt."""
    _check_size(receipt)
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
