"""Decryption with private keys. Only the operators' desk imports this module.

The server package must never import it (tests/test_layout.py checks): the server can
inspect an envelope's layout but holds nothing that could open one.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_box_seal_open,
    crypto_scalarmult_base,
)
from nacl.exceptions import CryptoError

from . import errors
from .constants import (
    LENGTH_PREFIX_SIZE,
    MAX_PADDED_LENGTH,
    SUBKEY_HEADER_MAC,
    SUBKEY_PAYLOAD,
    TAG_SIZE,
)
from .framing import chunk_nonce, chunk_plain_size
from .header import Header, read_exactly, read_header
from .keys import blake2b, derive_subkey, key_id
from .padding import padded_length


@dataclass(frozen=True)
class Identity:
    """An X25519 key pair able to open envelopes sealed to its public key."""

    secret_key: bytes

    @property
    def public_key(self) -> bytes:
        return crypto_scalarmult_base(self.secret_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.public_key)


@dataclass(frozen=True)
class OpenResult:
    header: Header
    header_hash: bytes
    content_length: int
    content_sha256: bytes
    key_id: bytes  # which of our keys opened it


def unseal(header: Header, identities: Sequence[Identity]) -> tuple[bytes, bytes]:
    """Find our stanza, open the file key, and check the header MAC before anything else."""
    ours = {ident.key_id: ident for ident in identities}
    matched = False
    for stanza in header.stanzas:
        ident = ours.get(stanza.key_id)
        if ident is None:
            continue
        matched = True
        try:
            file_key = crypto_box_seal_open(stanza.sealed_key, ident.public_key, ident.secret_key)
        except CryptoError:
            continue
        if len(file_key) != 32:
            continue
        mac = blake2b(header.body_bytes(), key=derive_subkey(file_key, SUBKEY_HEADER_MAC))
        if not hmac.compare_digest(mac, header.mac):
            raise errors.HeaderMacMismatch()
        return file_key, ident.key_id
    if matched:
        raise errors.UnsealFailed()
    raise errors.NoMatchingRecipient()


class Decryptor:
    """Opens the chunks of one envelope whose header has been unsealed."""

    def __init__(self, header: Header, file_key: bytes):
        self.header = header
        self.header_hash = header.hash
        self._key = derive_subkey(file_key, SUBKEY_PAYLOAD)
        self.chunk_count = header.chunk_count

    def open_chunk(self, index: int, sealed: bytes) -> bytes:
        last = index == self.chunk_count - 1
        try:
            return crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, self.header_hash, chunk_nonce(index, last),
                                                               self._key)
        except CryptoError:
            raise errors.ChunkAuthFailed(f"chunk {index} failed authentication") from None


def decrypt_stream(
    source: BinaryIO,
    sink: BinaryIO,
    identities: Sequence[Identity],
    *,
    max_padded_length: int = MAX_PADDED_LENGTH,
    expect_end: bool = True,
) -> OpenResult:
    """Decrypt one envelope from ``source``, writing the content to ``sink`` as it goes.

    Memory stays at about two chunks whatever the size. The content written to ``sink``
    must not be trusted until this function returns: a later chunk may still fail.
    """
    header = read_header(source, max_padded_length=max_padded_length)
    file_key, kid = unseal(header, identities)
    dec = Decryptor(header, file_key)
    digest = hashlib.sha256()
    content_left = None
    for i in range(dec.chunk_count):
        want = chunk_plain_size(header.padded_length, i) + TAG_SIZE
        sealed = read_exactly(source, want)
        if len(sealed) != want:
            raise errors.Truncated(f"the envelope ends inside chunk {i} of {dec.chunk_count}")
        plain = dec.open_chunk(i, sealed)
        if i == 0:
            content_left = int.from_bytes(plain[:LENGTH_PREFIX_SIZE], "big")
            if padded_length(content_left) != header.padded_length:
                raise errors.BadPadding("the length prefix does not match the padded length")
            content_length = content_left
            plain = memoryview(plain)[LENGTH_PREFIX_SIZE:]
        take = min(content_left, len(plain))
        if take:
            piece = plain[:take]
            digest.update(piece)
            sink.write(piece)
            content_left -= take
        tail = bytes(plain[take:])
        if tail.count(0) != len(tail):
            raise errors.BadPadding("padding bytes are not zero")
    if expect_end and source.read(1):
        raise errors.TrailingData()
    return OpenResult(header, dec.header_hash, content_length, digest.digest(), kid)


def decrypt_bytes(envelope: bytes, identities: Sequence[Identity], **kwargs) -> tuple[bytes, OpenResult]:
    sink = io.BytesIO()
    result = decrypt_stream(io.BytesIO(envelope), sink, identities, **kwargs)
    return sink.getvalue(), result


__all__ = ["Decryptor", "Identity", "OpenResult", "decrypt_bytes", "decrypt_stream", "unseal"]
