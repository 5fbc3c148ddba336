// receipt-v1.json and receipt-v2.json: the phone formats, parses and derives exactly what
// envelope/receipt.py does; the check characters catch every typo and swap.
import { beforeAll, describe, expect, it } from "vitest";
import { encodeBase32 } from "../../../pwa/src/crypto/base32.js";
import { blake2b } from "../../../pwa/src/crypto/keys.js";
import { ALPHA, FIELD_POLYNOMIAL, G0, G1, gfMul, syndromes } from "../../../pwa/src/crypto/receipt-check.js";
import {
  deriveReceiptKeys,
  formatReceipt,
  newReceipt,
  parseReceipt,
  RECEIPT_KDF_CONTEXT,
  RECEIPT_MEMLIMIT,
  RECEIPT_OPSLIMIT,
  receiptCharacters,
  receiptSalt,
} from "../../../pwa/src/crypto/receipt.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { hex, load, unhex } from "./vectors.js";

const RV = load("receipt-v1.json");
const RV2 = load("receipt-v2.json");
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
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
    // v1 text (as shown before version 2) still parses; the v1 text is the bare base32
    expect(encodeBase32(raw)).toBe(vector.text.replaceAll(" ", ""));
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

describe("receipt v2 parameters", () => {
  it("are the vectors' ones", () => {
    const p = RV2.parameters;
    expect([FIELD_POLYNOMIAL, ALPHA, G1, G0])
      .toEqual([p.field_polynomial_bits, p.alpha, p.generator.g1, p.generator.g0]);
    expect([p.data_characters, p.check_characters, p.groups, p.group_size]).toEqual([16, 2, 6, 3]);
  });
});

describe.each(RV2.receipts.map((r) => [r.name, r]))("receipt v2 %s", (_, vector) => {
  it("formats with its check characters and parses in both forms", () => {
    const raw = unhex(vector.bytes);
    expect(formatReceipt(raw)).toBe(vector.text);
    expect(receiptCharacters(raw).slice(16).split("").map((c) => ALPHABET.indexOf(c))).toEqual(vector.checks);
    expect(hex(parseReceipt(vector.text))).toBe(vector.bytes);
    expect(hex(parseReceipt(vector.v1_text))).toBe(vector.bytes);
  });
});

describe.each([...RV.parse, ...RV2.parse].map((c) => [c.name, c]))("parse case %s", (_, c) => {
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
      expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{3}( [0-9A-HJKMNP-TV-Z]{3}){5}$/);
      expect(parseReceipt(text)).toEqual(raw);
      expect(parseReceipt(text.toLowerCase().replaceAll(" ", "-"))).toEqual(raw);
      seen.add(hex(raw));
    }
    expect(seen.size).toBe(50);
  });

  it("name the offending character in the error", () => {
    expect(() => parseReceipt("7K3M QX2P 9ZTA 4HCU")).toThrow(/"U".*character 16/);
    expect(() => parseReceipt("7K3M")).toThrow(/18 characters.*not 4/);
    expect(() => formatReceipt(new Uint8Array(9))).toThrow(TypeError);
  });
});

describe("check characters", () => {
  // The code is linear: a change goes unseen exactly when it is itself a codeword, whatever the
  // receipt. Every one- and two-character change pattern is tried, which covers every typo and
  // every swap (adjacent or not) of every receipt; then real receipts go through parseReceipt.
  const N = 18;
  const pattern = (changes) => {
    const out = new Array(N).fill(0);
    for (const [pos, delta] of changes) out[pos] = delta;
    return out;
  };
  const unseen = (values) => syndromes(values).every((v) => v === 0);

  it("multiply in GF(32) with a primitive polynomial", () => {
    const powers = new Set();
    let x = 1;
    for (let i = 0; i < 31; i++) {
      powers.add(x);
      x = gfMul(x, ALPHA);
    }
    expect(powers.size).toBe(31);
    expect(x).toBe(1);
  });

  it("see every single substitution and every change to two characters", () => {
    let tried = 0;
    for (let i = 0; i < N; i++) {
      for (let d = 1; d < 32; d++) {
        expect(unseen(pattern([[i, d]]))).toBe(false);
        tried++;
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        for (let d1 = 1; d1 < 32; d1++) {
          for (let d2 = 1; d2 < 32; d2++) {
            if (unseen(pattern([[i, d1], [j, d2]]))) throw new Error(`unseen change at ${i},${j}: ${d1},${d2}`);
            tried++;
          }
        }
      }
    }
    expect(tried).toBe(18 * 31 + 153 * 31 * 31);
  });

  it("refuse every typo and adjacent swap of real receipts with receipt_bad_check", () => {
    for (const vector of RV2.receipts) {
      const text = vector.text.replaceAll(" ", "");
      let refused = 0;
      for (let pos = 0; pos < N; pos++) {
        for (const c of ALPHABET) {
          if (c === text[pos]) continue;
          expect(codeOf(() => parseReceipt(text.slice(0, pos) + c + text.slice(pos + 1)))).toBe("receipt_bad_check");
          refused++;
        }
      }
      for (let pos = 0; pos < N - 1; pos++) {
        if (text[pos] === text[pos + 1]) continue;
        const swapped = text.slice(0, pos) + text[pos + 1] + text[pos] + text.slice(pos + 2);
        expect(codeOf(() => parseReceipt(swapped))).toBe("receipt_bad_check");
        refused++;
      }
      expect(refused).toBeGreaterThanOrEqual(18 * 31);
    }
  });
});
