// Delivery of the outbox to the server: exactly once, resumable, safe to run from the page
// and from the service worker (Background Sync) alike.
//
// Every id is made by the phone and every write is idempotent on the server, so anything we
// are unsure about is simply sent again; a local copy is deleted only after the server has
// confirmed it. A Web Lock keeps two contexts from uploading the same bytes at once.
import { openOutbox } from "./db.js";
import { announce } from "./events.js";
import { deleteItemData, itemsOf, STATES } from "./store.js";

const API = "/api/v1";
export const DIRECT_LIMIT = 1024 * 1024; // up to this size an item goes in one PUT
export const LOCK = "tipline-delivery";
const TIMEOUT_MS = 120_000;

/** Network trouble, a timeout or a server error: keep everything and try again later. */
export class RetryLater extends Error {}

/** A 4xx: the server will never accept this request as it is. */
export class Refused extends Error {
  constructor(status, code, message) {
    super(`${status} ${code}: ${message}`);
    Object.assign(this, { status, code });
  }
}

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function contentDigest(data) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return `sha-256=:${base64(digest)}:`;
}

async function call(ctx, method, path, { body, headers } = {}) {
  let response;
  try {
    response = await ctx.fetchFn(ctx.base + API + path, {
      method,
      body,
      headers,
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new RetryLater(String(error?.message ?? error));
  }
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new RetryLater(`HTTP ${response.status}`);
  }
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status >= 400) {
    throw new Refused(response.status, json?.error ?? "http_error", json?.message ?? "");
  }
  return json;
}

const OCTETS = "application/octet-stream";

async function chunk(db, item, index) {
  const record = await db.get("chunks", [item.itemId, index]);
  if (!record) throw new Refused(0, "chunk_lost", `chunk ${index} of ${item.itemId} is missing on the phone`);
  return record.data;
}

/** The server's answer must name the very bytes we sent before the local copy may go (A 200
 * from a captive portal or a misbehaving proxy is not a confirmation). */
function confirmed(receipt, item) {
  if (receipt?.item_id !== item.itemId || (receipt.sha256 !== undefined && receipt.sha256 !== item.sha256)) {
    throw new RetryLater(`no confirmation from the server for ${item.itemId}`);
  }
}

async function sendWhole(ctx, db, item) {
  const parts = [];
  for (let i = 0; i < item.chunkCount; i += 1) parts.push(await chunk(db, item, i));
  const data = new Uint8Array(item.size);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  confirmed(await call(ctx, "PUT", `/cases/${item.caseId}/items/${item.itemId}`, {
    body: data,
    headers: { "Content-Type": OCTETS, "Content-Digest": await contentDigest(data) },
  }), item);
  ctx.progress(item, item.size);
}

async function sendChunked(ctx, db, item) {
  const base = `/cases/${item.caseId}/uploads/${item.itemId}`;
  const state = await call(ctx, "PUT", base, {
    body: JSON.stringify({ size: item.size, chunk_size: item.chunkSize, sha256: item.sha256, header: item.headerB64 }),
    headers: { "Content-Type": "application/json" },
  });
  if (!state || !Array.isArray(state.received)) throw new RetryLater("unexpected answer to an upload");
  if (state.complete) {
    confirmed(state.item, item);
    return ctx.progress(item, item.size);
  }
  const held = new Set(state.received);
  let sent = 0;
  for (const index of held) sent += index === item.chunkCount - 1 ? item.size - index * item.chunkSize : item.chunkSize;
  ctx.progress(item, sent);
  for (let index = 0; index < item.chunkCount; index += 1) {
    if (held.has(index)) continue;
    const data = await chunk(db, item, index);
    try {
      await call(ctx, "PUT", `${base}/chunks/${index}`, {
        body: data,
        headers: { "Content-Type": OCTETS, "Content-Digest": await contentDigest(data) },
      });
    } catch (error) {
      if (error instanceof Refused && error.code === "upload_not_found") throw new RetryLater(error.message);
      throw error;
    }
    sent += data.length;
    ctx.progress(item, sent);
  }
  let done;
  try {
    done = await call(ctx, "POST", `${base}/complete`);
  } catch (error) {
    // The server lost a chunk, or another context raced us, or the server dropped an upload
    // left unfinished for days: ask again what it holds (or start it again), later.
    if (error instanceof Refused && ["upload_incomplete", "upload_not_found"].includes(error.code)) {
      throw new RetryLater(error.message);
    }
    throw error;
  }
  if (!done?.complete) throw new RetryLater("the upload is not complete");
  confirmed(done.item, item);
  ctx.progress(item, item.size);
}

/**
 * Change some fields of a stored record, reading it again in the same transaction: the citizen
 * may have ticked "keep the receipt" or erased the case while this delivery ran, and a record
 * read at the start must never overwrite that. Returns null when the record is gone.
 */
async function update(db, store, key, changes) {
  const tx = db.transaction(store, "readwrite");
  const current = await tx.store.get(key);
  if (current) await tx.store.put(Object.assign(current, changes));
  await tx.done;
  return current ?? null;
}

class CaseGone extends Error {}

async function deliverCase(ctx, db, record) {
  try {
    await call(ctx, "PUT", `/cases/${record.caseId}`);
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    await update(db, "cases", record.caseId, { state: STATES.FAILED, error: error.code });
    announce({ type: "case", caseId: record.caseId, state: STATES.FAILED });
    return;
  }
  for (const item of await itemsOf(record.caseId, db)) {
    if (item.state !== STATES.QUEUED) continue;
    if (!(await db.get("cases", record.caseId))) throw new CaseGone(); // erased by the citizen meanwhile
    try {
      if (item.size <= DIRECT_LIMIT) await sendWhole(ctx, db, item);
      else await sendChunked(ctx, db, item);
      if (!(await update(db, "items", item.itemId, { state: STATES.DELIVERED }))) throw new CaseGone();
      await deleteItemData(item.itemId, db, { keepRecord: true });
      announce({ type: "item", caseId: item.caseId, itemId: item.itemId, state: STATES.DELIVERED });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      if (!(await update(db, "items", item.itemId, { state: STATES.FAILED, error: error.code }))) throw new CaseGone();
      announce({ type: "item", caseId: item.caseId, itemId: item.itemId, state: STATES.FAILED, error: error.code });
    }
  }
  const states = (await itemsOf(record.caseId, db)).map((i) => i.state);
  let changes = null;
  if (states.every((s) => s === STATES.DELIVERED)) changes = { state: STATES.DELIVERED, deliveredAt: new Date().toISOString() };
  else if (!states.includes(STATES.QUEUED)) changes = { state: STATES.FAILED };
  const now = changes ? await update(db, "cases", record.caseId, changes) : await db.get("cases", record.caseId);
  if (!now) throw new CaseGone();
  announce({ type: "case", caseId: record.caseId, state: now.state });
}

async function run(ctx) {
  const db = ctx.db ?? (await openOutbox());
  const queued = (await db.getAll("cases"))
    .filter((c) => c.state === STATES.QUEUED)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  let result = "done";
  for (const record of queued) {
    try {
      await deliverCase(ctx, db, record);
    } catch (error) {
      if (error instanceof CaseGone) {
        for (const item of await itemsOf(record.caseId, db)) await deleteItemData(item.itemId, db);
        continue;
      }
      if (error instanceof RetryLater) {
        announce({ type: "offline", caseId: record.caseId, reason: error.message });
        return "retry";
      }
      // Anything unexpected stays with its case: the cases behind it still go out.
      console.error("delivery of a case failed", error);
      result = "retry";
    }
  }
  return result;
}

/**
 * Deliver every queued case. Returns "done" (nothing left to send), "retry" (the network or
 * the server failed: call again later) or "busy" (another page or the service worker is at it).
 * With `wait` (the service worker's Background Sync), it waits for the lock instead of answering
 * "busy": if the page delivering now is closed, its lock is freed and the worker carries on.
 */
export async function deliverAll({ fetchFn = fetch.bind(globalThis), base = "", db = null, locks, wait = false } = {}) {
  const progress = (item, sent) =>
    announce({ type: "progress", caseId: item.caseId, itemId: item.itemId, sent, total: item.size });
  const ctx = { fetchFn, base, db, progress };
  locks ??= globalThis.navigator?.locks;
  if (!locks) return run(ctx);
  if (wait) return locks.request(LOCK, () => run(ctx));
  return locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? run(ctx) : "busy"));
}
