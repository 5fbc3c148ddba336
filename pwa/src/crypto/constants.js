// Normative constants of envelope v1 (docs/envelope.md, section 3).
export const MAGIC = Uint8Array.of(0x54, 0x49, 0x50, 0x4c, 0x49, 0x4e, 0x45); // "TIPLINE"
export const VERSION = 1;
export const Kind = Object.freeze({ REPORT: 1, ATTACHMENT: 2, MESSAGE: 3, REPLY: 4 });

export const ID_SIZE = 16; // envelope id and case id
export const FIXED_HEADER_SIZE = 56;
export const KEY_ID_SIZE = 8;
export const SEALED_KEY_SIZE = 80; // crypto_box_SEALBYTES (48) + 32-byte file key
export const STANZA_SIZE = KEY_ID_SIZE + SEALED_KEY_SIZE;
export const MAC_SIZE = 32;
export const FILE_KEY_SIZE = 32;

export const MAX_RECIPIENTS = 16;
// A message or reply is sealed to the bundle's keys and the receipt's key (section 17).
export const MAX_BUNDLE_RECIPIENTS = MAX_RECIPIENTS - 1;
export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
export const NONCE_SIZE = 24;
export const LENGTH_PREFIX_SIZE = 8;
export const PAD_FLOOR = 4096;
// Hard ceiling of the format (2^40 bytes, 2^24 chunks). Above 2^32, so lengths are plain
// Numbers (exact up to 2^53), never 32-bit integers.
export const MAX_PADDED_LENGTH = 2 ** 40;

// crypto_kdf_derive_from_key context and subkey ids
export const KDF_CONTEXT = "TIPENV01";
export const SUBKEY_HEADER_MAC = 1;
export const SUBKEY_PAYLOAD = 2;
