// "Quitter rapidement": leave at once for a neutral page, replacing this page in the history
// (the app never adds history entries of its own, see router.js), so Back does not return here.
// A draft kept on the phone goes too, with its sealed photos, and so do kept receipts, the
// conversations' records and whatever a conversation decrypted; the screen is blanked first, and
// the neutral page is never held back more than a moment by the erasing.
import { openOutbox } from "../outbox/db.js";
import { forgetCase } from "../outbox/store.js";
import { keptDraft, wipeKeptDraft } from "./draft-vault.js";
import { forgetSession } from "./mailbox/session.js";
import { wipeMailboxes } from "./mailbox/store.js";

export const QUICK_EXIT_URL = "https://www.google.fr/";
const ERASE_AT_MOST_MS = 1500;

async function eraseKeptDraft() {
  const record = await keptDraft().catch(() => null);
  await wipeKeptDraft();
  if (record?.caseId) await forgetCase(record.caseId).catch(() => {});
}

/** Receipts kept on the phone (a sent report's, a conversation's) and the conversations' records. */
async function eraseKeptReceipts() {
  await wipeMailboxes();
  const db = await openOutbox();
  const tx = db.transaction("cases", "readwrite");
  for (const record of await tx.store.getAll()) {
    if (record.receipt === undefined) continue;
    delete record.receipt;
    await tx.store.put(record);
  }
  await tx.done;
}

export function quickExit() {
  try {
    document.body.replaceChildren(); // nothing of the report stays on screen, even for a moment
    forgetSession(); // the receipt's keys, the token and the decrypted conversation
  } finally {
    const leave = () => location.replace(QUICK_EXIT_URL);
    const erase = Promise.all([eraseKeptDraft().catch(() => {}), eraseKeptReceipts().catch(() => {})]);
    Promise.race([erase, new Promise((done) => setTimeout(done, ERASE_AT_MOST_MS))]).finally(leave);
  }
}
