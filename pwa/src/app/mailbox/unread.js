// Unread replies, for the home screen. The phone keeps only counts (mailbox/store.js); when
// the citizen chose to keep a receipt on this phone, the app looks once per start whether the
// police answered meanwhile (the receipt's keys derived in a throwaway worker, a token used
// for one listing, then forgotten). Nothing is decrypted here: a reply is counted, not read.
import { listCases } from "../../outbox/store.js";
import { callOnce, callWorker } from "../worker-client.js";
import { MailboxClient } from "./client.js";
import { listMailboxes, unreadCount, updateMailbox } from "./store.js";

let checked = null;

/** Conversations with unread replies: [{caseId, unread, createdAt?}], newest first. */
export async function unreadConversations() {
  const records = await listMailboxes().catch(() => []);
  return records.filter((r) => r.unread > 0).sort((a, b) => (b.checkedAt ?? 0) - (a.checkedAt ?? 0));
}

/** Every receipt kept on the phone: [{caseId, receipt}] (the conversation's, or the sent report's). */
async function keptReceipts() {
  const out = new Map();
  for (const c of await listCases().catch(() => [])) if (c.receipt) out.set(c.caseId, c.receipt);
  for (const r of await listMailboxes().catch(() => [])) if (r.receipt) out.set(r.caseId, r.receipt);
  return [...out].map(([caseId, receipt]) => ({ caseId, receipt }));
}

/**
 * Count the replies of one kept receipt's mailbox. Resolves to whether the count changed.
 * @param {{ caseId: string, receipt: string }} kept
 * @param {{ fetchFn?: typeof fetch, derive?: (text: string) => Promise<any>,
 *   sign?: (challenge: any, secretKey: any) => Promise<any> }} [options] `fetchFn` for tests
 */
export async function countUnread({ caseId, receipt }, { fetchFn, derive = (text) => callOnce("receipt-keys", { text }),
  sign = (challenge, secretKey) => callWorker("sign-challenge", { challenge, secretKey }) } = {}) {
  const keys = await derive(receipt);
  const client = new MailboxClient({ mailboxId: keys.mailboxId, fetchFn,
    sign: async (challenge) => (await sign(challenge, keys.ed25519.secretKey)).signature });
  try {
    const listing = await client.list();
    if (listing.caseId !== caseId) return false;
    const records = await listMailboxes();
    const before = records.find((r) => r.caseId === caseId);
    const unread = unreadCount(listing.items, Math.max(before?.readUpTo ?? 0, listing.readByCitizenUpTo ?? 0));
    await updateMailbox(caseId, { mailboxId: keys.mailboxId, unread, status: listing.status,
      lastSeq: listing.items.at(-1)?.seq ?? 0, checkedAt: Date.now() });
    return unread !== (before?.unread ?? 0);
  } finally {
    client.forget();
  }
}

/** Once per start of the app: look at every kept receipt's mailbox. `changed()` if a count moved. */
export function checkKeptReceipts(changed) {
  checked ??= (async () => {
    let any = false;
    for (const kept of await keptReceipts()) {
      try {
        any = (await countUnread(kept)) || any;
      } catch {
        // offline, or the receipt refused: the home screen keeps the last count
      }
    }
    if (any) changed?.();
  })();
  return checked;
}
