// After sending: the receipt, and the delivery state of the report and each file, live: what
// is moving, what waits and why (no network, a portal, a busy or full server: never a failure),
// and, for a file the server refused for good, the reason and what the citizen can do.
import { listen } from "../../outbox/events.js";
import { caseView, itemView } from "../../outbox/status.js";
import { getCase, itemsOf, putCase, STATES } from "../../outbox/store.js";
import { canHold, sendNow, sendWithout } from "../delivery.js";
import { h } from "../dom.js";
import { formatBytes, t } from "../i18n.js";
import { MailboxDenied } from "../mailbox/client.js";
import { openSession } from "../mailbox/session.js";
import { go } from "../router.js";
import { sentReceipts } from "../session.js";

let stopListening = () => {};
let shownCase = null;
const MOVING_MS = 45_000; // no progress for this long: not "sending" any more

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

/** The words for a case's state (the status line, and the outbox list). */
export function caseStateText(view) {
  if (view.state === "waiting" && view.wait !== "network") return t(`sent.wait_${view.wait}`);
  if (view.state === "delivered" && view.withdrawn) return t("sent.delivered_partial", { count: view.withdrawn });
  return t(`sent.state_${view.state}`);
}

function itemStateText(view) {
  // the status line above says why; each row only says that it waits
  if (view.state === "waiting") return t(view.wait === "network" ? "sent.state_waiting" : "sent.item_waiting");
  if (view.state === "refused") return t(`sent.refused_${view.reason}`, { code: view.code });
  return t(`sent.state_${view.state}`);
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
  const failed = h("p", { class: "notice notice--danger", hidden: true });
  const itemList = h("ul", { class: "files" });
  const said = h("p", { class: "notice notice--ok", role: "status", hidden: true }); // after a choice
  const progress = new Map(); // itemId -> bytes sent, from delivery events
  const moving = new Map(); // itemId -> when bytes last moved
  const rows = new Map(); // itemId -> {row, key}
  let busy = false; // a choice being carried out

  const sendNowButton = h("button", { type: "button", class: "button button--primary", text: t("sent.send_now"),
    on: { click: () => sendNow().then(render) } });
  const delivered = h("p", { class: "notice notice--ok", text: t("sent.delivered_text"), hidden: true });
  // once the report is there, its receipt (in memory, or kept) opens the conversation
  const conversationNote = h("p", { class: "field-error", role: "alert" });
  const conversationButton = h("button", { type: "button", class: "button button--primary", hidden: true,
    "data-open-conversation": "", text: t("sent.open_conversation"), on: { click: async () => {
      const shown = sentReceipts.get(caseId) ?? (await getCase(caseId))?.receipt;
      if (!shown) return;
      conversationButton.disabled = true;
      conversationNote.textContent = t("receipt.opening");
      try {
        const session = await openSession(shown);
        go(`conversation/${session.caseId}`);
      } catch (error) {
        conversationNote.textContent = t(error instanceof MailboxDenied ? "receipt.denied" : "receipt.offline");
      } finally {
        conversationButton.disabled = false;
      }
    } } });
  // "you can close the app" is only true where the service worker can deliver (Background Sync)
  const safe = h("p", { class: "notice notice--ok", text: t("SyncManager" in globalThis ? "sent.safe" : "sent.safe_open") });

  async function choose(item, resealable) {
    if (busy) return;
    busy = true;
    try {
      const { resealed } = await sendWithout(caseId, [item.itemId]);
      said.textContent = t(resealed ? "sent.withdrawn_resealed" : "sent.withdrawn_as_is");
      said.hidden = false;
      said.dataset.resealed = String(resealed && resealable);
    } finally {
      busy = false;
      render();
    }
  }

  function itemRow(item, label, view, resealable) {
    const sent = item.state === STATES.DELIVERED ? item.size : (progress.get(item.itemId) ?? 0);
    const parts = [
      h("p", { class: "file__name", text: `${label} (${formatBytes(item.size)})` }),
      h("p", { class: `state state--${view.state === "refused" ? "failed" : view.state}`, "data-item-text": "",
        text: itemStateText(view) }),
    ];
    if (view.state === "sending" || view.state === "waiting") {
      parts.push(h("progress", { max: item.size, value: sent, "aria-label": label }),
        h("p", { class: "hint", "data-item-progress": "", text: t("sent.progress", { sent: formatBytes(sent),
          total: formatBytes(item.size) }) }));
    }
    if (view.state === "refused" && item.kind !== "report") {
      parts.push(h("p", { class: "hint", "data-choice": resealable ? "reseal" : "as-is",
        text: t(resealable ? "sent.choice_reseal" : "sent.choice_as_is") }),
      h("div", { class: "button-row" }, h("button", { type: "button", class: "button button--primary",
        "data-focus-key": `choice-${item.itemId}`, text: t(resealable ? "sent.send_without" : "sent.remove_file"),
        on: { click: () => choose(item, resealable) } })));
    }
    return parts;
  }

  async function render() {
    const now = Date.now();
    const current = await getCase(caseId);
    if (!current) return;
    const items = await itemsOf(caseId);
    const sendingItems = new Set([...moving].filter(([, at]) => now - at < MOVING_MS).map(([id]) => id));
    const view = caseView(current, items, { sendingItems });
    stateLine.className = `state state--${view.state === "choice" ? "failed" : view.state}`;
    stateLine.dataset.caseState = view.state;
    if (view.wait) stateLine.dataset.wait = view.wait;
    else delete stateLine.dataset.wait;
    stateLine.textContent = caseStateText(view);
    const report = items.find((i) => i.kind === "report");
    const refusedReport = items.find((i) => i.kind === "report" && i.state === STATES.FAILED);
    failed.hidden = view.state !== "failed";
    const code = refusedReport?.error ?? current.error ?? "";
    failed.textContent = failed.hidden ? "" : t("sent.failed_text", { code });
    const resealable = items.some((i) => i.state === STATES.FAILED) && report && report.state !== STATES.DELIVERED &&
      (await canHold(caseId));
    let attachmentNumber = 0;
    const order = [];
    for (const item of items) {
      if (item.state === STATES.DRAFT) continue; // a message still being written
      const label = item.kind === "report" ? t("sent.item_report") : item.kind === "message" ? t("sent.item_message")
        : t("sent.item_attachment", { n: ++attachmentNumber });
      const itemState = itemView(item, { sending: sendingItems.has(item.itemId) });
      const key = `${item.state}/${itemState.state}/${itemState.wait ?? ""}/${resealable}/${label}`;
      let entry = rows.get(item.itemId);
      if (!entry) {
        entry = { row: h("li", { class: "file", "data-item": item.itemId }), key: null };
        rows.set(item.itemId, entry);
      }
      entry.row.dataset.itemState = item.state;
      if (entry.key !== key) {
        // redrawn only when its state changes (a focused button keeps its focus otherwise)
        const hadFocus = entry.row.contains(document.activeElement);
        entry.row.replaceChildren(...itemRow(item, label, itemState, resealable));
        entry.key = key;
        if (hadFocus) entry.row.querySelector("button")?.focus();
      } else updateProgress(item);
      order.push(entry.row);
    }
    if (order.some((row, i) => itemList.children[i] !== row) || itemList.children.length !== order.length) {
      itemList.replaceChildren(...order);
    }
    const settled = view.state === "delivered" || view.state === "failed";
    sendNowButton.hidden = settled;
    safe.hidden = settled;
    delivered.hidden = view.state !== "delivered";
    conversationButton.hidden = report?.state !== STATES.DELIVERED || !(sentReceipts.get(caseId) ?? current.receipt);
  }

  function updateProgress(item) {
    const row = rows.get(item.itemId)?.row;
    const sent = progress.get(item.itemId);
    if (!row || sent === undefined) return;
    const bar = row.querySelector("progress");
    if (bar) bar.value = sent;
    const text = row.querySelector("[data-item-progress]");
    if (text) text.textContent = t("sent.progress", { sent: formatBytes(sent), total: formatBytes(item.size) });
  }

  const stopEvents = listen((message) => {
    if (message.caseId !== caseId) return;
    if (message.type === "progress") {
      progress.set(message.itemId, message.sent);
      const wasMoving = moving.has(message.itemId) && Date.now() - moving.get(message.itemId) < MOVING_MS;
      moving.set(message.itemId, Date.now());
      const row = rows.get(message.itemId);
      if (wasMoving && row) {
        updateProgress({ itemId: message.itemId, size: message.total }); // bytes only: no redraw
        return;
      }
    }
    if (message.type === "waiting" || message.type === "item") moving.delete(message.itemId);
    if (message.type === "case") moving.clear();
    render();
  });
  // "sending" fades when bytes stop moving, even if no event says so
  const ticker = setInterval(() => (stateLine.isConnected ? render() : undefined), 10_000);
  stopListening = () => {
    stopEvents();
    clearInterval(ticker);
  };

  await render();
  return [
    h("h1", { text: t("sent.title") }),
    safe,
    stateLine,
    failed,
    delivered,
    said,
    itemList,
    h("div", { class: "button-row" }, sendNowButton),
    receiptBlock(record, receipt),
    h("div", { class: "button-row" }, conversationButton),
    conversationNote,
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
