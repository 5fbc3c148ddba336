import { beforeEach, describe, expect, it } from "vitest";
import { deleteDB } from "idb";
import { openOutbox } from "../../../pwa/src/outbox/db.js";
import { deliverAll } from "../../../pwa/src/outbox/deliver.js";
import { backoffDelay, createScheduler } from "../../../pwa/src/outbox/scheduler.js";
import { cleanUp, draftLockName, itemsOf, listCases, putCase, queueCase, STATES } from "../../../pwa/src/outbox/store.js";
import { OutboxWriter } from "../../../pwa/src/outbox/writer.js";
import { fakeServer } from "./fake-server.js";

const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");

async function sha256hex(bytes) {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) =>
    b.toString(16).padStart(2, "0")).join("");
}

/** Store ``size`` random bytes as an item of ``caseId``, as the worker would (in pieces). */
async function storeItem(db, caseId, { size, kind = "attachment", part = 1, chunkSize = 64 * 1024 }) {
  const itemId = hex(16);
  const bytes = crypto.getRandomValues(new Uint8Array(size > 65536 ? 65536 : size));
  const whole = new Uint8Array(size);
  for (let i = 0; i < size; i += bytes.length) whole.set(bytes.subarray(0, Math.min(bytes.length, size - i)), i);
  const writer = new OutboxWriter({ itemId, caseId, kind, part, chunkSize, db });
  for (let i = 0; i < size; i += 10_000) await writer.write(whole.subarray(i, Math.min(size, i + 10_000)));
  const item = await writer.finish({ headerBytes: whole.subarray(0, 200), envelopeSize: size,
    envelopeSha256: await sha256hex(whole) });
  return { item, whole };
}

async function newCase(db, items) {
  const caseId = hex(16);
  await putCase({ caseId, state: STATES.DRAFT, createdAt: new Date().toISOString() }, db);
  const stored = [];
  for (const spec of items) stored.push(await storeItem(db, caseId, spec));
  return { caseId, stored };
}

/** Byte equality without vitest's element-by-element deep equality (slow on megabytes). */
const same = (a, b) => a !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

const noLocks = { request: (_name, _opts, fn) => fn({}) };
let db;

beforeEach(async () => {
  db = await openOutbox(`test-${hex(4)}`);
});

describe("outbox writer", () => {
  it("cuts the envelope into upload-sized chunks and records the item last", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 200_000 }]);
    const { item } = stored[0];
    expect(item.chunkCount).toBe(4);
    expect(item.state).toBe(STATES.DRAFT);
    const chunks = await db.getAll("chunks");
    expect(chunks.map((c) => c.data.length)).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect((await itemsOf(caseId, db)).length).toBe(1);
  });

  it("refuses to record an item whose bytes are not all written", async () => {
    const writer = new OutboxWriter({ itemId: hex(16), caseId: hex(16), kind: "report", part: 0, db });
    await writer.write(new Uint8Array(100));
    await expect(writer.finish({ headerBytes: new Uint8Array(1), envelopeSize: 101, envelopeSha256: "x" }))
      .rejects.toThrow(/expected 101/);
    expect(await db.getAll("items")).toEqual([]);
  });
});

describe("delivery", () => {
  it("delivers a queued case exactly once, report first, and drops the local ciphertext", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 3000, kind: "report", part: 0 }, { size: 150_000 },
      { size: 2_500_000, part: 2, chunkSize: 1024 * 1024 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    for (const { item, whole } of stored) expect(same(server.items.get(item.itemId), whole)).toBe(true);
    expect(server.log[0]).toBe(`PUT /api/v1/cases/${caseId}`);
    expect(server.log[1]).toContain(`/items/${stored[0].item.itemId}`); // the report goes first
    expect(await db.getAll("chunks")).toEqual([]);
    expect((await listCases(db))[0].state).toBe(STATES.DELIVERED);
    const before = server.log.length;
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    expect(server.log.length).toBe(before); // nothing sent twice
  });

  it("keeps everything when the network is down, then resumes where it stopped", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 3_500_000, chunkSize: 1024 * 1024 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.down = true;
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("retry");
    expect((await db.getAll("chunks")).length).toBe(4);
    server.down = false;
    // the third chunk fails once with a 503: the run stops, the next one resumes
    server.failNext = (method, path) => method === "PUT" && path.endsWith("/chunks/2");
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("retry");
    expect(server.items.size).toBe(0);
    const chunkPuts = () => server.log.filter((l) => l.includes("/chunks/")).length;
    const sentBefore = chunkPuts();
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    expect(chunkPuts() - sentBefore).toBe(2); // chunks 2 and 3 only: 0 and 1 were held
    expect(same(server.items.get(stored[0].item.itemId), stored[0].whole)).toBe(true);
  });

  it("marks an item refused by the server as failed and never retries it", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    server.items.set(stored[0].item.itemId, new Uint8Array([1, 2, 3])); // other bytes under the same id
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    const [item] = await itemsOf(caseId, db);
    expect(item.state).toBe(STATES.FAILED);
    expect(item.error).toBe("item_conflict");
    expect((await listCases(db))[0].state).toBe(STATES.FAILED);
  });

  it("leaves drafts alone", async () => {
    await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    const server = fakeServer();
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    expect(server.log).toEqual([]);
  });

  it("answers busy when another context holds the delivery lock", async () => {
    const held = { request: (_n, _o, fn) => fn(null) };
    expect(await deliverAll({ fetchFn: fakeServer().fetch, db, locks: held })).toBe("busy");
  });
});

describe("delivery against what happens meanwhile", () => {
  /** A fetch that stops at the first request matching ``when`` until ``release()`` is called. */
  function pausing(server, when) {
    let release;
    const gate = new Promise((r) => { release = r; });
    let paused = false;
    const fetchFn = async (url, init = {}) => {
      if (!paused && when(init.method ?? "GET", new URL(url, "http://x").pathname)) {
        paused = true;
        await gate;
      }
      return server.fetch(url, init);
    };
    return { fetchFn, release: () => release() };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it("keeps a receipt ticked during the upload (the record is read again, not overwritten)", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    const { fetchFn, release } = pausing(server, (m, p) => p.endsWith(stored[0].item.itemId));
    const running = deliverAll({ fetchFn, db, locks: noLocks });
    await settle();
    const record = (await listCases(db))[0];
    await putCase({ ...record, receipt: "7K3M QX2P 9ZTA 4HCW" }, db); // the citizen ticks "keep"
    release();
    expect(await running).toBe("done");
    const after = (await listCases(db))[0];
    expect(after.state).toBe(STATES.DELIVERED);
    expect(after.receipt).toBe("7K3M QX2P 9ZTA 4HCW");
  });

  it("does not bring back a case erased during its upload", async () => {
    const { caseId } = await newCase(db, [{ size: 1000, kind: "report", part: 0 }, { size: 2_500_000, chunkSize: 1024 * 1024 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    const { fetchFn, release } = pausing(server, (m, p) => p.endsWith("/chunks/1"));
    const running = deliverAll({ fetchFn, db, locks: noLocks });
    await settle();
    const { forgetCase } = await import("../../../pwa/src/outbox/store.js");
    await forgetCase(caseId, db);
    release();
    expect(await running).toBe("done");
    expect(await listCases(db)).toEqual([]);
    expect(await db.getAll("items")).toEqual([]);
    expect(await db.getAll("chunks")).toEqual([]);
  });

  it("deletes nothing on a 200 that does not confirm the item (a captive portal, a proxy)", async () => {
    const { caseId } = await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    await queueCase(caseId, db);
    const portal = async (url, init = {}) => new Response("<html>Wi-Fi gratuit</html>", { status: 200 });
    expect(await deliverAll({ fetchFn: portal, db, locks: noLocks })).toBe("retry");
    expect((await db.getAll("chunks")).length).toBe(1);
    expect((await listCases(db))[0].state).toBe(STATES.QUEUED);
  });

  it("a case the server refuses does not hold back the cases behind it", async () => {
    const first = await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    await queueCase(first.caseId, db);
    const second = await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    await queueCase(second.caseId, db);
    const server = fakeServer();
    const fetchFn = async (url, init = {}) => (new URL(url, "http://x").pathname === `/api/v1/cases/${first.caseId}`
      ? new Response(JSON.stringify({ error: "forbidden", message: "" }), { status: 403 })
      : server.fetch(url, init));
    expect(await deliverAll({ fetchFn, db, locks: noLocks })).toBe("done");
    const states = Object.fromEntries((await listCases(db)).map((c) => [c.caseId, c.state]));
    expect(states).toEqual({ [first.caseId]: STATES.FAILED, [second.caseId]: STATES.DELIVERED });
  });

  it("an upload the server dropped is started again, not given up", async () => {
    const { caseId, stored } = await newCase(db, [{ size: 2_500_000, chunkSize: 1024 * 1024 }]);
    await queueCase(caseId, db);
    const server = fakeServer();
    const fetchFn = async (url, init = {}) => {
      if (new URL(url, "http://x").pathname.endsWith("/chunks/1")) server.uploads.clear(); // garbage-collected
      return server.fetch(url, init);
    };
    expect(await deliverAll({ fetchFn, db, locks: noLocks })).toBe("retry");
    expect(await deliverAll({ fetchFn: server.fetch, db, locks: noLocks })).toBe("done");
    expect(same(server.items.get(stored[0].item.itemId), stored[0].whole)).toBe(true);
  });

  it("with wait (Background Sync), waits for the lock instead of answering busy", async () => {
    const { caseId } = await newCase(db, [{ size: 1000, kind: "report", part: 0 }]);
    await queueCase(caseId, db);
    const calls = [];
    const locks = { request: (name, opts, fn) => { calls.push(typeof opts === "function" ? "wait" : "if-available");
      return (fn ?? opts)({}); } };
    expect(await deliverAll({ fetchFn: fakeServer().fetch, db, locks, wait: true })).toBe("done");
    expect(calls).toEqual(["wait"]);
  });
});

describe("cleanup", () => {
  it("drops abandoned drafts but not one being edited, and forgets old deliveries", async () => {
    const abandoned = await newCase(db, [{ size: 1000 }]);
    const editing = await newCase(db, [{ size: 1000 }]);
    const old = await newCase(db, [{ size: 10 }]);
    await putCase({ caseId: old.caseId, state: STATES.DELIVERED, createdAt: "2026-01-01T00:00:00Z",
      deliveredAt: "2026-01-01T00:00:00Z" }, db);
    const kept = await newCase(db, [{ size: 10 }]);
    await putCase({ caseId: kept.caseId, state: STATES.DELIVERED, createdAt: "2026-01-01T00:00:00Z",
      deliveredAt: "2026-01-01T00:00:00Z", receipt: "7K3M QX2P 9ZTA 4HCW" }, db);
    await cleanUp({ heldLocks: new Set([draftLockName(editing.caseId)]) }, db);
    const left = (await db.getAll("cases")).map((c) => c.caseId).sort();
    expect(left).toEqual([editing.caseId, kept.caseId].sort());
    expect((await db.getAll("items")).every((i) => i.caseId !== abandoned.caseId)).toBe(true);
  });
});

describe("scheduler", () => {
  it("backs off exponentially with jitter, up to a ceiling", () => {
    expect(backoffDelay(0, { random: () => 0.5 })).toBe(2000);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(16000);
    expect(backoffDelay(30, { random: () => 0.5 })).toBe(300000);
    expect(backoffDelay(2, { random: () => 0 })).toBe(Math.round(8000 * 0.7));
    expect(backoffDelay(2, { random: () => 1 })).toBe(Math.round(8000 * 1.3));
  });

  it("retries after a failure and runs again when kicked during a run", async () => {
    const timers = [];
    const results = ["retry", "done", "done"];
    let calls = 0;
    let release;
    const scheduler = createScheduler(async () => {
      calls += 1;
      if (calls === 2) await new Promise((r) => (release = r));
      return results[calls - 1];
    }, { random: () => 0.5, setTimer: (fn, ms) => timers.push({ fn, ms }), clearTimer: () => {} });
    expect(await scheduler.kick()).toBe("retry");
    expect(timers.map((t) => t.ms)).toEqual([2000]);
    const second = timers[0].fn(); // the timer fires
    await new Promise((r) => setTimeout(r, 0));
    scheduler.kick(); // a trigger while running: one more run afterwards
    release();
    await second;
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(3);
  });
});
