"""Normative constants of envelope v1 (docs/envelope.md, section "Constants")."""

from enum import IntEnum

MAGIC = b"TIPLINE"
VERSION = 1


class Kind(IntEnum):
    REPORT = 1
    ATTACHMENT = 2
    MESSAGE = 3
    REPLY = 4
    NOTE = 5  # police-only internal note (section 18): never sealed to, nor listed for, the citizen


ID_SIZE = 16  # envelope id and case id
FIXED_HEADER_SIZE = 56
KEY_ID_SIZE = 8
SEALED_KEY_SIZE = 80  # crypto_box_SEALBYTES (48) + 32-byte file key
STANZA_SIZE = KEY_ID_SIZE + SEALED_KEY_SIZE
MAC_SIZE = 32
HASH_SIZE = 32
FILE_KEY_SIZE = 32

MAX_RECIPIENTS = 16
# A message or reply is sealed to the bundle's keys and the receipt's key (section 17): a
# bundle leaves room for that one.
MAX_BUNDLE_RECIPIENTS = MAX_RECIPIENTS - 1
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
NONCE_SIZE = 24
LENGTH_PREFIX_SIZE = 8
PAD_FLOOR = 4096
# Hard ceiling of the format (2^40 bytes, 2^24 chunks); implementations may set lower ones.
MAX_PADDED_LENGTH = 1 << 40

# crypto_kdf_derive_from_key context and subkey ids
KDF_CONTEXT = b"TIPENV01"
SUBKEY_HEADER_MAC = 1
SUBKEY_PAYLOAD = 2
