"""Encryption to recipients' public keys (the phone's side; also the Python stand-in and tests).

Encryption is per chunk and stateless given the chunk index, so a client can re-create
any chunk after a crash and resume an upload.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_box,
    crypto_box_seal,
    crypto_scalarmult_base,
)

from . import errors
from .constants import (
    CHUNK_SIZE,
    FILE_KEY_SIZE,
    ID_SIZE,
    LENGTH_PREFIX_SIZE,
    MAX_PADDED_LENGTH,
    MAX_RECIPIENTS,
    SUBKEY_HEADER_MAC,
    SUBKEY_PAYLOAD,
    Kind,
)
from .framing import chunk_count, chunk_nonce
from .header import Header, Stanza, check_part_index, read_exactly
from .keys import blake2b, derive_subkey, key_id
from .padding import padded_length


def seal_file_key(file_key: bytes, public_key: bytes, ephemeral_secret: bytes | None = None) -> bytes:
    """crypto_box_seal(file_key, public_key).

    With ``ephemeral_secret`` the sealed box is built by hand from its definition
    (epk || crypto_box_easy(m, BLAKE2b-192(epk || pk), pk, esk)), which yields the same
    bytes deterministically. That is for test vectors only; normal use draws a fresh
    ephemeral key inside libsodium.
    """
    if ephemeral_secret is None:
        return crypto_box_seal(file_key, public_key)
    epk = crypto_scalarmult_base(ephemeral_secret)
    nonce = blake2b(epk + public_key, size=24)
    return epk + crypto_box(file_key, nonce, public_key, ephemeral_secret)


@dataclass(frozen=True)
class SealResult:
    header: Header
    header_hash: bytes
    envelope_size: int
    content_length: int
    content_sha256: bytes


class Encryptor:
    """Builds one envelope's header and seals its chunks."""

    def __init__(
        self,
        *,
        kind: Kind,
        case_id: bytes,
        part_index: int,
        content_length: int,
        recipients: Sequence[bytes],
        envelope_id: bytes | None = None,
        file_key: bytes | None = None,
        ephemeral_secrets: Sequence[bytes] | None = None,
    ):
        kind = Kind(kind)
        if not 1 <= len(recipients) <= MAX_RECIPIENTS:
            raise errors.TooManyRecipients() if recipients else errors.NoRecipients()
        if len(case_id) != ID_SIZE or (envelope_id is not None and len(envelope_id) != ID_SIZE):
            raise ValueError("case and envelope ids are 16 bytes")
        if content_length < 0:
            raise ValueError("content length must be non-negative")
        if padded_length(content_length) > MAX_PADDED_LENGTH:
            raise errors.TooLarge(f"{content_length} bytes is above the format's limit")
        if file_key is not None and len(file_key) != FILE_KEY_SIZE:
            raise ValueError("file keys are 32 bytes")
        check_part_index(kind, part_index)
        if not 0 <= part_index < 2**32:
            raise errors.BadPartIndex("part index must fit in 32 bits")
        self.file_key = os.urandom(FILE_KEY_SIZE) if file_key is None else file_key
        self.content_length = content_length
        self.padded_length = padded_length(content_length)
        eph = list(ephemeral_secrets) if ephemeral_secrets is not None else [None] * len(recipients)
        stanzas = tuple(
            Stanza(key_id(pk), seal_file_key(self.file_key, pk, e)) for pk, e in zip(recipients, eph, strict=True)
        )
        unsigned = Header(
            kind=kind,
            envelope_id=os.urandom(ID_SIZE) if envelope_id is None else envelope_id,
            case_id=case_id,
            part_index=part_index,
            padded_length=self.padded_length,
            stanzas=stanzas,
            mac=b"",
        )
        mac_key = derive_subkey(self.file_key, SUBKEY_HEADER_MAC)
        body = unsigned.body_bytes()
        self.header = Header(**{**unsigned.__dict__, "mac": blake2b(body, key=mac_key)})
        self.header_bytes = self.header.to_bytes()
        self.header_hash = self.header.hash
        self._payload_key = derive_subkey(self.file_key, SUBKEY_PAYLOAD)
        self.chunk_count = chunk_count(self.padded_length)

    def seal_chunk(self, index: int, padded_plaintext: bytes) -> bytes:
        last = index == self.chunk_count - 1
        return crypto_aead_xchacha20poly1305_ietf_encrypt(
            padded_plaintext, self.header_hash, chunk_nonce(index, last), self._payload_key
        )

    def padded_chunks(self, source: BinaryIO, digest=None) -> Iterator[bytes]:
        """Read the content from ``source`` and yield the padded plaintext, chunk by chunk."""
        remaining_content = self.content_length
        remaining_padded = self.padded_length
        prefix = self.content_length.to_bytes(LENGTH_PREFIX_SIZE, "big")
        first = True
        while remaining_padded:
            room = min(CHUNK_SIZE, remaining_padded)
            head = prefix if first else b""
            first = False
            want = min(room - len(head), remaining_content)
            data = read_exactly(source, want)
            if len(data) != want:
                raise errors.InputLengthMismatch(f"the source ended {remaining_content - len(data)} bytes early")
            if digest is not None:
                digest.update(data)
            remaining_content -= want
            chunk = head + data
            chunk += bytes(room - len(chunk))
            remaining_padded -= room
            yield chunk
        if source.read(1):
            raise errors.InputLengthMismatch("the source holds more bytes than declared")

    def iter_envelope(self, source: BinaryIO, digest=None) -> Iterator[bytes]:
        """Yield the header then each sealed chunk: the whole envelope, in pieces."""
        yield self.header_bytes
        for i, chunk in enumerate(self.padded_chunks(source, digest)):
            yield self.seal_chunk(i, chunk)


def encrypt_stream(source: BinaryIO, sink: BinaryIO, *, content_length: int, **kwargs) -> SealResult:
    """Encrypt ``content_length`` bytes from ``source`` into ``sink`` with bounded memory."""
    enc = Encryptor(content_length=content_length, **kwargs)
    digest = hashlib.sha256()
    for piece in enc.iter_envelope(source, digest):
        sink.write(piece)
    return SealResult(enc.header, enc.header_hash, enc.header.envelope_size, content_length, digest.digest())


def encrypt_bytes(content: bytes, **kwargs) -> tuple[bytes, SealResult]:
    import io

    sink = io.BytesIO()
    result = encrypt_stream(io.BytesIO(content), sink, content_length=len(content), **kwargs)
    return sink.getvalue(), result
