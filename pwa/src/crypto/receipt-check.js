// The receipt's check characters (docs/envelope.md section 14), twin of envelope/receipt_check.py:
// a Reed-Solomon code over GF(32) = GF(2)[x]/(x^5 + x^2 + 1). The 18 characters of a v2 receipt
// are the coefficients of C(x), highest first; the 2 check characters make C(alpha) = C(alpha^2)
// = 0 with alpha = x. Minimum distance 3: any change to one or two characters is caught.
export const FIELD_POLYNOMIAL = 0b100101;
export const ALPHA = 0b00010;

export function gfMul(a, b) {
  let product = 0;
  while (b) {
    if (b & 1) product ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 0b100000) a ^= FIELD_POLYNOMIAL;
  }
  return product;
}

const ALPHA2 = gfMul(ALPHA, ALPHA);
// g(x) = (x - alpha)(x - alpha^2) = x^2 + G1 x + G0
export const G1 = ALPHA ^ ALPHA2;
export const G0 = gfMul(ALPHA, ALPHA2);

function evaluate(values, point) {
  let acc = 0;
  for (const v of values) acc = gfMul(acc, point) ^ v;
  return acc;
}

/** The two check characters (values 0..31) of the data characters' values. */
export function checkSymbols(data) {
  let r1 = 0;
  let r0 = 0;
  for (const v of data) {
    if (!Number.isInteger(v) || v < 0 || v > 31) throw new RangeError("characters are 0 to 31");
    const feedback = v ^ r1;
    r1 = r0 ^ gfMul(feedback, G1);
    r0 = gfMul(feedback, G0);
  }
  return [r1, r0];
}

/** [C(alpha), C(alpha^2)]: both zero exactly when the characters are a receipt. */
export function syndromes(values) {
  return [evaluate(values, ALPHA), evaluate(values, ALPHA2)];
}

export function isCodeword(values) {
  const [s1, s2] = syndromes(values);
  return s1 === 0 && s2 === 0;
}
