// Reads the shared test vectors (tests/vectors/*.json) and applies their mutations exactly as
// tests/support/vectors.py does. Not a test file: the *.test.js files import it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sodium } from "../../../pwa/src/crypto/sodium.js";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const PYTHON = `${REPO}.venv/bin/python`;

export function load(name) {
  return JSON.parse(readFileSync(new URL(`../../vectors/${name}`, import.meta.url), "utf8"));
}

export const hex = (bytes) => Buffer.from(bytes).toString("hex");
export const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));
export const unb64 = (text) => new Uint8Array(Buffer.from(text, "base64"));
export const sha256hex = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Byte i is i mod 251: the vectors' "mod251" pattern. */
export function pattern(length) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i % 251;
  return out;
}

export function contentOf(vector) {
  const spec = vector.content;
  if ("hex" in spec) return unhex(spec.hex);
  if (spec.pattern !== "mod251") throw new Error(`unknown content pattern ${spec.pattern}`);
  return pattern(spec.length);
}

/** Test identities by name: the X25519 secret key is BLAKE2b-256(seed string). */
export async function identities() {
  const s = await sodium();
  const out = {};
  for (const key of load("envelope-v1.json").primitives.keys) {
    const secretKey = s.crypto_generichash(32, s.from_string(key.seed));
    const publicKey = s.crypto_scalarmult_base(secretKey);
    if (hex(publicKey) !== key.public_key) throw new Error(`test key ${key.name} does not match its vector`);
    out[key.name] = { publicKey, secretKey };
  }
  return out;
}

/** Every base envelope by name: valid vectors and crafted ones. */
export function envelopes() {
  const out = {};
  for (const v of load("envelope-v1.json").valid) out[v.name] = unb64(v.envelope);
  for (const c of load("envelope-v1-invalid.json").crafted) out[c.name] = unb64(c.envelope);
  return out;
}

export function applyMutations(base, mutations, bases) {
  let data = Uint8Array.from(base);
  for (const m of mutations) {
    if (m.op === "flip") {
      data[m.offset] ^= 1 << m.bit;
    } else if (m.op === "set") {
      const raw = unhex(m.hex);
      data = assignSlice(data, m.offset, m.offset + raw.length, raw);
    } else if (m.op === "truncate") {
      data = data.slice(0, m.length);
    } else if (m.op === "append") {
      data = assignSlice(data, data.length, data.length, unhex(m.hex));
    } else if (m.op === "swap") {
      const first = data.slice(m.a, m.a + m.length);
      const second = data.slice(m.b, m.b + m.length);
      data = assignSlice(data, m.a, m.a + m.length, second);
      data = assignSlice(data, m.b, m.b + m.length, first);
    } else if (m.op === "splice") {
      const src = bases[m.from].slice(m.src, m.src + m.length);
      data = assignSlice(data, m.dst, m.dst + m.length, src);
    } else {
      throw new Error(`unknown mutation ${m.op}`);
    }
  }
  return data;
}

/** Python's `data[start:end] = raw`: clamped bounds, and the array grows or shrinks to fit. */
function assignSlice(data, start, end, raw) {
  const from = Math.min(start, data.length);
  const to = Math.min(Math.max(end, from), data.length);
  const out = new Uint8Array(from + raw.length + data.length - to);
  out.set(data.subarray(0, from));
  out.set(raw, from);
  out.set(data.subarray(to), from + raw.length);
  return out;
}
