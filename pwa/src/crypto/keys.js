// Public-key helpers: hashes, key ids, fingerprints, subkey derivation (docs/envelope.md,
// sections 2 and 11). Synchronous: await sodium() once before using them.
import { encodeBase32, groupsOfFour } from "./base32.js";
import { KDF_CONTEXT, KEY_ID_SIZE } from "./constants.js";
import { readySodium } from "./sodium.js";

const FINGERPRINT_BYTES = 20; // 160 bits, 32 base32 characters

/** BLAKE2b with a `size`-byte output, keyed when `key` is given. */
export function blake2b(data, size = 32, key = null) {
  return readySodium().crypto_generichash(size, data, key);
}

function keyHash(publicKey) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError("public keys are 32 bytes");
  return blake2b(publicKey);
}

/** The 8-byte id that names a recipient in a stanza: BLAKE2b-256(pk)[0:8]. */
export function keyId(publicKey) {
  return keyHash(publicKey).slice(0, KEY_ID_SIZE);
}

/**
 * 8 groups of 4 Crockford base32 characters. It starts with the key id (the same hash), so a
 * stanza's key id can be matched by eye against the fingerprint the desk prints.
 */
export function fingerprint(publicKey) {
  return groupsOfFour(encodeBase32(keyHash(publicKey).subarray(0, FINGERPRINT_BYTES)));
}

/** crypto_kdf_derive_from_key(32, subkeyId, context, key). */
export function deriveSubkey(key, subkeyId, context = KDF_CONTEXT) {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError("KDF keys are 32 bytes");
  return readySodium().crypto_kdf_derive_from_key(32, subkeyId, context, key);
}
