// The service worker: keeps the versioned app shell so the app opens with no network at all,
// and delivers the outbox when the browser fires Background Sync (even with the app closed).
//
// build.mjs prepends self.__TIPLINE_VERSION and self.__TIPLINE_PRECACHE (every file of the
// shell, with hashed names). It never caches API answers and never talks to another origin.
import { deliverAll } from "./src/outbox/deliver.js";
import { SYNC_TAG } from "./src/outbox/events.js";

// `self` is this service worker's scope (the type check reads the file with the DOM's types too)
const sw = /** @type {ServiceWorkerGlobalScope & { __TIPLINE_VERSION: string, __TIPLINE_PRECACHE: string[] }} */ (
  /** @type {unknown} */ (self));

const VERSION = sw.__TIPLINE_VERSION;
const PRECACHE = sw.__TIPLINE_PRECACHE;
const CACHE = `tipline-shell-${VERSION}`;

sw.addEventListener("install", (event) => {
  // A new version installs in the background and waits: the page offers the update, it is
  // never forced in the middle of a report.
  event.waitUntil(
    // Hashed assets never change under their name: the HTTP cache may serve them (the page has
    // just loaded most of them). Unhashed files (index.html, manifest, icons) are fetched afresh.
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map((url) =>
      new Request(url, { cache: url.startsWith("/assets/") ? "default" : "reload" })))),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("tipline-shell-") && name !== CACHE) await caches.delete(name);
      }
      await sw.clients.claim(); // the first visit is controlled at once: offline from then on
    })(),
  );
});

sw.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") sw.skipWaiting();
  if (event.data?.type === "version") event.ports[0]?.postMessage({ version: VERSION });
});

sw.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== sw.location.origin || url.pathname.startsWith("/api/")) {
    return; // the network, untouched: the API is never cached
  }
  if (request.mode === "navigate") {
    event.respondWith(fromCache("/index.html", request));
    return;
  }
  event.respondWith(fromCache(url.pathname, request));
});

async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  return fetch(request);
}

// A sync event may run a few minutes before the browser stops it: within that, items that
// are due again soon (the backoff's first steps) are retried in the same event.
const SYNC_KEEP_ALIVE_MS = 30_000;
const SYNC_BUDGET_MS = 3 * 60_000;

sw.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    // wait: if a page is delivering, take over when it is done or closed (not "busy", which the
    // browser would count as success). fetch() is the transport here (no XMLHttpRequest in a
    // service worker): its time limit is sized from each body and the measured uplink.
    deliverAll({ wait: true, keepAliveMs: SYNC_KEEP_ALIVE_MS, budgetMs: SYNC_BUDGET_MS }).then((result) => {
      // Rejecting tells the browser to fire the sync again later, with its own backoff.
      if (result === "retry") throw new Error("delivery incomplete; the browser will retry");
    }),
  );
});
