// What the citizen is told about a case and its items, from the outbox's records (and, while
// the page is open, whether bytes are moving). Pure: the screens turn these into words
// (locale keys sent.state_*, sent.wait_*, sent.refused_*).
import { WAIT } from "./classify.js";
import { STATES } from "./store.js";

// The most telling reason first: a full server says more than a lost signal.
const WAIT_ORDER = [WAIT.FULL, WAIT.LIMITED, WAIT.BUSY, WAIT.UNREACHED, WAIT.NETWORK, WAIT.SERVER];

/** Refusal codes grouped by what the citizen is told (and can do). */
const REFUSAL_GROUPS = {
  too_large: ["item_too_large", "too_large", "message_too_large"],
  conflict: ["mailbox_conflict"],
  case_full: ["case_too_large", "too_many_items"],
  lost: ["chunk_lost"],
};

/** The locale suffix for a refusal: sent.refused_<suffix>. */
export function refusalKey(code) {
  for (const [key, codes] of Object.entries(REFUSAL_GROUPS)) if (codes.includes(code)) return key;
  return "invalid"; // the envelope or its bytes: damaged on the phone, or a fault of this app
}

/**
 * One item: {state, wait?, code?}, state one of "delivered", "sending", "waiting", "refused",
 * "withdrawn". `sending` is true when its bytes are moving now.
 */
export function itemView(item, { sending = false } = {}) {
  switch (item.state) {
    case STATES.DELIVERED: return { state: "delivered" };
    case STATES.WITHDRAWN: return { state: "withdrawn" };
    case STATES.FAILED: return { state: "refused", code: item.error ?? "unknown", reason: refusalKey(item.error) };
    default:
      if (sending) return { state: "sending" };
      return { state: "waiting", wait: item.wait === WAIT.SERVER ? WAIT.NETWORK : (item.wait ?? WAIT.NETWORK) };
  }
}

/**
 * A case: {state, wait?, withdrawn}. state is "delivered" (every item delivered or withdrawn;
 * `withdrawn` counts the files the citizen let go), "failed" (its report, or the case itself,
 * was refused: nothing can go), "choice" (an attachment was refused: the citizen decides),
 * "sending" (bytes moving now) or "waiting" (`wait` says why).
 */
export function caseView(record, items, { sendingItems = new Set() } = {}) {
  const withdrawn = items.filter((i) => i.state === STATES.WITHDRAWN).length;
  const reportRefused = items.some((i) => i.kind === "report" && i.state === STATES.FAILED);
  if (record.state === STATES.FAILED || reportRefused) return { state: "failed", withdrawn };
  if (items.length && items.every((i) => i.state === STATES.DELIVERED || i.state === STATES.WITHDRAWN)) {
    return { state: "delivered", withdrawn };
  }
  if (record.state === STATES.DELIVERED) return { state: "delivered", withdrawn };
  if (items.some((i) => i.state === STATES.FAILED)) return { state: "choice", withdrawn };
  const queued = items.filter((i) => i.state === STATES.QUEUED);
  if (queued.some((i) => sendingItems.has(i.itemId))) return { state: "sending", withdrawn };
  const waits = new Set(queued.map((i) => itemView(i).wait));
  return { state: "waiting", wait: WAIT_ORDER.find((w) => waits.has(w)) ?? WAIT.NETWORK, withdrawn };
}
