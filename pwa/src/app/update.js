// The service worker and its updates. A new version waits until the citizen accepts it, and is
// not even offered while a report is being written.
import { h } from "./dom.js";
import { t } from "./i18n.js";

let waiting = null;
let busy = () => false;
let banner = null;

export function setBusyCheck(fn) {
  busy = fn;
  render();
}

function render() {
  banner?.remove();
  banner = null;
  if (!waiting) return;
  const buttons = busy()
    ? [h("span", { text: t("update.not_now") })]
    : [
        h("button", { type: "button", text: t("update.reload"), on: { click: apply } }),
        h("button", { type: "button", class: "button--small", text: t("update.later"), on: { click: dismiss } }),
      ];
  banner = h("div", { class: "update", role: "status" }, h("span", { text: t("update.available") }), ...buttons);
  document.body.append(banner);
}

function apply() {
  if (busy()) return render(); // a report started meanwhile: it must not be lost to a reload
  navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
  waiting.postMessage({ type: "skip-waiting" });
}

function dismiss() {
  banner?.remove();
  banner = null;
}

export function refreshUpdateBanner() {
  render();
}

export async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return null;
  const registration = await navigator.serviceWorker.register("/service-worker.js", { scope: "/" });
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
