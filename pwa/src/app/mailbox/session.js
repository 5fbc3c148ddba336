// The open conversation, in this page's memory only: the receipt's keys (derived in a
// throwaway worker), the bearer token, and whatever was decrypted. Nothing here is ever written
// to the phone; quick exit and leaving the conversation for good call forgetSession().
import { callOnce, callWorker } from "../worker-client.js";
import { MailboxClient } from "./client.js";

let current = null;
const listeners = new Set();

/**
 * Derive the receipt's keys (Argon2id in a worker of its own, about a second) and sign in to
 * its mailbox. Resolves to the session; throws MailboxDenied (no case for this receipt, said the
 * same way whatever the reason) or MailboxUnreachable (no network, server busy).
 * The receipt text is kept in memory so the citizen may still choose to keep it on the phone.
 * @param {string} receiptText
 * @param {{ fetchFn?: typeof fetch, derive?: (text: string) => Promise<any>,
 *   sign?: (challenge: any, secretKey: any) => Promise<any> }} [options] `fetchFn` for tests
 */
export async function openSession(receiptText, { fetchFn, derive = (text) => callOnce("receipt-keys", { text }),
  sign = (challenge, secretKey) => callWorker("sign-challenge", { challenge, secretKey }) } = {}) {
  const keys = await derive(receiptText);
  const client = new MailboxClient({ mailboxId: keys.mailboxId, fetchFn,
    sign: async (challenge) => (await sign(challenge, keys.ed25519.secretKey)).signature });
  const caseId = await client.signIn();
  forgetSession();
  current = { caseId, mailboxId: keys.mailboxId, keys, receipt: receiptText, client, decrypted: new Map() };
  return current;
}

/** The session open for `caseId` (or any, without it), or null. */
export function currentSession(caseId = null) {
  if (!current || (caseId && current.caseId !== caseId)) return null;
  return current;
}

/** Called when the session is forgotten (screens stop their long poll and blank their text). */
export function onForget(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Keys, token, receipt and decrypted text leave memory (as far as JavaScript lets them). */
export function forgetSession() {
  if (!current) return;
  const was = current;
  current = null;
  was.client.forget();
  was.decrypted.clear();
  was.keys = null;
  was.receipt = null;
  for (const fn of listeners) {
    try {
      fn(was.caseId);
    } catch {
      // a screen that is gone already
    }
  }
}
