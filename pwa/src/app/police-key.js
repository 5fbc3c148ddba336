// The police key bundle: fetched from the server, verified in the worker against the root key
// pinned into this build, and remembered (with the highest sequence seen) for offline use.
import { getMeta, setMeta } from "../outbox/store.js";
import { callWorker } from "./worker-client.js";

let state = { status: "checking" };
const listeners = new Set();

export function policeKey() {
  return state;
}

export function onPoliceKey(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Near its expiry (docs/envelope.md, section 10) the stored bundle is still used, since it is
// valid and signed, but the server's is fetched at every check (a minute apart at least, instead
// of ten), and the state says so: offline, the citizen is asked to connect before it expires.
export const REFRESH_BEFORE_EXPIRY_MS = 14 * 24 * 60 * 60_000;
const RECHECK_SOON_MS = 60_000;

function verified(bundle, offline) {
  const expiresSoon = Date.parse(bundle.expires) - Date.now() < REFRESH_BEFORE_EXPIRY_MS;
  return { status: "ok", bundle, expiresSoon, ...(offline ? { offline: true } : {}) };
}

function publish(next) {
  const changed = next.status !== state.status || next.bundle?.sequence !== state.bundle?.sequence ||
    Boolean(next.expiresSoon && next.offline) !== Boolean(state.expiresSoon && state.offline);
  state = next;
  document.documentElement.dataset.policeKey = next.status; // visible state, for styling and tests
  if (changed) for (const fn of listeners) fn(state); // screens redraw only when something changed
  return state;
}

async function verify(documentText, minSequence) {
  return callWorker("verify-bundle", {
    document: documentText,
    minSequence,
    origin: location.origin,
    now: Date.now(),
  });
}

const FETCH_TIMEOUT_MS = 15_000;
const RECHECK_MS = 10 * 60_000;
let inFlight = null;
let checkedAt = 0;

/**
 * Check the police key: the last verified bundle is used at once (so a slow network never
 * leaves the app "checking"), then the server's is fetched, with a timeout, and verified.
 * Called at start, when the network or the page comes back, and before sending if not ok.
 */
export function refreshPoliceKey() {
  inFlight ??= check().finally(() => {
    inFlight = null;
    checkedAt = Date.now();
  });
  return inFlight;
}

/** Check again if the key is not usable, or was last checked long ago. */
export function recheckPoliceKey() {
  const every = state.expiresSoon ? RECHECK_SOON_MS : RECHECK_MS;
  if (state.status !== "ok" || Date.now() - checkedAt > every) return refreshPoliceKey();
  return Promise.resolve(state);
}

async function check() {
  const stored = await getMeta("bundle");
  let storedResult = null;
  if (stored) {
    storedResult = await verify(stored.document, stored.sequence);
    if (storedResult.ok && state.status !== "ok") publish(verified(storedResult.bundle, true));
  }
  let text = null;
  try {
    const response = await fetch("/api/v1/key-bundle", { cache: "no-store", credentials: "omit",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (response.ok) text = await response.text();
  } catch {
    // offline or too slow: the last verified bundle stands
  }
  if (text !== null) {
    const result = await verify(text, stored?.sequence ?? 0);
    if (!result.ok) return publish({ status: "invalid", code: result.code, message: result.message });
    await setMeta("bundle", { document: text, sequence: result.bundle.sequence });
    return publish(verified(result.bundle, false));
  }
  if (!stored) return publish({ status: "offline" });
  if (storedResult.ok) return publish(verified(storedResult.bundle, true));
  if (storedResult.code === "bundle_expired") return publish({ status: "expired" });
  return publish({ status: "invalid", code: storedResult.code, message: storedResult.message });
}
