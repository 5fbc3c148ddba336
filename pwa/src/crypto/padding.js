// PADMÉ padding with a floor (docs/envelope.md, section 6).
//
// Lengths reach 2^40 and beyond, past what JavaScript's 32-bit bit operators handle, so this
// works on Numbers (exact integers up to 2^53) with division by powers of two, which is exact.
import { LENGTH_PREFIX_SIZE, PAD_FLOOR } from "./constants.js";

const TWO_32 = 2 ** 32;

/** Number of bits needed to write n (0 for 0), for any safe integer n ≥ 0. */
function bitLength(n) {
  if (n < TWO_32) return 32 - Math.clz32(n);
  return 32 + bitLength(Math.floor(n / TWO_32));
}

function checkLength(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`length must be a non-negative safe integer: ${n}`);
}

/** Round n up so that only its top ~log2(log2(n)) bits may be non-zero. */
export function padme(n) {
  checkLength(n);
  if (n < 2) return n;
  const e = bitLength(n) - 1; // floor(log2 n)
  const s = bitLength(e); // floor(log2 e) + 1
  const step = 2 ** (e - s);
  return Math.ceil(n / step) * step;
}

/** Size of the padded plaintext (length prefix, content, zeros) for contentLength bytes. */
export function paddedLength(contentLength) {
  checkLength(contentLength);
  return Math.max(PAD_FLOOR, padme(contentLength + LENGTH_PREFIX_SIZE));
}

/** True when some content length pads to exactly p (checkable without keys). */
export function isCanonicalPaddedLength(p) {
  return Number.isSafeInteger(p) && p >= PAD_FLOOR && padme(p) === p;
}
