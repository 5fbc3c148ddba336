"""Payload framing: how many chunks, how big, which nonce (docs/envelope.md, "Payload")."""

import struct

from .constants import CHUNK_SIZE, NONCE_SIZE, TAG_SIZE


def chunk_count(padded_length: int) -> int:
    return -(-padded_length // CHUNK_SIZE)


def chunk_plain_size(padded_length: int, index: int) -> int:
    n = chunk_count(padded_length)
    if not 0 <= index < n:
        raise IndexError(index)
    return CHUNK_SIZE if index < n - 1 else padded_length - CHUNK_SIZE * (n - 1)


def payload_size(padded_length: int) -> int:
    return padded_length + TAG_SIZE * chunk_count(padded_length)


def chunk_nonce(index: int, last: bool) -> bytes:
    """15 zero bytes, the chunk counter as u64 big-endian, then 0x01 on the last chunk."""
    return bytes(NONCE_SIZE - 9) + struct.pack(">QB", index, 1 if last else 0)
