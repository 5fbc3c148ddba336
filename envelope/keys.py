"""Public-key helpers: key ids, fingerprints, subkey derivation. No private key is held here."""

import struct

from nacl.bindings import crypto_generichash_blake2b_salt_personal as _blake2b

from .constants import FILE_KEY_SIZE, KDF_CONTEXT, KEY_ID_SIZE

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FINGERPRINT_BYTES = 20  # 160 bits, 32 base32 characters


def blake2b(data: bytes, size: int = 32, key: bytes = b"") -> bytes:
    return _blake2b(data, digest_size=size, key=key)


def key_hash(public_key: bytes) -> bytes:
    if len(public_key) != 32:
        raise ValueError("public keys are 32 bytes")
    return blake2b(public_key)


def key_id(public_key: bytes) -> bytes:
    """The 8-byte id that names a recipient in a stanza: BLAKE2b-256(pk)[0:8]."""
    return key_hash(public_key)[:KEY_ID_SIZE]


def crockford_base32(data: bytes) -> str:
    bits = int.from_bytes(data, "big")
    nbits = len(data) * 8
    pad = (-nbits) % 5
    bits <<= pad
    nchars = (nbits + pad) // 5
    return "".join(_CROCKFORD[(bits >> (5 * (nchars - 1 - i))) & 31] for i in range(nchars))


def fingerprint(public_key: bytes) -> str:
    """A fingerprint people can read aloud: 8 groups of 4 Crockford base32 characters.

    It starts with the key id (the first 8 bytes of the same hash), so a stanza's key id
    can be matched by eye against the fingerprint printed on the desk.
    """
    text = crockford_base32(key_hash(public_key)[:FINGERPRINT_BYTES])
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def derive_subkey(file_key: bytes, subkey_id: int, context: bytes = KDF_CONTEXT) -> bytes:
    """libsodium's crypto_kdf_derive_from_key(32, subkey_id, context, file_key); context is 8 bytes.

    PyNaCl has no binding for it; crypto_kdf is defined as keyed BLAKE2b with the subkey
    id (little-endian) as salt and the context as personalisation, which gives the same bytes.
    """
    if len(file_key) != FILE_KEY_SIZE:
        raise ValueError("file keys are 32 bytes")
    salt = struct.pack("<Q", subkey_id) + bytes(8)
    if len(context) != 8:
        raise ValueError("KDF contexts are 8 bytes")
    person = context + bytes(8)
    return _blake2b(b"", digest_size=32, key=file_key, salt=salt, person=person)
