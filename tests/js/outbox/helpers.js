// Shared by the outbox's unit tests: items stored as the crypto worker stores them, and a
// clock the tests move by hand (delivery times its retries from it).
import { putCase } from "../../../pwa/src/outbox/store.js";
import { STATES } from "../../../pwa/src/outbox/store.js";
import { OutboxWriter } from "../../../pwa/src/outbox/writer.js";

export const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) =>
  b.toString(16).padStart(2, "0")).join("");

export async function sha256hex(bytes) {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) =>
    b.toString(16).padStart(2, "0")).join("");
}

/** Store `size` random bytes as an item of `caseId`, as the worker would (in pieces). */
export async function storeItem(db, caseId, { size, kind = "attachment", part = 1, chunkSize = 64 * 1024 }) {
  const itemId = hex(16);
  const bytes = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
  const whole = new Uint8Array(size);
  for (let i = 0; i < size; i += bytes.length) whole.set(bytes.subarray(0, Math.min(bytes.length, size - i)), i);
  whole[0] = part; // two items never share their bytes
  const writer = new OutboxWriter({ itemId, caseId, kind, part, chunkSize, db });
  for (let i = 0; i < size; i += 10_000) await writer.write(whole.subarray(i, Math.min(size, i + 10_000)));
  const item = await writer.finish({ headerBytes: whole.subarray(0, 200), envelopeSize: size,
    envelopeSha256: await sha256hex(whole) });
  return { item, whole };
}

let clockBase = Date.parse("2026-12-01T10:00:00Z");

/** A case with a report (part 0) and `attachments` ({size, chunkSize}), as a draft. */
export async function newCase(db, items) {
  const caseId = hex(16);
  clockBase += 1000; // creation order is the order of createdAt
  await putCase({ caseId, state: STATES.DRAFT, createdAt: new Date(clockBase).toISOString() }, db);
  const stored = [];
  for (const spec of items) stored.push(await storeItem(db, caseId, spec));
  return { caseId, stored };
}

export const report = (size = 3000) => ({ size, kind: "report", part: 0 });

/** Byte equality without vitest's element-by-element deep equality (slow on megabytes). */
export const same = (a, b) => a !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

export const noLocks = { request: (_name, _opts, fn) => (fn ?? _opts)({}) };

/** A clock for delivery's retry times: tests move it instead of waiting. */
export function manualClock(start = Date.parse("2026-12-01T12:00:00Z")) {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; }, set: (v) => { t = v; } };
}
