// One request to the citizen API through the outbox's limiter and transport, its answer
// classified (classify.js), its time limits from the measured uplink (uplink.js).
import { classify, WAIT } from "./classify.js";
import { PIECES, SMALL } from "./limiter.js";
import { TransportError } from "./transport.js";

export const API = "/api/v1";

/** Not delivered now; nothing is lost, try again later. `wait` says why (classify.js WAIT). */
export class RetryLater extends Error {
  constructor(wait, message, { retryAfterMs = 0, status = 0, code = null } = {}) {
    super(message);
    this.wait = wait;
    this.retryAfterMs = retryAfterMs;
    this.status = status;
    this.code = code;
    this.progressed = false;
  }
}

/** This server refused the item for good (classify.js PERMANENT_CODES), or its bytes are lost on the phone. */
export class Refused extends Error {
  constructor(status, code, message = "") {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.reason = message;
  }
}

/**
 * Send one request; resolve to the server's JSON (null for 204), or throw RetryLater/Refused.
 * `bytes` is the body's size (for the time limits and the uplink's measure); `pool` the slots
 * it takes (limiter.js: a piece's, or a small request's). `prepare`, if
 * given, makes {body, headers} once a slot is free: a piece is read and hashed only when it
 * can go, so no more than the limiter's slots of pieces sit in memory.
 * @param {object} ctx
 * @param {string} method
 * @param {string} path
 * @param {{ body?: any, headers?: Record<string, string>, bytes?: number, pool?: string, limits?: object,
 *   prepare?: () => Promise<{ body: any, headers: Record<string, string> }>, onUpload?: (n: number) => void }} [request]
 */
export async function call(ctx, method, path, { body, headers, bytes = 0, pool = SMALL, limits, prepare,
  onUpload } = {}) {
  const release = await (pool === PIECES ? ctx.pieces : ctx.small).acquire();
  let answer;
  let started;
  try {
    if (prepare) ({ body, headers } = await prepare());
    started = performance.now(); // not ctx.now(): that clock schedules retries (and tests move it by hand)
    answer = await ctx.transport({ method, url: ctx.base + API + path, body, headers, onUpload,
      limits: limits ?? ctx.uplink.limits(bytes) });
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    if (error.reason !== "network") ctx.uplink.slower(bytes);
    throw new RetryLater(WAIT.NETWORK, `${method} ${path}: ${error.message}`);
  } finally {
    release();
  }
  const verdict = classify(answer, ctx.now());
  if (verdict.kind === "ok") {
    ctx.uplink.record(bytes, performance.now() - started);
    return verdict.json;
  }
  if (verdict.kind === "refused") throw new Refused(verdict.status, verdict.code, verdict.message);
  const code = verdict.code ? ` ${verdict.code}` : "";
  throw new RetryLater(verdict.wait, `${method} ${path}: HTTP ${verdict.status}${code}`, verdict);
}
