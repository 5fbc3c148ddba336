// The key that seals a draft kept on the phone, stretched from the citizen's passphrase with
// Argon2id (libsodium, the receipt's parameters: about a second on a phone, 64 MiB), so that
// someone who copies the phone's storage must pay that second for every guess. Run in a
// throwaway worker (worker-client.js callOnce): the memory goes back to the phone at once.
import { readySodium } from "../crypto/sodium.js";

export const DRAFT_KDF = { opslimit: 3, memlimit: 64 * 1024 * 1024 };

/** { key: 32 bytes, salt, opslimit, memlimit }; a new random salt unless one is given. */
export function deriveDraftKey({ passphrase, salt = null, opslimit = DRAFT_KDF.opslimit, memlimit = DRAFT_KDF.memlimit }) {
  const s = readySodium();
  if (typeof passphrase !== "string" || !passphrase) throw new TypeError("a passphrase is needed");
  const useSalt = salt ? new Uint8Array(salt) : s.randombytes_buf(s.crypto_pwhash_SALTBYTES);
  // the same letters typed on another keyboard (é as one character or two) give the same key
  const secret = s.from_string(passphrase.normalize("NFC"));
  const key = s.crypto_pwhash(32, secret, useSalt, opslimit, memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
  s.memzero(secret);
  return { key, salt: useSalt, opslimit, memlimit };
}
