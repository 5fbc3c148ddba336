// Crockford base32 (0-9 and A-Z without I, L, O, U), most significant bits first: what people
// read aloud and copy by hand (fingerprints, receipts). Inputs here are tens of bytes.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

// Separators people and phones insert: spaces (also tab, line breaks, no-break space) and
// dashes (hyphen-minus, the Unicode hyphens and dashes U+2010 to U+2015, minus sign).
const SEPARATORS = /[ \t\n\r\u00a0\-\u2010-\u2015\u2212]/g;
const LOOK_ALIKES = { I: "1", L: "1", O: "0" };

export function encodeBase32(bytes) {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xfff; // at most 12 live bits: no overflow
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * What a person typed, in canonical form: separators removed, ASCII letters upper-cased,
 * I and L read as 1, O as 0. Only ASCII is upper-cased: "ı".toUpperCase() is "I", and a
 * Turkish dotless i must not pass for a 1. Other characters are left for the caller to refuse.
 */
export function normaliseBase32(text) {
  return text
    .replace(SEPARATORS, "")
    .replace(/[a-z]/g, (c) => c.toUpperCase())
    .replace(/[ILO]/g, (c) => LOOK_ALIKES[c]);
}

/** Index of the first character of a normalised text that is not Crockford base32, or -1. */
export function firstInvalidBase32(normalised) {
  return normalised.search(/[^0-9A-HJKMNP-TV-Z]/);
}

/**
 * Decode (normalising first). Only canonical text decodes: its length must be one that
 * encodeBase32 produces and the unused low bits of the last character must be zero.
 */
export function decodeBase32(text) {
  const clean = normaliseBase32(text);
  const bad = firstInvalidBase32(clean);
  if (bad >= 0) throw new RangeError(`"${clean[bad]}" is not a Crockford base32 character`);
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  if (Math.ceil((out.length * 8) / 5) !== clean.length) {
    throw new RangeError(`${clean.length} characters cannot be base32`);
  }
  let acc = 0;
  let bits = 0;
  let pos = 0;
  for (const c of clean) {
    acc = ((acc << 5) | VALUES.get(c)) & 0x1fff; // at most 13 live bits
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[pos++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new RangeError("base32 text has non-zero trailing bits");
  return out;
}

/** "ABCDEFGH" → "ABCD EFGH": groups of four are easier to read aloud and to compare. */
export function groupsOfFour(text) {
  return text.match(/.{1,4}/g)?.join(" ") ?? "";
}
