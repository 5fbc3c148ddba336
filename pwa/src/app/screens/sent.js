// After sending: the receipt, and the delivery state of the report and each file, live.
import { listen } from "../../outbox/events.js";
import { getCase, itemsOf, putCase, STATES } from "../../outbox/store.js";
import { kickDelivery } from "../delivery.js";
import { h } from "../dom.js";
import { formatBytes, t } from "../i18n.js";
import { go } from "../router.js";
import { sentReceipts } from "../session.js";

let stopListening = () => {};
let shownCase = null;

function caseState(items, sending) {
  const states = items.map((i) => i.state);
  if (states.length && states.every((s) => s === STATES.DELIVERED)) return "delivered";
  if (states.includes(STATES.FAILED) && !states.includes(STATES.QUEUED)) return "failed";
  return sending ? "sending" : "waiting";
}

function receiptBlock(record, receipt) {
  const shown = receipt ?? record.receipt ?? null;
  if (!shown) return h("p", { class: "hint", text: t("sent.receipt_forgotten") });
  const keep = h("input", { id: "keep-receipt", type: "checkbox", checked: Boolean(record.receipt) });
  const note = h("p", { class: "hint", role: "status",
    text: record.receipt ? t("sent.receipt_kept") : t("sent.receipt_forgotten") });
  keep.addEventListener("change", async () => {
    const current = await getCase(record.caseId);
    if (!current) return;
    if (keep.checked) current.receipt = shown;
    else delete current.receipt;
    await putCase(current);
    note.textContent = keep.checked ? t("sent.receipt_kept") : t("sent.receipt_forgotten");
  });
  return h("section", { "aria-labelledby": "receipt-title" },
    h("h2", { id: "receipt-title", text: t("sent.receipt_title") }),
    h("p", { text: t("sent.receipt_text") }),
    h("p", { class: "receipt", "data-receipt": "", text: shown }),
    h("div", { class: "check" }, keep, h("label", { for: "keep-receipt", text: t("sent.keep_receipt") })),
    note);
}

export async function sentScreen({ caseId }) {
  stopListening();
  const record = await getCase(caseId);
  if (!record) {
    go("");
    return [];
  }
  const receipt = sentReceipts.get(caseId);
  shownCase = caseId;
  const stateLine = h("p", { class: "state", role: "status", "data-case-state": "" });
  const itemList = h("ul", { class: "files" });
  const progress = new Map(); // itemId -> bytes sent, from delivery events
  let sending = false;

  async function render() {
    const items = await itemsOf(caseId);
    const state = caseState(items, sending);
    stateLine.className = `state state--${state}`;
    stateLine.dataset.caseState = state;
    stateLine.textContent = t(`sent.state_${state}`);
    let attachmentNumber = 0;
    itemList.replaceChildren(...items.map((item) => {
      const label = item.kind === "report" ? t("sent.item_report") : t("sent.item_attachment", { n: ++attachmentNumber });
      const sent = item.state === STATES.DELIVERED ? item.size : (progress.get(item.itemId) ?? 0);
      return h("li", { class: "file", "data-item-state": item.state },
        h("p", { class: "file__name", text: `${label} (${formatBytes(item.size)})` }),
        h("p", { class: `state state--${item.state === STATES.QUEUED ? (sending ? "sending" : "waiting") : item.state}`,
          text: t(`sent.state_${{ queued: sending ? "sending" : "waiting", delivered: "delivered",
            failed: "failed" }[item.state] ?? "waiting"}`) + (item.error ? ` (${item.error})` : "") }),
        h("progress", { max: item.size, value: sent, "aria-label": label }));
    }));
    sendNow.hidden = state === "delivered";
    safe.hidden = state === "delivered";
    delivered.hidden = state !== "delivered";
  }

  stopListening = listen((message) => {
    if (message.caseId !== caseId) return;
    if (message.type === "progress") {
      sending = true;
      progress.set(message.itemId, message.sent);
    }
    if (message.type === "offline") sending = false;
    if (message.type === "case") sending = false;
    render();
  });

  const sendNow = h("button", { type: "button", class: "button button--primary", text: t("sent.send_now"),
    on: { click: () => kickDelivery().then(render) } });
  const delivered = h("p", { class: "notice notice--ok", text: t("sent.delivered_text"), hidden: true });
  // "you can close the app" is only true where the service worker can deliver (Background Sync)
  const safe = h("p", { class: "notice notice--ok", text: t("SyncManager" in globalThis ? "sent.safe" : "sent.safe_open") });
  await render();
  return [
    h("h1", { text: t("sent.title") }),
    safe,
    stateLine,
    delivered,
    itemList,
    h("div", { class: "button-row" }, sendNow),
    receiptBlock(record, receipt),
    record.fingerprint ? h("p", { class: "hint fingerprint", text: t("sent.fingerprint",
      { fingerprint: record.fingerprint }) }) : null,
    h("div", { class: "button-row" },
      h("a", { class: "button", href: "#/signaler", text: t("sent.new_report") }),
      h("a", { class: "button", href: "#/", text: t("sent.home") })),
  ];
}

/** Before any screen is drawn. Leaving a case's screen for another forgets its receipt (unless
 * the citizen kept it on the phone): whoever picks the phone up later cannot read it there. */
export function leaveSentScreen(nextCaseId = null) {
  stopListening();
  stopListening = () => {};
  if (shownCase && shownCase !== nextCaseId) sentReceipts.delete(shownCase);
  if (shownCase !== nextCaseId) shownCase = null;
}
