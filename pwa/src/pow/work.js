// Proof of work in the outbox (docs/api.md, "Proof of work"): a new case, and an item past its
// case's free allowance, carry a solved challenge. The server's 428 (none) and 403 (not valid:
// expired, used, for something else) are answered by solving a fresh challenge, a few times at
// most in one attempt; past that the item waits like any other "later" (classify.js keeps these
// codes out of the permanent ones), so work refused never loses a report.
import { call, Refused, RetryLater } from "../outbox/api.js";
import { WAIT } from "../outbox/classify.js";
import { POW_HEADER, solutionHeader, solve } from "./solve.js";

export const POW_CODES = new Set(["pow_required", "pow_invalid"]);
const ROUNDS = 3;

/** Solve here (the service worker, tests): let other events through now and then. */
export const solveHere = (challenge) => solve(challenge, { pause: () => new Promise((r) => setTimeout(r, 0)) });

/** Headers carrying fresh work for `purpose` and `size`, or none if this server asks for none. */
export async function freshWork(ctx, purpose, size = 0) {
  let challenge;
  try {
    challenge = await call(ctx, "GET", `/pow?purpose=${purpose}&size=${size}`);
  } catch (error) {
    // No challenge for this (an item over the server's limit): the request itself goes without
    // work and its own answer says what is wrong (413 item_too_large, in words for the citizen).
    if (error instanceof Refused) return {};
    if (error?.code !== "pow_disabled") throw error;
    ctx.powOff = true; // not asked again before a new run, unless the server asks for work
    return {};
  }
  const found = await (ctx.solvePow ?? solveHere)(challenge);
  if (!found) throw new RetryLater(WAIT.SERVER, "the proof-of-work challenge has no solution in its range");
  return { [POW_HEADER]: solutionHeader(challenge, found.number) };
}

/**
 * `send(headers)` with the work it needs. `upfront`: solve before the first try (a new case, a
 * new upload: the server will ask); otherwise only once the server asks (a report that fits the
 * case's free allowance goes without).
 */
export async function withWork(ctx, { purpose, size = 0, upfront = false }, send) {
  let headers = upfront && !ctx.powOff ? await freshWork(ctx, purpose, size) : {};
  for (let round = 1; ; round += 1) {
    try {
      return await send(headers);
    } catch (error) {
      if (!(error instanceof RetryLater) || !POW_CODES.has(error.code) || round >= ROUNDS) throw error;
      headers = await freshWork(ctx, purpose, size);
    }
  }
}
