// SHA-256 for the proof-of-work search only (docs/api.md, "Proof of work"): the challenge is
// SHA-256(salt + decimal(n)) for n = 0, 1, 2, …, so the salt's whole 64-byte blocks are hashed
// once and each candidate costs one or two compressions on that saved state. libsodium's
// crypto_hash_sha256 hashes the whole text again on every call through its JavaScript wrapper,
// several times slower here (bench/pow_bench.py measures both); every hash this module makes is
// checked against libsodium in tests/js/pow/pow.test.js, and the server checks the result anyway.
// Nothing secret passes through it: it is not used for anything else.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
  0x5be0cd19]);

/** One compression of the 64 bytes at `bytes[offset…]` into `state` (8 words), in place. */
function compress(state, bytes, offset, w) {
  for (let i = 0; i < 16; i += 1) {
    const j = offset + i * 4;
    w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
  }
  for (let i = 16; i < 64; i += 1) {
    const a = w[i - 15];
    const b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let i = 0; i < 64; i += 1) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/**
 * Hashes of `prefix` followed by short suffixes (at most 55 bytes in all past the prefix's last
 * whole block). `digest(suffix)` answers the 8 words of SHA-256(prefix + suffix) in an
 * Int32Array it reuses: read it before the next call.
 */
export class PrefixHasher {
  constructor(prefix) {
    const whole = prefix.length - (prefix.length % 64);
    this.w = new Int32Array(64);
    this.mid = IV.slice();
    for (let offset = 0; offset < whole; offset += 64) compress(this.mid, prefix, offset, this.w);
    this.prefixLength = prefix.length;
    this.tail = prefix.subarray(whole);
    this.block = new Uint8Array(128);
    this.block.set(this.tail);
    this.state = new Int32Array(8);
  }

  digest(suffix) {
    const { block, tail, state } = this;
    const used = tail.length + suffix.length;
    if (used > 119) throw new RangeError("suffix too long");
    block.set(suffix, tail.length);
    block[used] = 0x80;
    const blocks = used + 9 <= 64 ? 1 : 2;
    const end = blocks * 64;
    block.fill(0, used + 1, end - 8);
    const bits = (this.prefixLength + suffix.length) * 8;
    // the length in bits, big-endian, in the last 8 bytes (a salt is far below 2^32 bits)
    block[end - 8] = 0;
    block[end - 7] = 0;
    block[end - 6] = 0;
    block[end - 5] = 0;
    block[end - 4] = bits >>> 24;
    block[end - 3] = (bits >>> 16) & 0xff;
    block[end - 2] = (bits >>> 8) & 0xff;
    block[end - 1] = bits & 0xff;
    state.set(this.mid);
    compress(state, block, 0, this.w);
    if (blocks === 2) compress(state, block, 64, this.w);
    return state;
  }
}

/** The 8 big-endian words of a 64-digit hex digest. */
export function hexWords(hex) {
  const words = new Int32Array(8);
  for (let i = 0; i < 8; i += 1) words[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16) | 0;
  return words;
}

/** The 8 words as 64 lowercase hex digits. */
export function wordsHex(words) {
  return Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, "0")).join("");
}
