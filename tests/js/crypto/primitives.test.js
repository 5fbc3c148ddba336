// envelope-v1.json "primitives", plus what the vectors cannot show: lengths past 32 bits,
// Crockford base32 edge cases and the framing helpers.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeBase32, encodeBase32, normaliseBase32 } from "../../../pwa/src/crypto/base32.js";
import { CHUNK_SIZE, MAX_PADDED_LENGTH } from "../../../pwa/src/crypto/constants.js";
import { chunkCount, chunkNonce, chunkPlainSize, payloadSize } from "../../../pwa/src/crypto/framing.js";
import { deriveSubkey, fingerprint, keyId } from "../../../pwa/src/crypto/keys.js";
import { isCanonicalPaddedLength, paddedLength, padme } from "../../../pwa/src/crypto/padding.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { hex, load, unhex } from "./vectors.js";

const P = load("envelope-v1.json").primitives;

// The spec's definition on BigInt, as an independent reference for large lengths.
function padmeReference(x) {
  const n = BigInt(x);
  if (n < 2n) return Number(n);
  const e = BigInt(n.toString(2).length - 1);
  const s = BigInt(e.toString(2).length);
  const mask = (1n << (e - s)) - 1n;
  return Number((n + mask) & ~mask);
}

beforeAll(async () => {
  await sodium();
});

describe("padding", () => {
  it("matches the padme and padded_length vectors", () => {
    expect(P.padme.map(([n]) => [n, padme(n)])).toEqual(P.padme);
    expect(P.padded_length.map(([n]) => [n, paddedLength(n)])).toEqual(P.padded_length);
  });

  it("is exact beyond 32 bits, up to 2^50", () => {
    const values = [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 - 1, 2 ** 40, 2 ** 40 + 1];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 2 ** (2 + (i % 49))));
    for (const n of values) expect(padme(n), `padme(${n})`).toBe(padmeReference(n));
  });

  it("knows canonical padded lengths", () => {
    expect(isCanonicalPaddedLength(4096)).toBe(true);
    expect(isCanonicalPaddedLength(4352)).toBe(true);
    expect(isCanonicalPaddedLength(4097)).toBe(false);
    expect(isCanonicalPaddedLength(2048)).toBe(false); // a padme value, but under the floor
    expect(isCanonicalPaddedLength(MAX_PADDED_LENGTH)).toBe(true);
    expect(isCanonicalPaddedLength(paddedLength(2 ** 40 - 100))).toBe(true);
    expect(isCanonicalPaddedLength(2 ** 40 + 2 ** 20)).toBe(false);
  });

  it("refuses negative or fractional lengths", () => {
    expect(() => padme(-1)).toThrow(RangeError);
    expect(() => paddedLength(1.5)).toThrow(RangeError);
  });
});

describe("keys", () => {
  it("matches the key id and fingerprint vectors", () => {
    for (const k of P.keys) {
      const pk = unhex(k.public_key);
      expect(hex(keyId(pk))).toBe(k.key_id);
      expect(fingerprint(pk)).toBe(k.fingerprint);
      // the fingerprint begins with the key id: 64 bits are the first 12 characters and 4 bits more
      expect(fingerprint(pk).replaceAll(" ", "").slice(0, 12)).toBe(encodeBase32(keyId(pk)).slice(0, 12));
    }
  });

  it("matches the KDF subkey vectors", () => {
    const fileKey = unhex(P.kdf.file_key);
    expect(hex(deriveSubkey(fileKey, 1))).toBe(P.kdf.header_mac_key);
    expect(hex(deriveSubkey(fileKey, 2))).toBe(P.kdf.payload_key);
  });
});

describe("framing", () => {
  it("matches the nonce vectors", () => {
    for (const [index, last, nonce] of P.nonces) expect(hex(chunkNonce(index, last))).toBe(nonce);
    expect(hex(chunkNonce(2 ** 24 - 1, true))).toBe("00".repeat(15) + "0000000000ffffff01");
  });

  it("cuts padded lengths into chunks", () => {
    expect(chunkCount(4096)).toBe(1);
    expect(chunkCount(CHUNK_SIZE)).toBe(1);
    expect(chunkCount(CHUNK_SIZE + 2048)).toBe(2);
    expect(chunkPlainSize(CHUNK_SIZE + 2048, 0)).toBe(CHUNK_SIZE);
    expect(chunkPlainSize(CHUNK_SIZE + 2048, 1)).toBe(2048);
    expect(() => chunkPlainSize(CHUNK_SIZE + 2048, 2)).toThrow(RangeError);
    expect(payloadSize(CHUNK_SIZE + 2048)).toBe(CHUNK_SIZE + 2048 + 32);
    expect(payloadSize(MAX_PADDED_LENGTH)).toBe(2 ** 40 + 16 * 2 ** 24);
  });
});

describe("Crockford base32", () => {
  it("encodes most significant bits first, padding the last character with zeros", () => {
    expect(encodeBase32(new Uint8Array(0))).toBe("");
    expect(encodeBase32(Uint8Array.of(0xff))).toBe("ZW");
    // expected values from envelope.keys.crockford_base32
    expect(encodeBase32(Uint8Array.of(0, 0x44, 0x32, 0x14, 0xc7))).toBe("01234567");
    expect(encodeBase32(Uint8Array.of(0x4a, 0x5a, 0x6b, 0x7c, 0xfe))).toBe("99D6PZ7Y");
    expect(encodeBase32(Uint8Array.of(0xde, 0xad, 0xbe, 0xef))).toBe("VTPVXVR");
  });

  it("decodes what it encodes, forgiving case, separators and look-alikes", () => {
    for (let length = 0; length < 24; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = encodeBase32(bytes);
      expect(decodeBase32(text)).toEqual(bytes);
      expect(decodeBase32(text.toLowerCase().replace(/(.{3})/g, "$1-"))).toEqual(bytes);
    }
    expect(normaliseBase32("o-I l\u00a0L")).toBe("0111");
  });

  it("refuses characters outside the alphabet and non-canonical text", () => {
    expect(() => decodeBase32("ABCU")).toThrow(/"U"/);
    expect(() => decodeBase32("ZZ")).toThrow(/trailing bits/); // 0xff would be "ZW"
    expect(() => decodeBase32("000")).toThrow(/cannot be base32/); // no byte count gives 3 characters
  });
});
