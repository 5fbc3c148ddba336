// Small byte helpers shared by the format modules. A parser that cannot clean a file throws
// Unsupported with the reason shown to the citizen ("damaged" for a malformed file; a RangeError
// from a DataView read past the end means the same); strip.js turns both into an "unsupported"
// answer, so a file the app cannot clean is never reported as cleaned.

export class Unsupported extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "Unsupported";
    this.reason = reason;
  }
}

/** A file with nothing worth sending (no picture data at all): not offered "as it is" either. */
export class Refused extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "Refused";
    this.reason = reason;
  }
}

/** Throw Unsupported("damaged") unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Unsupported("damaged", message);
}

/** The bytes as a string of code points 0 to 255 (exact Latin-1, for tag names and searches). */
export function latin1(bytes, start = 0, end = bytes.length) {
  let text = "";
  for (let i = start; i < end; i += 8192) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(i + 8192, end)));
  }
  return text;
}

/** An ASCII string as bytes. */
export function asciiBytes(text) {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Does `bytes` hold `prefix` (a string) at `offset`? */
export function startsWith(bytes, prefix, offset = 0) {
  if (offset + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

export const view = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export const isAllZero = (bytes) => bytes.every((b) => b === 0);
