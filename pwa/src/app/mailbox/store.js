// What the phone keeps of its conversations (IndexedDB "tipline-mailbox", through idb):
//
//   mailboxes  {caseId, mailboxId, readUpTo, unread, lastSeq, status, checkedAt, receipt?}
//              counts and marks only; `receipt` only if the citizen ticked "garder sur ce téléphone"
//   items      {id, caseId, kind, seq, size, receivedAt, data}   ciphertext as the server sent it
//
// Never a decrypted word: someone holding the phone learns that a conversation exists and how
// many replies are unread, not what they say. Quick exit deletes the whole database.
import { openDB } from "idb";

export const DB_NAME = "tipline-mailbox";
let opening = null;
let wiped = false; // after quick exit nothing may write (and so re-create) the database again

function db() {
  if (wiped) return Promise.reject(new Error("the conversations were wiped"));
  opening ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore("mailboxes", { keyPath: "caseId" });
      d.createObjectStore("items", { keyPath: "id" }).createIndex("byCase", "caseId");
    },
  });
  return opening;
}

async function exists() {
  const list = await indexedDB.databases?.().catch(() => null);
  return !list || list.some((d) => d.name === DB_NAME);
}

/** Every conversation this phone knows (none, without creating the database). */
export async function listMailboxes() {
  if (!(await exists())) return [];
  return (await db()).getAll("mailboxes");
}

export async function getMailbox(caseId) {
  if (!(await exists())) return null;
  return (await (await db()).get("mailboxes", caseId)) ?? null;
}

/** Change some fields of a conversation's record (created if new), in one transaction. */
export async function updateMailbox(caseId, changes) {
  const tx = (await db()).transaction("mailboxes", "readwrite");
  const record = (await tx.store.get(caseId)) ?? { caseId, readUpTo: 0, unread: 0, lastSeq: 0 };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete record[key];
    else record[key] = value;
  }
  await tx.store.put(record);
  await tx.done;
  return record;
}

/** Stored ciphertext of a conversation's items, by id. */
export async function cachedItems(caseId) {
  if (!(await exists())) return new Map();
  const items = await (await db()).getAllFromIndex("items", "byCase", caseId);
  return new Map(items.map((i) => [i.id, i]));
}

export async function cacheItems(records) {
  if (!records.length) return;
  const tx = (await db()).transaction("items", "readwrite");
  for (const record of records) await tx.store.put(record);
  await tx.done;
}

/** The number of police replies after the citizen's read mark. */
export function unreadCount(items, readUpTo) {
  return items.filter((i) => i.kind === 4 && i.seq > (readUpTo ?? 0)).length;
}

/** Quick exit: every conversation record, kept receipt and ciphertext goes. */
export async function wipeMailboxes() {
  wiped = true;
  if (opening) {
    const handle = await opening.catch(() => null);
    handle?.close();
    opening = null;
  }
  await new Promise((done) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => done();
  });
}
