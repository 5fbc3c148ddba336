// Case and item records in the outbox, and the state changes the app makes on them.
import { openOutbox } from "./db.js";

export const STATES = { DRAFT: "draft", QUEUED: "queued", DELIVERED: "delivered", FAILED: "failed" };
const FORGET_DELIVERED_AFTER_MS = 24 * 3600 * 1000;

export async function putCase(record, db) {
  db ??= await openOutbox();
  await db.put("cases", record);
}

export async function getCase(caseId, db) {
  db ??= await openOutbox();
  return db.get("cases", caseId);
}

export async function listCases(db) {
  db ??= await openOutbox();
  const cases = await db.getAll("cases");
  return cases.filter((c) => c.state !== STATES.DRAFT).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function itemsOf(caseId, db) {
  db ??= await openOutbox();
  const items = await db.getAllFromIndex("items", "byCase", caseId);
  // the report first (operators see the case at once), then attachments in order
  return items.sort((a, b) => (a.kind === "report" ? -1 : b.kind === "report" ? 1 : a.part - b.part));
}

/** Delete an item and its ciphertext (a draft attachment the citizen removed, or a delivered one). */
export async function deleteItemData(itemId, db, { keepRecord = false } = {}) {
  db ??= await openOutbox();
  const tx = db.transaction(["items", "chunks"], "readwrite");
  await tx.objectStore("chunks").delete(IDBKeyRange.bound([itemId, 0], [itemId, Infinity]));
  if (!keepRecord) await tx.objectStore("items").delete(itemId);
  await tx.done;
}

/** The citizen pressed send: the case and every item in it become queued, atomically. */
export async function queueCase(caseId, db) {
  db ??= await openOutbox();
  const tx = db.transaction(["cases", "items"], "readwrite");
  const record = await tx.objectStore("cases").get(caseId);
  if (!record) throw new Error("no such case");
  record.state = STATES.QUEUED;
  await tx.objectStore("cases").put(record);
  for (const item of await tx.objectStore("items").index("byCase").getAll(caseId)) {
    item.state = STATES.QUEUED;
    await tx.objectStore("items").put(item);
  }
  await tx.done;
}

export async function forgetCase(caseId, db) {
  db ??= await openOutbox();
  for (const item of await itemsOf(caseId, db)) await deleteItemData(item.itemId, db);
  await db.delete("cases", caseId);
}

/**
 * At start: drop drafts nobody is editing (the form keeps no plaintext, so an abandoned
 * draft's encrypted attachments can never be sent) and forget delivered cases after a day,
 * unless the citizen chose to keep the receipt.
 */
export async function cleanUp({ heldLocks = new Set(), now = Date.now() } = {}, db) {
  db ??= await openOutbox();
  for (const record of await db.getAll("cases")) {
    const abandoned = record.state === STATES.DRAFT && !heldLocks.has(draftLockName(record.caseId));
    const old = record.state === STATES.DELIVERED && !record.receipt &&
      now - Date.parse(record.deliveredAt ?? record.createdAt) > FORGET_DELIVERED_AFTER_MS;
    if (abandoned || old) await forgetCase(record.caseId, db);
  }
}

export function draftLockName(caseId) {
  return `tipline-draft-${caseId}`;
}

export async function getMeta(key, db) {
  db ??= await openOutbox();
  return db.get("meta", key);
}

export async function setMeta(key, value, db) {
  db ??= await openOutbox();
  await db.put("meta", value, key);
}
