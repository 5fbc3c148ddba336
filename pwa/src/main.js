// The citizen app's entry point: language, routes, the service worker, the police key, the
// outbox's delivery triggers. Screens live in app/screens; nothing here touches crypto directly.
import { COACH_MESSAGES } from "./coach/coach.js";
import { REMOVED_LABELS } from "./media/labels.js";
import { topbar } from "./app/components/topbar.js";
import { startDeliveryTriggers } from "./app/delivery.js";
import { h } from "./app/dom.js";
import { addMessages, applyStatic, initLanguage, t } from "./app/i18n.js";
import { onPoliceKey, recheckPoliceKey, refreshPoliceKey } from "./app/police-key.js";
import { currentPath, route, startRouter } from "./app/router.js";
import { homeScreen } from "./app/screens/home.js";
import { conversationScreen, leaveConversation } from "./app/screens/conversation.js";
import { anonymityScreen, faqScreen } from "./app/screens/info.js";
import { keptDraft } from "./app/draft-vault.js";
import { outboxScreen } from "./app/screens/outbox.js";
import { receiptScreen } from "./app/screens/receipt-entry.js";
import { draftInProgress, reportScreen } from "./app/screens/report.js";
import { reviewScreen } from "./app/screens/review.js";
import { leaveSentScreen, sentScreen } from "./app/screens/sent.js";
import { refreshUpdateBanner, registerServiceWorker, setBusyCheck } from "./app/update.js";
import { warmUp } from "./app/worker-client.js";
import { cleanUp, draftLockName } from "./outbox/store.js";

route("", homeScreen);
route("signaler", reportScreen);
route("relire", reviewScreen);
route("envoi/:caseId", sentScreen);
route("envois", outboxScreen);
route("questions", faqScreen);
route("anonymat", anonymityScreen);
route("recu", receiptScreen);
route("conversation/:caseId", conversationScreen);

let last = null;
let shownPath = null; // the path whose screen is showing: focus moves only when it changes

async function render(screen, params) {
  last = { screen, params };
  leaveSentScreen(screen === sentScreen ? params?.caseId : null);
  leaveConversation(screen === conversationScreen ? params?.caseId : null);
  const main = document.getElementById("main");
  let nodes;
  try {
    nodes = await screen({ ...params, rerender });
  } catch (error) {
    console.error(error);
    nodes = [h("h1", { text: t("errors.generic", { error: error.message }) })];
  }
  if (last.screen !== screen) return; // another navigation happened meanwhile
  // A redraw of the same screen (language, police key) must not take the focus away, nor close
  // the phone's keyboard: the report's own fields are reused, the top bar's buttons are new
  // (found again by their data-focus-key).
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const focusKey = active?.dataset?.focusKey;
  // screens may leave optional parts out as null (DOM's replaceChildren would print "null")
  main.replaceChildren(topbar({ rerender }), ...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
  if (active && active !== document.body && document.activeElement !== active) {
    const again = active.isConnected ? active
      : focusKey && /** @type {HTMLElement | null} */ (main.querySelector(`[data-focus-key="${focusKey}"]`));
    again?.focus({ preventScroll: true });
  }
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} · ${t("nav.home")}` : t("nav.home");
  const path = currentPath();
  if (shownPath !== null && path !== shownPath && heading) {
    heading.tabIndex = -1;
    heading.focus(); // screen readers hear where they are after a navigation (not on a refresh)
  }
  shownPath = path;
  refreshUpdateBanner();
}

function rerender() {
  applyStatic();
  if (last) render(last.screen, last.params);
}

// The skip link jumps to the content without changing the hash (which is the router's, and
// would add a history entry that quick exit could not remove).
document.addEventListener("click", (event) => {
  const skip = /** @type {Element} */ (event.target).closest?.(".skip-link");
  if (!skip) return;
  event.preventDefault();
  document.getElementById("main")?.focus();
});

async function boot() {
  initLanguage();
  addMessages(COACH_MESSAGES, "coach.");
  addMessages(REMOVED_LABELS, "media.");
  applyStatic();
  const held = new Set((await navigator.locks?.query())?.held?.map((l) => l.name) ?? []);
  // the sealed photos of a draft kept on the phone wait for it to be opened again
  const kept = await keptDraft().catch(() => null);
  if (kept?.caseId) held.add(draftLockName(kept.caseId));
  await cleanUp({ heldLocks: held }).catch((error) => console.error("outbox cleanup", error));
  startRouter(render);
  setBusyCheck(() => draftInProgress()); // the form survives a visit to the FAQ: a reload would lose it
  registerServiceWorker().catch((error) => console.error("service worker", error));
  warmUp();
  onPoliceKey(() => rerender());
  refreshPoliceKey().catch((error) => console.error("police key", error));
  const recheck = () => recheckPoliceKey().catch((error) => console.error("police key", error));
  window.addEventListener("online", recheck);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && recheck());
  startDeliveryTriggers();
}

boot();
