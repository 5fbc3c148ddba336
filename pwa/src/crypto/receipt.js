// The receipt (docs/envelope.md, section 14): 80 random bits the citizen keeps, shown (v2) as
// 16 characters and 2 check characters, "7K3 MQX 2P9 ZTA 4HC WD3". The check catches a mistyped
// or swapped character before any network or Argon2id work; v1 receipts (the 16 characters
// alone, "7K3M QX2P 9ZTA 4HCW") still parse. From the 10 bytes alone, on any phone, come the
// citizen's X25519 key (replies are sealed to it), Ed25519 key (proves ownership of the
// mailbox) and mailbox id.
import { decodeBase32, encodeBase32, firstInvalidBase32, normaliseBase32 } from "./base32.js";
import { EnvelopeError } from "./errors.js";
import { checkSymbols, isCodeword } from "./receipt-check.js";
import { blake2b, deriveSubkey } from "./keys.js";
import { readySodium } from "./sodium.js";

export const RECEIPT_BYTES = 10; // 80 bits, 16 base32 characters
const RECEIPT_CHARACTERS = 16; // data characters: the whole of a v1 receipt
export const RECEIPT_V2_CHARACTERS = 18; // with the 2 check characters
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const RECEIPT_KDF_CONTEXT = "TIPRCPT1";
export const RECEIPT_OPSLIMIT = 3;
export const RECEIPT_MEMLIMIT = 64 * 1024 * 1024;
const SUBKEY_X25519 = 1;
const SUBKEY_ED25519 = 2;
const SUBKEY_MAILBOX = 3;
const MAILBOX_ID_BYTES = 16;

function checkReceipt(receipt) {
  if (!(receipt instanceof Uint8Array) || receipt.length !== RECEIPT_BYTES) {
    throw new TypeError(`a receipt is ${RECEIPT_BYTES} bytes`);
  }
}

/** A fresh receipt: 10 random bytes. */
export function newReceipt() {
  return readySodium().randombytes_buf(RECEIPT_BYTES);
}

const valuesOf = (text) => [...text].map((c) => ALPHABET.indexOf(c));

/** The v2 text without separators: the 16 data characters, then the 2 check characters. */
export function receiptCharacters(receipt) {
  checkReceipt(receipt);
  const data = encodeBase32(receipt);
  return data + checkSymbols(valuesOf(data)).map((v) => ALPHABET[v]).join("");
}

/** "7K3 MQX 2P9 ZTA 4HC WD3": the v2 form every new receipt is shown in, six groups of three. */
export function formatReceipt(receipt) {
  return receiptCharacters(receipt).match(/.{3}/g).join(" ");
}

/**
 * The receipt's 10 bytes from what a person typed: case, spaces, dashes and the look-alikes
 * I, L (for 1) and O (for 0) do not matter. 18 characters are a v2 receipt, whose check must
 * hold; 16 a v1 receipt. Throws EnvelopeError receipt_bad_character, receipt_bad_length or
 * receipt_bad_check, in that order (a stray character is the likelier slip). Cheap: call it
 * on every keystroke if useful, and always before any network or Argon2id work.
 */
export function parseReceipt(text) {
  if (typeof text !== "string") throw new TypeError("a receipt is text");
  const clean = normaliseBase32(text);
  const bad = firstInvalidBase32(clean);
  if (bad >= 0) {
    throw new EnvelopeError("receipt_bad_character", `"${clean[bad]}" cannot be in a receipt (character ${bad + 1})`);
  }
  if (clean.length !== RECEIPT_CHARACTERS && clean.length !== RECEIPT_V2_CHARACTERS) {
    const message = `a receipt has ${RECEIPT_V2_CHARACTERS} characters (${RECEIPT_CHARACTERS} if made before ` +
      `2026-12), not ${clean.length}`;
    throw new EnvelopeError("receipt_bad_length", message);
  }
  if (clean.length === RECEIPT_V2_CHARACTERS && !isCodeword(valuesOf(clean))) {
    throw new EnvelopeError("receipt_bad_check", "a character of the receipt is wrong or two are swapped");
  }
  return decodeBase32(clean.slice(0, RECEIPT_CHARACTERS));
}

let salt = null;

/** The fixed Argon2id salt: BLAKE2b-256("tipline receipt v1")[0:16]. */
export function receiptSalt() {
  salt ??= blake2b(readySodium().from_string("tipline receipt v1")).slice(0, 16);
  return salt;
}

/**
 * The citizen's keys and mailbox id. Argon2id with 64 MiB takes about a second on a phone
 * and blocks the thread: call it in the worker.
 * Returns { x25519: { publicKey, secretKey }, ed25519: { publicKey, secretKey }, mailboxId }.
 */
export function deriveReceiptKeys(receipt) {
  checkReceipt(receipt);
  const s = readySodium();
  const seed = s.crypto_pwhash(
    32,
    receipt,
    receiptSalt(),
    RECEIPT_OPSLIMIT,
    RECEIPT_MEMLIMIT,
    s.crypto_pwhash_ALG_ARGON2ID13,
  );
  const x25519Secret = deriveSubkey(seed, SUBKEY_X25519, RECEIPT_KDF_CONTEXT);
  const ed25519Seed = deriveSubkey(seed, SUBKEY_ED25519, RECEIPT_KDF_CONTEXT);
  const mailbox = deriveSubkey(seed, SUBKEY_MAILBOX, RECEIPT_KDF_CONTEXT);
  const { publicKey, privateKey } = s.crypto_sign_seed_keypair(ed25519Seed);
  const keys = {
    x25519: { publicKey: s.crypto_scalarmult_base(x25519Secret), secretKey: x25519Secret },
    ed25519: { publicKey, secretKey: privateKey },
    mailboxId: s.to_hex(mailbox.subarray(0, MAILBOX_ID_BYTES)),
  };
  // Best effort: the seed opens everything, so do not leave it in the heap longer than needed.
  s.memzero(seed);
  s.memzero(ed25519Seed);
  return keys;
}
