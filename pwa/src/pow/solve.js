// The search of an ALTCHA challenge (v1, SHA-256): the number n in [0, maxnumber] with
// hex(SHA-256(salt + decimal(n))) = challenge, then the solution as the X-Tipline-Pow header
// carries it. Runs in the crypto worker (the page's) or in the service worker, never on the
// page's own thread.
import { hexWords, PrefixHasher } from "./sha256.js";

export const POW_HEADER = "X-Tipline-Pow";
const ASCII = new TextEncoder();
const YIELD_EVERY = 50_000; // candidates between two yields (a service worker must stay responsive)

function isChallenge(c) {
  return c && c.algorithm === "SHA-256" && /^[0-9a-f]{64}$/.test(c.challenge) && /^[0-9a-f]{64}$/.test(c.signature)
    && typeof c.salt === "string" && c.salt.length <= 200 && Number.isSafeInteger(c.maxnumber) && c.maxnumber >= 0;
}

/** Decimal digits of n into `out` (at most 16 of them: n < 2^53), answering how many. */
function digits(n, out) {
  let length = 0;
  let rest = n;
  do {
    out[15 - length] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
    length += 1;
  } while (rest > 0);
  out.copyWithin(0, 16 - length, 16);
  return length;
}

/**
 * Find the challenge's number. Resolves to {number, tries, ms}; null if no number in range
 * works (a challenge not made as ALTCHA makes them). `pause` is awaited every so often (a
 * service worker passes one that lets its events through).
 */
export async function solve(challenge, { pause = null, now = () => performance.now() } = {}) {
  if (!isChallenge(challenge)) throw new Error("not an ALTCHA SHA-256 challenge");
  const started = now();
  const salt = challenge.salt.endsWith("&") ? challenge.salt : `${challenge.salt}&`;
  const hasher = new PrefixHasher(ASCII.encode(salt));
  const target = hexWords(challenge.challenge);
  const buffer = new Uint8Array(16);
  for (let n = 0; n <= challenge.maxnumber; n += 1) {
    const length = digits(n, buffer);
    const h = hasher.digest(buffer.subarray(0, length));
    if (h[0] === target[0] && h[1] === target[1] && h[2] === target[2] && h[3] === target[3] &&
        h[4] === target[4] && h[5] === target[5] && h[6] === target[6] && h[7] === target[7]) {
      return { number: n, tries: n + 1, ms: now() - started };
    }
    if (pause && n % YIELD_EVERY === YIELD_EVERY - 1) await pause();
  }
  return null;
}

/** The X-Tipline-Pow value: base64 of ALTCHA's payload. */
export function solutionHeader(challenge, number) {
  const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number, salt: challenge.salt,
    signature: challenge.signature };
  return btoa(JSON.stringify(payload));
}
