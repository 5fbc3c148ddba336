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

function publish(next) {
  state = next;
  document.documentElement.dataset.policeKey = next.status; // visible state, for styling and tests
  for (const fn of listeners) fn(state);
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

export async function refreshPoliceKey() {
  const stored = await getMeta("bundle");
  let text = null;
  try {
    const response = await fetch("/api/v1/key-bundle", { cache: "no-store", credentials: "omit" });
    if (response.ok) text = await response.text();
  } catch {
    // offline: fall back to the last verified bundle below
  }
  if (text !== null) {
    const result = await verify(text, stored?.sequence ?? 0);
    if (!result.ok) return publish({ status: "invalid", code: result.code, message: result.message });
    await setMeta("bundle", { document: text, sequence: result.bundle.sequence });
    return publish({ status: "ok", bundle: result.bundle });
  }
  if (!stored) return publish({ status: "offline" });
  const result = await verify(stored.document, stored.sequence);
  if (result.ok) return publish({ status: "ok", bundle: result.bundle, offline: true });
  if (result.code === "bundle_expired") return publish({ status: "expired" });
  return publish({ status: "invalid", code: result.code, message: result.message });
}
