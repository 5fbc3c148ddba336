// Triggers for delivering the outbox from the page: right after queuing, at start, when the
// network or the page comes back, when the next item is due, when a probe of the health route
// finds the network back, on "send now"; and Background Sync so the service worker delivers
// even when the app is closed (where the browser supports it).
import { reachedServer } from "../outbox/classify.js";
import { deliver } from "../outbox/deliver.js";
import { announce, listen, SYNC_TAG } from "../outbox/events.js";
import { createScheduler, PROBED_WAITS } from "../outbox/scheduler.js";
import { itemsOf, listCases, resetBackoff, STATES, withdrawItems } from "../outbox/store.js";
import { xhrTransport } from "../outbox/transport.js";
import { policeKey, recheckPoliceKey } from "./police-key.js";
import { callWorker } from "./worker-client.js";

const randomHex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
  b.toString(16).padStart(2, "0")).join("");

/** Whether this page's crypto worker still holds a report's plaintext (it can seal it again). */
export async function canHold(caseId) {
  try {
    return (await callWorker("has-report", { caseId })).held === true;
  } catch {
    return false;
  }
}

/** One cheap request that only this server answers as it does (a portal's 200 is not it). */
async function probeHealth() {
  if (document.visibilityState === "hidden") return false; // the timer alone, when nobody looks
  try {
    const response = await fetch("/api/healthz", { cache: "no-store", credentials: "omit", redirect: "manual",
      signal: AbortSignal.timeout(10_000) });
    return reachedServer({ status: response.status, contentType: response.headers.get("Content-Type"),
      text: await response.text() });
  } catch {
    return false;
  }
}

// After a failed or contended run, Background Sync is asked for again, so the service worker
// finishes the job even if the citizen closes the app now.
/** Proofs of work are solved in the crypto worker, off the page's thread (pow/solve.js). */
const solvePow = (challenge) => callWorker("solve-pow", { challenge });

const scheduler = createScheduler(() => deliver({ transport: xhrTransport(), canHold, solvePow }), {
  onResult: (result) => {
    if (result.status !== "done") registerBackgroundSync();
  },
  probe: probeHealth,
  onHealed: async () => {
    await resetBackoff(null, { waits: PROBED_WAITS });
    announce({ type: "kick" });
    recheckPoliceKey().catch(() => {});
  },
});

export function kickDelivery() {
  announce({ type: "kick" }); // a run in progress elsewhere (the service worker) looks again
  return scheduler.kick();
}

/** "Envoyer maintenant": everything that waits is tried again at once. */
export async function sendNow() {
  await resetBackoff();
  recheckPoliceKey().catch(() => {});
  return kickDelivery();
}

/**
 * The citizen chose to send a case without its refused attachments. If this page still holds
 * the report's plaintext (and it has not left yet), the report is sealed again without them
 * (listing them as withdrawn, with the server's reason); otherwise it goes as it was sealed and
 * the police see those files as missing. Returns {resealed}.
 */
export async function sendWithout(caseId, itemIds) {
  const items = await itemsOf(caseId);
  const report = items.find((i) => i.kind === "report");
  const dropped = items.filter((i) => itemIds.includes(i.itemId) && i.state === STATES.FAILED);
  let fresh = null;
  const key = policeKey();
  if (report && report.state !== STATES.DELIVERED && key.status === "ok") {
    const itemId = randomHex(16);
    const result = await callWorker("reseal-report", {
      caseId, itemId, dropParts: dropped.map((i) => i.part),
      reasons: Object.fromEntries(dropped.map((i) => [i.part, i.error ?? "refused"])),
      recipients: key.bundle.publicKeys,
    }).catch(() => ({ status: "failed" }));
    if (result.status === "resealed") fresh = itemId;
  }
  await withdrawItems(caseId, dropped.map((i) => i.itemId), { report: fresh });
  kickDelivery();
  return { resealed: fresh !== null };
}

/** A case erased or delivered: its report's plaintext leaves the worker's memory. */
export function forgetReport(caseId) {
  callWorker("forget-report", { caseId }).catch(() => {});
}

export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    // Background Sync is not in every browser, nor in TypeScript's DOM types
    await /** @type {any} */ (registration)?.sync?.register(SYNC_TAG);
  } catch {
    // no Background Sync (Safari, Firefox) or permission refused: the page's triggers remain
  }
}

export function startDeliveryTriggers() {
  // reports queued in an earlier visit: if the app is closed before they are out, the service
  // worker goes on with them
  listCases().then((cases) => cases.some((c) => c.state === STATES.QUEUED) && registerBackgroundSync())
    .catch(() => {});
  window.addEventListener("online", async () => {
    await resetBackoff(null, { waits: PROBED_WAITS }); // the server's own "later" still holds
    kickDelivery();
  });
  // once its report is delivered, a case's plaintext is of no more use: it leaves the worker
  listen((message) => {
    if (message.type === "item" && message.kind === "report" && message.state === STATES.DELIVERED) {
      forgetReport(message.caseId);
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") kickDelivery();
  });
  kickDelivery();
}
