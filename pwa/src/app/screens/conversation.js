// The conversation with the police (docs/conversation.md, "Phone"): the report recalled, where
// it stands in plain words, the messages both ways in order (time to the minute, from the
// encrypted payload, and state), and a composer whose text and files go through the same
// strip / seal / outbox path as the report. While open, a long poll brings a reply within a
// moment, announced to screen readers. Everything decrypted lives in this page's memory only.
import { listen } from "../../outbox/events.js";
import { refusalKey } from "../../outbox/status.js";
import { itemsOf, getCase, STATES } from "../../outbox/store.js";
import { fileList } from "../components/file-list.js";
import { keyNotice } from "../components/key-status.js";
import { kickDelivery, registerBackgroundSync } from "../delivery.js";
import { h, newId, replaceChildren } from "../dom.js";
import { formatBytes, formatDate, language, t, tx } from "../i18n.js";
import { MailboxDenied, MailboxUnreachable } from "../mailbox/client.js";
import { MessageDraft } from "../mailbox/compose.js";
import { currentSession, forgetSession, onForget, openSession } from "../mailbox/session.js";
import { cacheItems, cachedItems, getMailbox, updateMailbox } from "../mailbox/store.js";
import { buildThread, statusKey } from "../mailbox/thread.js";
import { policeKey } from "../police-key.js";
import { currentPath, go } from "../router.js";
import { callWorker } from "../worker-client.js";

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
const QUICK_POLL_MS = 1500; // a long poll answered sooner than this without news waits before the next
// The conversation on screen: {caseId, nodes, refresh, stop}. A redraw of the same screen
// (language, police key) keeps it, with the message being written and its files.
let view = null;

/**
 * Before any screen is drawn. Leaving the conversation for another screen stops its live
 * updates, drops the message being written and forgets the session (keys, token, text).
 */
export function leaveConversation(nextCaseId = null) {
  if (building && building.caseId !== nextCaseId) building.left = true;
  if (!view || view.caseId === nextCaseId) return;
  view.stop();
  view = null;
  forgetSession();
}

/** "2 déc. 2026, 11:07": the sender's time to the minute, in the phone's own time zone. */
function minute(stamp) {
  if (!stamp) return "";
  const date = new Date(stamp.length === 17 ? stamp.replace("Z", ":00Z") : stamp);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(language() === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** A receipt kept on this phone for the case (the conversation's record, or the sent report's). */
async function keptReceipt(caseId) {
  const record = await getMailbox(caseId).catch(() => null);
  if (record?.receipt) return record.receipt;
  return (await getCase(caseId).catch(() => null))?.receipt ?? null;
}

/** The server's listing rebuilt from what the phone cached (no network). */
function cachedListing(caseId, record, cached) {
  return { caseId, status: record?.status ?? "new", revision: 0, readByPoliceUpTo: record?.readByPoliceUpTo ?? null,
    items: [...cached.values()].map((i) => ({ id: i.id, kind: i.kind, seq: i.seq, size: i.size,
      receivedAt: i.receivedAt })).sort((a, b) => a.seq - b.seq) };
}

// The conversation being built ({caseId, promise, left}): a redraw meanwhile (the police key
// verified on a first visit) waits for it instead of building a second one with its own poll.
let building = null;

export async function conversationScreen({ caseId }) {
  leaveConversation(caseId);
  if (view?.caseId === caseId) {
    view.refresh();
    return view.nodes;
  }
  if (building?.caseId === caseId && !building.left) return building.promise;
  const mine = { caseId, left: false, promise: null };
  building = mine;
  mine.promise = buildScreen(caseId).finally(() => {
    if (building === mine) building = null;
    if (mine.left && view?.caseId === caseId) leaveConversation(null); // left while it was being built
  });
  return mine.promise;
}

async function buildScreen(caseId) {
  let session = currentSession(caseId);
  if (!session) {
    const kept = await keptReceipt(caseId);
    if (!kept) {
      go("recu");
      return [];
    }
    try {
      session = await openSession(kept);
    } catch (error) {
      if (!(error instanceof MailboxUnreachable)) {
        go("recu"); // refused: the receipt screen says so when it is typed
        return [];
      }
      // no network: say so, and try again when asked or when the network comes back
      const here = `conversation/${caseId}`;
      const again = () => currentPath() === here && go(here); // only if the citizen is still here
      window.addEventListener("online", again, { once: true });
      return [h("h1", { ...tx("conversation.title") }),
        h("p", { class: "notice notice--warn", role: "status", "data-conversation-offline": "",
          ...tx("receipt.offline") }),
        h("div", { class: "button-row" }, h("button", { type: "button", class: "button button--primary",
          ...tx("conversation.retry"), on: { click: again } }))];
    }
    if (session.caseId !== caseId) {
      go(`conversation/${session.caseId}`);
      return [];
    }
  }
  return conversationView(session);
}

function statusBlock() {
  const node = h("section", { class: "notice", "aria-labelledby": "conv-status", "data-conversation-status": "" });
  return {
    node,
    render(status) {
      const key = statusKey(status);
      node.dataset.conversationStatus = key;
      node.replaceChildren(
        h("h2", { id: "conv-status", text: t("conversation.status_title") }),
        h("p", { class: "state", text: t(`conversation.status_${key}`) }),
        h("p", { text: t(`conversation.status_${key}_text`) }));
    },
  };
}

function entryNode(entry, progress, fileNode, caseId) {
  const police = entry.from === "police";
  const who = police ? (entry.author ? t("conversation.from_police_named", { author: entry.author })
    : t("conversation.from_police")) : t("conversation.from_you");
  const parts = [
    h("p", { class: "message__meta" },
      h("span", { class: "message__who", text: who }),
      entry.writtenAt ? h("time", { class: "message__time", datetime: entry.writtenAt, text: minute(entry.writtenAt) })
        : null,
      entry.unread ? h("span", { class: "message__new", text: t("conversation.new") }) : null),
  ];
  if (entry.text) parts.push(h("p", { class: "message__text", "data-message-text": "", text: entry.text }));
  for (const file of entry.attachments ?? []) parts.push(fileNode(entry, file));
  if (!police) {
    const stateClass = { queued: "waiting", sent: "sending", read: "delivered", refused: "failed" }[entry.state];
    parts.push(h("p", { class: `state state--${stateClass}`, "data-message-state": entry.state,
      text: t(`conversation.state_${entry.state}`) }));
    if (entry.state === "refused") {
      parts.push(h("p", { class: "field-error", text: t(`conversation.refused_${refusalKey(entry.error)}`,
        { code: entry.error ?? "" }) }));
    }
    for (const file of (entry.files ?? []).filter((f) => f.state === STATES.FAILED)) {
      // a file the server refused for good: said, and where to let it go (the message went without it)
      parts.push(h("p", { class: "field-error", "data-file-refused": file.itemId,
        text: t(`sent.refused_${refusalKey(file.error)}`, { code: file.error ?? "" }) }),
      h("p", {}, h("a", { href: `#/envoi/${caseId}`, text: t("conversation.refused_file_where") })));
    }
    if (entry.state === "queued" && entry.wait) {
      // why it waits, as the sent screen says it (a lost signal, a busy server, too many messages)
      parts.push(h("p", { class: "hint", "data-message-wait": entry.wait,
        text: t(entry.wait === "network" || entry.wait === "server" ? "conversation.wait_network"
          : `sent.wait_${entry.wait}`) }));
    }
    if (entry.state === "queued") {
      for (const [index, file] of (entry.files ?? []).entries()) {
        const sent = file.state === STATES.DELIVERED ? file.size : (progress.get(file.itemId) ?? 0);
        const name = entry.attachments?.[index]?.name ?? `${index + 1}`;
        parts.push(h("progress", { max: file.size, value: sent, "aria-label": name,
          "data-file-progress": file.itemId }),
          h("p", { class: "hint", text: t("conversation.file_progress", { name, sent: formatBytes(sent),
            total: formatBytes(file.size) }) }));
      }
    }
  }
  return h("li", { class: `message message--${police ? "police" : "citizen"}`, "data-message": entry.id,
    "data-from": entry.from }, ...parts);
}

async function conversationView(session) {
  const { caseId, client } = session;
  const status = statusBlock();
  const summary = h("section", { class: "review__block", "data-report-summary": "" });
  const list = h("ol", { class: "messages", "aria-labelledby": "conv-thread", "data-thread": "" });
  const empty = h("p", { class: "hint", ...tx("conversation.empty") });
  const unreadableNote = h("p", { class: "notice notice--warn", hidden: true });
  const offline = h("p", { class: "notice notice--warn", hidden: true, "data-conversation-offline": "",
    ...tx("conversation.offline") });
  const denied = h("p", { class: "notice notice--danger", role: "alert", hidden: true, ...tx("conversation.denied") });
  const announcer = h("p", { class: "visually-hidden", "aria-live": "polite", "data-announce": "" });
  const progress = new Map(); // file item id -> bytes sent (delivery events)
  const shownFiles = new Map(); // "message id/part" -> the decrypted file's node (kept across redraws)
  const objectUrls = [];
  const controller = new AbortController();
  const seen = new Set(); // reply ids already shown (announce only the new ones)
  let first = true;
  let revision = 0;
  let listing = null;
  let refreshing = null;
  let again = false;

  /** Fetch what is missing (ciphertext cached on the phone), open it in the worker. */
  async function openMissing(items) {
    const cached = await cachedItems(caseId).catch(() => new Map());
    const wanted = items.filter((i) => (i.kind === 3 || i.kind === 4 || i.kind === 1) && !session.decrypted.has(i.id));
    const fetched = [];
    const toOpen = [];
    for (const item of wanted) {
      let bytes = cached.get(item.id)?.data ?? null;
      if (!bytes) {
        try {
          bytes = await client.item(item.id);
        } catch (error) {
          if (error instanceof MailboxDenied) throw error;
          continue; // tried again at the next change
        }
        fetched.push({ id: item.id, caseId, kind: item.kind, seq: item.seq, size: item.size,
          receivedAt: item.receivedAt, data: bytes });
      }
      toOpen.push({ id: item.id, kind: item.kind, partIndex: item.partIndex ?? 0, bytes });
    }
    await cacheItems(fetched).catch(() => {});
    if (!toOpen.length) return;
    const results = await callWorker("open-items", { caseId, keys: session.keys, items: toOpen });
    for (const result of results) session.decrypted.set(result.id, result);
  }

  async function localMessages() {
    const items = await itemsOf(caseId).catch(() => []);
    const messages = items.filter((i) => i.kind === "message");
    const local = messages.map((m) => ({ itemId: m.itemId, state: m.state, wait: m.wait, error: m.error,
      files: items.filter((f) => f.messageId === m.itemId).map((f) => ({ itemId: f.itemId, state: f.state,
        size: f.size, error: f.error })) }));
    const unopened = local.filter((m) => m.state !== STATES.DELIVERED && m.state !== STATES.DRAFT &&
      !session.decrypted.has(`local:${m.itemId}`)).map((m) => m.itemId);
    if (unopened.length) {
      const results = await callWorker("open-outbox-items", { caseId, keys: session.keys, itemIds: unopened });
      for (const result of results) session.decrypted.set(`local:${result.id}`, result);
    }
    const localOpened = new Map(local.map((m) => [m.itemId, session.decrypted.get(`local:${m.itemId}`)])
      .filter(([, v]) => v));
    return { local, localOpened };
  }

  async function load() {
    const record = await getMailbox(caseId).catch(() => null);
    try {
      listing = await client.list();
      offline.hidden = true;
    } catch (error) {
      if (error instanceof MailboxDenied) throw error;
      if (!(error instanceof MailboxUnreachable)) throw error;
      offline.hidden = false;
      listing ??= cachedListing(caseId, record, await cachedItems(caseId).catch(() => new Map()));
    }
    revision = Math.max(revision, listing.revision);
    await openMissing(listing.items);
    const { local, localOpened } = await localMessages();
    // the citizen's read mark: this phone's, or the server's (read on another phone)
    const readUpTo = Math.max(record?.readUpTo ?? 0, listing.readByCitizenUpTo ?? 0);
    const thread = buildThread({ listing, opened: session.decrypted, local, localOpened, readUpTo });
    render(thread);
    await markRead(thread, readUpTo);
  }

  async function markRead(thread, readUpTo) {
    const changes = { mailboxId: session.mailboxId, status: listing.status, lastSeq: listing.items.at(-1)?.seq ?? 0,
      readByPoliceUpTo: listing.readByPoliceUpTo ?? undefined, unread: thread.unread, checkedAt: Date.now() };
    if (document.visibilityState === "visible" && thread.lastReplySeq > readUpTo && offline.hidden) {
      try {
        await client.markRead(thread.lastReplySeq);
        Object.assign(changes, { readUpTo: thread.lastReplySeq, unread: 0 });
      } catch {
        // marked at the next change
      }
    }
    await updateMailbox(caseId, changes).catch(() => {});
  }

  /**
   * A file of a message or reply: its name and size, and "Afficher", which fetches it, opens it
   * with the receipt's key in the worker, checks it against the message's entry and shows it
   * (a picture, a video, or a link to save it). The decrypted bytes live in this page only.
   */
  function fileNode(entry, file) {
    const key = `${entry.id}/${file.part}`;
    if (shownFiles.has(key)) return shownFiles.get(key);
    const label = t("conversation.attachment", { name: file.name || "?", size: formatBytes(file.length || 0) });
    const candidates = (listing?.items ?? []).filter((i) => i.kind === 2 && i.partIndex === file.part);
    const box = h("div", { class: "message__file", "data-message-file": file.name }, h("p", { text: label }));
    if (!candidates.length || !file.sha256) return box;
    const note = h("p", { class: "hint", role: "status" });
    const show = h("button", { type: "button", class: "button button--small", "data-show-file": "",
      text: t("conversation.show_file"), "aria-label": t("conversation.show_file_named", { name: file.name || "?" }) });
    show.addEventListener("click", async () => {
      show.disabled = true;
      note.textContent = t("conversation.opening_file");
      let opened = null;
      for (const item of candidates) {
        try {
          const bytes = await client.item(item.id);
          opened = await callWorker("open-attachment", { caseId, keys: session.keys, itemId: item.id, bytes,
            entry: file });
        } catch {
          opened = null;
        }
        if (opened?.ok) break;
      }
      if (!opened?.ok) {
        note.textContent = t("conversation.file_unreadable");
        show.disabled = false;
        return;
      }
      const url = URL.createObjectURL(new Blob([opened.bytes], { type: file.mediaType || "application/octet-stream" }));
      objectUrls.push(url);
      const media = file.mediaType?.startsWith("image/") ? h("img", { src: url, alt: file.name || label })
        : file.mediaType?.startsWith("video/")
          ? h("video", { src: url, controls: true, "aria-label": file.name || label })
          : null;
      note.textContent = "";
      replaceChildren(box, h("p", { text: label }), media,
        h("a", { class: "button button--small", href: url, download: file.name || "fichier",
          text: t("conversation.save_file") }));
    });
    box.append(show, note);
    shownFiles.set(key, box);
    return box;
  }

  function render(thread) {
    status.render(listing.status);
    renderSummary(thread.report);
    const nodes = thread.entries.map((entry) => entryNode(entry, progress, fileNode, caseId));
    list.replaceChildren(...nodes);
    empty.hidden = nodes.length > 0;
    unreadableNote.hidden = thread.unreadable === 0;
    unreadableNote.textContent = thread.unreadable ? t("conversation.unreadable", { count: thread.unreadable }) : "";
    const fresh = thread.entries.filter((e) => e.from === "police" && !seen.has(e.id));
    for (const entry of fresh) seen.add(entry.id);
    if (!first && fresh.length) {
      const last = fresh.at(-1);
      announcer.textContent = last.text ? t("conversation.new_reply", { text: last.text })
        : t("conversation.new_reply_files", { count: last.attachments.length });
    }
    first = false;
  }

  async function renderSummary(report) {
    const held = await getCase(caseId).catch(() => null);
    // a record made for a message sent from this phone knows nothing of the report's date
    const local = held && !held.conversation ? held : null;
    const opened = report?.summary;
    const date = local?.createdAt ? t("conversation.report", { date: formatDate(local.createdAt) })
      : report?.receivedAt ? t("conversation.report_hour", { date: formatDate(report.receivedAt) })
        : t("conversation.report_unknown");
    const files = opened?.attachments ?? (local
      ? (await itemsOf(caseId).catch(() => [])).filter((i) => i.kind === "attachment" && i.messageId === undefined &&
        i.part < 1024).length : 0);
    replaceChildren(summary, h("h2", { text: date }),
      opened?.place ? h("p", { text: t("conversation.report_place", { place: opened.place }) }) : null,
      files ? h("p", { text: t("conversation.report_files", { count: files }) }) : null);
  }

  /** One refresh at a time; a change meanwhile asks for one more. */
  function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again);
      } catch (error) {
        if (error instanceof MailboxDenied) denied.hidden = false;
        else console.error("conversation", error);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /** The long poll, while the screen is open: a new revision means something to fetch. */
  const pause = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    controller.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

  async function live() {
    let delay = RETRY_MIN_MS;
    while (!controller.signal.aborted) {
      try {
        const started = Date.now();
        const next = await client.waitForChange(revision, controller.signal);
        delay = RETRY_MIN_MS;
        if (next !== revision) {
          revision = next;
          await refresh();
        } else if (Date.now() - started < QUICK_POLL_MS) {
          // nothing new, at once: a server without long polls (or a proxy) must not make this spin
          await pause(QUICK_POLL_MS);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof MailboxDenied) {
          denied.hidden = false;
          return;
        }
        if (error instanceof MailboxUnreachable && error.wait === "network") offline.hidden = false;
        await pause(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        if (!controller.signal.aborted) await refresh();
      }
    }
  }

  // --- the composer ------------------------------------------------------------------------
  const draft = new MessageDraft(session);
  const textId = newId("message");
  const hintId = newId("message-hint");
  // 4000 characters at most (docs/envelope.md section 17): longer is several messages
  const text = h("textarea", { id: textId, name: "message", "aria-describedby": hintId, "data-message-input": "",
    maxlength: "4000" });
  const composeStatus = h("p", { class: "field-error", role: "alert", "data-compose-status": "" });
  const note = h("p", { class: "notice notice--ok", role: "status", hidden: true });
  const files = fileList(draft, () => refreshCompose());
  const send = h("button", { type: "submit", class: "button button--primary button--big", "data-message-send": "",
    ...tx("conversation.send") });
  function refreshCompose() {
    const keyOk = policeKey().status === "ok";
    files.setEnabled(keyOk);
    send.disabled = !keyOk || draft.busy();
    composeStatus.textContent = keyOk && draft.busy() ? t("conversation.files_busy") : "";
  }
  const form = h("form", { novalidate: true, "aria-labelledby": "conv-compose", "data-composer": "" },
    h("h2", { id: "conv-compose", ...tx("conversation.compose_title") }),
    h("div", { class: "field" },
      h("label", { for: textId, ...tx("conversation.compose_label") }),
      h("p", { id: hintId, class: "hint", ...tx("conversation.compose_hint") }),
      text),
    h("div", { role: "group", "aria-label": t("conversation.files_label") }, files.node),
    composeStatus, send, note);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    refreshCompose();
    if (send.disabled) return;
    if (!draft.ready(text.value)) {
      composeStatus.textContent = t("conversation.send_empty");
      text.focus();
      return;
    }
    send.disabled = true;
    send.textContent = t("conversation.sending");
    try {
      await draft.send(text.value);
      text.value = "";
      files.node.querySelector(".files")?.replaceChildren();
      note.hidden = false;
      note.textContent = t("conversation.sent_note");
      kickDelivery();
      registerBackgroundSync();
      await refresh();
    } catch (error) {
      composeStatus.textContent = t("conversation.send_failed", { error: error.message });
    } finally {
      send.textContent = t("conversation.send");
      refreshCompose();
    }
  });
  refreshCompose();

  // --- keeping the receipt -------------------------------------------------------------------
  const record = await getMailbox(caseId).catch(() => null);
  const keepBox = h("input", { id: newId("keep"), type: "checkbox", checked: Boolean(record?.receipt),
    "data-keep-receipt": "" });
  const keepNote = h("p", { class: "hint", role: "status", text: record?.receipt ? t("conversation.kept") : "" });
  keepBox.addEventListener("change", async () => {
    const receipt = currentSession(caseId)?.receipt;
    if (keepBox.checked && receipt) await updateMailbox(caseId, { mailboxId: session.mailboxId, receipt });
    else await updateMailbox(caseId, { receipt: undefined });
    keepNote.textContent = t(keepBox.checked ? "conversation.kept" : "conversation.not_kept");
  });

  // --- live: delivery events for our messages, the long poll for the server's side ----------
  const stopEvents = listen((message) => {
    if (message.caseId !== caseId) return;
    if (message.type === "progress") {
      progress.set(message.itemId, message.sent);
      const bar = list.querySelector(`[data-file-progress="${message.itemId}"]`);
      if (bar) {
        bar.value = message.sent;
        return;
      }
    }
    if (message.type === "item" || message.type === "case" || message.type === "waiting") refresh();
  });
  const stopForget = onForget((gone) => {
    if (gone !== caseId) return;
    controller.abort();
    text.value = "";
    list.replaceChildren(); // nothing decrypted stays on screen
    shownFiles.clear();
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
    announcer.textContent = "";
  });
  const onVisible = () => document.visibilityState === "visible" && refresh(); // replies read once seen
  document.addEventListener("visibilitychange", onVisible);
  const stop = () => {
    controller.abort();
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
    stopEvents();
    stopForget();
    document.removeEventListener("visibilitychange", onVisible);
    draft.discard().catch(() => {});
  };

  await refresh();
  live();

  const nodes = [
    h("h1", { ...tx("conversation.title") }),
    keyNotice(),
    offline,
    denied,
    summary,
    status.node,
    h("h2", { id: "conv-thread", ...tx("conversation.thread_title") }),
    h("p", { class: "hint", ...tx("conversation.live") }),
    unreadableNote,
    list,
    empty,
    announcer,
    form,
    session.receipt ? h("div", { class: "check" }, keepBox, h("label", { for: keepBox.id, ...tx("conversation.keep") }))
      : null,
    keepNote,
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "button", ...tx("conversation.close"),
        on: { click: () => go("") } })),
  ];
  view = { caseId, nodes, refresh, stop };
  return nodes;
}
