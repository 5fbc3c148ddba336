// receipt-v1.json: the phone formats, parses and derives exactly what envelope/receipt.py does.
import { beforeAll, describe, expect, it } from "vitest";
import { blake2b } from "../../../pwa/src/crypto/keys.js";
import {
  deriveReceiptKeys,
  formatReceipt,
  newReceipt,
  parseReceipt,
  RECEIPT_KDF_CONTEXT,
  RECEIPT_MEMLIMIT,
  RECEIPT_OPSLIMIT,
  receiptSalt,
} from "../../../pwa/src/crypto/receipt.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { hex, load, unhex } from "./vectors.js";

const RV = load("receipt-v1.json");
let s;

beforeAll(async () => {
  s = await sodium();
});

function codeOf(fn) {
  try {
    fn();
  } catch (error) {
    if (error.name !== "EnvelopeError") throw error;
    return error.code;
  }
  return null;
}

describe("receipt parameters", () => {
  it("are the vectors' ones", () => {
    const p = RV.parameters;
    expect(hex(receiptSalt())).toBe(p.salt);
    expect(hex(blake2b(s.from_string(p.salt_input)).subarray(0, 16))).toBe(p.salt);
    expect([RECEIPT_OPSLIMIT, RECEIPT_MEMLIMIT, RECEIPT_KDF_CONTEXT]).toEqual([p.opslimit, p.memlimit, p.kdf_context]);
  });
});

describe.each(RV.receipts.map((r) => [r.name, r]))("receipt %s", (_, vector) => {
  it("formats, parses and derives the vector's keys and mailbox id", () => {
    const raw = unhex(vector.bytes);
    expect(formatReceipt(raw)).toBe(vector.text);
    expect(hex(parseReceipt(vector.text))).toBe(vector.bytes);
    // the seed alone, straight from libsodium, to tell Argon2id apart from the KDF step on failure
    const seed = s.crypto_pwhash(32, raw, receiptSalt(), 3, 64 * 1024 * 1024, s.crypto_pwhash_ALG_ARGON2ID13);
    expect(hex(seed)).toBe(vector.seed);
    const keys = deriveReceiptKeys(raw);
    expect(hex(keys.x25519.secretKey)).toBe(vector.x25519_secret_key);
    expect(hex(keys.x25519.publicKey)).toBe(vector.x25519_public_key);
    expect(hex(keys.ed25519.secretKey)).toBe(vector.ed25519_secret_key);
    expect(hex(keys.ed25519.publicKey)).toBe(vector.ed25519_public_key);
    expect(keys.mailboxId).toBe(vector.mailbox_id);
  });
});

describe.each(RV.parse.map((c) => [c.name, c]))("parse case %s", (_, c) => {
  it(c.error ? `is refused with ${c.error}` : "parses", () => {
    if (c.error) expect(codeOf(() => parseReceipt(c.text))).toBe(c.error);
    else expect(hex(parseReceipt(c.text))).toBe(c.bytes);
  });
});

describe("new receipts", () => {
  it("are 10 random bytes that survive their own text, however it is typed back", () => {
    const seen = new Set();
    for (let i = 0; i < 50; i++) {
      const raw = newReceipt();
      const text = formatReceipt(raw);
      expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}( [0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect(parseReceipt(text)).toEqual(raw);
      expect(parseReceipt(text.toLowerCase().replaceAll(" ", "-"))).toEqual(raw);
      seen.add(hex(raw));
    }
    expect(seen.size).toBe(50);
  });

  it("name the offending character in the error", () => {
    expect(() => parseReceipt("7K3M QX2P 9ZTA 4HCU")).toThrow(/"U".*character 16/);
    expect(() => parseReceipt("7K3M")).toThrow(/16 characters, not 4/);
    expect(() => formatReceipt(new Uint8Array(9))).toThrow(TypeError);
  });
});
