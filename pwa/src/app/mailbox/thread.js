// The conversation as the citizen reads it, from what the server lists, what the receipt's key
// opened, and the citizen's messages still in the phone's outbox. Pure: no DOM, no network.
//
// Order: the server's sequence (the order items reached it); messages not there yet follow,
// in the order they were written. An item the receipt's key could not open, or whose header
// disagrees with the listing, is left out and counted (docs/envelope.md section 15).
import { STATES } from "../../outbox/store.js";

const KIND = { REPORT: 1, ATTACHMENT: 2, MESSAGE: 3, REPLY: 4 };

function localState(item) {
  if (item.state === STATES.DELIVERED) return "sent";
  if (item.state === STATES.FAILED) return "refused";
  return "queued";
}

/**
 * listing: MailboxClient.list()'s answer; opened: Map id -> open-items result;
 * local: [{itemId, state, wait?, error?, files: [{itemId, state, size, sent?}]}] (outbox message items);
 * localOpened: Map itemId -> open-outbox-items result; readUpTo: the citizen's read mark (seq).
 */
export function buildThread({ listing, opened = new Map(), local = [], localOpened = new Map(), readUpTo = 0 }) {
  const entries = [];
  let unreadable = 0;
  const onServer = new Set();
  const policeRead = listing?.readByPoliceUpTo ?? null;
  for (const item of listing?.items ?? []) {
    if (item.kind !== KIND.MESSAGE && item.kind !== KIND.REPLY) continue;
    onServer.add(item.id);
    const result = opened.get(item.id);
    if (!result) continue; // not fetched yet
    if (!result.ok) {
      unreadable += 1;
      continue;
    }
    const fromPolice = item.kind === KIND.REPLY;
    const mine = local.find((l) => l.itemId === item.id);
    // a message is sent once its files are too (they may still be uploading after its text)
    const filesPending = (mine?.files ?? []).some((f) => f.state === STATES.QUEUED);
    entries.push({
      id: item.id, seq: item.seq, from: fromPolice ? "police" : "citizen", text: result.text,
      writtenAt: result.writtenAt, attachments: result.attachments ?? [], author: result.author ?? null,
      state: fromPolice ? "received" : filesPending ? "queued"
        : policeRead !== null && item.seq <= policeRead ? "read" : "sent",
      unread: fromPolice && item.seq > (readUpTo ?? 0),
      files: mine?.files ?? [],
    });
  }
  const pending = [];
  for (const item of local) {
    if (onServer.has(item.itemId) || item.state === STATES.DRAFT || item.state === STATES.WITHDRAWN) continue;
    const result = localOpened.get(item.itemId);
    if (result && !result.ok) {
      unreadable += 1;
      continue;
    }
    pending.push({
      id: item.itemId, seq: null, from: "citizen", text: result?.text ?? null, writtenAt: result?.writtenAt ?? null,
      attachments: result?.attachments ?? [], author: null, state: localState(item), wait: item.wait ?? null,
      error: item.error ?? null, unread: false, files: item.files ?? [],
    });
  }
  pending.sort((a, b) => (a.writtenAt ?? "").localeCompare(b.writtenAt ?? "") || a.id.localeCompare(b.id));
  const report = (listing?.items ?? []).find((i) => i.kind === KIND.REPORT) ?? null;
  const replies = entries.filter((e) => e.from === "police");
  return {
    entries: [...entries, ...pending],
    unreadable,
    report: report ? { id: report.id, receivedAt: report.receivedAt, summary: opened.get(report.id)?.report ?? null }
      : null,
    lastReplySeq: replies.length ? replies.at(-1).seq : 0,
    unread: replies.filter((e) => e.unread).length,
  };
}

/** Triage statuses the citizen is told about, in words (locale keys conversation.status_*). */
export const STATUS_WORDS = ["new", "in_progress", "useful", "not_actionable", "closed"];
export function statusKey(status) {
  return STATUS_WORDS.includes(status) ? status : "new";
}
