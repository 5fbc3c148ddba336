// Triggers for delivering the outbox from the page: right after queuing, at start, when the
// network or the page comes back, on a backoff timer, on "send now"; and Background Sync so
// the service worker delivers even when the app is closed (where the browser supports it).
import { deliverAll } from "../outbox/deliver.js";
import { SYNC_TAG } from "../outbox/events.js";
import { listCases, STATES } from "../outbox/store.js";
import { createScheduler } from "../outbox/scheduler.js";

// After a failed or contended run, Background Sync is asked for again, so the service worker
// finishes the job even if the citizen closes the app now.
const scheduler = createScheduler(() => deliverAll(), {
  onResult: (result) => {
    if (result !== "done") registerBackgroundSync();
  },
});

export function kickDelivery() {
  return scheduler.kick();
}

export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register(SYNC_TAG);
  } catch {
    // no Background Sync (Safari, Firefox) or permission refused: the page's triggers remain
  }
}

export function startDeliveryTriggers() {
  // reports queued in an earlier visit: if the app is closed before they are out, the service
  // worker goes on with them
  listCases().then((cases) => cases.some((c) => c.state === STATES.QUEUED) && registerBackgroundSync())
    .catch(() => {});
  window.addEventListener("online", () => kickDelivery());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") kickDelivery();
  });
  kickDelivery();
}
