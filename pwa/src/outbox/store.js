// Case and item records in the outbox, and the state changes the app makes on them.
import { PERMANENT_CODES } from "./classify.js";
import { openOutbox } from "./db.js";

// An item is queued, delivered, failed (refused for good by the server: the citizen decides) or
// withdrawn (refused, and the citizen chose to send the rest without it). A case is queued until
// every item is delivered or withdrawn; it fails only if its report is refused.
export const STATES = { DRAFT: "draft", QUEUED: "queued", DELIVERED: "delivered", FAILED: "failed",
  WITHDRAWN: "withdrawn" };
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

/** The citizen pressed send: the case and every item in it become queued, atomically (and on
 * disk: strict durability flushes the ciphertext records written before it too). */
export async function queueCase(caseId, db) {
  db ??= await openOutbox();
  const tx = db.transaction(["cases", "items"], "readwrite", { durability: "strict" });
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

/**
 * A citizen message (and its files, sealed already as draft items) joins the outbox, in one
 * durable transaction: the items become queued, the files learn which message they belong to
 * (it waits for them to be announced), and the case becomes queued again even if everything
 * before was delivered. A case this phone never sent (the receipt typed on another phone) is
 * created here; `mailbox` ({id, verify_key}) is then what opens it, as for a report.
 */
export async function queueMessage(caseId, messageId, fileIds = [], { now = Date.now(), mailbox = null } = {}, db) {
  db ??= await openOutbox();
  const tx = db.transaction(["cases", "items"], "readwrite", { durability: "strict" });
  const cases = tx.objectStore("cases");
  const items = tx.objectStore("items");
  const record = (await cases.get(caseId)) ?? { caseId, createdAt: new Date(now).toISOString(), conversation: true };
  const message = await items.get(messageId);
  if (!message || message.caseId !== caseId) throw new Error("the message is not stored");
  for (const id of fileIds) {
    const file = await items.get(id);
    if (!file || file.caseId !== caseId) throw new Error("a file of the message is not stored");
    await items.put(Object.assign(file, { state: STATES.QUEUED, messageId }));
  }
  await items.put(Object.assign(message, { state: STATES.QUEUED, files: fileIds }));
  if (record.state !== STATES.FAILED) record.state = STATES.QUEUED;
  if (mailbox && !record.mailbox) record.mailbox = mailbox;
  await cases.put(record);
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
    const editing = heldLocks.has(draftLockName(record.caseId));
    if (!editing && record.state !== STATES.DRAFT) {
      // the files of a message nobody is writing any more (the page was closed before "send")
      for (const item of await itemsOf(record.caseId, db)) {
        if (item.state === STATES.DRAFT) await deleteItemData(item.itemId, db);
      }
    }
    const abandoned = record.state === STATES.DRAFT && !editing;
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

/**
 * Change some fields of a stored record, reading it again in the same transaction: the citizen
 * may have ticked "keep the receipt" or erased the case while a delivery ran, and a record read
 * earlier must never overwrite that. Returns the new record, or null when it is gone.
 */
export async function update(db, store, key, changes) {
  const tx = db.transaction(store, "readwrite");
  const current = await tx.store.get(key);
  if (current) await tx.store.put(Object.assign(current, changes));
  await tx.done;
  return current ?? null;
}

/** After an item is delivered: the case is delivered once every item is delivered or withdrawn. */
export async function settleCase(caseId, db, now = Date.now()) {
  const tx = db.transaction(["cases", "items"], "readwrite");
  const record = await tx.objectStore("cases").get(caseId);
  if (record) {
    const items = await tx.objectStore("items").index("byCase").getAll(caseId);
    // a message still being written (draft files) does not hold the case back
    const done = items.some((i) => i.state !== STATES.DRAFT) && items.every((i) => i.state === STATES.DELIVERED ||
      i.state === STATES.WITHDRAWN || i.state === STATES.DRAFT);
    if (done && record.state !== STATES.DELIVERED) {
      record.state = STATES.DELIVERED;
      record.deliveredAt = new Date(now).toISOString();
      await tx.objectStore("cases").put(record);
    }
  }
  await tx.done;
  return record ?? null;
}

/** "Send now": every queued item may go at once, whatever its backoff (only those waiting for
 * one of `waits`, if given: the network came back, so the server's own "later" still holds). */
export async function resetBackoff(db, { waits = null } = {}) {
  db ??= await openOutbox();
  const tx = db.transaction("items", "readwrite");
  let changed = 0;
  for (const item of await tx.store.getAll()) {
    if (item.state !== STATES.QUEUED || !item.retryAt || (waits && !waits.includes(item.wait))) continue;
    Object.assign(item, { retryAt: 0, attempt: 0 });
    await tx.store.put(item);
    changed += 1;
  }
  await tx.done;
  return changed;
}

/**
 * The citizen chose to send the rest of a case without its refused attachments. With
 * `report` (the report sealed again without them, stored as a draft item by the worker), it
 * replaces the old report; without it the old one goes as it is, naming files the police will
 * see as missing (docs/decisions.md). One transaction: either all of it happens or none.
 */
export async function withdrawItems(caseId, itemIds, { report = null } = {}, db) {
  db ??= await openOutbox();
  const tx = db.transaction(["cases", "items", "chunks"], "readwrite", { durability: "strict" });
  const items = tx.objectStore("items");
  const chunks = tx.objectStore("chunks");
  const record = await tx.objectStore("cases").get(caseId);
  if (!record) throw new Error("no such case");
  const all = await items.index("byCase").getAll(caseId);
  const drop = (id) => chunks.delete(IDBKeyRange.bound([id, 0], [id, Infinity]));
  for (const item of all.filter((i) => itemIds.includes(i.itemId) && i.state === STATES.FAILED)) {
    await drop(item.itemId);
    await items.put(Object.assign(item, { state: STATES.WITHDRAWN }));
  }
  if (report) {
    const old = all.find((i) => i.kind === "report" && i.itemId !== report);
    const fresh = await items.get(report);
    if (!fresh || fresh.caseId !== caseId) throw new Error("the new report is not stored");
    if (old?.state === STATES.DELIVERED) {
      // the old report got there meanwhile: the server keeps it, the new one is not needed
      await drop(fresh.itemId);
      await items.delete(fresh.itemId);
    } else {
      if (old) {
        await drop(old.itemId);
        await items.delete(old.itemId);
      }
      await items.put(Object.assign(fresh, { state: STATES.QUEUED }));
      record.resealed = true;
    }
  }
  delete record.holdUntil;
  const now = await items.index("byCase").getAll(caseId);
  if (now.length && now.every((i) => i.state === STATES.DELIVERED || i.state === STATES.WITHDRAWN)) {
    record.state = STATES.DELIVERED;
    record.deliveredAt = new Date().toISOString();
  }
  record.withdrawn = [...new Set([...(record.withdrawn ?? []), ...all.filter((i) => itemIds.includes(i.itemId))
    .map((i) => i.part)])].sort((a, b) => a - b);
  if (record.state === STATES.FAILED && !now.some((i) => i.kind === "report" && i.state === STATES.FAILED)) {
    record.state = STATES.QUEUED;
  }
  await tx.objectStore("cases").put(record);
  await tx.done;
}

/**
 * Items (and cases) the first version of the app marked failed for any 4xx, even a proxy's HTML
 * page ("http_error") or a server answer that only asked for another step: queue them again.
 * Refusals this version records carry `refusedAt` and are left alone.
 */
export async function reviveMisclassified(db) {
  const revive = (r) => r.state === STATES.FAILED && !r.refusedAt && !PERMANENT_CODES.has(r.error) &&
    r.error !== "chunk_lost";
  const tx = db.transaction(["cases", "items"], "readwrite");
  const cases = tx.objectStore("cases");
  for (const item of await tx.objectStore("items").getAll()) {
    if (!revive(item)) continue;
    delete item.error;
    item.state = STATES.QUEUED;
    await tx.objectStore("items").put(item);
  }
  for (const record of await cases.getAll()) {
    if (!revive(record)) continue;
    const items = await tx.objectStore("items").index("byCase").getAll(record.caseId);
    if (items.some((i) => i.kind === "report" && i.state === STATES.FAILED)) continue;
    record.state = STATES.QUEUED;
    delete record.error;
    await cases.put(record);
  }
  await tx.done;
}
