// The service worker and its updates. A new version waits until the citizen accepts it, and is
// not even offered while a report is being written.
import { h } from "./dom.js";
import { t } from "./i18n.js";

let waiting = null;
let dismissed = null; // the waiting version the citizen put off with "Plus tard"
let busy = () => false;
let banner = null;
let applying = false;
let stale = false; // another tab applied an update while this one held a report
let shown = null; // what the banner shows, so it is not re-inserted (and re-announced) needlessly

export function setBusyCheck(fn) {
  busy = fn;
  render();
}

function render() {
  if (stale && !busy()) {
    location.reload();
    return;
  }
  const want = !waiting || waiting === dismissed ? null : busy() ? "wait" : "offer";
  if (want === shown && (want === null || banner?.isConnected)) return;
  shown = want;
  banner?.remove();
  banner = null;
  if (want === null) return;
  const buttons = want === "wait"
    ? [h("span", { text: t("update.not_now") })]
    : [
        h("button", { type: "button", text: t("update.reload"), on: { click: apply } }),
        h("button", { type: "button", class: "button--small", text: t("update.later"), on: { click: dismiss } }),
      ];
  banner = h("div", { class: "update", role: "status" }, h("span", { text: t("update.available") }), ...buttons);
  const main = document.getElementById("main");
  main ? main.before(banner) : document.body.append(banner);
}

function apply() {
  if (busy()) return render(); // a report started meanwhile: it must not be lost to a reload
  applying = true;
  waiting.postMessage({ type: "skip-waiting" });
}

function dismiss() {
  dismissed = waiting;
  render();
}

export function refreshUpdateBanner() {
  render();
}

export async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return null;
  const registration = await navigator.serviceWorker.register("/service-worker.js", { scope: "/" });
  // The new version took over (from this tab or another): the old shell's files are gone from
  // the cache, so reload now, unless a report is being written (then at the next screen change).
  let controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!controlled) {
      controlled = true; // the first visit's worker claiming this page: nothing to reload
      return;
    }
    if (applying || !busy()) location.reload();
    else stale = true;
  });
  const track = (worker) => {
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) {
        waiting = worker;
        render();
      }
    });
  };
  if (registration.waiting && navigator.serviceWorker.controller) {
    waiting = registration.waiting;
    render();
  }
  track(registration.installing);
  registration.addEventListener("updatefound", () => track(registration.installing));
  return registration;
}
