// Who gave an answer, and what it means for the outbox. Between a phone and the server stand
// captive portals, operators' proxies, hotel Wi-Fi and dead cells: a 200 from a portal, a proxy's
// HTML 413 page or a reset says nothing about our report. Only this server's own JSON errors
// (an `application/json` body shaped `{"error": code, "message": text}`) can refuse something
// for good, and among those only the codes below: anything else is "not reached the server yet"
// or "the server says later", and is tried again. Nothing here is ever lost by retrying: every
// write is idempotent on the server.

/** The item itself can never be accepted as it is: the citizen must decide (docs/api.md). */
export const PERMANENT_CODES = new Set([
  "item_too_large", "too_large", "case_too_large", "too_many_items", // limits
  "not_an_envelope", "wrong_case", "id_mismatch", "wrong_kind", "header_mismatch", // the envelope itself
  "slot_taken", "item_conflict", "chunk_conflict", "sha256_mismatch", // other bytes under our ids
  "bad_id", "bad_chunk_index", "bad_chunk_length", "invalid_request", "bad_json", "unsupported_media_type",
  "length_required", "digest_required", "bad_digest_header", // a request this app should never make
  "message_too_large", // a citizen message above the server's size limit (docs/conversation.md)
  "mailbox_conflict", // the case already has another mailbox: this phone's receipt cannot be its key
]);

/** Why something waits, as the citizen is told (locale keys sent.wait_*). */
export const WAIT = {
  NETWORK: "network", // no answer at all: no signal, a reset, a timeout, a stalled upload
  UNREACHED: "unreached", // an answer, but not from this server: a portal, a proxy, a firewall page
  BUSY: "busy", // the server says later: 5xx, 429, 408
  FULL: "full", // the server is out of space (507): the report waits on the phone
  SERVER: "server", // the server wants another step first (an upload to resume, a case to open)
  LIMITED: "limited", // too many messages to this case within the hour (429 rate_limited): later
};

const RETRY_AFTER_CAP_MS = 30 * 60_000; // a header asking for a day is not obeyed for a day

/** Retry-After as milliseconds from `now` (delta-seconds or an HTTP date), or 0. */
export function retryAfterMs(value, now = Date.now()) {
  if (value === null || value === undefined || value === "") return 0;
  const text = String(value).trim();
  let ms;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return 0;
    ms = at - now;
  }
  return Math.max(0, Math.min(ms, RETRY_AFTER_CAP_MS));
}

function isJson(contentType) {
  return /^application\/json\s*(;|$)/i.test(contentType ?? "");
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** This server's error body: {"error": code, "message": text}. */
function serverError(answer) {
  if (!isJson(answer.contentType)) return null;
  const body = parse(answer.text ?? "");
  if (!isObject(body) || typeof body.error !== "string" || typeof body.message !== "string") return null;
  if (!/^[a-z][a-z0-9_]{1,63}$/.test(body.error)) return null;
  return body;
}

/**
 * Classify one HTTP answer `{status, contentType, retryAfter, text}`:
 *   {kind: "ok", json}                                 a 2xx in this server's JSON (or 204)
 *   {kind: "refused", status, code, message}           this server, for good
 *   {kind: "retry", wait, status, code?, retryAfterMs} anything else
 * A 2xx still has to be checked against the request by the caller (it must name our item).
 */
export function classify(answer, now = Date.now()) {
  const { status } = answer;
  const after = retryAfterMs(answer.retryAfter, now);
  if (status >= 200 && status < 300) {
    if (status === 204) return { kind: "ok", json: null };
    const json = isJson(answer.contentType) ? parse(answer.text ?? "") : undefined;
    if (json === undefined) return { kind: "retry", wait: WAIT.UNREACHED, status, retryAfterMs: 0 };
    return { kind: "ok", json };
  }
  const error = serverError(answer);
  if (!error) {
    // Not this server's voice: a portal, a proxy's error page, a gateway's 502. Its 503/429 with
    // Retry-After is still honoured: whoever sent it is overloaded.
    const wait = status === 507 ? WAIT.FULL : status === 503 || status === 429 ? WAIT.BUSY : WAIT.UNREACHED;
    return { kind: "retry", wait, status, retryAfterMs: after };
  }
  if (status === 507) return { kind: "retry", wait: WAIT.FULL, status, code: error.error, retryAfterMs: after };
  if (status === 429 && error.error === "rate_limited") {
    return { kind: "retry", wait: WAIT.LIMITED, status, code: error.error, retryAfterMs: after };
  }
  if (status >= 500 || status === 408 || status === 425 || status === 429) {
    return { kind: "retry", wait: WAIT.BUSY, status, code: error.error, retryAfterMs: after };
  }
  if (status >= 400 && PERMANENT_CODES.has(error.error)) {
    return { kind: "refused", status, code: error.error, message: error.message };
  }
  // The server's own answer, but one that asks for another step (upload_incomplete,
  // upload_not_found, case_not_found, too_many_uploads...) or one this version does not know:
  // trying again costs little and loses nothing.
  return { kind: "retry", wait: WAIT.SERVER, status, code: error.error, retryAfterMs: after };
}

/**
 * The health route answered as this server does (`{"status": ...}` or its JSON error): the
 * network reaches the server again, whatever its health (a portal's 200 page is not that).
 */
export function reachedServer(answer) {
  if (serverError(answer)) return true;
  if (answer.status !== 200 || !isJson(answer.contentType)) return false;
  const body = parse(answer.text ?? "");
  return isObject(body) && typeof body.status === "string";
}
